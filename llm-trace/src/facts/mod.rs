//! L2 of the runtime: the extension points. A provider type and what it
//! reads from requests, responses and stream chunks ([`Provider`],
//! [`RequestFacts`], [`ResponseFacts`], [`ChunkFacts`]/[`StreamFacts`]),
//! how an error names its `error.type` ([`ErrorType`]), and the SSE/NDJSON
//! decoder streamed bodies go through. Re-exported by [`crate::provider`]
//! (and `ErrorType` at the crate root).

use std::borrow::Cow;

use crate::model::{OutputMessage, RequestContent, RequestInfo, ResponseInfo, Usage};

mod chunk;
pub mod sse;

pub use chunk::{ChunkFacts, StreamFacts, MAX_STREAM_CHOICES};

/// An LLM provider: the static facts of a backend.
///
/// `#[llm_call(provider = "openai")]` names [`OpenAi`](crate::provider::OpenAi);
/// `#[llm_call(provider = my::Backend)]` names a user's type.
///
/// ```
/// use llm_trace::provider::Provider;
///
/// /// An in-house gateway, traced as `gen_ai.provider.name = "acme.gateway"`.
/// pub struct AcmeGateway;
///
/// impl Provider for AcmeGateway {
///     const NAME: &'static str = "acme.gateway";
///     const DEFAULT_OPERATION: &'static str = "chat";
///     const SERVER_ADDRESS: Option<&'static str> = Some("llm.acme.internal");
///     const SERVER_PORT: Option<u16> = Some(443);
/// }
///
/// // Values that carry no facts (text here) need no `ResponseFacts`.
/// #[llm_trace::llm_call(provider = AcmeGateway, model = "acme-large")]
/// async fn ask(question: &str) -> String {
///     format!("echo: {question}")
/// }
/// ```
///
/// [`RequestFacts`] and [`ResponseFacts`] say what its request and reply
/// types mean; `examples/custom_backend.rs` is a complete program.
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
///
/// ```
/// use llm_trace::provider::{Provider, RequestFacts, RequestInfo};
///
/// pub struct AcmeGateway;
/// impl Provider for AcmeGateway {
///     const NAME: &'static str = "acme.gateway";
///     const DEFAULT_OPERATION: &'static str = "chat";
/// }
///
/// pub struct AcmeRequest { pub model: String, pub temperature: f64, pub prompt: String }
///
/// impl RequestFacts<AcmeGateway> for AcmeRequest {
///     fn request_model(&self) -> Option<&str> {
///         Some(&self.model)
///     }
///     fn request_info(&self) -> RequestInfo<'_> {
///         RequestInfo {
///             model: Some(self.model.as_str().into()),
///             temperature: Some(self.temperature),
///             ..RequestInfo::default()
///         }
///     }
/// }
///
/// let request = AcmeRequest { model: "acme-large".into(), temperature: 0.2, prompt: "hi".into() };
/// let info = RequestFacts::<AcmeGateway>::request_info(&request);
/// assert_eq!((info.model.as_deref(), info.temperature), (Some("acme-large"), Some(0.2)));
///
/// // `request = req` names the parameter; `&`, `Box` and `Arc` of it work too.
/// #[llm_trace::llm_call(provider = AcmeGateway, request = req, response = none)]
/// async fn ask(req: &AcmeRequest) -> String {
///     format!("echo: {}", req.prompt)
/// }
/// ```
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
/// panic: a value that lacks a fact leaves it `None`. Say what the counts
/// mean in the conventions' terms: `input_tokens` includes cache reads and
/// writes, `output_tokens` includes reasoning.
///
/// ```
/// use llm_trace::provider::{Provider, ResponseFacts, ResponseInfo, Usage};
///
/// pub struct AcmeGateway;
/// impl Provider for AcmeGateway {
///     const NAME: &'static str = "acme.gateway";
///     const DEFAULT_OPERATION: &'static str = "chat";
/// }
///
/// pub struct AcmeReply { pub id: String, pub uncached_in: u64, pub cached: u64, pub out: u64 }
///
/// impl ResponseFacts<AcmeGateway> for AcmeReply {
///     fn response_info(&self) -> ResponseInfo<'_> {
///         ResponseInfo {
///             id: Some(self.id.as_str().into()),
///             usage: ResponseFacts::<AcmeGateway>::usage(self),
///             ..ResponseInfo::default()
///         }
///     }
///     // Read for every call (metrics, cost): overridden so it does not allocate.
///     fn usage(&self) -> Option<Usage> {
///         Some(Usage {
///             input_tokens: Some(self.uncached_in + self.cached), // cache reads included
///             cache_read_input_tokens: Some(self.cached),
///             output_tokens: Some(self.out),
///             ..Usage::default()
///         })
///     }
/// }
///
/// let reply = AcmeReply { id: "r-1".into(), uncached_in: 20, cached: 100, out: 4 };
/// let usage = ResponseFacts::<AcmeGateway>::usage(&reply).unwrap();
/// assert_eq!(usage.input_tokens, Some(120));
///
/// #[llm_trace::llm_call(provider = AcmeGateway, model = "acme-large")]
/// async fn ask() -> Result<AcmeReply, std::io::Error> {
///     Ok(AcmeReply { id: "r-2".into(), uncached_in: 3, cached: 0, out: 1 })
/// }
/// ```
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

/// Names the `error.type` of an error: a short, stable, low-cardinality
/// identifier such as `"rate_limited"`, `"timeout"` or an HTTP status code.
///
/// Errors that do not implement it are named by their type's path
/// (`std::any::type_name`), which the conventions accept.
///
/// ```
/// use std::borrow::Cow;
///
/// #[derive(Debug)]
/// enum ApiError { RateLimited, Status(u16) }
///
/// impl llm_trace::ErrorType for ApiError {
///     fn error_type(&self) -> Cow<'static, str> {
///         match self {
///             ApiError::RateLimited => "rate_limited".into(),
///             ApiError::Status(code) => code.to_string().into(),
///         }
///     }
/// }
/// ```
pub trait ErrorType {
    /// The `error.type` attribute value.
    fn error_type(&self) -> Cow<'static, str>;
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
