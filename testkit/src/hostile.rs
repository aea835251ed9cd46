//! What must hold for any input, checked on one input at a time: shared by
//! the property tests (`tests/hostile/`) and the cargo-fuzz targets
//! (`fuzz/`), so both try to break the same promises.
//!
//! Each check runs one parser family and panics (a failed property, or the
//! parser's own panic) when a promise is broken:
//!
//! - provider bodies ([`response_bytes`], [`response_value`],
//!   [`request_bytes`], [`request_value`]): every provider of
//!   [`KNOWN_PROVIDERS`] reads any JSON without panicking, through
//!   [`parse_response`] / [`parse_request`] and through its typed serde
//!   types; a body that is not a JSON object gives no facts at all; a usage,
//!   when given, has at least one count; the cheap accessors (`usage`,
//!   `response_model`, `request_model`) agree with the full facts; the facts
//!   serialize and read back unchanged;
//! - W3C headers ([`headers`]): `extract` keeps the bounds (entries, bytes),
//!   gives a valid remote parent or none, and what it extracted survives
//!   `inject` and a second `extract` unchanged, within the outgoing bounds
//!   (an entry that cannot be sent again is left out and counted);
//! - metadata ([`check_span_bounds`]): recorded values stay within the
//!   documented bounds;
//! - streams ([`stream_bytes`]): raw SSE / NDJSON bytes split anywhere, and
//!   each provider's stream chunks, never panic, keep their bounds, and
//!   decode the same however they are split.
//!
//! The fuzz targets' text inputs are parsed here too ([`headers_from_text`],
//! [`metadata_from_text`]) so that a corpus file reads the same in both.

use std::collections::BTreeMap;

use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use llm_trace::metadata::{MAX_ARRAY_ELEMENTS, MAX_ATTRIBUTE_VALUE_BYTES};
use llm_trace::opentelemetry::baggage::BaggageExt;
use llm_trace::opentelemetry::trace::TraceContextExt;
use llm_trace::opentelemetry::{Array, Context};
use llm_trace::propagation::{self, MAX_BAGGAGE_BYTES, MAX_BAGGAGE_ENTRIES};
use llm_trace::provider::sse::SseDecoder;
use llm_trace::provider::{
    anthropic, bedrock, cohere, gemini, ollama, openai, parse_request, parse_response, responses,
    Anthropic, AzureOpenAi, Bedrock, ChunkFacts, Cohere, DeepSeek, Gemini, Groq, MistralAi, Ollama,
    OpenAi, OpenRouter, Perplexity, Provider, RequestFacts, RequestInfo, ResponseFacts,
    ResponseInfo, StreamFacts, Usage, VertexAi, XAi, KNOWN_PROVIDERS, MAX_STREAM_CHOICES,
};
use opentelemetry_sdk::trace::SpanData;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Runs `$then!(Type)` for every provider type [`parse_response`] knows.
macro_rules! each_provider {
    ($then:ident) => {{
        $then!(OpenAi);
        $then!(Anthropic);
        $then!(DeepSeek);
        $then!(Groq);
        $then!(XAi);
        $then!(MistralAi);
        $then!(Perplexity);
        $then!(OpenRouter);
        $then!(AzureOpenAi);
        $then!(Bedrock);
        $then!(Cohere);
        $then!(Ollama);
        $then!(Gemini);
        $then!(VertexAi);
    }};
}

/// The provider names the checks cover: [`KNOWN_PROVIDERS`] must not hold
/// one they miss.
pub fn covered_providers() -> Vec<&'static str> {
    let mut names = Vec::new();
    macro_rules! name {
        ($p:ty) => {
            names.push(<$p as Provider>::NAME)
        };
    }
    each_provider!(name);
    names
}

/// A response body as bytes: any bytes, JSON or not.
pub fn response_bytes(bytes: &[u8]) {
    typed_responses(|ty| ty.check_bytes(bytes));
    if let Ok(body) = serde_json::from_slice::<Value>(bytes) {
        response_value(&body);
    }
}

