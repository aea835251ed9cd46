//! `error.type` for the errors of popular client crates, behind their
//! features: users cannot implement [`ErrorType`] for these types (the
//! orphan rule), and their type paths say nothing about what went wrong.
//!
//! The values follow the GenAI conventions' guidance for `error.type`: the
//! error code the provider or the client library returned, else another
//! low-cardinality identifier. In order of preference:
//!
//! - the provider's own error code where the error carries one
//!   (`rate_limit_exceeded`, `insufficient_quota`, `rate_limit_error`, ...),
//!   kept only when it looks like an identifier (ASCII letters, digits,
//!   `_`, `.`, `-`; at most [`MAX_PROVIDER_CODE`] bytes);
//! - the HTTP status code as a string (`"429"`, `"500"`);
//! - `timeout`, `connection_error`, `decode_error`, ... for failures without
//!   a response;
//! - [`OTHER`] for anything else, never a type path or a message.
//!
//! A boxed error (`Box<dyn Error + Send + Sync>`, `anyhow::Error`) is named
//! by the first error of a known type in its source chain.

use std::borrow::Cow;
use std::error::Error;

use crate::facts::ErrorType;

/// `error.type` of an error of no known kind (the conventions' fallback value).
pub const OTHER: &str = "_OTHER";
/// `error.type` of a request that timed out.
pub const TIMEOUT: &str = "timeout";
/// `error.type` of a connection that could not be made or was lost.
pub const CONNECTION_ERROR: &str = "connection_error";
/// `error.type` of a response body that could not be read or decoded.
pub const DECODE_ERROR: &str = "decode_error";

/// The longest provider error code kept as `error.type`.
pub const MAX_PROVIDER_CODE: usize = 64;

/// How deep a source chain is searched for a known error.
const MAX_CHAIN: usize = 16;

/// A provider's error code, when it is a short identifier (it comes from a
/// response body: anything else could be a message, or unbounded).
#[cfg(any(feature = "async-openai-client", feature = "claudius"))]
fn provider_code(code: Option<&str>) -> Option<Cow<'static, str>> {
    let code = code?;
    let valid = !code.is_empty()
        && code.len() <= MAX_PROVIDER_CODE
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    valid.then(|| Cow::Owned(code.to_owned()))
}

/// An HTTP status code as `error.type`: `"429"`.
#[cfg(any(
    feature = "reqwest",
    feature = "async-openai-client",
    feature = "genai",
    feature = "claudius"
))]
fn status(code: u16) -> Cow<'static, str> {
    Cow::Owned(code.to_string())
}

/// The `error.type` of the first error of a known type in `error`'s source
/// chain (`error` included), else [`OTHER`].
///
/// ```
/// let error: Box<dyn std::error::Error + Send + Sync> = "no idea".into();
/// assert_eq!(llm_trace::error_type::of_dyn(&*error), "_OTHER");
/// ```
pub fn of_dyn(error: &(dyn Error + 'static)) -> Cow<'static, str> {
    let mut next = Some(error);
    for _ in 0..MAX_CHAIN {
        let Some(error) = next else { break };
        if let Some(known) = known(error) {
            return known;
        }
        next = match error.downcast_ref::<std::io::Error>() {
            // `io::Error::source` skips the error it wraps.
            Some(io) => io.get_ref().map(|inner| inner as &(dyn Error + 'static)),
            None => error.source(),
        };
    }
    Cow::Borrowed(OTHER)
}

/// The `error.type` of `error` itself, when its type is one llm-trace knows.
fn known(error: &(dyn Error + 'static)) -> Option<Cow<'static, str>> {
    #[cfg(any(
        feature = "reqwest",
        feature = "async-openai-client",
        feature = "genai",
        feature = "claudius"
    ))]
    if let Some(e) = error.downcast_ref::<reqwest::Error>() {
        return Some(e.error_type());
    }
    #[cfg(feature = "async-openai-client")]
    if let Some(e) = error.downcast_ref::<async_openai::error::OpenAIError>() {
        return Some(e.error_type());
    }
    #[cfg(feature = "genai")]
    if let Some(e) = error.downcast_ref::<genai::Error>() {
        return Some(e.error_type());
    }
    #[cfg(feature = "claudius")]
    if let Some(e) = error.downcast_ref::<claudius::Error>() {
        return Some(e.error_type());
    }
    let io = error.downcast_ref::<std::io::Error>()?;
    use std::io::ErrorKind;
    match io.kind() {
        ErrorKind::TimedOut => Some(Cow::Borrowed(TIMEOUT)),
        ErrorKind::ConnectionRefused
        | ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::NotConnected => Some(Cow::Borrowed(CONNECTION_ERROR)),
        _ => None,
    }
}

impl ErrorType for Box<dyn Error + Send + Sync> {
    fn error_type(&self) -> Cow<'static, str> {
        of_dyn(&**self)
    }
}

impl ErrorType for Box<dyn Error + Send> {
    fn error_type(&self) -> Cow<'static, str> {
        of_dyn(&**self)
    }
}

impl ErrorType for Box<dyn Error> {
    fn error_type(&self) -> Cow<'static, str> {
        of_dyn(&**self)
    }
}

