//! llm-trace's `genai` feature: facts from genai's own chat types.
//!
//! Usages are built the way genai's adapters build them (genai 0.7's
//! `into_usage` of its OpenAI, Anthropic, Gemini and Bedrock adapters) or
//! deserialized from the provider's usage object, as its OpenAI adapter
//! does.

use genai::adapter::AdapterKind;
use genai::chat::{
    ChatOptions, ChatResponse, CompletionTokensDetails, JsonSpec, MessageContent,
    PromptTokensDetails, StopReason, StreamEnd, ToolCall as GenaiToolCall, Usage as GenaiUsage,
};
use genai::ModelIden;
use llm_trace::llm_call;
use llm_trace::provider::{
    Anthropic, Bedrock, Gemini, OpenAi, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo,
    ToolCall, Usage, VertexAi,
};
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::{Array, StringValue, Value};
use serde_json::json;

fn response(
    adapter: AdapterKind,
    requested: &str,
    reported: &str,
    content: MessageContent,
    stop_reason: &str,
    usage: GenaiUsage,
) -> ChatResponse {
    ChatResponse {
        content,
        reasoning_content: None,
        model_iden: ModelIden::new(adapter, requested),
        provider_model_iden: ModelIden::new(adapter, reported),
        stop_reason: Some(StopReason::from(stop_reason.to_owned())),
        usage,
        captured_raw_body: None,
        response_id: None,
    }
}

fn tool_call(id: &str, name: &str, arguments: serde_json::Value) -> GenaiToolCall {
    GenaiToolCall {
        call_id: id.into(),
        fn_name: name.into(),
        fn_arguments: arguments,
        thought_signatures: None,
    }
}

/// genai's Anthropic adapter's usage: `prompt_tokens` is `input_tokens`
/// plus both cache buckets, and both buckets are `Some` as soon as one is
/// non-zero.
fn anthropic_usage(input: i32, cache_write: i32, cache_read: i32, output: i32) -> GenaiUsage {
    let prompt = input + cache_write + cache_read;
    GenaiUsage {
        prompt_tokens: Some(prompt),
        prompt_tokens_details: (cache_write > 0 || cache_read > 0).then_some(PromptTokensDetails {
            cache_creation_tokens: Some(cache_write),
            cache_creation_details: None,
            cached_tokens: Some(cache_read),
            audio_tokens: None,
        }),
        completion_tokens: Some(output),
        completion_tokens_details: None,
        total_tokens: Some(prompt + output),
    }
}

fn strs(items: &[&'static str]) -> Value {
    Value::Array(Array::String(
        items.iter().map(|s| StringValue::from(*s)).collect(),
    ))
}

#[test]
fn an_openai_usage_deserialized_by_genai_keeps_its_meaning() {
    // An OpenAI Chat Completions usage object, deserialized into genai's
    // `Usage` as its OpenAI adapter does (zeros become `None`).
    let usage: GenaiUsage = serde_json::from_value(json!({
        "prompt_tokens": 2006,
        "completion_tokens": 300,
        "total_tokens": 2306,
        "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 256, "audio_tokens": 0,
            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0
        }
    }))
    .unwrap();
    let content = MessageContent::from_tool_calls(vec![
        tool_call(
            "call_abc123",
            "get_weather",
            json!({"location": "Boston, MA"}),
        ),
        tool_call("call_def456", "get_time", json!({"tz": "America/New_York"})),
    ]);
    let res = response(
        AdapterKind::OpenAI,
        "gpt-4o",
        "gpt-4o-2024-08-06",
        content,
        "tool_calls",
        usage,
    );
    let expected_usage = Usage {
        input_tokens: Some(2006),
        output_tokens: Some(300),
        cache_read_input_tokens: Some(1920),
        reasoning_output_tokens: Some(256),
        ..Usage::default()
    };
    assert_eq!(
        ResponseFacts::<OpenAi>::response_info(&res),
        ResponseInfo {
            model: Some("gpt-4o-2024-08-06".into()),
            finish_reasons: vec!["tool_calls".into()],
            usage: Some(expected_usage),
            tool_calls: vec![
                ToolCall::new(Some("call_abc123"), "get_weather"),
                ToolCall::new(Some("call_def456"), "get_time"),
            ],
            ..ResponseInfo::default()
        }
    );
    assert_eq!(ResponseFacts::<OpenAi>::usage(&res), Some(expected_usage));
    assert_eq!(
        ResponseFacts::<OpenAi>::response_model(&res),
        Some("gpt-4o-2024-08-06")
    );

    // The Responses API adapter keeps the response id.
    let res = res.with_response_id(Some("resp_67ccd2bed1ec8190".into()));
    assert_eq!(
        ResponseFacts::<OpenAi>::response_info(&res).id,
        Some("resp_67ccd2bed1ec8190".into())
    );
}