/// A request body as bytes: any bytes, JSON or not.
pub fn request_bytes(bytes: &[u8]) {
    typed_requests(|ty| ty.check_bytes(bytes));
    if let Ok(body) = serde_json::from_slice::<Value>(bytes) {
        request_value(&body);
    }
}

/// A response body: every provider's raw-JSON facts, then every typed
/// response type that accepts the body.
pub fn response_value(body: &Value) {
    assert_eq!(
        covered_providers(),
        KNOWN_PROVIDERS,
        "a provider is missing from the hostile-input checks"
    );
    macro_rules! check {
        ($p:ty) => {{
            let info = parse_response(<$p as Provider>::NAME, body).expect("a known provider");
            assert_eq!(info, ResponseFacts::<$p>::response_info(body));
            response_facts::<$p, Value>(body, body.is_object(), &info);
        }};
    }
    each_provider!(check);
    typed_responses(|ty| ty.check_value(body));
}

/// A request body: every provider's raw-JSON facts, then every typed
/// request type that accepts the body.
pub fn request_value(body: &Value) {
    macro_rules! check {
        ($p:ty) => {{
            let info = parse_request(<$p as Provider>::NAME, body).expect("a known provider");
            request_facts::<$p, Value>(body, body.is_object(), &info);
        }};
    }
    each_provider!(check);
    typed_requests(|ty| ty.check_value(body));
}

/// The promises of a response's facts, `info` being
/// `response.response_info()`; `object`: whether the response is a JSON
/// object (typed responses always are).
fn response_facts<P: Provider, R: ResponseFacts<P> + ?Sized>(
    response: &R,
    object: bool,
    info: &ResponseInfo<'_>,
) {
    let name = P::NAME;
    if !object {
        assert_eq!(
            *info,
            ResponseInfo::default(),
            "{name}: facts from a body that is not an object"
        );
    }
    assert_eq!(
        response.usage(),
        info.usage,
        "{name}: usage() disagrees with response_info()"
    );
    if let Some(model) = response.response_model() {
        assert_eq!(
            Some(model),
            info.model.as_deref(),
            "{name}: response_model() disagrees with response_info()"
        );
    }
    if let Some(usage) = &info.usage {
        assert_ne!(
            *usage,
            Usage::default(),
            "{name}: a usage without a single count"
        );
    }
    let text = serde_json::to_string(info).expect("facts serialize");
    let back: ResponseInfo<'_> = serde_json::from_str(&text).expect("facts read back");
    assert_eq!(back, *info, "{name}: facts change through serde");
}

/// The promises of a request's facts, `info` being `request.request_info()`.
fn request_facts<P: Provider, R: RequestFacts<P> + ?Sized>(
    request: &R,
    object: bool,
    info: &RequestInfo<'_>,
) {
    let name = P::NAME;
    if !object {
        assert_eq!(
            *info,
            RequestInfo::default(),
            "{name}: request facts from a body that is not an object"
        );
    }
    assert_eq!(
        request.request_model(),
        info.model.as_deref(),
        "{name}: request_model() disagrees with request_info()"
    );
    serde_json::to_string(info).expect("request facts serialize");
}

/// One typed serde type and the providers that read it.
trait Typed {
    fn check_value(&self, body: &Value);
    fn check_bytes(&self, bytes: &[u8]);
}

struct TypedCheck<T>(fn(&T));

impl<T: DeserializeOwned> Typed for TypedCheck<T> {
    fn check_value(&self, body: &Value) {
        if let Ok(typed) = serde_json::from_value::<T>(body.clone()) {
            (self.0)(&typed);
        }
    }
    fn check_bytes(&self, bytes: &[u8]) {
        if let Ok(typed) = serde_json::from_slice::<T>(bytes) {
            (self.0)(&typed);
        }
    }
}

macro_rules! typed_response {
    ($t:ty => $($p:ty),+) => {
        TypedCheck::<$t>(|typed| {
            $(
                let info = ResponseFacts::<$p>::response_info(typed);
                response_facts::<$p, $t>(typed, true, &info);
            )+
        })
    };
}

