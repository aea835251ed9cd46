use futures::stream::Iter;
use llm_trace::llm_call;
use llm_trace::provider::openai::ChatCompletionChunk;

/// A stream of a named type that is not boxed: the instrumented stream
/// cannot be returned as it.
#[llm_call(provider = "openai", model = "gpt-4o")]
async fn chat(chunks: Vec<ChatCompletionChunk>) -> Iter<std::vec::IntoIter<ChatCompletionChunk>> {
    futures::stream::iter(chunks)
}

fn main() {}
