//! Providers: what a call's request and response say, normalized.
//!
//! A provider is a type that knows its `gen_ai.provider.name`, its default
//! operation and its usual server. Two traits connect it to the values an
//! instrumented function handles:
//!
//! - [`RequestFacts<P>`]: "this request type gives these request attributes"
//!   (model, temperature, max tokens, ...);
//! - [`ResponseFacts<P>`]: "this response type gives these facts" (id, model,
//!   finish reasons, token usage, tool calls).
//!
//! Both are implemented per (provider, type), so one provider accepts its own
//! serde types and raw [`serde_json::Value`] bodies alike, and a user adds a
//! backend with one small impl:
//!
//! ```
//! use llm_trace::provider::{Provider, ResponseFacts, ResponseInfo, Usage};
//!
//! /// An in-house model gateway.
//! pub struct Gateway;
//!
//! impl Provider for Gateway {
//!     const NAME: &'static str = "acme.gateway";
//!     const DEFAULT_OPERATION: &'static str = "chat";
//!     const SERVER_ADDRESS: Option<&'static str> = Some("llm.acme.internal");
//! }
//!
//! pub struct GatewayReply {
//!     pub text: String,
//!     pub tokens_in: u32,
//!     pub tokens_out: u32,
//! }
//!
//! impl ResponseFacts<Gateway> for GatewayReply {
//!     fn response_info(&self) -> ResponseInfo<'_> {
//!         ResponseInfo {
//!             usage: Some(Usage {
//!                 input_tokens: Some(self.tokens_in.into()),
//!                 output_tokens: Some(self.tokens_out.into()),
//!                 ..Usage::default()
//!             }),
//!             ..ResponseInfo::default()
//!         }
//!     }
//! }
//!
//! #[llm_trace::llm_call(provider = Gateway, model = "acme-large")]
//! async fn ask(question: &str) -> Result<GatewayReply, std::io::Error> {
//!     Ok(GatewayReply { text: format!("echo: {question}"), tokens_in: 3, tokens_out: 2 })
//! }
//! # let _ = ask;
//! ```

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::content::{OutputMessage, RequestContent};

mod chunk;
mod clients;
mod formats;
pub mod sse;
mod value;
mod vendors;
mod wire;

#[cfg(feature = "async-openai")]
pub use clients::async_openai;
#[cfg(feature = "claudius")]
pub use clients::claudius;
#[cfg(feature = "genai")]
pub use clients::genai;
pub use formats::responses;
pub use vendors::{anthropic, azure, bedrock, cohere, compatible, gemini, ollama, openai};

pub use anthropic::Anthropic;
pub use azure::AzureOpenAi;
pub use bedrock::Bedrock;
pub use chunk::{ChunkFacts, StreamFacts, MAX_STREAM_CHOICES};
pub use cohere::Cohere;
pub use compatible::{DeepSeek, Groq, MistralAi, OpenRouter, Perplexity, XAi};
pub use gemini::Gemini;
pub use gemini::VertexAi;
pub use ollama::Ollama;
pub use openai::{OpenAi, OpenAiCompatible};

/// An LLM provider: the static facts of a backend.
///
/// `#[llm_call(provider = "openai")]` names [`OpenAi`];
/// `#[llm_call(provider = my::Backend)]` names a user's type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an llm-trace provider",
    label = "not a provider",
    note = "implement `llm_trace::provider::Provider` for `{Self}`, or use a built-in provider: `provider = \"openai\"` or `provider = \"anthropic\"`"
)]
pub trait Provider: 'static {
    /// The `gen_ai.provider.name` of this provider (`"openai"`, `"anthropic"`, ...).
    const NAME: &'static str;
    /// The `gen_ai.operation.name` used when the annotation names none.
    const DEFAULT_OPERATION: &'static str;
    /// The `server.address` used when the annotation gives no `server`.
    const SERVER_ADDRESS: Option<&'static str> = None;
    /// The `server.port` used with [`Provider::SERVER_ADDRESS`].
    const SERVER_PORT: Option<u16> = None;
}

