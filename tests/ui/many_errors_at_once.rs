use llm_trace::llm_call;

const MODEL: &str = "gpt-4o-mini";

// Every mistake of one annotation is reported in the same compile.
#[llm_call(provider = "opnai", model = MODEL, temperature, model = "gpt-4o", request = req, fields(a.b))]
fn chat(request: u32) {
    let _ = request;
}

fn main() {}
