//! Function shapes `#[llm_call]` instruments without changing them.

use llm_trace::llm_call;
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use llm_trace::provider::{OpenAi, ResponseFacts};
use llm_trace_testkit::attrs;
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::{Array, StringValue, Value};

#[derive(Debug, PartialEq)]
struct ApiError(&'static str);

fn completion(tokens: u64) -> ChatCompletion {
    serde_json::from_value(serde_json::json!({
        "id": "c", "model": "m", "choices": [],
        "usage": {"prompt_tokens": tokens, "completion_tokens": 1, "total_tokens": tokens + 1}
    }))
    .unwrap()
}

struct Client {
    calls: u32,
}

impl Client {
    /// Doc comments stay on the function.
    #[llm_call(provider = "openai", model = "gpt-4o", name = "by_ref")]
    pub async fn by_ref(&self, tokens: u64) -> Result<ChatCompletion, ApiError> {
        let _ = self.calls;
        Ok(completion(tokens))
    }

    #[llm_call(provider = "openai", model = "gpt-4o", name = "by_mut", fields(calls = self.calls))]
    async fn by_mut(&mut self) -> u32 {
        self.calls += 1;
        self.calls
    }

    #[llm_call(provider = "openai", model = "gpt-4o", name = "by_value")]
    async fn by_value(self) -> u32 {
        self.calls
    }

    #[llm_call(provider = "openai", model = "gpt-4o", name = "returns_self", response = none)]
    async fn returns_self(calls: u32) -> Result<Self, ApiError> {
        Ok(Client { calls })
    }
}

#[tokio::test]
async fn methods_with_ref_mut_and_value_receivers() {
    let cap = Capture::new();
    let mut client = cap.run(Client::returns_self(0)).await.unwrap();
    cap.run(client.by_ref(3)).await.unwrap();
    assert_eq!(cap.run(client.by_mut()).await, 1);
    assert_eq!(cap.run(client.by_value()).await, 1);

    assert_eq!(
        attributes(&cap.span("by_ref"))["gen_ai.usage.input_tokens"],
        Value::I64(3)
    );
    assert_eq!(attributes(&cap.span("by_mut"))["calls"], Value::I64(0));
    assert_eq!(
        attributes(&cap.span("by_value"))["code.function.name"],
        Value::from("spans::shapes::Client::by_value")
    );
    cap.span("returns_self");
}

#[llm_call(provider = "openai", name = "generic", request = req)]
async fn generic<R, F>(req: R, make: F) -> Result<R, ApiError>
where
    R: ResponseFacts<OpenAi> + llm_trace::provider::RequestFacts<OpenAi>,
    F: FnOnce() -> u8,
{
    let _ = make();
    Ok(req)
}

#[llm_call(provider = "openai", model = "gpt-4o", name = "impl_arg")]
async fn impl_arg(tokens: impl Into<u64>, label: impl AsRef<str>) -> ChatCompletion {
    let _ = label.as_ref();
    completion(tokens.into())
}

#[tokio::test]
async fn generic_functions_use_the_bounds_in_scope() {
    let cap = Capture::new();
    let body = serde_json::json!({"model": "gpt-4o", "id": "x", "usage": {"prompt_tokens": 4, "completion_tokens": 2}});
    cap.run(generic(body, || 1)).await.unwrap();
    cap.run(impl_arg(9u32, "label")).await;

    let attrs = attributes(&cap.span("generic"));
    assert_eq!(attrs["gen_ai.request.model"], Value::from("gpt-4o"));
    assert_eq!(attrs["gen_ai.usage.input_tokens"], Value::I64(4));
    assert_eq!(
        attributes(&cap.span("impl_arg"))["gen_ai.usage.input_tokens"],
        Value::I64(9)
    );
}

fn fallible(ok: bool) -> Result<u64, ApiError> {
    if ok {
        Ok(5)
    } else {
        Err(ApiError("fallible failed"))
    }
}

#[llm_call(provider = "openai", model = "gpt-4o", name = "question_mark")]
async fn question_mark(ok: bool, early: bool) -> Result<ChatCompletion, ApiError> {
    if early {
        return Ok(completion(1));
    }
    let tokens = fallible(ok)?;
    Ok(completion(tokens))
}

#[tokio::test]
async fn question_mark_and_early_return() {
    let cap = Capture::new();
    assert_eq!(
        cap.run(question_mark(true, true))
            .await
            .unwrap()
            .usage
            .unwrap()
            .prompt_tokens,
        1
    );
    assert_eq!(
        cap.run(question_mark(true, false))
            .await
            .unwrap()
            .usage
            .unwrap()
            .prompt_tokens,
        5
    );
    assert_eq!(
        cap.run(question_mark(false, false)).await.unwrap_err(),
        ApiError("fallible failed")
    );
    let spans = cap.spans();
    assert_eq!(spans.len(), 3);
    assert_eq!(
        attributes(&spans[0])["gen_ai.usage.input_tokens"],
        Value::I64(1)
    );
    assert_eq!(
        attributes(&spans[1])["gen_ai.usage.input_tokens"],
        Value::I64(5)
    );
    assert_eq!(
        attributes(&spans[2])["error.type"],
        Value::from("spans::shapes::ApiError")
    );
}

trait Summarizer {
    async fn summarize(&self, text: &str) -> Result<ChatCompletion, ApiError>;
}

impl Summarizer for Client {
    #[llm_call(provider = "openai", model = "gpt-4o-mini", name = "trait_impl", fields(text.len = text.len()))]
    async fn summarize(&self, text: &str) -> Result<ChatCompletion, ApiError> {
        Ok(completion(text.len() as u64))
    }
}

#[tokio::test]
async fn async_fns_in_trait_impls() {
    let cap = Capture::new();
    let client = Client { calls: 0 };
    cap.run(client.summarize("four")).await.unwrap();
    let attrs = attributes(&cap.span("trait_impl"));
    assert_eq!(attrs["text.len"], Value::I64(4));
    assert_eq!(attrs["gen_ai.usage.input_tokens"], Value::I64(4));
}

mod visibility {
    use super::*;

    /// Visibility and attributes are preserved.
    #[llm_call(provider = "openai", model = "gpt-4o", name = "visible")]
    #[must_use = "the answer matters"]
    pub(crate) async fn visible() -> u8 {
        3
    }
}

#[tokio::test]
async fn visibility_and_attributes_are_preserved() {
    let cap = Capture::new();
    assert_eq!(cap.run(visibility::visible()).await, 3);
    cap.span("visible");
}

#[llm_call(provider = "openai", name = "typed_fields", request = req,
           fields(count = 3u8, ratio = 0.5f32, ok = true, label = "x", owned = String::from("y"),
                  none = None::<u32>, some = Some(4i64), ints = vec![1i32, 2], floats = [0.5f64],
                  bools = &[true, false][..], words = vec!["a", "b"], big = u64::MAX,
                  messages = req.messages.len()))]