/// Request parameters a provider's request type carries.
///
/// Implemented per (provider, request type). [`RequestFacts::request_model`]
/// is read on every call (the model is part of the span name and a sampling
/// attribute); [`RequestFacts::request_info`] only when the span records.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a request type that provider `{P}` can read",
    label = "`RequestFacts<{P}>` is not implemented for this type",
    note = "implement `llm_trace::provider::RequestFacts<{P}>` for `{Self}`; the built-in providers read their own request types and `serde_json::Value`"
)]
pub trait RequestFacts<P: Provider> {
    /// `gen_ai.request.model`, when the request names one.
    fn request_model(&self) -> Option<&str>;
    /// The remaining request parameters.
    fn request_info(&self) -> RequestInfo<'_>;

    /// The content the request carries (chat history, system instructions,
    /// tool definitions) in the conventions' model, for opt-in
    /// [content capture](crate::content). Asked for only when capture is on
    /// and the span records. Defaults to `None`.
    fn request_content(&self) -> Option<RequestContent> {
        None
    }
}

/// Facts a provider's response type carries.
///
/// Implemented per (provider, response type). Implementations must not
/// panic: a value that lacks a fact leaves it `None`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a response type that provider `{P}` can read",
    note = "implement `llm_trace::provider::ResponseFacts<{P}>` for `{Self}`"
)]
pub trait ResponseFacts<P: Provider> {
    /// Everything the response says about the call.
    fn response_info(&self) -> ResponseInfo<'_>;

    /// Token usage alone; read for every call, recorded or not, so it should
    /// not allocate. Defaults to the usage of [`ResponseFacts::response_info`].
    fn usage(&self) -> Option<Usage> {
        self.response_info().usage
    }

    /// `gen_ai.response.model` alone, for the metrics of calls whose span is
    /// not recorded. Defaults to `None` (such calls' metrics then carry no
    /// response model).
    fn response_model(&self) -> Option<&str> {
        None
    }

    /// The messages the model returned, one per choice, for opt-in
    /// [content capture](crate::content). Asked for only when capture is on
    /// and the span records. Defaults to `None`.
    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        None
    }
}

/// Request parameters, normalized to the GenAI semantic conventions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestInfo<'a> {
    /// `gen_ai.request.model`.
    #[serde(borrow)]
    pub model: Option<Cow<'a, str>>,
    /// `gen_ai.request.temperature`.
    pub temperature: Option<f64>,
    /// `gen_ai.request.top_p`.
    pub top_p: Option<f64>,
    /// `gen_ai.request.top_k`.
    pub top_k: Option<f64>,
    /// `gen_ai.request.max_tokens`.
    pub max_tokens: Option<u64>,
    /// `gen_ai.request.stop_sequences`.
    #[serde(borrow)]
    pub stop_sequences: Vec<Cow<'a, str>>,
    /// `gen_ai.request.seed`.
    pub seed: Option<i64>,
    /// `gen_ai.request.choice.count` (recorded when not 1).
    pub choice_count: Option<u64>,
    /// `gen_ai.request.frequency_penalty`.
    pub frequency_penalty: Option<f64>,
    /// `gen_ai.request.presence_penalty`.
    pub presence_penalty: Option<f64>,
    /// `gen_ai.request.stream`.
    pub stream: Option<bool>,
    /// `gen_ai.output.type` (`text`, `json`, ...), from the response format.
    #[serde(borrow)]
    pub output_type: Option<Cow<'a, str>>,
    /// `gen_ai.request.encoding_formats`: the formats an embeddings request
    /// asks for (`float`, `base64`, ...), where it names them.
    #[serde(borrow)]
    pub encoding_formats: Vec<Cow<'a, str>>,
    /// The provider-specific request attributes the conventions define
    /// (`openai.request.service_tier`, `aws.bedrock.guardrail.id`, ...), by
    /// their key (the keys in [`crate::semconv`]).
    #[serde(borrow = "'a")]
    pub provider_attributes: Vec<(Cow<'static, str>, Cow<'a, str>)>,
}

