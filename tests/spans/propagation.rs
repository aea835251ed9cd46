//! W3C propagation across services: `llm_trace::propagation` writes
//! `traceparent`, `tracestate` and `baggage` into outgoing headers and reads
//! them back from incoming ones, ignoring (and counting) what is malformed or
//! too large.
//!
//! Spans come from a local SDK tracer provider, never the global one. The
//! drop counters are process-wide and tests run in parallel, so tests only
//! check that they grow.

use std::collections::BTreeSet;

use http::header::{HeaderMap, HeaderValue};
use llm_trace::propagation::{
    self, dropped_baggage_entries, dropped_headers, MAX_BAGGAGE_BYTES, MAX_BAGGAGE_ENTRIES,
};
use opentelemetry::baggage::{BaggageExt, KeyValueMetadata};
use opentelemetry::context::FutureExt;
use opentelemetry::trace::{
    Span as _, SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, Tracer,
    TracerProvider,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracer, SdkTracerProvider};

const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
const SPAN_ID: &str = "b7ad6b7169203331";
const TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

fn tracer() -> SdkTracer {
    SdkTracerProvider::builder().build().tracer("t")
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn caller() -> SpanContext {
    SpanContext::new(
        TraceId::from_hex(TRACE_ID).unwrap(),
        SpanId::from_hex(SPAN_ID).unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::NONE,
    )
}

fn baggage_of(cx: &Context) -> BTreeSet<(String, String)> {
    cx.baggage()
        .iter()
        .map(|(key, (value, _))| (key.to_string(), value.to_string()))
        .collect()
}

fn entries(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers[name].to_str().unwrap()
}

fn has_remote_parent(cx: &Context) -> bool {
    cx.has_active_span() && cx.span().span_context().is_remote()
}

// Outgoing.

#[test]
fn inject_writes_the_traceparent_of_a_sampled_span() {
    let span = tracer().start("call");
    let sc = span.span_context().clone();
    let cx = Context::new().with_span(span);

    let mut out = HeaderMap::new();
    propagation::inject_context(&cx, &mut out);

    let expected = format!("00-{}-{}-01", sc.trace_id(), sc.span_id());
    assert_eq!(header(&out, "traceparent"), expected);
    let parts: Vec<&str> = expected.split('-').collect();
    assert_eq!(
        parts.iter().map(|part| part.len()).collect::<Vec<_>>(),
        [2, 32, 16, 2]
    );
    assert!(expected
        .bytes()
        .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
}

#[test]
fn inject_writes_baggage_entries_percent_encoded() {
    let cx = Context::new().with_baggage([
        KeyValue::new("tenant", "acme corp"),
        KeyValue::new("note", "a,b;c=d"),
        KeyValue::new("city", "München"),
        KeyValue::new("feature", "search"),
    ]);

    let mut out = HeaderMap::new();
    propagation::inject_context(&cx, &mut out);

    let members: BTreeSet<&str> = header(&out, "baggage").split(',').collect();
    assert_eq!(
        members,
        BTreeSet::from([
            "tenant=acme%20corp",
            "note=a%2Cb%3Bc%3Dd",
            "city=M%C3%BCnchen",
            "feature=search",
        ])
    );
}

#[test]
fn inject_writes_a_sampled_span_and_its_baggage_together() {
    let span = tracer().start("call");
    let sc = span.span_context().clone();
    let cx = Context::new()
        .with_span(span)
        .with_baggage([KeyValue::new("tenant", "acme")]);

    let mut out = HeaderMap::new();
    propagation::inject_context(&cx, &mut out);

    assert_eq!(
        header(&out, "traceparent"),
        format!("00-{}-{}-01", sc.trace_id(), sc.span_id())
    );
    assert_eq!(header(&out, "tracestate"), "");
    assert_eq!(header(&out, "baggage"), "tenant=acme");
}

#[test]
fn inject_passes_tracestate_on() {
    let state: TraceState = "vendor=opaque,other=1".parse().unwrap();
    let sc = SpanContext::new(
        TraceId::from_hex(TRACE_ID).unwrap(),
        SpanId::from_hex(SPAN_ID).unwrap(),
        TraceFlags::SAMPLED,
        true,
        state,
    );
    let mut out = HeaderMap::new();
    propagation::inject_context(&Context::new().with_remote_span_context(sc), &mut out);

    assert_eq!(header(&out, "traceparent"), TRACEPARENT);
    assert_eq!(header(&out, "tracestate"), "vendor=opaque,other=1");
}

#[test]
fn inject_marks_an_unsampled_span_as_such() {
    let sc = SpanContext::new(
        TraceId::from_hex(TRACE_ID).unwrap(),
        SpanId::from_hex(SPAN_ID).unwrap(),
        TraceFlags::default(),
        true,
        TraceState::NONE,
    );
    let mut out = HeaderMap::new();
    propagation::inject_context(&Context::new().with_remote_span_context(sc), &mut out);

    assert_eq!(
        header(&out, "traceparent"),
        format!("00-{TRACE_ID}-{SPAN_ID}-00")
    );
}

#[test]
fn inject_from_an_empty_context_writes_nothing() {
    let mut out = HeaderMap::new();
    propagation::inject_context(&Context::new(), &mut out);
    assert!(out.is_empty());
}

#[test]
fn inject_reads_the_current_context() {
    let cx = Context::new()
        .with_remote_span_context(caller())
        .with_baggage([KeyValue::new("tenant", "acme")]);
    let _attached = cx.attach();

    let mut out = HeaderMap::new();
    propagation::inject(&mut out);

    assert_eq!(header(&out, "traceparent"), TRACEPARENT);
    assert_eq!(header(&out, "baggage"), "tenant=acme");
}

#[test]
fn inject_replaces_headers_already_there() {
    let mut out = headers(&[
        (
            "traceparent",
            "00-11111111111111111111111111111111-2222222222222222-01",
        ),
        ("baggage", "stale=1"),
    ]);
    let cx = Context::new()
        .with_remote_span_context(caller())
        .with_baggage([KeyValue::new("tenant", "acme")]);
    propagation::inject_context(&cx, &mut out);

    assert_eq!(out.get_all("traceparent").iter().count(), 1);
    assert_eq!(header(&out, "traceparent"), TRACEPARENT);
    assert_eq!(header(&out, "baggage"), "tenant=acme");
}

#[test]
fn outgoing_baggage_over_the_size_limit_loses_whole_entries() {
    // 60 entries of 120 spaces between letters: under the 8192-byte limit of
    // `Baggage` itself, but three times that once spaces are percent-encoded.
    let value = format!("a{}b", " ".repeat(120));
    let cx = Context::new().with_baggage(
        (0..60)
            .map(|i| KeyValue::new(format!("k{i:02}"), value.clone()))
            .collect::<Vec<_>>(),
    );
    assert_eq!(cx.baggage().len(), 60);
    let before = dropped_baggage_entries();

    let mut out = HeaderMap::new();
    propagation::inject_context(&cx, &mut out);

    let sent = header(&out, "baggage");
    assert!(sent.len() <= MAX_BAGGAGE_BYTES, "{} bytes", sent.len());
    let received = propagation::extract(&out);
    let kept = baggage_of(&received);
    assert!(
        !kept.is_empty() && kept.len() < 60,
        "{} entries",
        kept.len()
    );
    assert!(kept.iter().all(|(_, v)| *v == value), "an entry was cut");
    assert!(dropped_baggage_entries() >= before + (60 - kept.len()) as u64);
}

#[test]
fn outgoing_metadata_is_percent_encoded() {
    // The SDK writes baggage metadata as it is; a line break in it would make
    // the whole header invalid, a comma would start an entry at the next hop.
    let cx = Context::new().with_baggage([
        KeyValueMetadata::new("tenant", "acme", "meta\nmore,x=1"),
        KeyValueMetadata::new("feature", "search", ""),
    ]);
    let mut out = headers(&[("baggage", "stale=1")]);
    propagation::inject_context(&cx, &mut out);

    let mut entries: Vec<&str> = header(&out, "baggage").split(',').collect();
    entries.sort();
    assert_eq!(entries, ["feature=search", "tenant=acme;meta%0Amore%2Cx=1"]);
    let next = propagation::extract(&out);
    let (value, metadata) = next.baggage().get_with_metadata("tenant").unwrap();
    assert_eq!(value.as_str(), "acme");
    assert_eq!(metadata.as_str(), "meta\nmore,x=1");
}

// Round trip.

#[test]
fn round_trip_keeps_the_caller_as_remote_parent_and_the_baggage() {
    let span = tracer().start("caller");
    let sc = span.span_context().clone();
    let cx = Context::new().with_span(span).with_baggage([
        KeyValue::new("tenant", "acme corp"),
        KeyValue::new("note", "a,b;c=d"),
        KeyValue::new("city", "München"),
    ]);
    let mut wire = HeaderMap::new();
    propagation::inject_context(&cx, &mut wire);

    let received = propagation::extract(&wire);

    let parent = received.span().span_context().clone();
    assert!(parent.is_remote());
    assert_eq!(parent.trace_id(), sc.trace_id());
    assert_eq!(parent.span_id(), sc.span_id());
    assert!(parent.is_sampled());
    assert_eq!(
        baggage_of(&received),
        entries(&[
            ("tenant", "acme corp"),
            ("note", "a,b;c=d"),
            ("city", "München")
        ])
    );
}

#[test]
fn round_trip_keeps_tracestate() {
    let mut wire = headers(&[
        ("traceparent", TRACEPARENT),
        ("tracestate", "vendor=opaque"),
    ]);
    let received = propagation::extract(&wire);
    wire.clear();
    propagation::inject_context(&received, &mut wire);

    assert_eq!(header(&wire, "traceparent"), TRACEPARENT);
    assert_eq!(header(&wire, "tracestate"), "vendor=opaque");
}

#[test]
fn a_span_started_under_the_extracted_context_is_the_callers_child() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let cx = propagation::extract(&headers(&[("traceparent", TRACEPARENT)]));

    drop(provider.tracer("t").start_with_context("llm", &cx));

    let spans = exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].span_context.trace_id().to_string(), TRACE_ID);
    assert_eq!(spans[0].parent_span_id.to_string(), SPAN_ID);
    assert!(spans[0].parent_span_is_remote);
}

