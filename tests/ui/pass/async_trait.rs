// `#[llm_call]` on the methods of an `#[async_trait]` impl, used through
// `dyn`, compiles without a warning.
#![deny(warnings)]

use async_trait::async_trait;
use llm_trace::llm_call;
use llm_trace::provider::openai::{ChatCompletion, ChatRequest};

#[derive(Debug)]
pub struct ApiError;

#[async_trait]
pub trait Llm: Send + Sync {
    async fn chat(&self, request: ChatRequest) -> Result<ChatCompletion, ApiError>;
    async fn count(&self, mut n: u32) -> u32;
}

pub struct Client {
    base_url: String,
}

#[async_trait]
impl Llm for Client {
    #[llm_call(provider = "openai", request = request, server = self.base_url)]
    async fn chat(&self, request: ChatRequest) -> Result<ChatCompletion, ApiError> {
        let _ = request;
        Ok(ChatCompletion::default())
    }

    #[llm_call(provider = "openai", model = "gpt-4o")]
    async fn count(&self, mut n: u32) -> u32 {
        n += 1;
        n
    }
}

fn main() {
    let client: Box<dyn Llm> = Box::new(Client { base_url: "http://127.0.0.1:1/v1".into() });
    let _future = client.count(1);
}