/// What a response says about the call, normalized to the GenAI semantic
/// conventions whatever the provider reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResponseInfo<'a> {
    /// `gen_ai.response.id`.
    #[serde(borrow)]
    pub id: Option<Cow<'a, str>>,
    /// `gen_ai.response.model`: the model that actually answered.
    #[serde(borrow)]
    pub model: Option<Cow<'a, str>>,
    /// `gen_ai.response.finish_reasons`: one per choice, in choice order.
    #[serde(borrow)]
    pub finish_reasons: Vec<Cow<'a, str>>,
    /// Token usage, when the response reports it.
    pub usage: Option<Usage>,
    /// Tool calls the model asked for, in order.
    #[serde(borrow)]
    pub tool_calls: Vec<ToolCall<'a>>,
    /// `gen_ai.embeddings.dimension.count`: the length of each embedding,
    /// for `embeddings` operations.
    pub embeddings_dimension_count: Option<u64>,
    /// The provider-specific response attributes the conventions define
    /// (`openai.response.service_tier`, `openai.response.system_fingerprint`,
    /// ...), by their key (the keys in [`crate::semconv`]).
    #[serde(borrow = "'a")]
    pub provider_attributes: Vec<(Cow<'static, str>, Cow<'a, str>)>,
}

/// Token usage with the GenAI semantic conventions' meaning.
///
/// `input_tokens` includes cache reads and cache writes; `output_tokens`
/// includes reasoning tokens. Providers that report them separately
/// (Anthropic's `input_tokens` excludes cache reads and writes) are summed
/// by their implementations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Usage {
    /// `gen_ai.usage.input_tokens`.
    pub input_tokens: Option<u64>,
    /// `gen_ai.usage.output_tokens`.
    pub output_tokens: Option<u64>,
    /// `gen_ai.usage.cache_read.input_tokens`.
    pub cache_read_input_tokens: Option<u64>,
    /// `gen_ai.usage.cache_write.input_tokens`.
    pub cache_write_input_tokens: Option<u64>,
    /// `gen_ai.usage.reasoning.output_tokens`.
    pub reasoning_output_tokens: Option<u64>,
    /// Input tokens billed, where the provider reports them apart from the
    /// tokens used; `gen_ai.client.token.usage` reports these when present.
    pub billable_input_tokens: Option<u64>,
    /// Output tokens billed, where the provider reports them apart from the
    /// tokens used.
    pub billable_output_tokens: Option<u64>,
}

/// Most tokens of one kind a call's usage may report, for its counts to
/// reach the metrics and the cost: a billion, a hundred times the largest
/// context window offered (10 million tokens), and a thousand times the
/// largest in common use. No provider can report more for one call; a
/// count above it is a broken or hostile reply, and recording it would
/// poison every total it joins (`u64::MAX` tokens cost $10^14 and overflow
/// the token histogram's sum). Such a reply's counts stay on its span as
/// reported (with `llm_trace.usage.rejected = true`), reach no metric and no
/// cost, and are counted by [`crate::metrics::rejected_usage`].
pub const MAX_PLAUSIBLE_TOKENS: u64 = 1_000_000_000;

impl Usage {
    /// Whether every count is at most [`MAX_PLAUSIBLE_TOKENS`].
    pub fn is_plausible(&self) -> bool {
        [
            self.input_tokens,
            self.output_tokens,
            self.cache_read_input_tokens,
            self.cache_write_input_tokens,
            self.reasoning_output_tokens,
            self.billable_input_tokens,
            self.billable_output_tokens,
        ]
        .into_iter()
        .flatten()
        .all(|count| count <= MAX_PLAUSIBLE_TOKENS)
    }
}

/// One tool call the model asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ToolCall<'a> {
    /// `gen_ai.tool.call.id`.
    #[serde(borrow)]
    pub id: Option<Cow<'a, str>>,
    /// `gen_ai.tool.name`.
    #[serde(borrow)]
    pub name: Cow<'a, str>,
}