#[tokio::test]
async fn work_run_with_the_extracted_context_continues_the_callers_trace() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let tracer = provider.tracer("gateway");
    let incoming = headers(&[("traceparent", TRACEPARENT), ("baggage", "tenant=acme")]);

    let outgoing = async {
        tokio::task::yield_now().await;
        let span = tracer.start("chat gpt-4o-mini");
        let sc = span.span_context().clone();
        let _attached = Context::current_with_span(span).attach();
        let mut out = HeaderMap::new();
        propagation::inject(&mut out);
        (sc, out)
    }
    .with_context(propagation::extract(&incoming))
    .await;

    let (sc, out) = outgoing;
    let spans = exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].parent_span_id.to_string(), SPAN_ID);
    assert_eq!(sc.trace_id().to_string(), TRACE_ID);
    // The next hop sees the gateway's span as its parent, and the metadata.
    assert_eq!(
        header(&out, "traceparent"),
        format!("00-{TRACE_ID}-{}-01", sc.span_id())
    );
    assert_eq!(header(&out, "baggage"), "tenant=acme");
}

#[test]
fn extract_starts_from_an_empty_context() {
    #[derive(Debug, PartialEq)]
    struct Local(u8);
    let _attached = Context::current_with_value(Local(1)).attach();

    let cx = propagation::extract(&headers(&[("traceparent", TRACEPARENT)]));

    assert!(cx.get::<Local>().is_none());
    assert!(has_remote_parent(&cx));
}

