//! Metadata and response text of any size: what reaches a span stays within
//! the documented bounds (`llm_trace::metadata::{MAX_ATTRIBUTE_VALUE_BYTES,
//! MAX_ARRAY_ELEMENTS, MAX_ENTRIES_PER_SPAN, MAX_VALUE_BYTES}`).

use llm_trace::llm_call;
use llm_trace::metadata::{MAX_ARRAY_ELEMENTS, MAX_ATTRIBUTE_VALUE_BYTES, MAX_ENTRIES_PER_SPAN};
use llm_trace::opentelemetry::{Array, Value as Otel};
use llm_trace_testkit::capture::{attributes, Capture};
use llm_trace_testkit::hostile;
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::{cases, corpus};

/// Records `field` through `fields(...)`, every entry of `body` through
/// `current_call()`, inside a scope holding `scoped`.
#[llm_call(provider = "openai", model = "gpt-4o-mini", fields(field = field))]
async fn record(field: Otel, body: Vec<(String, Otel)>) -> Value {
    let call = llm_trace::current_call();
    for (key, value) in body {
        call.set_attribute(key, value);
    }
    json!({})
}

#[llm_call(provider = "openai", request = request)]
async fn echo(request: Value, response: Value) -> Value {
    let _ = &request;
    response
}

fn run<F: std::future::Future>(work: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(work)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        (0usize..3 * MAX_ATTRIBUTE_VALUE_BYTES, "[aé😀]").prop_map(|(n, c)| c.repeat(n / 2)),
    ]
}

fn value() -> impl Strategy<Value = Otel> {
    prop_oneof![
        text().prop_map(Otel::from),
        any::<i64>().prop_map(Otel::I64),
        any::<f64>().prop_map(Otel::F64),
        prop::collection::vec(text(), 0..200)
            .prop_map(|v| Otel::Array(Array::String(v.into_iter().map(Into::into).collect()))),
        prop::collection::vec(any::<i64>(), 0..1000).prop_map(|v| Otel::Array(Array::I64(v))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    #[test]
    fn metadata_of_any_size_is_recorded_within_the_bounds(
        field in value(),
        body in prop::collection::vec((".{1,12}", value()), 0..8),
        scoped in prop::collection::vec(("[a-z]{1,6}", text()), 0..60),
    ) {
        let capture = Capture::new();
        run(capture.run(llm_trace::with_metadata(scoped, record(field, body))));
        let span = capture.span("chat gpt-4o-mini");
        hostile::check_span_bounds(&span);
    }
}

#[test]
fn every_metadata_seed_is_recorded_within_the_bounds() {
    for (name, bytes) in corpus("metadata") {
        let entries = hostile::metadata_from_text(&bytes);
        assert!(!entries.is_empty(), "{name} holds no entry");
        let capture = Capture::new();
        let field = entries[0].1.clone();
        run(capture.run(llm_trace::with_metadata(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Vec<_>>(),
            record(field, entries),
        )));
        hostile::check_span_bounds(&capture.span("chat gpt-4o-mini"));
    }
}

#[test]
fn a_huge_field_is_cut_and_marked() {
    let capture = Capture::new();
    let huge = "é".repeat(1 << 20);
    run(capture.run(record(
        Otel::from(huge.clone()),
        vec![("body".into(), Otel::from(huge))],
    )));
    let attrs = attributes(&capture.span("chat gpt-4o-mini"));
    for key in ["field", "body"] {
        let Otel::String(cut) = &attrs[key] else {
            panic!("{key}: a string")
        };
        assert_eq!(cut.as_str().len(), MAX_ATTRIBUTE_VALUE_BYTES - 1, "{key}");
        assert!(cut.as_str().ends_with("é…"), "{key}");
    }
}

#[test]
fn scoped_metadata_beyond_the_bound_is_dropped() {
    let capture = Capture::new();
    let scoped: Vec<(String, i64)> = (0..10_000).map(|i| (format!("k{i}"), i)).collect();
    run(capture.run(llm_trace::with_metadata(
        scoped,
        record(Otel::I64(1), vec![]),
    )));
    let span = capture.span("chat gpt-4o-mini");
    let scoped = span
        .attributes
        .iter()
        .filter(|kv| kv.key.as_str().starts_with('k'))
        .count();
    assert_eq!(scoped, MAX_ENTRIES_PER_SPAN);
}

/// A provider body with megabyte ids and a twenty thousand choices: the
/// span is as bounded as for any metadata.
#[test]
fn huge_provider_bodies_give_bounded_spans() {
    let capture = Capture::new();
    let long = "m".repeat(1 << 20);
    let choices: Vec<Value> = (0..20_000)
        .map(|i| json!({"index": i, "finish_reason": "stop",
                        "message": {"tool_calls": [{"id": "c", "function": {"name": long.get(..i % 64).unwrap()}}]}}))
        .collect();
    let request = json!({"model": "gpt-4o", "stop": vec![long.as_str(); 300]});
    let response = json!({"id": long, "model": long, "choices": choices,
                          "usage": {"prompt_tokens": u64::MAX, "completion_tokens": 3}});
    run(capture.run(echo(request, response)));
    let span = capture.span("chat gpt-4o");
    hostile::check_span_bounds(&span);
    let attrs = attributes(&span);
    let Otel::Array(Array::String(reasons)) = &attrs["gen_ai.response.finish_reasons"] else {
        panic!("finish reasons")
    };
    assert_eq!(reasons.len(), MAX_ARRAY_ELEMENTS);
    assert_eq!(attrs["gen_ai.usage.input_tokens"], Otel::I64(i64::MAX));
    let Otel::String(id) = &attrs["gen_ai.response.id"] else {
        panic!("an id")
    };
    assert_eq!(id.as_str().len(), MAX_ATTRIBUTE_VALUE_BYTES);
}
