use llm_trace::llm_call;

pub struct MyRequest;

#[llm_call(provider = "openai", request = req)]
async fn chat(req: MyRequest) {
    let _ = req;
}

fn main() {}
