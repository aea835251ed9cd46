// A `mut` argument whose value is overwritten before it is read: the lint
// is the one the function as written raises, on the argument (not "value
// captured by `n` is never read" on the assignment).
#![deny(unused_assignments)]

use llm_trace::llm_call;

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn chat(mut n: u32) -> u32 {
    n = 5;
    n
}

fn main() {}
