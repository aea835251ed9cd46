//! W3C Trace Context and Baggage across services.
//!
//! An LLM call is rarely the first hop of a request: a web handler calls an
//! LLM gateway, the gateway calls the model, a downstream service grades the
//! answer. For all of them to land in one trace, with the same business
//! metadata, every hop carries three HTTP headers:
//!
//! - `traceparent`: the trace id, the calling span's id and the sampled flag
//!   ([W3C Trace Context]);
//! - `tracestate`: vendor-specific trace data, passed on as received;
//! - `baggage`: name/value entries ([W3C Baggage]), the metadata.
//!
//! [`inject`] writes them from the current [`Context`] into the headers of an
//! outgoing request; [`extract`] reads them from the headers of an incoming
//! request into a new [`Context`] whose parent span is the caller's span and
//! whose baggage holds the caller's entries. Run the work for that request
//! under the extracted context (with [`FutureExt::with_context`]) and every
//! `#[llm_call]` inside becomes a child of the caller's span, in the caller's
//! trace. With the `reqwest` feature, `RequestBuilderExt` does the injecting
//! for reqwest's request builders.
//!
//! The headers are written and read by the OpenTelemetry SDK's
//! [`TraceContextPropagator`] and [`BaggagePropagator`]; these helpers use
//! them directly, so they work the same whether or not a global text map
//! propagator is installed.
//!
//! # Example: a gateway
//!
//! ```
//! use http::HeaderMap;
//! use llm_trace::opentelemetry::baggage::BaggageExt;
//! use llm_trace::opentelemetry::context::{Context, FutureExt};
//! use llm_trace::opentelemetry::trace::TraceContextExt;
//! use llm_trace::propagation;
//!
//! /// Continues the caller's trace, and passes it and its metadata on to the
//! /// next service.
//! async fn handle(incoming: &HeaderMap) -> HeaderMap {
//!     let cx = propagation::extract(incoming);
//!     async {
//!         // Here, `#[llm_call]` spans are children of the caller's span.
//!         let caller = Context::current();
//!         assert!(caller.span().span_context().is_remote());
//!         assert_eq!(caller.baggage().get("tenant").map(|v| v.as_str()), Some("acme"));
//!
//!         let mut outgoing = HeaderMap::new();
//!         propagation::inject(&mut outgoing);
//!         outgoing
//!     }
//!     .with_context(cx)
//!     .await
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let mut incoming = HeaderMap::new();
//! incoming.insert(
//!     "traceparent",
//!     "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".parse().unwrap(),
//! );
//! incoming.insert("baggage", "tenant=acme".parse().unwrap());
//!
//! let outgoing = handle(&incoming).await;
//! // The gateway started no span of its own here, so it passes the caller's on.
//! assert_eq!(
//!     outgoing["traceparent"],
//!     "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
//! );
//! assert_eq!(outgoing["baggage"], "tenant=acme");
//! # });
//! ```
//!
//! # Bounds: what is ignored
//!
//! Incoming headers come from outside the process, so they are screened
//! before they are parsed, and nothing in them can make these functions
//! panic or allocate without bound:
//!
//! - `traceparent` is ignored when it is not visible ASCII, longer than
//!   [`MAX_TRACE_CONTEXT_BYTES`], repeated, or malformed (unknown version
//!   `ff`, wrong lengths, upper-case or non-hex digits, an all-zero trace or
//!   span id). The result then has no remote parent, and `tracestate` is
//!   ignored with it.
//! - `tracestate` is ignored on its own (the parent is kept, as W3C Trace
//!   Context asks) when it is not visible ASCII, longer than
//!   [`MAX_TRACE_CONTEXT_BYTES`], or malformed. Only its first 32 entries are
//!   read.
//! - `baggage` is ignored as a whole when its values together are longer than
//!   [`MAX_BAGGAGE_BYTES`], and a value that is not visible ASCII is ignored.
//!   Of the rest, only the first [`MAX_BAGGAGE_ENTRIES`] list members are
//!   read; a member whose key is not a token or whose percent-decoded text is
//!   not UTF-8 is dropped, the others are kept (a repeated key keeps its last
//!   value). Values are kept as the SDK decodes them:
//!   surrounding spaces trimmed, and a `%` that starts no valid escape kept
//!   as it is.
//! - Repeated `tracestate` or `baggage` headers are one comma-separated list,
//!   as HTTP defines; their limits apply to the whole list.
//!
//! Outgoing, [`inject`] keeps the `baggage` header within
//! [`MAX_BAGGAGE_BYTES`] after percent-encoding: when the entries do not fit,
//! whole entries are left out (the largest first), never cut. A `%` in a key
//! or value is sent as `%25`, so the next hop reads the text as it was
//! written. Properties (`;`-separated after an entry's value) are sent
//! percent-encoded as they were received, so a `%2C` in one never becomes a
//! `,` that starts a new entry at the next hop.
//!
//! What is ignored is counted: [`dropped_headers`] and
//! [`dropped_baggage_entries`]. The first drop in a process is also reported
//! once through OpenTelemetry's internal log (the `internal-logs` feature,
//! on by default).
//!
//! # Incoming baggage is remote
//!
//! [`extract`] returns plain OpenTelemetry Baggage, nothing else. Metadata set
//! in this process with `llm_trace::with_metadata` is kept in the context as a
//! typed value besides its baggage entries; entries that came in through a
//! `baggage` header have only the baggage form. That is how llm-trace tells
//! them apart when it writes span attributes: local scoped metadata always
//! becomes attributes, while an incoming entry becomes one only when its key
//! is allowed in configuration, so a caller cannot add arbitrary (or
//! high-cardinality) attributes to every span. Both kinds leave the process
//! again with [`inject`], as baggage does.
//!
//! [W3C Trace Context]: https://www.w3.org/TR/trace-context/
//! [W3C Baggage]: https://www.w3.org/TR/baggage/
//! [`FutureExt::with_context`]: opentelemetry::context::FutureExt::with_context
//! [`TraceContextPropagator`]: opentelemetry_sdk::propagation::TraceContextPropagator
//! [`BaggagePropagator`]: opentelemetry_sdk::propagation::BaggagePropagator

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;

