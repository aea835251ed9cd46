use llm_trace::llm_call;

// A key a small edit away from an argument is a misspelling, not metadata:
// the span would silently lack the model, server or operation.
#[llm_call(provider = "openai", modle = "gpt-4o", sever = "http://127.0.0.1:8080", operaton = "chat")]
async fn chat() {}

#[llm_call(provder = "openai", model = "gpt-4o", captureContent = "span_only", mod.el = "x")]
async fn embed() {}

#[llm_call(provider = "anthropic", Model = "claude-sonnet-4-5", prompt_verison = 2, streem)]
async fn ask() {}

fn main() {}