#[test]
fn anthropic_cache_reads_and_writes_are_already_in_genai_prompt_tokens() {
    // Anthropic's usage `{"input_tokens": 21, "cache_creation_input_tokens":
    // 1800, "cache_read_input_tokens": 188086, "output_tokens": 393}`:
    // genai's `prompt_tokens` is their sum, which must not be summed again.
    let res = response(
        AdapterKind::Anthropic,
        "claude-3-5-haiku-latest",
        "claude-3-5-haiku-20241022",
        MessageContent::from_text("Pride and Prejudice opens with ..."),
        "max_tokens",
        anthropic_usage(21, 1800, 188086, 393),
    );
    assert_eq!(res.usage.prompt_tokens, Some(21 + 1800 + 188086));
    assert_eq!(
        ResponseFacts::<Anthropic>::response_info(&res),
        ResponseInfo {
            model: Some("claude-3-5-haiku-20241022".into()),
            finish_reasons: vec!["max_tokens".into()],
            usage: Some(Usage {
                input_tokens: Some(21 + 1800 + 188086),
                output_tokens: Some(393),
                cache_read_input_tokens: Some(188086),
                cache_write_input_tokens: Some(1800),
                ..Usage::default()
            }),
            ..ResponseInfo::default()
        }
    );
}

#[test]
fn a_zero_cache_bucket_is_no_count_built_or_deserialized() {
    // Cache reads only: genai's Anthropic adapter sets
    // `cache_creation_tokens: Some(0)`; deserializing genai's own JSON of the
    // same usage gives `None`. Both read the same. (The usage alone: genai
    // 0.7 serializes a `ModelName` as `{"Shared": ...}` but deserializes it
    // from a string, so a whole `ChatResponse` does not round-trip.)
    let built = response(
        AdapterKind::Anthropic,
        "claude-sonnet-4-5",
        "claude-sonnet-4-5-20250929",
        MessageContent::from_text("Hello again."),
        "end_turn",
        anthropic_usage(12, 0, 4000, 30),
    );
    assert_eq!(
        built
            .usage
            .prompt_tokens_details
            .as_ref()
            .unwrap()
            .cache_creation_tokens,
        Some(0)
    );
    let mut round_trip = built.clone();
    round_trip.usage = serde_json::from_value(serde_json::to_value(&built.usage).unwrap()).unwrap();
    assert_eq!(
        round_trip
            .usage
            .prompt_tokens_details
            .as_ref()
            .unwrap()
            .cache_creation_tokens,
        None
    );
    let expected = Usage {
        input_tokens: Some(4012),
        output_tokens: Some(30),
        cache_read_input_tokens: Some(4000),
        ..Usage::default()
    };
    assert_eq!(ResponseFacts::<Anthropic>::usage(&built), Some(expected));
    assert_eq!(
        ResponseFacts::<Anthropic>::response_info(&round_trip),
        ResponseFacts::<Anthropic>::response_info(&built)
    );
}

#[test]
fn gemini_thoughts_are_already_in_genai_completion_tokens() {
    // Gemini's `usageMetadata` `{"promptTokenCount": 500,
    // "cachedContentTokenCount": 400, "candidatesTokenCount": 120,
    // "thoughtsTokenCount": 880}` as genai's Gemini adapter normalizes it:
    // `completion_tokens` = candidates + thoughts.
    let usage = GenaiUsage {
        prompt_tokens: Some(500),
        prompt_tokens_details: Some(PromptTokensDetails {
            cached_tokens: Some(400),
            ..PromptTokensDetails::default()
        }),
        completion_tokens: Some(120 + 880),
        completion_tokens_details: Some(CompletionTokensDetails {
            reasoning_tokens: Some(880),
            ..CompletionTokensDetails::default()
        }),
        total_tokens: Some(1500),
    };
    let res = response(
        AdapterKind::Gemini,
        "gemini-2.5-flash",
        "gemini-2.5-flash-preview-05-20",
        MessageContent::from_text("The answer is 42."),
        "STOP",
        usage,
    );
    assert_eq!(
        ResponseFacts::<Gemini>::response_info(&res),
        ResponseInfo {
            model: Some("gemini-2.5-flash-preview-05-20".into()),
            finish_reasons: vec!["STOP".into()],
            usage: Some(Usage {
                input_tokens: Some(500),
                output_tokens: Some(1000),
                cache_read_input_tokens: Some(400),
                reasoning_output_tokens: Some(880),
                ..Usage::default()
            }),
            ..ResponseInfo::default()
        }
    );
}