#[test]
fn extract_without_headers_gives_an_empty_context() {
    let cx = propagation::extract(&HeaderMap::new());
    assert!(!cx.has_active_span());
    assert!(cx.baggage().is_empty());
}

#[test]
fn extract_with_keeps_the_parents_values_and_replaces_its_span_and_baggage() {
    #[derive(Debug, PartialEq)]
    struct Local(u8);
    let local_span = tracer().start("local");
    let parent = Context::new()
        .with_span(local_span)
        .with_value(Local(7))
        .with_baggage([KeyValue::new("local", "1")]);

    let cx = propagation::extract_with(
        &parent,
        &headers(&[("traceparent", TRACEPARENT), ("baggage", "tenant=acme")]),
    );

    assert_eq!(cx.get::<Local>(), Some(&Local(7)));
    assert_eq!(cx.span().span_context(), &caller());
    assert_eq!(baggage_of(&cx), entries(&[("tenant", "acme")]));
}

#[test]
fn extract_with_and_no_headers_keeps_the_parent() {
    let parent = Context::new()
        .with_remote_span_context(caller())
        .with_baggage([KeyValue::new("local", "1")]);

    let cx = propagation::extract_with(&parent, &HeaderMap::new());

    assert_eq!(cx.span().span_context(), &caller());
    assert_eq!(baggage_of(&cx), entries(&[("local", "1")]));
}