macro_rules! typed_request {
    ($t:ty => $($p:ty),+) => {
        TypedCheck::<$t>(|typed| {
            $(
                let info = RequestFacts::<$p>::request_info(typed);
                request_facts::<$p, $t>(typed, true, &info);
            )+
        })
    };
}

/// Runs `each` on every typed response type of the built-in providers.
fn typed_responses(mut each: impl FnMut(&dyn Typed)) {
    each(&typed_response!(openai::ChatCompletion => OpenAi));
    each(&typed_response!(openai::EmbeddingResponse => OpenAi));
    each(&typed_response!(responses::Response => OpenAi));
    each(&typed_response!(anthropic::MessagesResponse => Anthropic));
    each(&typed_response!(gemini::GenerateContentResponse => Gemini));
    each(&typed_response!(gemini::EmbedContentResponse => VertexAi));
    each(&typed_response!(bedrock::ConverseResponse => Bedrock));
    each(&typed_response!(bedrock::TitanEmbeddingResponse => Bedrock));
    each(&typed_response!(cohere::ChatResponse => Cohere));
    each(&typed_response!(cohere::EmbedResponse => Cohere));
    each(&typed_response!(ollama::ChatResponse => Ollama));
    each(&typed_response!(ollama::EmbedResponse => Ollama));
}

/// Runs `each` on every typed request type of the built-in providers.
fn typed_requests(mut each: impl FnMut(&dyn Typed)) {
    each(&typed_request!(openai::ChatRequest => OpenAi));
    each(&typed_request!(openai::EmbeddingRequest => OpenAi));
    each(&typed_request!(responses::ResponseRequest => OpenAi));
    each(&typed_request!(anthropic::MessagesRequest => Anthropic));
    each(&typed_request!(gemini::GenerateContentRequest => Gemini));
    each(&typed_request!(gemini::EmbedContentRequest => VertexAi));
    each(&typed_request!(bedrock::ConverseRequest => Bedrock));
    each(&typed_request!(bedrock::TitanEmbeddingRequest => Bedrock));
    each(&typed_request!(cohere::ChatRequest => Cohere));
    each(&typed_request!(cohere::EmbedRequest => Cohere));
    each(&typed_request!(ollama::ChatRequest => Ollama));
    each(&typed_request!(ollama::EmbedRequest => Ollama));
}

/// Checks the typed facts of a response type from a client crate (behind
/// one of llm-trace's features), for the property tests of those types.
pub fn client_response<P: Provider, T: ResponseFacts<P> + DeserializeOwned>(body: &Value) {
    if let Ok(typed) = serde_json::from_value::<T>(body.clone()) {
        let info = typed.response_info();
        response_facts::<P, T>(&typed, true, &info);
    }
}

/// Checks the typed facts of a request type from a client crate.
pub fn client_request<P: Provider, T: RequestFacts<P> + DeserializeOwned>(body: &Value) {
    if let Ok(typed) = serde_json::from_value::<T>(body.clone()) {
        let info = typed.request_info();
        request_facts::<P, T>(&typed, true, &info);
    }
}

/// The fuzz input format of the header target: one header a line,
/// `name: value`; lines whose name or value HTTP does not allow are skipped
/// (the `http` crate would not build such a header map either).
pub fn headers_from_text(bytes: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for line in bytes.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let value = value.strip_prefix(b" ").unwrap_or(value);
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.trim_ascii()),
            HeaderValue::from_bytes(value),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

/// The baggage of `cx` as a map, for comparisons.
fn baggage_of(cx: &Context) -> BTreeMap<String, String> {
    cx.baggage()
        .iter()
        .map(|(k, (v, _))| (k.as_str().to_owned(), v.as_str().to_owned()))
        .collect()
}

