// The shapes that raised lints at the user's code, under `deny(warnings)`:
// one-line bodies, `mut` arguments, a synchronous stream assigning its `mut`
// argument. tests/spans/lints.rs runs more shapes (and clippy checks them there).
#![deny(warnings)]

use llm_trace::llm_call;

#[derive(Debug)]
pub struct ApiError;

#[rustfmt::skip]
#[llm_call(provider = "openai", model = "gpt-4o")]
async fn one_line() -> Result<u32, ApiError> { Ok(1) }

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn mut_argument(mut tries: u32) -> u32 {
    while tries > 3 {
        tries -= 1;
    }
    tries
}

#[llm_call(provider = "openai", model = "gpt-4o")]
fn mut_argument_stream(mut n: u32) -> impl futures::Stream<Item = u32> {
    n += 1;
    futures::stream::iter(vec![n])
}

fn main() {
    let _ = (one_line(), mut_argument(5), mut_argument_stream(1));
}
