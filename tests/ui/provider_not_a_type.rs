use llm_trace::llm_call;

pub struct Backend;

impl Backend {
    pub fn new() -> Self {
        Backend
    }
}

#[llm_call(provider = Backend::new())]
async fn chat() {}

fn main() {}
