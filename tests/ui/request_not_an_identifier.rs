use llm_trace::llm_call;
use llm_trace::provider::openai::ChatRequest;

pub struct Job {
    pub request: ChatRequest,
}

#[llm_call(provider = "openai", request = job.request)]
async fn chat(job: Job) {
    let _ = job;
}

fn main() {}
