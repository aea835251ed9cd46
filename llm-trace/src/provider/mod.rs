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

use crate::model::{OutputMessage, RequestContent};

mod clients;
mod formats;
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
pub use cohere::Cohere;
pub use compatible::{DeepSeek, Groq, MistralAi, OpenRouter, Perplexity, XAi};
pub use gemini::Gemini;
pub use gemini::VertexAi;
pub use ollama::Ollama;
pub use openai::{OpenAi, OpenAiCompatible};

// The extension points (L2) and the data they give (L1) live below the
// providers; their public paths are these.
pub use crate::facts::sse;
pub use crate::facts::{
    ChunkFacts, Provider, RequestFacts, ResponseFacts, StreamFacts, MAX_STREAM_CHOICES,
};
pub use crate::model::{RequestInfo, ResponseInfo, ToolCall, Usage, MAX_PLAUSIBLE_TOKENS};

/// The provider names [`parse_response`] and [`parse_request`] know.
pub const KNOWN_PROVIDERS: &[&str] = &llm_trace_names::providers::NAMES;

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