use http::header::{HeaderMap, HeaderValue};
use opentelemetry::baggage::{BaggageExt, KeyValueMetadata};
use opentelemetry::propagation::{Extractor, TextMapCompositePropagator, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TraceState};
use opentelemetry::{otel_warn, Context};
use opentelemetry_http::HeaderInjector;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// The longest `baggage` header accepted or sent, in bytes, all values
/// together (the W3C Baggage limit).
pub const MAX_BAGGAGE_BYTES: usize = 8192;

/// The most baggage entries accepted or sent (the W3C Baggage limit; the
/// OpenTelemetry `Baggage` type enforces it).
pub const MAX_BAGGAGE_ENTRIES: usize = 64;

/// The longest `traceparent` or `tracestate` header accepted, in bytes. A
/// version-00 `traceparent` is 55 bytes; W3C Trace Context asks that at least
/// 512 bytes of `tracestate` be propagated.
pub const MAX_TRACE_CONTEXT_BYTES: usize = 4096;

const TRACEPARENT: &str = "traceparent";
const TRACESTATE: &str = "tracestate";
const BAGGAGE: &str = "baggage";

static DROPPED_HEADERS: AtomicU64 = AtomicU64::new(0);
static DROPPED_BAGGAGE_ENTRIES: AtomicU64 = AtomicU64::new(0);
static REPORTED: AtomicBool = AtomicBool::new(false);

/// Writes the current context's `traceparent`, `tracestate` and `baggage`
/// into `headers`, replacing values already there.
///
/// `traceparent` and `tracestate` are written when the context has a valid
/// span (a local one, or the remote parent from [`extract`]); `baggage` when
/// it has baggage entries.
///
/// ```
/// use http::HeaderMap;
/// use llm_trace::opentelemetry::baggage::BaggageExt;
/// use llm_trace::opentelemetry::{Context, KeyValue};
/// use llm_trace::propagation;
///
/// let _scope = Context::current_with_baggage([KeyValue::new("tenant", "acme corp")]).attach();
/// let mut headers = HeaderMap::new();
/// propagation::inject(&mut headers);
/// assert_eq!(headers["baggage"], "tenant=acme%20corp");
/// ```
pub fn inject(headers: &mut HeaderMap) {
    inject_context(&Context::current(), headers);
}

