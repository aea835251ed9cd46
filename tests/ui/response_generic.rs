use llm_trace::llm_call;

/// A response that comes through a generic type without a bound.
#[llm_call(provider = "anthropic", model = "claude-haiku-4-5")]
async fn chat<T: Default>() -> Result<T, std::io::Error> {
    Ok(T::default())
}

fn main() {}