/// Incoming W3C headers: `extract` keeps the bounds, gives a valid remote
/// parent or none, agrees with `extract_with`, and what it extracted
/// survives `inject` and a second `extract` (or is left out, counted).
pub fn headers(headers: &HeaderMap) {
    let cx = propagation::extract(headers);
    let baggage = baggage_of(&cx);
    assert!(
        baggage.len() <= MAX_BAGGAGE_ENTRIES,
        "{} entries",
        baggage.len()
    );
    let text: usize = baggage.iter().map(|(k, v)| k.len() + v.len()).sum();
    assert!(text <= MAX_BAGGAGE_BYTES, "{text} bytes of baggage");
    let parent = cx.span().span_context().clone();
    if cx.has_active_span() {
        assert!(parent.is_valid() && parent.is_remote(), "{parent:?}");
    }

    let with = propagation::extract_with(&Context::new(), headers);
    assert_eq!(with.span().span_context(), &parent);
    assert_eq!(baggage_of(&with), baggage);

    let dropped_before = propagation::dropped_baggage_entries();
    let mut outgoing = HeaderMap::new();
    propagation::inject_context(&cx, &mut outgoing);
    if let Some(sent) = outgoing.get("baggage") {
        assert!(sent.len() <= MAX_BAGGAGE_BYTES, "{} bytes sent", sent.len());
    }
    assert_eq!(outgoing.contains_key("traceparent"), parent.is_valid());
    let again = propagation::extract(&outgoing);
    assert_eq!(again.span().span_context(), &parent, "through inject");
    // An entry that cannot be sent again (its properties decode to bytes
    // no header may hold) is left out and counted; the others arrive as
    // they were.
    let forwarded = baggage_of(&again);
    for (key, value) in &forwarded {
        assert_eq!(baggage.get(key), Some(value), "{key} through inject");
    }
    if forwarded.len() < baggage.len() {
        assert!(
            propagation::dropped_baggage_entries() > dropped_before,
            "entries left out of the outgoing baggage uncounted"
        );
    }
}

/// The fuzz input format of the metadata target: one entry a line,
/// `key=value`, the value typed as the text says: an integer, a float,
/// `true`/`false`, a JSON array of strings, numbers or booleans, else the
/// text itself. Bytes that are not UTF-8 are replaced.
pub fn metadata_from_text(bytes: &[u8]) -> Vec<(String, llm_trace::opentelemetry::Value)> {
    use llm_trace::opentelemetry::{StringValue, Value as Otel};
    let text = String::from_utf8_lossy(bytes);
    let mut entries = Vec::new();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = if let Ok(v) = value.parse::<i64>() {
            Otel::I64(v)
        } else if let Ok(v) = value.parse::<f64>() {
            Otel::F64(v)
        } else if let Ok(v) = value.parse::<bool>() {
            Otel::Bool(v)
        } else {
            match serde_json::from_str::<Vec<Value>>(value) {
                Ok(items) if items.iter().all(Value::is_string) => Otel::Array(Array::String(
                    items
                        .iter()
                        .filter_map(|v| v.as_str().map(|s| StringValue::from(s.to_owned())))
                        .collect(),
                )),
                Ok(items) if items.iter().all(Value::is_i64) => {
                    Otel::Array(Array::I64(items.iter().filter_map(Value::as_i64).collect()))
                }
                Ok(items) if items.iter().all(Value::is_number) => {
                    Otel::Array(Array::F64(items.iter().filter_map(Value::as_f64).collect()))
                }
                Ok(items) if items.iter().all(Value::is_boolean) => Otel::Array(Array::Bool(
                    items.iter().filter_map(Value::as_bool).collect(),
                )),
                _ => Otel::from(value.to_owned()),
            }
        };
        entries.push((key.to_owned(), value));
    }
    entries
}

/// Every attribute and event attribute of `span` within the documented
/// value bounds.
pub fn check_span_bounds(span: &SpanData) {
    use llm_trace::opentelemetry::Value as Otel;
    let attributes = span
        .attributes
        .iter()
        .chain(span.events.iter().flat_map(|e| e.attributes.iter()));
    for kv in attributes {
        let (text, elements) = match &kv.value {
            Otel::String(s) => (s.as_str().len(), 0),
            Otel::Array(Array::String(items)) => {
                (items.iter().map(|s| s.as_str().len()).sum(), items.len())
            }
            Otel::Array(Array::I64(items)) => (0, items.len()),
            Otel::Array(Array::F64(items)) => (0, items.len()),
            Otel::Array(Array::Bool(items)) => (0, items.len()),
            _ => (0, 0),
        };
        assert!(
            text <= MAX_ATTRIBUTE_VALUE_BYTES,
            "{}: {text} bytes recorded",
            kv.key
        );
        assert!(
            elements <= MAX_ARRAY_ELEMENTS,
            "{}: {elements} elements recorded",
            kv.key
        );
    }
}