#[test]
fn extract_with_keeps_the_parents_baggage_when_no_baggage_arrives() {
    let parent = Context::new().with_baggage([KeyValue::new("local", "1")]);
    let cx = propagation::extract_with(&parent, &headers(&[("traceparent", TRACEPARENT)]));
    assert!(has_remote_parent(&cx));
    assert_eq!(baggage_of(&cx), entries(&[("local", "1")]));
}

// Incoming `traceparent` that is ignored.

fn assert_traceparent_ignored(value: HeaderValue) {
    let before = dropped_headers();
    let mut incoming = HeaderMap::new();
    incoming.insert("traceparent", value.clone());
    incoming.insert("tracestate", HeaderValue::from_static("vendor=opaque"));
    incoming.insert("baggage", HeaderValue::from_static("tenant=acme"));

    let cx = propagation::extract(&incoming);

    assert!(!cx.has_active_span(), "{value:?} gave a parent");
    assert!(!cx.span().span_context().is_valid());
    // The rest of the request is still read.
    assert_eq!(baggage_of(&cx), entries(&[("tenant", "acme")]));
    assert!(dropped_headers() > before, "{value:?} was not counted");
}

#[test]
fn garbage_traceparent_is_ignored() {
    assert_traceparent_ignored(HeaderValue::from_static("garbage"));
    assert_traceparent_ignored(HeaderValue::from_static("---"));
    assert_traceparent_ignored(HeaderValue::from_static(""));
    assert_traceparent_ignored(HeaderValue::from_static(
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
    ));
    assert_traceparent_ignored(HeaderValue::from_static(
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
    ));
    assert_traceparent_ignored(HeaderValue::from_static(
        "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
    ));
    assert_traceparent_ignored(HeaderValue::from_static(
        "00-0af7651916cd43dd8448eb211c8031zz-b7ad6b7169203331-01",
    ));
}

#[test]
fn traceparent_of_version_ff_is_ignored() {
    assert_traceparent_ignored(HeaderValue::from_static(
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    ));
}

#[test]
fn traceparent_with_all_zero_ids_is_ignored() {
    assert_traceparent_ignored(HeaderValue::from_static(
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",
    ));
    assert_traceparent_ignored(HeaderValue::from_static(
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
    ));
}

#[test]
fn traceparent_with_non_ascii_bytes_is_ignored() {
    let mut bytes = TRACEPARENT.as_bytes().to_vec();
    bytes[10] = 0xff;
    assert_traceparent_ignored(HeaderValue::from_bytes(&bytes).unwrap());
    let utf8 = TRACEPARENT.replacen('a', "é", 1);
    assert_traceparent_ignored(HeaderValue::from_bytes(utf8.as_bytes()).unwrap());
}

#[test]
fn traceparent_over_the_size_limit_is_ignored_even_when_well_formed() {
    // A future version may append fields, and the SDK accepts them: only the
    // size bound rejects this one.
    let value = format!(
        "01-{TRACE_ID}-{SPAN_ID}-01-{}",
        "x".repeat(propagation::MAX_TRACE_CONTEXT_BYTES)
    );
    let short = format!("01-{TRACE_ID}-{SPAN_ID}-01-extension");
    assert!(has_remote_parent(&propagation::extract(&headers(&[(
        "traceparent",
        &short
    )]))));
    assert_traceparent_ignored(HeaderValue::from_str(&value).unwrap());
}

#[test]
fn repeated_traceparent_is_ignored() {
    let before = dropped_headers();
    let cx = propagation::extract(&headers(&[
        ("traceparent", TRACEPARENT),
        ("traceparent", TRACEPARENT),
    ]));
    assert!(!cx.has_active_span());
    assert!(dropped_headers() > before);
}