/// Writes `cx`'s `traceparent`, `tracestate` and `baggage` into `headers`,
/// replacing values already there. See [`inject`].
///
/// ```
/// use http::HeaderMap;
/// use llm_trace::opentelemetry::trace::{
///     SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
/// };
/// use llm_trace::opentelemetry::Context;
/// use llm_trace::propagation;
///
/// let cx = Context::new().with_remote_span_context(SpanContext::new(
///     TraceId::from(0x0af7651916cd43dd8448eb211c80319c),
///     SpanId::from(0xb7ad6b7169203331),
///     TraceFlags::SAMPLED,
///     true,
///     TraceState::NONE,
/// ));
/// let mut headers = HeaderMap::new();
/// propagation::inject_context(&cx, &mut headers);
/// assert_eq!(
///     headers["traceparent"],
///     "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
/// );
/// ```
pub fn inject_context(cx: &Context, headers: &mut HeaderMap) {
    let escaped = escape_for_next_hop(cx);
    let cx = escaped.as_ref().unwrap_or(cx);
    let has_baggage = !cx.baggage().is_empty();
    if has_baggage {
        // The SDK skips a value that is not a valid header value; a stale one
        // must not stand in for it.
        headers.remove(BAGGAGE);
    }
    propagator().inject_context(cx, &mut HeaderInjector(headers));
    if has_baggage
        && headers
            .get(BAGGAGE)
            .is_none_or(|value| value.len() > MAX_BAGGAGE_BYTES || value.to_str().is_err())
    {
        fit_baggage(cx, headers);
    }
}

/// Reads `traceparent`, `tracestate` and `baggage` from an incoming
/// request's `headers` into a new context: its span is the caller's span (a
/// remote span context, the parent of every span started under it) and its
/// baggage holds the caller's entries.
///
/// Headers that are malformed or too large are ignored (see the
/// [module docs](self#bounds-what-is-ignored)); with none usable the result
/// is an empty context. Nothing of the current context is inherited: use
/// [`extract_with`]`(&Context::current(), headers)` for that.
///
/// ```
/// use http::HeaderMap;
/// use llm_trace::opentelemetry::baggage::BaggageExt;
/// use llm_trace::opentelemetry::trace::TraceContextExt;
/// use llm_trace::propagation;
///
/// let mut headers = HeaderMap::new();
/// headers.insert(
///     "traceparent",
///     "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".parse().unwrap(),
/// );
/// headers.insert("baggage", "tenant=acme,feature=search".parse().unwrap());
///
/// let cx = propagation::extract(&headers);
/// let parent = cx.span().span_context().clone();
/// assert!(parent.is_remote());
/// assert_eq!(parent.trace_id().to_string(), "0af7651916cd43dd8448eb211c80319c");
/// assert_eq!(cx.baggage().get("feature").map(|v| v.as_str()), Some("search"));
/// ```
pub fn extract(headers: &HeaderMap) -> Context {
    Incoming::screen(headers).extract()
}

/// Like [`extract`], on top of `parent`: the caller's span becomes the
/// context's span, an incoming `baggage` header replaces `parent`'s baggage
/// (as the SDK's propagators do), and `parent`'s other values are kept. With
/// no usable header the result is `parent`.
///
/// ```
/// use http::HeaderMap;
/// use llm_trace::opentelemetry::Context;
/// use llm_trace::propagation;
///
/// let headers = HeaderMap::new();
/// let cx = propagation::extract_with(&Context::current(), &headers);
/// ```
pub fn extract_with(parent: &Context, headers: &HeaderMap) -> Context {
    let incoming = Incoming::screen(headers);
    if incoming.is_empty() {
        return parent.clone();
    }
    let remote = incoming.extract();
    let mut cx = if remote.has_active_span() {
        parent.with_remote_span_context(remote.span().span_context().clone())
    } else {
        parent.clone()
    };
    if incoming.baggage.is_some() {
        cx = cx.with_baggage(remote.baggage().iter().map(|(key, (value, metadata))| {
            KeyValueMetadata::new(key.clone(), value.clone(), metadata.clone())
        }));
    }
    cx
}

