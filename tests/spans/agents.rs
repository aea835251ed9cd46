//! Prompts, conversations, agents and tools as the conventions name them.

use llm_trace::llm_call;
use llm_trace_testkit::attrs;
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::trace::SpanKind;
use opentelemetry::Value;

#[llm_call(provider = "openai", model = "gpt-4o-mini", prompt = "summarize", prompt_version = version,
           conversation = thread_id, prompt_variables(city = city, tone = %tone))]
async fn templated(version: &str, thread_id: &str, city: &str, tone: &str) -> u8 {
    let _ = (version, thread_id, city, tone);
    0
}

#[tokio::test]
async fn prompt_name_version_variables_and_conversation_use_the_conventions_keys() {
    let cap = Capture::new();
    cap.run(templated("3", "thread-42", "Oslo", "formal")).await;
    let attrs = attributes(&cap.span("chat gpt-4o-mini"));
    assert_eq!(attrs["gen_ai.prompt.name"], Value::from("summarize"));
    assert_eq!(attrs["gen_ai.prompt.version"], Value::from("3"));
    assert_eq!(attrs["gen_ai.conversation.id"], Value::from("thread-42"));
    assert_eq!(attrs["gen_ai.prompt.variable.city"], Value::from("Oslo"));
    assert_eq!(attrs["gen_ai.prompt.variable.tone"], Value::from("formal"));
}

#[llm_call(operation = "execute_tool", tool = "get_weather", tool_type = "function", tool_call_id = call_id)]
async fn get_weather(call_id: &str, city: &str) -> Result<String, std::io::Error> {
    Ok(format!("sunny in {city}"))
}

#[tokio::test]
async fn a_tool_execution_is_an_internal_span_named_for_its_tool_without_a_provider() {
    let cap = Capture::new();
    cap.run(get_weather("call_1", "Oslo")).await.unwrap();
    let span = cap.span("execute_tool get_weather");
    assert_eq!(span.span_kind, SpanKind::Internal);
    assert_eq!(
        attributes(&span),
        attrs! {
            "code.function.name" => "spans::agents::get_weather",
            "gen_ai.operation.name" => "execute_tool",
            "gen_ai.tool.name" => "get_weather",
            "gen_ai.tool.type" => "function",
            "gen_ai.tool.call.id" => "call_1",
        }
    );
}

#[llm_call(
    operation = "invoke_agent",
    agent = "planner",
    agent_id = "agent-7",
    conversation = "c-1"
)]
async fn planner() -> u8 {
    1
}

#[llm_call(
    provider = "openai",
    operation = "invoke_agent",
    agent = "assistant",
    model = "gpt-4o"
)]
async fn remote_assistant() -> u8 {
    1
}

#[tokio::test]
async fn agents_in_process_are_internal_and_remote_agents_are_client_spans() {
    let cap = Capture::new();
    cap.run(planner()).await;
    cap.run(remote_assistant()).await;
    let local = cap.span("invoke_agent planner");
    assert_eq!(local.span_kind, SpanKind::Internal);
    let attrs = attributes(&local);
    assert_eq!(attrs["gen_ai.agent.name"], Value::from("planner"));
    assert_eq!(attrs["gen_ai.agent.id"], Value::from("agent-7"));
    assert_eq!(attrs["gen_ai.conversation.id"], Value::from("c-1"));
    assert!(!attrs.contains_key("gen_ai.provider.name"));
    let remote = cap.span("invoke_agent assistant");
    assert_eq!(remote.span_kind, SpanKind::Client);
    assert_eq!(
        attributes(&remote)["gen_ai.provider.name"],
        Value::from("openai")
    );
}