/// Streamed responses: `data[0]` seeds the split points of the rest, raw
/// bytes fed to every provider's stream facts (server-sent events or NDJSON)
/// in those pieces; each SSE event and NDJSON line is also read as each
/// provider's typed chunks. Nothing panics, the facts stay within their
/// bounds (choices, tool calls), splitting never changes the decoded events,
/// and a stream that ends early reports `error` for each unfinished choice.
pub fn stream_bytes(data: &[u8]) {
    let Some((&seed, bytes)) = data.split_first() else {
        return;
    };
    let cuts = split_points(seed, bytes.len());

    // The decoder gives the same events however the bytes arrive.
    let decode = |pieces: &[&[u8]]| {
        let mut events = Vec::new();
        let mut decoder = SseDecoder::new();
        for piece in pieces {
            decoder.feed(piece, |e| events.push(e.to_vec()));
        }
        decoder.finish(|e| events.push(e.to_vec()));
        events
    };
    let pieces = split_at(bytes, &cuts);
    let events = decode(&pieces);
    assert_eq!(events, decode(&[bytes]), "split at {cuts:?}");
    for event in &events {
        assert!(event.len() <= llm_trace::provider::sse::MAX_EVENT_BYTES);
    }

    macro_rules! wire {
        ($p:ty) => {{
            let mut facts = StreamFacts::new();
            for piece in &pieces {
                ChunkFacts::<$p>::observe(*piece, &mut facts);
            }
            check_stream_facts(&facts);
        }};
    }
    each_provider!(wire);

    // Each event as typed chunks (those that deserialize).
    fn typed<P: Provider, T: DeserializeOwned + ChunkFacts<P>>(events: &[Vec<u8>]) {
        let mut facts = StreamFacts::new();
        for event in events {
            if let Ok(chunk) = serde_json::from_slice::<T>(event) {
                chunk.observe(&mut facts);
            }
        }
        check_stream_facts(&facts);
    }
    typed::<OpenAi, openai::ChatCompletionChunk>(&events);
    typed::<OpenAi, responses::ResponseStreamEvent>(&events);
    typed::<Anthropic, anthropic::MessageStreamEvent>(&events);
    typed::<Gemini, gemini::GenerateContentResponse>(&events);
    typed::<Bedrock, bedrock::ConverseStreamEvent>(&events);
    typed::<Ollama, ollama::ChatResponse>(&events);
}

fn check_stream_facts(facts: &StreamFacts) {
    let ended = facts.response_info(false);
    let early = facts.response_info(true);
    assert!(ended.finish_reasons.len() <= MAX_STREAM_CHOICES);
    assert!(early.finish_reasons.len() <= MAX_STREAM_CHOICES);
    assert!(
        !early.finish_reasons.is_empty(),
        "an early end reports an error"
    );
    assert!(ended.tool_calls.len() <= MAX_STREAM_CHOICES);
    assert!(ended.finish_reasons.len() <= early.finish_reasons.len());
    if let Some(usage) = facts.usage() {
        assert_ne!(usage, Usage::default(), "a usage has a count");
    }
}

/// Up to eight split points in `0..=len`, from `seed`.
fn split_points(seed: u8, len: usize) -> Vec<usize> {
    let mut state = u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut cuts: Vec<usize> = (0..(seed % 8))
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % (len as u64 + 1)) as usize
        })
        .collect();
    cuts.sort_unstable();
    cuts
}

fn split_at<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut from = 0;
    for &cut in cuts {
        pieces.push(&bytes[from..cut]);
        from = cut;
    }
    pieces.push(&bytes[from..]);
    pieces
}