/// `anyhow::Error`: by the first known error in its chain.
#[cfg(feature = "anyhow")]
impl ErrorType for anyhow::Error {
    fn error_type(&self) -> Cow<'static, str> {
        of_dyn(self.as_ref())
    }
}

/// reqwest's errors: `timeout`, the status code (`"429"`) of a response
/// turned into an error (`error_for_status`), `connection_error`,
/// `decode_error`, `body_error`, `redirect_error`, `builder_error`,
/// `request_error`, else [`OTHER`].
#[cfg(any(
    feature = "reqwest",
    feature = "async-openai-client",
    feature = "genai",
    feature = "claudius"
))]
impl ErrorType for reqwest::Error {
    fn error_type(&self) -> Cow<'static, str> {
        if self.is_timeout() {
            return Cow::Borrowed(TIMEOUT);
        }
        if let Some(code) = self.status() {
            return status(code.as_u16());
        }
        Cow::Borrowed(if self.is_connect() {
            CONNECTION_ERROR
        } else if self.is_decode() {
            DECODE_ERROR
        } else if self.is_body() {
            "body_error"
        } else if self.is_redirect() {
            "redirect_error"
        } else if self.is_builder() {
            "builder_error"
        } else if self.is_request() {
            "request_error"
        } else {
            OTHER
        })
    }
}

/// async-openai's client errors: an API error is named by OpenAI's error
/// `code` (`rate_limit_exceeded`, `insufficient_quota`,
/// `context_length_exceeded`, ...), else its HTTP status (`"500"`), else its
/// `type`; a transport error as reqwest's; `decode_error`, `stream_error`,
/// `invalid_argument`, else [`OTHER`].
#[cfg(feature = "async-openai-client")]
impl ErrorType for async_openai::error::OpenAIError {
    fn error_type(&self) -> Cow<'static, str> {
        use async_openai::error::OpenAIError;
        match self {
            OpenAIError::Reqwest(e) => e.error_type(),
            OpenAIError::ApiError(e) => provider_code(e.api_error.code.as_deref())
                .unwrap_or_else(|| status(e.status_code.as_u16())),
            OpenAIError::JSONDeserialize(..) => Cow::Borrowed(DECODE_ERROR),
            OpenAIError::StreamError(_) => Cow::Borrowed("stream_error"),
            OpenAIError::InvalidArgument(_) => Cow::Borrowed("invalid_argument"),
            // File errors, and middleware errors (async-openai's
            // `middleware` feature, which another crate may turn on).
            #[allow(unreachable_patterns)]
            other => other.source().map_or(Cow::Borrowed(OTHER), of_dyn),
        }
    }
}

