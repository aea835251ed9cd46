//! The expansion of `#[llm_call]` raises no lint the function as written
//! would not: this file is compiled under `#![deny(warnings)]` (rustc's
//! lints), and the workspace's `cargo clippy --all-targets -- -D warnings`
//! checks it for `clippy::all`. Each shape below once raised a lint at the
//! user's code (`unused_braces` on one-line bodies, "value captured by `n`
//! is never read" on `mut` arguments). The test itself checks that the
//! functions return what they would without the attribute.

#![deny(warnings)]

use std::pin::Pin;

use async_trait::async_trait;
use futures::stream::{self, BoxStream, Stream, StreamExt};
use llm_trace::llm_call;
use llm_trace::provider::openai::{ChatCompletion, ChatRequest};

#[derive(Debug, PartialEq)]
pub struct ApiError;

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn one_line() -> Result<u32, ApiError> {
    Ok(1)
}

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn one_line_unit() {}

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn one_expression(n: u32) -> u32 {
    n + 1
}

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn mut_argument_assigned_then_read(mut n: u32) -> u32 {
    n += 1;
    n
}

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn mut_argument_reassigned(
    mut tries: u32,
    request: ChatRequest,
) -> Result<ChatCompletion, ApiError> {
    while tries > 0 {
        tries -= 1;
    }
    let _ = request;
    Ok(ChatCompletion::default())
}

#[llm_call(provider = "openai", request = request)]
async fn mut_request(mut request: ChatRequest) -> Result<ChatCompletion, ApiError> {
    request.model.push_str("-mini");
    Ok(ChatCompletion {
        model: request.model,
        ..ChatCompletion::default()
    })
}

#[llm_call(provider = "openai", model = "gpt-4o", stream)]
fn one_line_stream() -> BoxStream<'static, u32> {
    stream::iter([1, 2]).boxed()
}

#[llm_call(provider = "openai", model = "gpt-4o")]
fn impl_stream(mut n: u32) -> impl Stream<Item = u32> {
    n += 1;
    stream::iter([n])
}

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn pinned_stream() -> Result<Pin<Box<dyn Stream<Item = u32> + Send>>, ApiError> {
    Ok(Box::pin(stream::iter([3])))
}

pub struct Client {
    calls: u32,
}

impl Client {
    #[llm_call(provider = "openai", model = "gpt-4o")]
    pub async fn by_ref(&self) -> u32 {
        self.calls
    }

    #[llm_call(provider = "openai", model = "gpt-4o")]
    pub async fn by_mut(&mut self, mut extra: u32) -> u32 {
        extra += 1;
        self.calls += extra;
        self.calls
    }

    #[llm_call(provider = "openai", model = "gpt-4o")]
    pub async fn by_value(self) -> u32 {
        self.calls
    }
}

pub trait Ask {
    fn ask(&self, question: &str) -> impl std::future::Future<Output = usize> + Send;
}

impl Ask for Client {
    #[llm_call(provider = "openai", model = "gpt-4o")]
    async fn ask(&self, question: &str) -> usize {
        question.len()
    }
}

#[async_trait]
pub trait AskDyn: Send + Sync {
    async fn ask_dyn(&self, question: &str) -> Result<usize, ApiError>;
    async fn bump(&self, n: u32) -> u32;
}

#[async_trait]
impl AskDyn for Client {
    #[llm_call(provider = "openai", model = "gpt-4o")]
    async fn ask_dyn(&self, question: &str) -> Result<usize, ApiError> {
        Ok(question.len())
    }

    #[llm_call(provider = "openai", model = "gpt-4o")]
    async fn bump(&self, mut n: u32) -> u32 {
        n += self.calls;
        n
    }
}

#[tokio::test]
async fn every_shape_returns_what_it_would_without_the_attribute() {
    assert_eq!(one_line().await, Ok(1));
    one_line_unit().await;
    assert_eq!(one_expression(1).await, 2);
    assert_eq!(mut_argument_assigned_then_read(1).await, 2);
    assert!(mut_argument_reassigned(3, ChatRequest::default())
        .await
        .is_ok());
    let request = ChatRequest {
        model: "gpt-4o".into(),
        ..ChatRequest::default()
    };
    assert_eq!(mut_request(request).await.unwrap().model, "gpt-4o-mini");
    assert_eq!(one_line_stream().collect::<Vec<_>>().await, [1, 2]);
    assert_eq!(impl_stream(1).collect::<Vec<_>>().await, [2]);
    assert_eq!(
        pinned_stream().await.unwrap().collect::<Vec<_>>().await,
        [3]
    );
    let mut client = Client { calls: 1 };
    assert_eq!(client.by_ref().await, 1);
    assert_eq!(client.by_mut(1).await, 3);
    assert_eq!(client.ask("four").await, 4);
    let shared: &dyn AskDyn = &client;
    assert_eq!(shared.ask_dyn("three").await, Ok(5));
    assert_eq!(shared.bump(2).await, 5);
    assert_eq!(client.by_value().await, 3);
}
