use llm_trace::llm_call;

#[llm_call(provider = "openai", server = port)]
async fn chat(port: u16) {
    let _ = port;
}

fn main() {}