impl<'a> ToolCall<'a> {
    /// A tool call with its id and the tool's name.
    pub fn new(id: Option<impl Into<Cow<'a, str>>>, name: impl Into<Cow<'a, str>>) -> Self {
        ToolCall {
            id: id.map(Into::into),
            name: name.into(),
        }
    }
}

/// The provider names [`parse_response`] and [`parse_request`] know.
pub const KNOWN_PROVIDERS: &[&str] = &[
    OpenAi::NAME,
    Anthropic::NAME,
    DeepSeek::NAME,
    Groq::NAME,
    XAi::NAME,
    MistralAi::NAME,
    Perplexity::NAME,
    OpenRouter::NAME,
    AzureOpenAi::NAME,
    Bedrock::NAME,
    Cohere::NAME,
    Ollama::NAME,
    Gemini::NAME,
    VertexAi::NAME,
];

/// A provider name [`parse_response`] or [`parse_request`] does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProvider(pub String);

impl std::fmt::Display for UnknownProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown provider {:?}: known are {}",
            self.0,
            KNOWN_PROVIDERS.join(", ")
        )
    }
}

impl std::error::Error for UnknownProvider {}

/// Runs `$then` with `$p` bound to the provider type named `$name`.
macro_rules! with_provider {
    ($name:expr, $p:ident => $then:expr) => {
        match $name {
            n if n == OpenAi::NAME => {
                type $p = OpenAi;
                Ok($then)
            }
            n if n == Anthropic::NAME => {
                type $p = Anthropic;
                Ok($then)
            }
            n if n == DeepSeek::NAME => {
                type $p = DeepSeek;
                Ok($then)
            }
            n if n == Groq::NAME => {
                type $p = Groq;
                Ok($then)
            }
            n if n == XAi::NAME => {
                type $p = XAi;
                Ok($then)
            }
            n if n == MistralAi::NAME => {
                type $p = MistralAi;
                Ok($then)
            }
            n if n == Perplexity::NAME => {
                type $p = Perplexity;
                Ok($then)
            }
            n if n == OpenRouter::NAME => {
                type $p = OpenRouter;
                Ok($then)
            }
            n if n == AzureOpenAi::NAME => {
                type $p = AzureOpenAi;
                Ok($then)
            }
            n if n == Bedrock::NAME => {
                type $p = Bedrock;
                Ok($then)
            }
            n if n == Cohere::NAME => {
                type $p = Cohere;
                Ok($then)
            }
            n if n == Ollama::NAME => {
                type $p = Ollama;
                Ok($then)
            }
            n if n == Gemini::NAME => {
                type $p = Gemini;
                Ok($then)
            }
            n if n == VertexAi::NAME => {
                type $p = VertexAi;
                Ok($then)
            }
            other => Err(UnknownProvider(other.to_owned())),
        }
    };
}

/// The facts of a raw response body of the provider named `provider_name`
/// (its `gen_ai.provider.name`), borrowing from `body`. A body that does not
/// have the provider's shape gives an empty or partial [`ResponseInfo`],
/// never a panic.
///
/// ```
/// let body = serde_json::json!({
///     "id": "msg_1", "model": "claude-haiku-4-5", "stop_reason": "end_turn",
///     "usage": {"input_tokens": 10, "cache_read_input_tokens": 90, "output_tokens": 5}
/// });
/// let info = llm_trace::provider::parse_response("anthropic", &body).unwrap();
/// assert_eq!(info.usage.unwrap().input_tokens, Some(100));
/// assert!(llm_trace::provider::parse_response("nope", &body).is_err());
/// ```
pub fn parse_response<'a>(
    provider_name: &str,
    body: &'a serde_json::Value,
) -> Result<ResponseInfo<'a>, UnknownProvider> {
    with_provider!(provider_name, P => ResponseFacts::<P>::response_info(body))
}

/// The facts of a raw request body of the provider named `provider_name`.
pub fn parse_request<'a>(
    provider_name: &str,
    body: &'a serde_json::Value,
) -> Result<RequestInfo<'a>, UnknownProvider> {
    with_provider!(provider_name, P => RequestFacts::<P>::request_info(body))
}

