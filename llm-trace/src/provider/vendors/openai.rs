//! OpenAI (`gen_ai.provider.name = "openai"`) and the family of providers
//! that speak its formats: [Chat Completions](ChatRequest), embeddings
//! ([`EmbeddingRequest`]) and the [Responses API](crate::provider::responses).
//!
//! The types of each format are re-exported here; raw [`serde_json::Value`]
//! bodies of any of them give the same facts (a body's shape tells the format
//! apart). Every [`OpenAiCompatible`] provider reads them the same way; only
//! OpenAI itself carries the `openai.*` attributes.
//!
//! OpenAI's `prompt_tokens` already includes `cached_tokens`, and
//! `completion_tokens` already includes `reasoning_tokens`: both map onto the
//! GenAI conventions unchanged.

use std::borrow::Cow;

use serde_json::Value;

use super::super::formats::chat_completions::{
    content as chat_content, facts as chat, stream as chat_stream,
};
use super::super::formats::{embeddings, responses};
use super::vendor;
use crate::model::value::str_at;
use crate::model::{OutputMessage, RequestContent};
use crate::provider::{
    ChunkFacts, Provider, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts,
    Usage,
};
use crate::semconv as sc;

pub use super::super::formats::chat_completions::{
    ChatCompletion, ChatCompletionChunk, ChatMessage, ChatRequest, Choice, ChunkChoice, ChunkDelta,
    ChunkFunction, ChunkToolCall, CompletionTokensDetails, CompletionUsage, Content, FunctionCall,
    MessageToolCall, PromptTokensDetails, Stop,
};
pub use super::super::formats::embeddings::{
    Embedding, EmbeddingRequest, EmbeddingResponse, EmbeddingUsage,
};

vendor! {
    /// OpenAI (`gen_ai.provider.name = "openai"`): Chat Completions, Responses
    /// and embeddings.
    OpenAi { name: "openai", operation: "chat", server: "api.openai.com", port: 443 }
    speaks OpenAiCompatible {}
}

/// Providers that speak OpenAI's Chat Completions format: the request and
/// response types of this module, and raw JSON bodies, describe their calls.
///
/// Implement it (with [`Provider`]) for a server of your own that serves the
/// format, or use `#[llm_call(provider = openai_compatible("name"))]`.
///
/// ```
/// use llm_trace::provider::openai::{ChatCompletion, ChatRequest};
/// use llm_trace::provider::{OpenAiCompatible, Provider};
///
/// /// A vLLM server in the data centre, under its own provider name.
/// pub struct InHouseVllm;
/// impl Provider for InHouseVllm {
///     const NAME: &'static str = "acme.vllm";
///     const DEFAULT_OPERATION: &'static str = "chat";
/// }
/// impl OpenAiCompatible for InHouseVllm {}
///
/// // Chat Completions types (and raw JSON bodies) now describe its calls.
/// #[llm_trace::llm_call(provider = InHouseVllm, request = req)]
/// async fn chat(req: ChatRequest) -> Result<ChatCompletion, std::io::Error> {
///     Ok(ChatCompletion::default())
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "the request or response type is of OpenAI's Chat Completions format, but the provider `{Self}` does not speak it",
    label = "the request type and the provider disagree",
    note = "name a provider of OpenAI's format (`provider = \"openai\"`, `\"deepseek\"`, `openai_compatible(\"name\")`, ...), or pass the provider's own request type (`llm_trace::provider::anthropic::MessagesRequest` for `\"anthropic\"`)",
    note = "a type of your own that speaks the format: `impl llm_trace::provider::OpenAiCompatible for {Self} {{}}`"
)]
pub trait OpenAiCompatible: Provider {
    /// Whether `completion_tokens` already counts the reasoning tokens of
    /// `completion_tokens_details` (OpenAI: yes; xAI: no, they are added).
    const COMPLETION_INCLUDES_REASONING: bool = true;
}