/// How many `traceparent`, `tracestate` and `baggage` header values this
/// process has ignored as a whole since it started (malformed, not visible
/// ASCII, too large, repeated `traceparent`), and outgoing `baggage` headers
/// that could not be written.
///
/// ```
/// use http::HeaderMap;
/// use llm_trace::propagation;
///
/// let before = propagation::dropped_headers();
/// let mut headers = HeaderMap::new();
/// headers.insert("traceparent", "not a traceparent".parse().unwrap());
/// let _cx = propagation::extract(&headers);
/// assert!(propagation::dropped_headers() > before);
/// ```
pub fn dropped_headers() -> u64 {
    DROPPED_HEADERS.load(Ordering::Relaxed)
}

/// How many baggage entries this process has left out of headers it
/// otherwise used since it started: incoming entries beyond
/// [`MAX_BAGGAGE_ENTRIES`], with an invalid key or undecodable text, or
/// repeating an earlier key; outgoing entries that did not fit in
/// [`MAX_BAGGAGE_BYTES`] or in a header value.
///
/// ```
/// use http::HeaderMap;
/// use llm_trace::propagation;
///
/// let before = propagation::dropped_baggage_entries();
/// let mut headers = HeaderMap::new();
/// headers.insert("baggage", "ok=1,bad=%FF".parse().unwrap());
/// let _cx = propagation::extract(&headers);
/// assert!(propagation::dropped_baggage_entries() > before);
/// ```
pub fn dropped_baggage_entries() -> u64 {
    DROPPED_BAGGAGE_ENTRIES.load(Ordering::Relaxed)
}

/// The SDK's W3C propagators, composed once.
fn propagator() -> &'static TextMapCompositePropagator {
    static PROPAGATOR: OnceLock<TextMapCompositePropagator> = OnceLock::new();
    PROPAGATOR.get_or_init(|| {
        TextMapCompositePropagator::new(vec![
            Box::new(TraceContextPropagator::new()),
            Box::new(BaggagePropagator::new()),
        ])
    })
}

/// Counts a dropped header; reports the first drop of the process.
fn drop_header(header: &'static str, reason: &'static str) {
    DROPPED_HEADERS.fetch_add(1, Ordering::Relaxed);
    report(header, reason);
}

/// Counts dropped baggage entries; reports the first drop of the process.
fn drop_baggage_entries(count: usize, reason: &'static str) {
    DROPPED_BAGGAGE_ENTRIES.fetch_add(count as u64, Ordering::Relaxed);
    report(BAGGAGE, reason);
}

fn report(header: &'static str, reason: &'static str) {
    if !REPORTED.load(Ordering::Relaxed) && !REPORTED.swap(true, Ordering::Relaxed) {
        otel_warn!(
            name: "Propagation.HeaderDropped",
            header = header,
            reason = reason,
            message = "a W3C propagation header (or part of it) was ignored; \
                       later drops are only counted: llm_trace::propagation::dropped_headers() \
                       and dropped_baggage_entries()"
        );
    }
}

/// The bytes of a baggage property that the SDK writes as they are but the
/// next hop would read differently. The SDK percent-decodes properties when
/// it reads them and writes them back undecoded, so a property received as
/// `%2C` would reach the next hop as a `,` and start a new entry there, and
/// `%25` as a `%` that is decoded once more. `;` and `=` stay: they are the
/// properties' own structure.
const PROPERTY: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b',').add(b'%').add(b'\\');

/// `cx` with its baggage made safe to write with the SDK's propagator, when
/// it is not already: `%` escaped as `%25` in keys and values (the SDK
/// percent-encodes them without escaping `%` itself, so a value `%41` would
/// arrive as `A`, and `%03` as a control character), and properties
/// percent-encoded again as they were received ([`PROPERTY`]). Entries the
/// escaping takes over the W3C limits are left out and counted.
fn escape_for_next_hop(cx: &Context) -> Option<Context> {
    let baggage = cx.baggage();
    let needs_escaping = baggage.iter().any(|(key, (value, metadata))| {
        key.as_str().contains('%')
            || value.as_str().contains('%')
            || matches!(encode_property(metadata.as_str()), Cow::Owned(_))
    });
    if !needs_escaping {
        return None;
    }
    let escaped = cx.with_baggage(baggage.iter().map(|(key, (value, metadata))| {
        KeyValueMetadata::new(
            key.as_str().replace('%', "%25"),
            value.as_str().replace('%', "%25"),
            encode_property(metadata.as_str()).into_owned(),
        )
    }));
    let lost = baggage.len().saturating_sub(escaped.baggage().len());
    if lost > 0 {
        drop_baggage_entries(lost, "outgoing baggage over the W3C size limit");
    }
    Some(escaped)
}