#[test]
fn gemini_thinking_only_output_counts_the_thoughts_as_output() {
    // Gemini omits `candidatesTokenCount` when the output budget went to
    // thinking; genai then has reasoning tokens but no completion count.
    // Vertex AI through genai's namespace: the model loses `vertex::`.
    let usage = GenaiUsage {
        prompt_tokens: Some(40),
        completion_tokens_details: Some(CompletionTokensDetails {
            reasoning_tokens: Some(1024),
            ..CompletionTokensDetails::default()
        }),
        total_tokens: Some(1064),
        ..GenaiUsage::default()
    };
    let res = response(
        AdapterKind::Vertex,
        "vertex::gemini-2.5-pro",
        "vertex::gemini-2.5-pro",
        MessageContent::default(),
        "MAX_TOKENS",
        usage,
    );
    assert_eq!(
        ResponseFacts::<VertexAi>::response_info(&res),
        ResponseInfo {
            model: Some("gemini-2.5-pro".into()),
            finish_reasons: vec!["MAX_TOKENS".into()],
            usage: Some(Usage {
                input_tokens: Some(40),
                output_tokens: Some(1024),
                reasoning_output_tokens: Some(1024),
                ..Usage::default()
            }),
            ..ResponseInfo::default()
        }
    );
}

fn bedrock_usage() -> GenaiUsage {
    // Converse `{"inputTokens": 100, "outputTokens": 20, "totalTokens":
    // 1070, "cacheReadInputTokens": 900, "cacheWriteInputTokens": 50}` as
    // genai's Bedrock adapter copies it: `prompt_tokens` is `inputTokens`.
    GenaiUsage {
        prompt_tokens: Some(100),
        prompt_tokens_details: Some(PromptTokensDetails {
            cache_creation_tokens: Some(50),
            cached_tokens: Some(900),
            ..PromptTokensDetails::default()
        }),
        completion_tokens: Some(20),
        completion_tokens_details: None,
        total_tokens: Some(1070),
    }
}

#[test]
fn bedrock_cache_buckets_are_added_to_genai_prompt_tokens() {
    let res = response(
        AdapterKind::BedrockApi,
        "bedrock_api::anthropic.claude-sonnet-4-5-20250929-v1:0",
        "bedrock_api::anthropic.claude-sonnet-4-5-20250929-v1:0",
        MessageContent::from_text("Done."),
        "end_turn",
        bedrock_usage(),
    );
    let expected = Usage {
        input_tokens: Some(1050),
        output_tokens: Some(20),
        cache_read_input_tokens: Some(900),
        cache_write_input_tokens: Some(50),
        ..Usage::default()
    };
    assert_eq!(ResponseFacts::<Bedrock>::usage(&res), Some(expected));
    assert_eq!(
        ResponseFacts::<Bedrock>::response_model(&res),
        Some("anthropic.claude-sonnet-4-5-20250929-v1:0")
    );

    // A stream end names no adapter: the annotation's provider decides.
    let end = StreamEnd {
        captured_usage: Some(bedrock_usage()),
        ..StreamEnd::default()
    };
    assert_eq!(ResponseFacts::<Bedrock>::usage(&end), Some(expected));
    assert_eq!(
        ResponseFacts::<Anthropic>::usage(&end)
            .unwrap()
            .input_tokens,
        Some(100)
    );
}

