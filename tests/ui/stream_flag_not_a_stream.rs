use llm_trace::llm_call;
use llm_trace::provider::openai::ChatCompletion;

type Reply = ChatCompletion;

#[llm_call(provider = "openai", model = "gpt-4o", stream)]
async fn chat() -> Result<Reply, std::io::Error> {
    Ok(ChatCompletion::default())
}

fn main() {}