// Incoming `tracestate` that is ignored: the parent stays.

fn assert_tracestate_ignored(value: HeaderValue) {
    let before = dropped_headers();
    let mut incoming = headers(&[("traceparent", TRACEPARENT)]);
    incoming.insert("tracestate", value.clone());

    let cx = propagation::extract(&incoming);

    assert!(has_remote_parent(&cx), "{value:?} lost the parent");
    assert_eq!(
        cx.span().span_context().trace_state(),
        &TraceState::NONE,
        "{value:?}"
    );
    assert!(dropped_headers() > before, "{value:?} was not counted");
}

#[test]
fn malformed_tracestate_is_ignored_and_the_parent_kept() {
    assert_tracestate_ignored(HeaderValue::from_static("Upper=1"));
    assert_tracestate_ignored(HeaderValue::from_static("no-equals-sign"));
    assert_tracestate_ignored(HeaderValue::from_bytes(b"vendor=\xff").unwrap());
}

#[test]
fn tracestate_over_the_size_limit_is_ignored_and_the_parent_kept() {
    let value = (0..1000)
        .map(|i| format!("k{i}=v"))
        .collect::<Vec<_>>()
        .join(",");
    assert!(value.len() > propagation::MAX_TRACE_CONTEXT_BYTES);
    assert_tracestate_ignored(HeaderValue::from_str(&value).unwrap());
}

#[test]
fn repeated_tracestate_headers_are_one_list() {
    let cx = propagation::extract(&headers(&[
        ("traceparent", TRACEPARENT),
        ("tracestate", "a=1"),
        ("tracestate", "b=2"),
    ]));
    assert_eq!(cx.span().span_context().trace_state().header(), "a=1,b=2");
}

// Incoming `baggage` that is ignored or bounded.

#[test]
fn baggage_of_one_megabyte_is_ignored() {
    let value = "k=".to_string() + &"v".repeat(1 << 20);
    let before = dropped_headers();

    let cx = propagation::extract(&headers(&[
        ("traceparent", TRACEPARENT),
        ("baggage", &value),
    ]));

    assert!(cx.baggage().is_empty());
    assert!(has_remote_parent(&cx));
    assert!(dropped_headers() > before);
}

#[test]
fn baggage_of_ten_thousand_entries_is_ignored() {
    // 10 000 entries are always over the W3C size limit.
    let value = (0..10_000)
        .map(|i| format!("k{i}=v"))
        .collect::<Vec<_>>()
        .join(",");
    let before = dropped_headers();

    let cx = propagation::extract(&headers(&[("baggage", &value)]));

    assert!(cx.baggage().is_empty());
    assert!(dropped_headers() > before);
}

#[test]
fn baggage_within_the_size_limit_keeps_at_most_64_entries() {
    let value = (0..200)
        .map(|i| format!("k{i}=v"))
        .collect::<Vec<_>>()
        .join(",");
    assert!(value.len() <= MAX_BAGGAGE_BYTES);
    let before = dropped_baggage_entries();

    let cx = propagation::extract(&headers(&[("baggage", &value)]));

    assert_eq!(cx.baggage().len(), MAX_BAGGAGE_ENTRIES);
    assert!(dropped_baggage_entries() >= before + 200 - MAX_BAGGAGE_ENTRIES as u64);
}

#[test]
fn baggage_exactly_at_the_size_limit_is_read() {
    let value = format!("k={}", "v".repeat(MAX_BAGGAGE_BYTES - 2));
    let cx = propagation::extract(&headers(&[("baggage", &value)]));
    assert_eq!(cx.baggage().len(), 1);
}

#[test]
fn baggage_entry_that_is_not_utf8_once_decoded_is_dropped_alone() {
    let before = dropped_baggage_entries();
    let cx = propagation::extract(&headers(&[("baggage", "bad=%FF%FE,ok=1,%C3=key")]));
    assert_eq!(baggage_of(&cx), entries(&[("ok", "1")]));
    assert!(dropped_baggage_entries() >= before + 2);
}