fn encode_property(metadata: &str) -> Cow<'_, str> {
    utf8_percent_encode(metadata, PROPERTY).into()
}

/// Rewrites the `baggage` header of `cx` when the SDK's encoding of it is
/// over [`MAX_BAGGAGE_BYTES`] or not a valid header value: each entry is
/// encoded on its own (by the SDK), entries that are not valid header values
/// are left out, and of the rest the smallest are kept while they fit.
#[cold]
fn fit_baggage(cx: &Context, headers: &mut HeaderMap) {
    let sdk = BaggagePropagator::new();
    let baggage = cx.baggage();
    let mut entries = Vec::with_capacity(baggage.len());
    let mut dropped = 0;
    for (key, (value, metadata)) in baggage {
        let entry = || KeyValueMetadata::new(key.clone(), value.clone(), metadata.clone());
        let mut encoded = HashMap::<String, String>::with_capacity(1);
        sdk.inject_context(&Context::new().with_baggage([entry()]), &mut encoded);
        match encoded.get(BAGGAGE) {
            // Raw non-ASCII (a property the SDK writes decoded) is not a
            // valid baggage header: the next hop would drop the whole header.
            Some(text) if text.is_ascii() && HeaderValue::from_str(text).is_ok() => {
                entries.push((text.len(), entry()))
            }
            _ => dropped += 1,
        }
    }
    entries.sort_by_key(|(len, _)| *len);
    let mut total = 0;
    let mut kept = Vec::with_capacity(entries.len());
    for (len, entry) in entries {
        let len = if kept.is_empty() { len } else { len + 1 };
        if total + len <= MAX_BAGGAGE_BYTES {
            total += len;
            kept.push(entry);
        } else {
            dropped += 1;
        }
    }
    headers.remove(BAGGAGE);
    if !kept.is_empty() {
        sdk.inject_context(
            &Context::new().with_baggage(kept),
            &mut HeaderInjector(headers),
        );
    }
    if dropped > 0 {
        drop_baggage_entries(dropped, "outgoing baggage over the W3C size limit");
    }
}

/// The three headers of an incoming request, screened: what the SDK's
/// propagators get to parse.
///
/// `opentelemetry_http::HeaderExtractor` would hand over the first value of
/// each header as it is; this also bounds sizes, joins repeated list headers
/// and counts what it ignores.
struct Incoming<'a> {
    traceparent: Option<&'a str>,
    tracestate: Option<Cow<'a, str>>,
    baggage: Option<Cow<'a, str>>,
}

impl<'a> Incoming<'a> {
    fn screen(headers: &'a HeaderMap) -> Self {
        Incoming {
            traceparent: single_header(headers, TRACEPARENT),
            tracestate: list_header(headers, TRACESTATE, MAX_TRACE_CONTEXT_BYTES),
            baggage: list_header(headers, BAGGAGE, MAX_BAGGAGE_BYTES),
        }
    }

    fn is_empty(&self) -> bool {
        self.traceparent.is_none() && self.tracestate.is_none() && self.baggage.is_none()
    }

    /// The SDK's reading of the headers on an empty context; counts what it
    /// rejected.
    fn extract(&self) -> Context {
        if self.is_empty() {
            return Context::new();
        }
        let cx = propagator().extract_with_context(&Context::new(), self);
        if self.traceparent.is_some() {
            if !cx.has_active_span() {
                drop_header(TRACEPARENT, "malformed traceparent");
            } else if self
                .tracestate
                .as_deref()
                .is_some_and(|state| state.bytes().any(|b| !matches!(b, b' ' | b'\t' | b',')))
                && *cx.span().span_context().trace_state() == TraceState::NONE
            {
                drop_header(TRACESTATE, "malformed tracestate");
            }
        }
        if let Some(baggage) = &self.baggage {
            let offered = baggage
                .split(',')
                .filter(|member| !member.trim().is_empty())
                .count();
            let kept = cx.baggage().len();
            if offered > kept {
                drop_baggage_entries(
                    offered - kept,
                    "incoming baggage entries over the W3C count limit, invalid or repeated",
                );
            }
        }
        cx
    }
}