/// genai's errors: the HTTP status (`"429"`) where the provider answered
/// with one, a transport error as reqwest's, a stream error by its cause,
/// `decode_error` for a response that could not be read, else [`OTHER`].
#[cfg(feature = "genai")]
impl ErrorType for genai::Error {
    fn error_type(&self) -> Cow<'static, str> {
        use genai::webc;
        use genai::Error as E;
        if let Some(code) = self.status() {
            return status(code.as_u16());
        }
        match self {
            E::WebModelCall { webc_error, .. } | E::WebAdapterCall { webc_error, .. } => {
                match webc_error {
                    webc::Error::Reqwest(e) => e.error_type(),
                    webc::Error::ResponseFailedNotJson { .. }
                    | webc::Error::ResponseFailedInvalidJson { .. } => Cow::Borrowed(DECODE_ERROR),
                    _ => Cow::Borrowed(OTHER),
                }
            }
            E::WebStream { error, .. } => of_dyn(&**error),
            E::StreamParse { .. }
            | E::InvalidJsonResponseElement { .. }
            | E::ChatResponseGeneration { .. }
            | E::SerdeJson(_) => Cow::Borrowed(DECODE_ERROR),
            E::RequiresApiKey { .. } | E::NoAuthResolver { .. } | E::NoAuthData { .. } => {
                Cow::Borrowed("authentication_error")
            }
            _ => Cow::Borrowed(OTHER),
        }
    }
}

/// claudius's errors, named by Anthropic's error types where claudius
/// folded the HTTP status into a variant (`rate_limit_error` for 429 and
/// 529, `invalid_request_error`, `authentication_error`,
/// `permission_error`, `not_found_error`, `api_error`), by the body's
/// error type or else the status for other statuses, and
/// `timeout`, `connection_error`, `service_unavailable` (502 to 504),
/// `decode_error`, `stream_error`, `validation_error`, else [`OTHER`].
#[cfg(feature = "claudius")]
impl ErrorType for claudius::Error {
    fn error_type(&self) -> Cow<'static, str> {
        use claudius::Error as E;
        Cow::Borrowed(match self {
            E::Api {
                status_code,
                error_type,
                ..
            } => {
                return provider_code(error_type.as_deref()).unwrap_or_else(|| status(*status_code))
            }
            E::Authentication { .. } => "authentication_error",
            E::Permission { .. } => "permission_error",
            E::NotFound { .. } => "not_found_error",
            E::RateLimit { .. } => "rate_limit_error",
            E::BadRequest { .. } => "invalid_request_error",
            E::InternalServer { .. } => "api_error",
            E::ServiceUnavailable { .. } => "service_unavailable",
            E::Timeout { .. } => TIMEOUT,
            E::Abort { .. } => "aborted",
            E::Connection { .. } => CONNECTION_ERROR,
            E::Serialization { .. } | E::Encoding { .. } => DECODE_ERROR,
            E::Streaming { .. } => "stream_error",
            E::Validation { .. } => "validation_error",
            E::HttpClient {
                source: Some(source),
                ..
            } => return of_dyn(&**source),
            E::Io { source, .. } => return of_dyn(&**source),
            _ => OTHER,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(any(feature = "async-openai-client", feature = "claudius"))]
    fn provider_codes_are_identifiers_or_nothing() {
        assert_eq!(
            provider_code(Some("rate_limit_exceeded")).as_deref(),
            Some("rate_limit_exceeded")
        );
        assert_eq!(provider_code(Some("")), None);
        assert_eq!(provider_code(Some("You exceeded your quota")), None);
        assert_eq!(provider_code(Some(&"x".repeat(65))), None);
        assert_eq!(provider_code(None), None);
    }

    #[derive(Debug)]
    struct Wrapper(std::io::Error);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("wrapped")
        }
    }

    impl Error for Wrapper {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_boxed_error_is_named_by_its_chain() {
        let timeout: Box<dyn Error + Send + Sync> =
            Box::new(Wrapper(std::io::ErrorKind::TimedOut.into()));
        assert_eq!(timeout.error_type(), TIMEOUT);
        let refused: Box<dyn Error> =
            Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(refused.error_type(), CONNECTION_ERROR);
        // An io::Error wrapping another error: the wrapped one is searched.
        let nested: Box<dyn Error + Send> = Box::new(std::io::Error::other(Wrapper(
            std::io::ErrorKind::TimedOut.into(),
        )));
        assert_eq!(nested.error_type(), TIMEOUT);
        let unknown: Box<dyn Error + Send + Sync> = "what happened".into();
        assert_eq!(unknown.error_type(), OTHER);
    }
}