#[test]
fn a_stream_end_gives_what_the_options_captured() {
    let end = StreamEnd {
        captured_usage: Some(anthropic_usage(50, 200, 1000, 75)),
        captured_stop_reason: Some(StopReason::from("tool_use".to_owned())),
        captured_content: Some(MessageContent::from_text("Let me look that up.").append(
            tool_call("toolu_01", "get_weather", json!({"city": "Oslo"})),
        )),
        captured_reasoning_content: None,
        captured_response_id: None,
    };
    assert_eq!(
        ResponseFacts::<Anthropic>::response_info(&end),
        ResponseInfo {
            finish_reasons: vec!["tool_use".into()],
            usage: Some(Usage {
                input_tokens: Some(1250),
                output_tokens: Some(75),
                cache_read_input_tokens: Some(1000),
                cache_write_input_tokens: Some(200),
                ..Usage::default()
            }),
            tool_calls: vec![ToolCall::new(Some("toolu_01"), "get_weather")],
            ..ResponseInfo::default()
        }
    );
    // Nothing captured (no `capture_*` option): no facts, no usage.
    let bare = StreamEnd::default();
    assert_eq!(
        ResponseFacts::<Anthropic>::response_info(&bare),
        ResponseInfo::default()
    );
    assert_eq!(ResponseFacts::<Anthropic>::usage(&bare), None);
}

#[test]
fn negative_and_missing_counts_are_none_and_never_panic() {
    let mut res = response(
        AdapterKind::Ollama,
        "",
        "",
        MessageContent::default(),
        "",
        GenaiUsage {
            prompt_tokens: Some(-5),
            completion_tokens: Some(7),
            prompt_tokens_details: Some(PromptTokensDetails {
                cached_tokens: Some(-1),
                ..PromptTokensDetails::default()
            }),
            ..GenaiUsage::default()
        },
    );
    assert_eq!(
        ResponseFacts::<OpenAi>::response_info(&res),
        ResponseInfo {
            usage: Some(Usage {
                output_tokens: Some(7),
                ..Usage::default()
            }),
            ..ResponseInfo::default()
        }
    );
    res.usage = GenaiUsage::default();
    res.stop_reason = None;
    assert_eq!(
        ResponseFacts::<OpenAi>::response_info(&res),
        ResponseInfo::default()
    );
}

#[test]
fn chat_options_give_the_request_parameters() {
    let options = ChatOptions::default()
        .with_temperature(0.7)
        .with_top_p(0.95)
        .with_max_tokens(2048)
        .with_stop_sequences(vec!["\n\nHuman:".into(), "END".into()])
        .with_seed(42)
        .with_response_format(JsonSpec::new(
            "contact",
            json!({"type": "object", "properties": {"email": {"type": "string"}}}),
        ))
        .with_capture_usage(true);
    assert_eq!(RequestFacts::<Anthropic>::request_model(&options), None);
    assert_eq!(
        RequestFacts::<Anthropic>::request_info(&options),
        RequestInfo {
            temperature: Some(0.7),
            top_p: Some(0.95),
            max_tokens: Some(2048),
            stop_sequences: vec!["\n\nHuman:".into(), "END".into()],
            seed: Some(42),
            output_type: Some("json".into()),
            ..RequestInfo::default()
        }
    );
    assert_eq!(
        RequestFacts::<OpenAi>::request_info(&ChatOptions::default()),
        RequestInfo::default()
    );
}

#[llm_call(provider = "anthropic", model = "claude-sonnet-4-5", request = options)]
async fn ask(options: &ChatOptions) -> Result<ChatResponse, genai::Error> {
    let _ = options;
    Ok(response(
        AdapterKind::Anthropic,
        "claude-sonnet-4-5",
        "claude-sonnet-4-5-20250929",
        MessageContent::from_text("Let me look that up.").append(tool_call(
            "toolu_01",
            "get_weather",
            json!({"city": "Oslo"}),
        )),
        "tool_use",
        anthropic_usage(50, 200, 1000, 75),
    ))
}

