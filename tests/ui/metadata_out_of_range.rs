use llm_trace::llm_call;

// Attribute integers are i64: the smallest fits, one past the largest does not.
#[llm_call(provider = "openai", min = -9223372036854775808, too_big = 9223372036854775808, huge = 1e400)]
async fn chat() {}

fn main() {}
