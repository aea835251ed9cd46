//! A workflow → agent → LLM call → tool → LLM call chain exports as one
//! trace with correct parents, and the workflow's metadata reaches every
//! LLM span inside.

use llm_trace::{llm_call, workflow};
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::Value;
use serde_json::{json, Value as Json};

#[derive(Debug)]
struct FlowError;

impl std::fmt::Display for FlowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no answer")
    }
}

#[workflow(name = "support_flow", prompt_id = 5, fields(ticket.id = ticket))]
async fn support_flow(ticket: u64, fail: bool) -> Result<String, FlowError> {
    let answer = support_agent().await;
    if fail {
        return Err(FlowError);
    }
    Ok(answer)
}

#[llm_call(
    operation = "invoke_agent",
    agent = "support",
    conversation = "thread-7"
)]
async fn support_agent() -> String {
    let plan = plan().await;
    let facts = lookup(
        plan["choices"][0]["message"]["content"]
            .as_str()
            .unwrap_or(""),
    )
    .await;
    let answer = answer(&facts).await;
    answer["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[llm_call(provider = "openai", model = "gpt-4o-mini")]
async fn plan() -> Json {
    json!({"choices": [{"message": {"content": "look up the order"}, "finish_reason": "stop"}],
           "usage": {"prompt_tokens": 20, "completion_tokens": 4}})
}

#[llm_call(operation = "execute_tool", tool = "order_lookup")]
async fn lookup(query: &str) -> String {
    format!("{query}: shipped")
}

#[llm_call(provider = "anthropic", model = "claude-haiku-4-5")]
async fn answer(facts: &str) -> Json {
    json!({"content": [{"type": "text", "text": format!("Your order {facts}")}],
           "stop_reason": "end_turn", "usage": {"input_tokens": 30, "output_tokens": 6}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_is_one_trace_with_the_workflow_metadata_on_every_llm_span() {
    let cap = Capture::new();
    let answer = cap.run(support_flow(1017, false)).await.unwrap();
    assert_eq!(answer, "Your order look up the order: shipped");

    let flow = cap.span("invoke_workflow support_flow");
    let agent = cap.span("invoke_agent support");
    let plan = cap.span("chat gpt-4o-mini");
    let tool = cap.span("execute_tool order_lookup");
    let answer = cap.span("chat claude-haiku-4-5");

    assert_eq!(flow.span_kind, SpanKind::Internal);
    assert_eq!(flow.parent_span_id, cap.root_span_id());
    let flow_attrs = attributes(&flow);
    assert_eq!(
        flow_attrs["gen_ai.operation.name"],
        Value::from("invoke_workflow")
    );
    assert_eq!(
        flow_attrs["gen_ai.workflow.name"],
        Value::from("support_flow")
    );
    assert_eq!(flow_attrs["prompt_id"], Value::I64(5));
    assert_eq!(flow_attrs["ticket.id"], Value::I64(1017));

    assert_eq!(agent.parent_span_id, flow.span_context.span_id());
    for child in [&plan, &tool, &answer] {
        assert_eq!(
            child.parent_span_id,
            agent.span_context.span_id(),
            "{}",
            child.name
        );
        assert_eq!(child.span_context.trace_id(), flow.span_context.trace_id());
    }
    for inside in [&plan, &tool, &answer] {
        let attrs = attributes(inside);
        assert_eq!(
            attrs["gen_ai.conversation.id"],
            Value::from("thread-7"),
            "{}",
            inside.name
        );
        assert_eq!(attrs["gen_ai.agent.name"], Value::from("support"));
    }
    for llm in [&plan, &answer] {
        let attrs = attributes(llm);
        assert_eq!(attrs["prompt_id"], Value::I64(5), "{}", llm.name);
        assert_eq!(attrs["ticket.id"], Value::I64(1017));
        assert_eq!(attrs["gen_ai.workflow.name"], Value::from("support_flow"));
    }
    assert_eq!(
        attributes(&answer)["gen_ai.usage.input_tokens"],
        Value::I64(30)
    );
}

#[tokio::test]
async fn a_workflow_that_returns_err_is_marked_failed() {
    let cap = Capture::new();
    cap.run(support_flow(7, true)).await.unwrap_err();
    let flow = cap.span("invoke_workflow support_flow");
    assert_eq!(flow.status, Status::error("no answer"));
    assert_eq!(
        attributes(&flow)["error.type"],
        Value::from("spans::chain::FlowError")
    );
}

#[tokio::test]
async fn the_builder_wraps_closures_and_blocks() {
    let cap = Capture::new();
    let out = cap
        .run(
            workflow("nightly_batch")
                .metadata([("batch.size", 2)])
                .run(async {
                    plan().await;
                    7
                }),
        )
        .await;
    assert_eq!(out, 7);
    let flow = cap.span("invoke_workflow nightly_batch");
    assert_eq!(attributes(&flow)["batch.size"], Value::I64(2));
    let plan = cap.span("chat gpt-4o-mini");
    assert_eq!(plan.parent_span_id, flow.span_context.span_id());
    assert_eq!(attributes(&plan)["batch.size"], Value::I64(2));

    let _root = cap.context().clone().attach();
    let sync = workflow("sync_step").in_scope(|| 3);
    assert_eq!(sync, 3);
    cap.span("invoke_workflow sync_step");
}