/// The `openai.*` request attributes: `openai.request.service_tier`. Only
/// for OpenAI itself: the conventions tie the `openai.*` attributes to
/// `gen_ai.provider.name = "openai"` (other servers of the format are not
/// expected to carry them).
pub(crate) fn openai_request_attributes<'a, P: Provider>(
    service_tier: Option<Cow<'a, str>>,
) -> Vec<(Cow<'static, str>, Cow<'a, str>)> {
    match service_tier {
        Some(tier) if P::NAME == OpenAi::NAME && !tier.is_empty() => {
            vec![(Cow::Borrowed(sc::OPENAI_REQUEST_SERVICE_TIER), tier)]
        }
        _ => Vec::new(),
    }
}

/// The `openai.*` response attributes: `openai.api.type` (the response's
/// shape tells the API apart, where an embeddings request body and a
/// Responses one may not), `openai.response.service_tier` and
/// `openai.response.system_fingerprint`; OpenAI only, as the request's.
pub(crate) fn openai_response_attributes<'a, P: Provider>(
    api: Option<&'static str>,
    service_tier: Option<&'a str>,
    system_fingerprint: Option<&'a str>,
) -> Vec<(Cow<'static, str>, Cow<'a, str>)> {
    if P::NAME != OpenAi::NAME {
        return Vec::new();
    }
    let mut attributes = Vec::with_capacity(3);
    if let Some(api) = api {
        attributes.push((Cow::Borrowed(sc::OPENAI_API_TYPE), Cow::Borrowed(api)));
    }
    for (key, value) in [
        (sc::OPENAI_RESPONSE_SERVICE_TIER, service_tier),
        (sc::OPENAI_RESPONSE_SYSTEM_FINGERPRINT, system_fingerprint),
    ] {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            attributes.push((Cow::Borrowed(key), Cow::Borrowed(value)));
        }
    }
    attributes
}

// Chat Completions.

impl<P: OpenAiCompatible> RequestFacts<P> for ChatRequest {
    fn request_model(&self) -> Option<&str> {
        chat::RequestView::model(self)
    }

    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo {
            provider_attributes: openai_request_attributes::<P>(chat::RequestView::service_tier(
                self,
            )),
            ..chat::request_info(self)
        }
    }

    fn request_content(&self) -> Option<RequestContent> {
        chat_content::chat_request_content(&serde_json::to_value(self).ok()?)
    }
}

impl<P: OpenAiCompatible> ResponseFacts<P> for ChatCompletion {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            provider_attributes: chat_attributes::<P>(Some("chat_completions"), self),
            ..chat::response_info(self, P::COMPLETION_INCLUDES_REASONING)
        }
    }

    fn response_model(&self) -> Option<&str> {
        chat::CompletionView::model(self)
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        chat_content::chat_output_messages(&serde_json::to_value(self).ok()?)
    }

    fn usage(&self) -> Option<Usage> {
        chat::usage(self, P::COMPLETION_INCLUDES_REASONING)
    }
}

/// The `openai.*` attributes of a Chat Completions response.
fn chat_attributes<'a, P: Provider>(
    api: Option<&'static str>,
    c: &'a (impl chat::CompletionView + ?Sized),
) -> Vec<(Cow<'static, str>, Cow<'a, str>)> {
    let (service_tier, system_fingerprint) = c.tier_and_fingerprint();
    openai_response_attributes::<P>(api, service_tier, system_fingerprint)
}

impl<P: OpenAiCompatible> ChunkFacts<P> for ChatCompletionChunk {
    fn observe(&self, stream: &mut StreamFacts) {
        chat_stream::observe_chunk(self, P::COMPLETION_INCLUDES_REASONING, stream);
    }
}

// Embeddings.

impl<P: OpenAiCompatible> RequestFacts<P> for EmbeddingRequest {
    fn request_model(&self) -> Option<&str> {
        embeddings::request_model(self)
    }

    fn request_info(&self) -> RequestInfo<'_> {
        embeddings::request_info(self)
    }
}

impl<P: OpenAiCompatible> ResponseFacts<P> for EmbeddingResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        embeddings::response_info(self)
    }

    fn response_model(&self) -> Option<&str> {
        embeddings::response_model(self)
    }

    fn usage(&self) -> Option<Usage> {
        embeddings::usage(self)
    }
}

// The Responses API.

