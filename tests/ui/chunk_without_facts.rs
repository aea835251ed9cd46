use futures::Stream;
use llm_trace::llm_call;

/// A chunk type of the user's own, without `ChunkFacts`.
pub struct Delta {
    pub text: String,
}

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn chat() -> Result<impl Stream<Item = Result<Delta, std::io::Error>>, std::io::Error> {
    Ok(futures::stream::empty())
}

fn main() {}