async fn typed_fields(req: &ChatRequest) -> u8 {
    let _ = req;
    0
}

#[tokio::test]
async fn field_values_convert_by_type() {
    let cap = Capture::new();
    let req = ChatRequest::new(
        "gpt-4o",
        vec![ChatMessage::user("a"), ChatMessage::user("b")],
    );
    cap.run(typed_fields(&req)).await;
    let attrs = attributes(&cap.span("typed_fields"));
    let expected = attrs! {
        "count" => 3,
        "ratio" => 0.5,
        "ok" => true,
        "label" => "x",
        "owned" => "y",
        "some" => 4,
        "big" => "18446744073709551615",
        "messages" => 2,
    };
    for (key, value) in &expected {
        assert_eq!(&attrs[key], value, "{key}");
    }
    assert!(!attrs.contains_key("none"));
    assert_eq!(attrs["ints"], Value::Array(Array::I64(vec![1, 2])));
    assert_eq!(attrs["floats"], Value::Array(Array::F64(vec![0.5])));
    assert_eq!(attrs["bools"], Value::Array(Array::Bool(vec![true, false])));
    assert_eq!(
        attrs["words"],
        Value::Array(Array::String(vec![
            StringValue::from("a"),
            StringValue::from("b")
        ]))
    );
}

#[llm_call(provider = "openai", server = base_url, model = "llama3", name = "server_override")]
async fn against(base_url: &str) -> u8 {
    0
}

#[tokio::test]
async fn server_names_the_endpoint_called() {
    let cap = Capture::new();
    cap.run(against("http://127.0.0.1:8089/v1")).await;
    let attrs = attributes(&cap.span("server_override"));
    assert_eq!(attrs["server.address"], Value::from("127.0.0.1"));
    assert_eq!(attrs["server.port"], Value::I64(8089));
}
