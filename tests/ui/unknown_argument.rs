use llm_trace::llm_call;

// Neither a known argument nor `key = <literal>` metadata.
#[llm_call(provider = "openai", streaming, temperature = temp)]
async fn chat(temp: f64) {
    let _ = temp;
}

fn main() {}
