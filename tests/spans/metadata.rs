//! Metadata around a unit of work (scopes, baggage) and from inside the
//! body (`current_call`).

use llm_trace::opentelemetry::baggage::BaggageExt;
use llm_trace::opentelemetry::context::FutureExt as _;
use llm_trace::{current_call, llm_call, metadata_scope, with_metadata, Evaluation};
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::trace::{Status, TraceContextExt};
use opentelemetry::{Context, KeyValue, Value};

#[llm_call(
    provider = "openai",
    model = "gpt-4o-mini",
    name = "scoped",
    feature = "annotation"
)]
async fn scoped() -> u8 {
    tokio::task::yield_now().await;
    1
}

#[tokio::test]
async fn scope_entries_reach_every_span_inside_typed_and_the_annotation_wins() {
    let cap = Capture::new();
    cap.run(with_metadata(
        [
            ("tenant", Value::from("acme")),
            ("attempt", Value::I64(2)),
            ("feature", Value::from("scope")),
        ],
        async {
            scoped().await;
            with_metadata([("tenant", "globex"), ("step", "rerank")], scoped()).await;
        },
    ))
    .await;

    let spans = cap.spans();
    assert_eq!(spans.len(), 2);
    let (outer, inner) = (attributes(&spans[0]), attributes(&spans[1]));
    assert_eq!(outer["tenant"], Value::from("acme"));
    assert_eq!(outer["attempt"], Value::I64(2), "types survive the scope");
    assert_eq!(
        outer["feature"],
        Value::from("annotation"),
        "the annotation is nearer"
    );
    assert!(!outer.contains_key("step"));
    assert_eq!(
        inner["tenant"],
        Value::from("globex"),
        "an inner scope overrides"
    );
    assert_eq!(inner["step"], Value::from("rerank"));
    assert_eq!(
        inner["attempt"],
        Value::I64(2),
        "and keeps the outer entries"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawned_task_that_carries_the_context_carries_the_scope_and_the_parent() {
    let cap = Capture::new();
    cap.run(with_metadata([("tenant", "acme")], async {
        let handle = tokio::spawn(scoped().with_current_context());
        handle.await.unwrap();
    }))
    .await;
    let span = cap.span("scoped");
    assert_eq!(attributes(&span)["tenant"], Value::from("acme"));
    assert_eq!(span.parent_span_id, cap.root_span_id());
}

#[test]
fn a_synchronous_scope_lasts_until_its_guard_drops() {
    let cap = Capture::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    {
        let _root = cap.context().clone().attach();
        let _scope = metadata_scope([("batch.id", 77)]);
        runtime.block_on(scoped());
    }
    let _root = cap.context().clone().attach();
    runtime.block_on(scoped());
    let spans = cap.spans();
    assert_eq!(attributes(&spans[0])["batch.id"], Value::I64(77));
    assert!(!attributes(&spans[1]).contains_key("batch.id"));
}

#[tokio::test]
async fn incoming_baggage_becomes_attributes_only_for_allowed_keys() {
    llm_trace::metadata::allow_baggage_keys(["partner.*", "region"]);
    let cap = Capture::new();
    // As if extracted from an incoming W3C `baggage` header.
    let incoming = cap.context().with_baggage([
        KeyValue::new("partner.id", "p-9"),
        KeyValue::new("region", "eu"),
        KeyValue::new("session.secret", "do-not-record"),
    ]);
    scoped().with_context(incoming).await;
    let attrs = attributes(&cap.span("scoped"));
    assert_eq!(attrs["partner.id"], Value::from("p-9"));
    assert_eq!(attrs["region"], Value::from("eu"));
    assert!(!attrs.contains_key("session.secret"));
}

#[llm_call(provider = "anthropic", model = "claude-haiku-4-5", name = "body")]
async fn body_records() -> Result<&'static str, std::io::Error> {
    let call = current_call();
    call.set_attribute("retry.count", 2);
    call.set_attribute("cache.hit", true);
    call.set_attribute("nothing", None::<u8>);
    // A user span nested inside still reaches the call, not itself.
    let tracer = opentelemetry::global::tracer("app");
    let nested = Context::current_with_span(opentelemetry::trace::Tracer::start(&tracer, "nested"));
    async {
        current_call().record_evaluation(
            Evaluation::new("relevance")
                .score(0.82)
                .label("relevant")
                .explanation("answers the question"),
        );
    }
    .with_context(nested.clone())
    .await;
    nested.span().end();
    call.record_error("guardrail", "the answer was filtered");
    Ok("kept")
}

#[tokio::test]
async fn the_body_adds_attributes_evaluations_and_errors_to_its_own_span() {
    let cap = Capture::new();
    assert_eq!(cap.run(body_records()).await.unwrap(), "kept");
    let span = cap.span("body");
    let attrs = attributes(&span);
    assert_eq!(attrs["retry.count"], Value::I64(2));
    assert_eq!(attrs["cache.hit"], Value::Bool(true));
    assert!(!attrs.contains_key("nothing"));
    assert_eq!(attrs["error.type"], Value::from("guardrail"));
    assert_eq!(span.status, Status::error("the answer was filtered"));
    let event = span.events.iter().next().expect("an evaluation event");
    assert_eq!(event.name, "gen_ai.evaluation.result");
    assert_eq!(
        event.attributes,
        vec![
            KeyValue::new("gen_ai.evaluation.name", "relevance"),
            KeyValue::new("gen_ai.evaluation.score.value", 0.82),
            KeyValue::new("gen_ai.evaluation.score.label", "relevant"),
            KeyValue::new("gen_ai.evaluation.explanation", "answers the question"),
        ]
    );
    assert!(cap.span("nested").events.is_empty());
}

#[tokio::test]
async fn outside_a_recording_call_current_call_does_nothing() {
    assert!(!current_call().is_recording());
    current_call().set_attribute("x", 1);
    let cap = Capture::sampled_out();
    let out = cap
        .run(async {
            assert!(!current_call().is_recording());
            body_records().await
        })
        .await;
    assert_eq!(out.unwrap(), "kept");
    assert!(cap.spans().is_empty());
}