impl<P: OpenAiCompatible> RequestFacts<P> for responses::ResponseRequest {
    fn request_model(&self) -> Option<&str> {
        responses::RequestView::model(self)
    }

    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo {
            provider_attributes: openai_request_attributes::<P>(
                responses::RequestView::service_tier(self),
            ),
            ..responses::request_info(self)
        }
    }

    fn request_content(&self) -> Option<RequestContent> {
        responses::responses_request_content(&serde_json::to_value(self).ok()?)
    }
}

impl<P: OpenAiCompatible> ResponseFacts<P> for responses::Response {
    fn response_info(&self) -> ResponseInfo<'_> {
        typed_responses_info::<P>(self)
    }

    fn response_model(&self) -> Option<&str> {
        responses::ResponseView::model(self)
    }

    fn usage(&self) -> Option<Usage> {
        responses::usage(self)
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        responses::responses_output_messages(&serde_json::to_value(self).ok()?)
    }
}

/// A typed Responses API response's facts with the vendor's attributes.
fn typed_responses_info<P: OpenAiCompatible>(r: &responses::Response) -> ResponseInfo<'_> {
    ResponseInfo {
        provider_attributes: openai_response_attributes::<P>(
            Some("responses"),
            responses::ResponseView::service_tier(r),
            None,
        ),
        ..responses::response_info(r)
    }
}

impl<P: OpenAiCompatible> ChunkFacts<P> for responses::ResponseStreamEvent {
    fn observe(&self, stream: &mut StreamFacts) {
        responses::observe_typed_event(self, stream, typed_responses_info::<P>);
    }
}

// Raw bodies of any of the three formats: the body's shape tells which.

impl<P: OpenAiCompatible> RequestFacts<P> for Value {
    fn request_model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }

    fn request_info(&self) -> RequestInfo<'_> {
        let service_tier = str_at(self, "service_tier");
        if let Some(info) = responses::responses_request_info(self) {
            return RequestInfo {
                provider_attributes: openai_request_attributes::<P>(service_tier),
                ..info
            };
        }
        RequestInfo {
            encoding_formats: embeddings::value_encoding_formats(self),
            provider_attributes: openai_request_attributes::<P>(service_tier),
            ..chat::request_info(self)
        }
    }

    fn request_content(&self) -> Option<RequestContent> {
        if responses::is_responses_request(self) {
            return responses::responses_request_content(self);
        }
        chat_content::chat_request_content(self)
    }
}

impl<P: OpenAiCompatible> ResponseFacts<P> for Value {
    fn response_info(&self) -> ResponseInfo<'_> {
        if let Some(info) = responses::responses_info(self) {
            return ResponseInfo {
                provider_attributes: openai_response_attributes::<P>(
                    Some("responses"),
                    responses::ResponseView::service_tier(self),
                    None,
                ),
                ..info
            };
        }
        ResponseInfo {
            embeddings_dimension_count: embeddings::value_dimension(self),
            provider_attributes: chat_attributes::<P>(
                match text_of(self, "object") {
                    Some("chat.completion") => Some("chat_completions"),
                    _ => None,
                },
                self,
            ),
            ..chat::response_info(self, P::COMPLETION_INCLUDES_REASONING)
        }
    }

    fn response_model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        if responses::is_responses_body(self) {
            return responses::responses_output_messages(self);
        }
        chat_content::chat_output_messages(self)
    }

    fn usage(&self) -> Option<Usage> {
        if responses::is_responses_body(self) {
            return responses::responses_usage(self);
        }
        chat::usage(self, P::COMPLETION_INCLUDES_REASONING)
    }
}

/// A raw chunk: a `chat.completion.chunk`, or a Responses API stream event
/// (`{"type": "response.completed", ...}`).
impl<P: OpenAiCompatible> ChunkFacts<P> for Value {
    fn __observe_json(event: &[u8], stream: &mut StreamFacts) -> bool {
        chat_stream::observe_raw_chunk(event, P::COMPLETION_INCLUDES_REASONING, stream)
    }

    fn observe(&self, stream: &mut StreamFacts) {
        if responses::observe_event(self, stream) {
            return;
        }
        chat_stream::observe_value(self, P::COMPLETION_INCLUDES_REASONING, stream);
    }
}

/// A string field of a body, borrowed.
fn text_of<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key)?.as_str()
}
