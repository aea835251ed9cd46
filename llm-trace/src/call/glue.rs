//! The helpers the code `#[llm_call]` and `#[workflow]` generate calls,
//! typed so that a wrong argument is reported at the user's token.
//! Re-exported by `__private`: not a public API.

use super::{Call, InstrumentedStream};
use crate::provider::{Provider, RequestFacts, StreamFacts};

/// `request = ident`: checked here so that a request type the provider
/// cannot read is reported at the identifier.
#[inline(always)]
pub fn request<P: Provider, R: RequestFacts<P>>(request: &R) -> Option<&dyn RequestFacts<P>> {
    Some(request)
}

/// The body of an annotated function as a future whose output is `T`
/// (the function's return type), so that `?` and `return` in the body infer.
#[inline(always)]
pub fn body<T, F: core::future::Future<Output = T>>(body: F) -> F {
    body
}

/// Calls the body of a function that returns a stream when the switch
/// is off (a closure called in place would need a `mut` binding when
/// the body assigns a captured variable).
#[inline(always)]
pub fn call_once<T>(body: impl FnOnce() -> T) -> T {
    body()
}

/// One always-evaluated `fields(...)` entry of a workflow.
pub fn scope_entry<T: crate::metadata::AttributeValue + ?Sized>(
    key: &'static str,
    value: &T,
) -> Option<opentelemetry::KeyValue> {
    let value = crate::metadata::bounded_value(value.to_value()?);
    Some(opentelemetry::KeyValue::new(key, value))
}

/// Wraps the stream an `#[llm_call]` function returned; `observe` (a
/// closure of the generated code) gets its item type from `inner`.
#[inline(always)]
pub fn stream<S, F>(call: Option<Call>, inner: S, observe: F) -> InstrumentedStream<S, F>
where
    S: futures_core::Stream,
    F: FnMut(&S::Item, &mut StreamFacts),
{
    InstrumentedStream::new(call, inner, observe)
}

/// Ends the call of a function that is not `async` with `end`, which
/// reads (and may wrap in place) its output.
#[inline(always)]
pub fn end_sync<T, E>((call, mut output): (Call, T), end: E) -> T
where
    E: FnOnce(&mut Option<Call>, &mut T),
{
    let mut call = Some(call);
    end(&mut call, &mut output);
    output
}

/// A workflow's `fields(...)` entries that convert to a value (typed
/// here, so a workflow without fields compiles too).
pub fn scope_entries<const N: usize>(
    entries: [Option<opentelemetry::KeyValue>; N],
) -> Vec<opentelemetry::KeyValue> {
    entries.into_iter().flatten().collect()
}

/// The provider of tool executions and in-process agents: none.
pub struct NoProvider;

impl Provider for NoProvider {
    const NAME: &'static str = "";
    const DEFAULT_OPERATION: &'static str = "execute_tool";
}

/// `server = expr`.
#[inline(always)]
pub fn server<S: ServerAddress + ?Sized>(server: &S) -> Option<&str> {
    Some(server.as_server())
}

/// What `server = ...` accepts.
#[diagnostic::on_unimplemented(
    message = "`server` takes a base URL or `host:port` string, not `{Self}`",
    label = "not a URL or `host:port` string",
    note = "for example `server = \"https://api.openai.com/v1\"`, or `server = self.base_url` for a `String` or a `url::Url`"
)]
pub trait ServerAddress {
    /// The URL or `host:port` text.
    fn as_server(&self) -> &str;
}

impl ServerAddress for str {
    fn as_server(&self) -> &str {
        self
    }
}

impl ServerAddress for String {
    fn as_server(&self) -> &str {
        self
    }
}

impl ServerAddress for std::borrow::Cow<'_, str> {
    fn as_server(&self) -> &str {
        self
    }
}

impl ServerAddress for Box<str> {
    fn as_server(&self) -> &str {
        self
    }
}

impl ServerAddress for std::sync::Arc<str> {
    fn as_server(&self) -> &str {
        self
    }
}

/// `server = base_url` for a `url::Url`, which reqwest re-exports as
/// `reqwest::Url`.
impl ServerAddress for url::Url {
    fn as_server(&self) -> &str {
        self.as_str()
    }
}

impl<T: ServerAddress + ?Sized> ServerAddress for &T {
    fn as_server(&self) -> &str {
        (**self).as_server()
    }
}
