use llm_trace::llm_call;

pub struct User {
    pub tier: &'static str,
}

// Metadata values are literals; expressions belong in `fields(...)`.
#[llm_call(provider = "openai", app.tier = user.tier)]
async fn chat(user: &User) {
    let _ = user;
}

fn main() {}