impl Extractor for Incoming<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        if key.eq_ignore_ascii_case(TRACEPARENT) {
            self.traceparent
        } else if key.eq_ignore_ascii_case(TRACESTATE) {
            self.tracestate.as_deref()
        } else if key.eq_ignore_ascii_case(BAGGAGE) {
            self.baggage.as_deref()
        } else {
            None
        }
    }

    fn keys(&self) -> Vec<&str> {
        [
            self.traceparent.map(|_| TRACEPARENT),
            self.tracestate.as_ref().map(|_| TRACESTATE),
            self.baggage.as_ref().map(|_| BAGGAGE),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// A header that must appear once: its text, or `None` (counted) when it is
/// repeated, too large or not visible ASCII.
fn single_header<'a>(headers: &'a HeaderMap, name: &'static str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    let value = values.next()?;
    let reason = if values.next().is_some() {
        "repeated header"
    } else if value.len() > MAX_TRACE_CONTEXT_BYTES {
        "header too large"
    } else if let Ok(text) = value.to_str() {
        return Some(text);
    } else {
        "header not visible ASCII"
    };
    drop_header(name, reason);
    None
}

/// A comma-separated list header, its repeated values joined: the text, or
/// `None` (counted) when all values together are over `limit`. A value that
/// is not visible ASCII is left out (counted).
fn list_header<'a>(
    headers: &'a HeaderMap,
    name: &'static str,
    limit: usize,
) -> Option<Cow<'a, str>> {
    let values = headers.get_all(name);
    let mut total = 0;
    let mut count = 0;
    for value in values.iter() {
        total += value.len() + usize::from(count > 0);
        count += 1;
    }
    if count == 0 {
        return None;
    }
    if total > limit {
        drop_header(name, "header too large");
        return None;
    }
    let mut list: Option<Cow<'a, str>> = None;
    for value in values.iter() {
        let Ok(text) = value.to_str() else {
            drop_header(name, "header not visible ASCII");
            continue;
        };
        list = Some(match list {
            None => Cow::Borrowed(text),
            Some(joined) => {
                let mut joined = joined.into_owned();
                joined.push(',');
                joined.push_str(text);
                Cow::Owned(joined)
            }
        });
    }
    list
}

#[cfg(feature = "reqwest")]
mod sealed {
    pub trait Sealed {}
    impl Sealed for reqwest::RequestBuilder {}
    impl Sealed for reqwest::blocking::RequestBuilder {}
}

/// Adds `traceparent`, `tracestate` and `baggage` to a reqwest request, for
/// reqwest's async and blocking request builders. Needs the `reqwest`
/// feature.
///
/// ```
/// use llm_trace::propagation::RequestBuilderExt;
///
/// let request = reqwest::Client::new()
///     .post("http://gateway.internal/v1/chat/completions")
///     .inject_context()
///     .build()
///     .unwrap();
/// # let _ = request;
/// ```
#[cfg(feature = "reqwest")]
pub trait RequestBuilderExt: sealed::Sealed + Sized {
    /// Adds the current context's headers (see [`inject`]), replacing values
    /// already set.
    fn inject_context(self) -> Self {
        self.inject_context_from(&Context::current())
    }

    /// Adds `cx`'s headers (see [`inject_context`](fn@inject_context)),
    /// replacing values already set.
    fn inject_context_from(self, cx: &Context) -> Self;
}

#[cfg(feature = "reqwest")]
impl RequestBuilderExt for reqwest::RequestBuilder {
    fn inject_context_from(self, cx: &Context) -> Self {
        let mut headers = HeaderMap::new();
        inject_context(cx, &mut headers);
        if headers.is_empty() {
            self
        } else {
            self.headers(headers)
        }
    }
}

#[cfg(feature = "reqwest")]
impl RequestBuilderExt for reqwest::blocking::RequestBuilder {
    fn inject_context_from(self, cx: &Context) -> Self {
        let mut headers = HeaderMap::new();
        inject_context(cx, &mut headers);
        if headers.is_empty() {
            self
        } else {
            self.headers(headers)
        }
    }
}