#[test]
fn baggage_escape_that_is_not_an_escape_is_kept_as_written() {
    let cx = propagation::extract(&headers(&[("baggage", "odd=%zz%4,ok=%41")]));
    assert_eq!(baggage_of(&cx), entries(&[("odd", "%zz%4"), ("ok", "A")]));
}

#[test]
fn baggage_entries_without_a_valid_key_or_value_are_dropped() {
    let before = dropped_baggage_entries();
    let cx = propagation::extract(&headers(&[(
        "baggage",
        "novalue,=nokey,bad(key)=1,ok=1,;meta",
    )]));
    assert_eq!(baggage_of(&cx), entries(&[("ok", "1")]));
    assert!(dropped_baggage_entries() >= before + 4);
}

#[test]
fn baggage_with_non_ascii_bytes_is_ignored() {
    let before = dropped_headers();
    let mut incoming = HeaderMap::new();
    incoming.insert("baggage", HeaderValue::from_bytes(b"k=\xff\xfe").unwrap());
    incoming.append(
        "baggage",
        HeaderValue::from_bytes("city=München".as_bytes()).unwrap(),
    );
    incoming.append("baggage", HeaderValue::from_static("ok=1"));

    let cx = propagation::extract(&incoming);

    assert_eq!(baggage_of(&cx), entries(&[("ok", "1")]));
    assert!(dropped_headers() >= before + 2);
}

#[test]
fn repeated_baggage_headers_are_one_list() {
    let cx = propagation::extract(&headers(&[("baggage", "a=1,b=2"), ("baggage", "c=3")]));
    assert_eq!(
        baggage_of(&cx),
        entries(&[("a", "1"), ("b", "2"), ("c", "3")])
    );
}

#[test]
fn repeated_baggage_headers_over_the_size_limit_together_are_ignored() {
    let half = format!("k={}", "v".repeat(MAX_BAGGAGE_BYTES / 2));
    let before = dropped_headers();
    let cx = propagation::extract(&headers(&[("baggage", &half), ("baggage", &half)]));
    assert!(cx.baggage().is_empty());
    assert!(dropped_headers() > before);
}

#[test]
fn extracted_baggage_is_plain_baggage() {
    // Nothing but the SDK's `Baggage`: entries from outside carry no
    // llm-trace scope, which is what keeps them out of span attributes
    // unless configuration allows their keys.
    let cx = propagation::extract(&headers(&[("baggage", "tenant=acme")]));
    let only_baggage = Context::new().with_baggage([KeyValue::new("tenant", "acme")]);
    assert_eq!(format!("{cx:?}"), format!("{only_baggage:?}"));
}

// reqwest.

#[cfg(feature = "reqwest")]
mod reqwest_builders {
    use super::*;
    use llm_trace::propagation::RequestBuilderExt;

    fn cx() -> Context {
        Context::new()
            .with_remote_span_context(caller())
            .with_baggage([KeyValue::new("tenant", "acme")])
    }

    #[test]
    fn async_builder_gets_the_headers_of_the_current_context() {
        let _attached = cx().attach();
        let request = reqwest::Client::new()
            .post("http://gateway.invalid/v1/chat/completions")
            .header("traceparent", "stale")
            .header("authorization", "Bearer x")
            .inject_context()
            .build()
            .unwrap();

        assert_eq!(header(request.headers(), "traceparent"), TRACEPARENT);
        assert_eq!(header(request.headers(), "baggage"), "tenant=acme");
        assert_eq!(request.headers().get_all("traceparent").iter().count(), 1);
        assert_eq!(header(request.headers(), "authorization"), "Bearer x");
    }

    #[test]
    fn blocking_builder_gets_the_headers_of_a_given_context() {
        let request = reqwest::blocking::Client::new()
            .get("http://gateway.invalid/")
            .inject_context_from(&cx())
            .build()
            .unwrap();

        assert_eq!(header(request.headers(), "traceparent"), TRACEPARENT);
        assert_eq!(header(request.headers(), "baggage"), "tenant=acme");
    }

    #[test]
    fn builder_without_context_is_left_alone() {
        let request = reqwest::Client::new()
            .get("http://gateway.invalid/")
            .inject_context_from(&Context::new())
            .build()
            .unwrap();
        assert!(request.headers().is_empty());
    }
}