#[tokio::test]
async fn a_call_returning_a_genai_response_records_the_anthropic_span() {
    let cap = Capture::new();
    let options = ChatOptions::default()
        .with_max_tokens(1024)
        .with_temperature(0.2);
    cap.run(ask(&options)).await.unwrap();
    let attrs = attributes(&cap.span("chat claude-sonnet-4-5"));
    assert_eq!(attrs["gen_ai.provider.name"], Value::from("anthropic"));
    assert_eq!(attrs["gen_ai.operation.name"], Value::from("chat"));
    assert_eq!(attrs["server.address"], Value::from("api.anthropic.com"));
    assert_eq!(
        attrs["gen_ai.request.model"],
        Value::from("claude-sonnet-4-5")
    );
    assert_eq!(attrs["gen_ai.request.max_tokens"], Value::I64(1024));
    assert_eq!(attrs["gen_ai.request.temperature"], Value::F64(0.2));
    assert_eq!(
        attrs["gen_ai.response.model"],
        Value::from("claude-sonnet-4-5-20250929")
    );
    assert!(!attrs.contains_key("gen_ai.response.id"));
    assert_eq!(
        attrs["gen_ai.response.finish_reasons"],
        strs(&["tool_calls"])
    );
    assert_eq!(attrs["gen_ai.usage.input_tokens"], Value::I64(1250));
    assert_eq!(attrs["gen_ai.usage.output_tokens"], Value::I64(75));
    assert_eq!(
        attrs["gen_ai.usage.cache_read.input_tokens"],
        Value::I64(1000)
    );
    assert_eq!(
        attrs["gen_ai.usage.cache_write.input_tokens"],
        Value::I64(200)
    );
    assert_eq!(
        attrs["llm_trace.response.tool_calls"],
        strs(&["get_weather"])
    );
}

#[llm_call(provider = "gcp.gemini", model = "gemini-2.5-flash")]
async fn stream_to_end() -> Result<StreamEnd, genai::Error> {
    Ok(StreamEnd {
        captured_usage: Some(GenaiUsage {
            prompt_tokens: Some(500),
            completion_tokens: Some(1000),
            completion_tokens_details: Some(CompletionTokensDetails {
                reasoning_tokens: Some(880),
                ..CompletionTokensDetails::default()
            }),
            ..GenaiUsage::default()
        }),
        captured_stop_reason: Some(StopReason::from("STOP".to_owned())),
        ..StreamEnd::default()
    })
}

#[tokio::test]
async fn a_call_returning_a_genai_stream_end_records_its_usage() {
    let cap = Capture::new();
    cap.run(stream_to_end()).await.unwrap();
    let attrs = attributes(&cap.span("generate_content gemini-2.5-flash"));
    assert_eq!(attrs["gen_ai.provider.name"], Value::from("gcp.gemini"));
    assert_eq!(
        attrs["gen_ai.operation.name"],
        Value::from("generate_content")
    );
    assert_eq!(attrs["gen_ai.response.finish_reasons"], strs(&["stop"]));
    assert_eq!(attrs["gen_ai.usage.input_tokens"], Value::I64(500));
    assert_eq!(attrs["gen_ai.usage.output_tokens"], Value::I64(1000));
    assert_eq!(
        attrs["gen_ai.usage.reasoning.output_tokens"],
        Value::I64(880)
    );
    assert!(!attrs.contains_key("gen_ai.response.model"));
}

/// Opt-in content: genai's answer as one assistant message of reasoning,
/// texts and tool calls; a stream's end gives it only when genai captured
/// content.
#[test]
fn output_messages_of_genai_responses() {
    let mut content = MessageContent::from_text("Checking the weather.");
    content.push(genai::chat::ContentPart::ToolCall(tool_call(
        "call_1",
        "weather",
        json!({"city": "Oslo"}),
    )));
    let mut answer = response(
        AdapterKind::OpenAI,
        "gpt-4o",
        "gpt-4o-2024-08-06",
        content,
        "tool_calls",
        GenaiUsage::default(),
    );
    answer.reasoning_content = Some("Need live data.".into());
    let messages = ResponseFacts::<OpenAi>::output_messages(&answer).unwrap();
    assert_eq!(
        serde_json::to_value(messages).unwrap(),
        json!([{"role": "assistant", "parts": [
            {"type": "reasoning", "content": "Need live data."},
            {"type": "text", "content": "Checking the weather."},
            {"type": "tool_call", "id": "call_1", "name": "weather", "arguments": {"city": "Oslo"}}
        ], "finish_reason": "tool_call"}])
    );

    let uncaptured = StreamEnd::default();
    assert!(ResponseFacts::<Anthropic>::output_messages(&uncaptured).is_none());
    let captured = StreamEnd {
        captured_content: Some(MessageContent::from_text("Hi")),
        captured_stop_reason: Some(StopReason::from("end_turn".to_owned())),
        ..StreamEnd::default()
    };
    assert_eq!(
        serde_json::to_value(ResponseFacts::<Anthropic>::output_messages(&captured).unwrap())
            .unwrap(),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "Hi"}],
                "finish_reason": "stop"}])
    );
}