/// The content of a raw request body of the provider named `provider_name`
/// in the conventions' model (see [`crate::content`]).
///
/// ```
/// let body = serde_json::json!({
///     "model": "claude-haiku-4-5", "system": "Be brief.",
///     "messages": [{"role": "user", "content": "Hi"}]
/// });
/// let content = llm_trace::provider::parse_request_content("anthropic", &body).unwrap().unwrap();
/// assert_eq!(content.input_messages[0].role, "user");
/// assert_eq!(content.system_instructions, [llm_trace::content::Part::text("Be brief.")]);
/// ```
pub fn parse_request_content(
    provider_name: &str,
    body: &serde_json::Value,
) -> Result<Option<RequestContent>, UnknownProvider> {
    with_provider!(provider_name, P => RequestFacts::<P>::request_content(body))
}

/// The output messages of a raw response body of the provider named
/// `provider_name` (see [`crate::content`]).
pub fn parse_output_messages(
    provider_name: &str,
    body: &serde_json::Value,
) -> Result<Option<Vec<OutputMessage>>, UnknownProvider> {
    with_provider!(provider_name, P => ResponseFacts::<P>::output_messages(body))
}

impl<P: Provider, T: RequestFacts<P> + ?Sized> RequestFacts<P> for &T {
    fn request_model(&self) -> Option<&str> {
        (**self).request_model()
    }
    fn request_info(&self) -> RequestInfo<'_> {
        (**self).request_info()
    }
    fn request_content(&self) -> Option<RequestContent> {
        (**self).request_content()
    }
}

/// `request = r` where `r: &mut ChatRequest`.
impl<P: Provider, T: RequestFacts<P> + ?Sized> RequestFacts<P> for &mut T {
    fn request_model(&self) -> Option<&str> {
        (**self).request_model()
    }
    fn request_info(&self) -> RequestInfo<'_> {
        (**self).request_info()
    }
    fn request_content(&self) -> Option<RequestContent> {
        (**self).request_content()
    }
}

impl<P: Provider, T: RequestFacts<P> + ?Sized> RequestFacts<P> for Box<T> {
    fn request_model(&self) -> Option<&str> {
        (**self).request_model()
    }
    fn request_info(&self) -> RequestInfo<'_> {
        (**self).request_info()
    }
    fn request_content(&self) -> Option<RequestContent> {
        (**self).request_content()
    }
}

impl<P: Provider, T: RequestFacts<P> + ?Sized> RequestFacts<P> for std::sync::Arc<T> {
    fn request_model(&self) -> Option<&str> {
        (**self).request_model()
    }
    fn request_info(&self) -> RequestInfo<'_> {
        (**self).request_info()
    }
    fn request_content(&self) -> Option<RequestContent> {
        (**self).request_content()
    }
}

impl<P: Provider, T: ResponseFacts<P> + ?Sized> ResponseFacts<P> for &T {
    fn response_info(&self) -> ResponseInfo<'_> {
        (**self).response_info()
    }
    fn usage(&self) -> Option<Usage> {
        (**self).usage()
    }
    fn response_model(&self) -> Option<&str> {
        (**self).response_model()
    }
    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        (**self).output_messages()
    }
}

impl<P: Provider, T: ResponseFacts<P> + ?Sized> ResponseFacts<P> for Box<T> {
    fn response_info(&self) -> ResponseInfo<'_> {
        (**self).response_info()
    }
    fn usage(&self) -> Option<Usage> {
        (**self).usage()
    }
    fn response_model(&self) -> Option<&str> {
        (**self).response_model()
    }
    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        (**self).output_messages()
    }
}

impl<P: Provider, T: ResponseFacts<P> + ?Sized> ResponseFacts<P> for std::sync::Arc<T> {
    fn response_info(&self) -> ResponseInfo<'_> {
        (**self).response_info()
    }
    fn usage(&self) -> Option<Usage> {
        (**self).usage()
    }
    fn response_model(&self) -> Option<&str> {
        (**self).response_model()
    }
    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        (**self).output_messages()
    }
}
