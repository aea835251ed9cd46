use llm_trace::llm_call;

pub struct User {
    pub id: u64,
}

#[llm_call(provider = "openai", fields(user.id = user.id, user = user))]
async fn chat(user: &User) {
    let _ = user;
}

fn main() {}
