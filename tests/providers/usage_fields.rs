//! Every token count each provider's usage object reports, read into the
//! normalized usage with the conventions' meaning (input includes cache reads
//! and writes; output includes reasoning), one test per field, each on a body
//! shaped as the provider's API reference documents it.

use llm_trace::provider::anthropic::MessagesResponse;
use llm_trace::provider::{parse_response, Anthropic, ResponseFacts, Usage};
use serde_json::json;

fn usage(provider: &str, body: serde_json::Value) -> Usage {
    parse_response(provider, &body)
        .unwrap()
        .usage
        .expect("the body reports usage")
}

// --- OpenAI Chat Completions (`usage`) --------------------------------------

fn openai_chat(usage: serde_json::Value) -> serde_json::Value {
    json!({
        "id": "chatcmpl-123", "object": "chat.completion", "created": 1741569952,
        "model": "gpt-4.1-2025-04-14",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"},
                     "finish_reason": "stop"}],
        "usage": usage, "service_tier": "default"
    })
}

#[test]
fn openai_prompt_tokens_details_cached_tokens_is_a_cache_read_inside_the_input() {
    let u = usage(
        "openai",
        openai_chat(json!({
            "prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
            "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
        })),
    );
    assert_eq!(u.input_tokens, Some(2006));
    assert_eq!(u.cache_read_input_tokens, Some(1920));
}

#[test]
fn openai_audio_tokens_are_already_inside_prompt_and_completion_tokens() {
    // gpt-4o-audio-preview: audio tokens are part of both totals.
    let u = usage(
        "openai",
        openai_chat(json!({
            "prompt_tokens": 45, "completion_tokens": 140, "total_tokens": 185,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 30},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 120,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
        })),
    );
    assert_eq!((u.input_tokens, u.output_tokens), (Some(45), Some(140)));
}

#[test]
fn openai_reasoning_tokens_are_inside_completion_tokens() {
    let u = usage(
        "openai",
        openai_chat(json!({
            "prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21,
            "completion_tokens_details": {"reasoning_tokens": 8, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
        })),
    );
    assert_eq!(u.output_tokens, Some(12));
    assert_eq!(u.reasoning_output_tokens, Some(8));
}

#[test]
fn openai_predicted_output_tokens_are_inside_completion_tokens() {
    // Predicted Outputs: accepted and rejected prediction tokens are billed
    // as completion tokens and already counted in `completion_tokens`.
    let u = usage(
        "openai",
        openai_chat(json!({
            "prompt_tokens": 315, "completion_tokens": 1043, "total_tokens": 1358,
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 821, "rejected_prediction_tokens": 8}
        })),
    );
    assert_eq!(u.output_tokens, Some(1043));
    assert_eq!(u.input_tokens, Some(315));
}

// --- OpenAI Responses (`usage`) ---------------------------------------------

#[test]
fn responses_input_and_output_tokens_details() {
    let u = usage(
        "openai",
        json!({
            "id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b", "object": "response",
            "created_at": 1741476542, "status": "completed", "model": "o4-mini-2025-04-16",
            "output": [],
            "usage": {"input_tokens": 3240, "input_tokens_details": {"cached_tokens": 3072},
                      "output_tokens": 512, "output_tokens_details": {"reasoning_tokens": 448},
                      "total_tokens": 3752}
        }),
    );
    assert_eq!(
        (u.input_tokens, u.cache_read_input_tokens),
        (Some(3240), Some(3072))
    );
    assert_eq!(
        (u.output_tokens, u.reasoning_output_tokens),
        (Some(512), Some(448))
    );
}

// --- Anthropic Messages (`usage`) -------------------------------------------

fn anthropic(usage: serde_json::Value) -> serde_json::Value {
    json!({
        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF", "type": "message", "role": "assistant",
        "model": "claude-sonnet-4-5-20250929", "content": [{"type": "text", "text": "Hi!"}],
        "stop_reason": "end_turn", "stop_sequence": null, "usage": usage
    })
}

#[test]
fn anthropic_cache_reads_and_writes_are_added_to_the_input() {
    let u = usage(
        "anthropic",
        anthropic(json!({
            "input_tokens": 21, "cache_creation_input_tokens": 188086,
            "cache_read_input_tokens": 0, "output_tokens": 393,
            "cache_creation": {"ephemeral_5m_input_tokens": 188086, "ephemeral_1h_input_tokens": 0},
            "server_tool_use": {"web_search_requests": 0}, "service_tier": "standard"
        })),
    );
    assert_eq!(u.input_tokens, Some(21 + 188086));
    assert_eq!(u.cache_write_input_tokens, Some(188086));
    assert_eq!(u.cache_read_input_tokens, Some(0));
    assert_eq!(u.output_tokens, Some(393));
}

#[test]
fn anthropic_cache_creation_by_ttl_is_a_cache_write_when_the_total_is_absent() {
    // The 5-minute and 1-hour buckets sum to `cache_creation_input_tokens`;
    // a body that gives only the buckets still counts them.
    let u = usage(
        "anthropic",
        anthropic(json!({
            "input_tokens": 50, "cache_read_input_tokens": 1000, "output_tokens": 20,
            "cache_creation": {"ephemeral_5m_input_tokens": 300, "ephemeral_1h_input_tokens": 200}
        })),
    );
    assert_eq!(u.cache_write_input_tokens, Some(500));
    assert_eq!(u.input_tokens, Some(50 + 1000 + 500));

    // The typed response reads it alike.
    let body = anthropic(json!({
        "input_tokens": 50, "cache_read_input_tokens": 1000, "output_tokens": 20,
        "cache_creation": {"ephemeral_5m_input_tokens": 300, "ephemeral_1h_input_tokens": 200}
    }));
    let typed: MessagesResponse = serde_json::from_value(body).unwrap();
    assert_eq!(ResponseFacts::<Anthropic>::usage(&typed), Some(u));
}

#[test]
fn anthropic_server_tool_use_counts_requests_not_tokens() {
    let u = usage(
        "anthropic",
        anthropic(json!({
            "input_tokens": 105, "output_tokens": 512,
            "server_tool_use": {"web_search_requests": 3, "web_fetch_requests": 1}
        })),
    );
    assert_eq!((u.input_tokens, u.output_tokens), (Some(105), Some(512)));
}

// --- Gemini (`usageMetadata`) -----------------------------------------------

#[test]
fn gemini_usage_metadata_every_count() {
    let u = usage(
        "gcp.gemini",
        json!({
            "candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": {
                "promptTokenCount": 2100, "cachedContentTokenCount": 2048,
                "candidatesTokenCount": 12, "thoughtsTokenCount": 380,
                "toolUsePromptTokenCount": 40, "totalTokenCount": 2532,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 2100}],
                "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 2048}],
                "toolUsePromptTokensDetails": [{"modality": "TEXT", "tokenCount": 40}]
            },
            "modelVersion": "gemini-2.5-flash", "responseId": "mAitaLmkHPPlz7IPvtfUqQ4"
        }),
    );
    // promptTokenCount includes the cached content; the tool-use prompt is apart.
    assert_eq!(u.input_tokens, Some(2100 + 40));
    assert_eq!(u.cache_read_input_tokens, Some(2048));
    // Thoughts are apart from the candidates' tokens.
    assert_eq!(u.output_tokens, Some(12 + 380));
    assert_eq!(u.reasoning_output_tokens, Some(380));
}

// --- Bedrock Converse (`usage`) ---------------------------------------------

#[test]
fn bedrock_converse_cache_reads_and_writes_are_added_to_the_input() {
    let u = usage(
        "aws.bedrock",
        json!({
            "output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 14, "outputTokens": 120, "totalTokens": 3200,
                      "cacheReadInputTokens": 2048, "cacheWriteInputTokens": 1018},
            "metrics": {"latencyMs": 1500}
        }),
    );
    assert_eq!(u.input_tokens, Some(14 + 2048 + 1018));
    assert_eq!(u.cache_read_input_tokens, Some(2048));
    assert_eq!(u.cache_write_input_tokens, Some(1018));
    assert_eq!(u.output_tokens, Some(120));
}

// --- Cohere (`usage`, v1 `meta`) --------------------------------------------

#[test]
fn cohere_v2_tokens_billed_units_and_cached_tokens() {
    let u = usage(
        "cohere",
        json!({
            "id": "c14c80c3-18eb-4519-9460-6c92edd8cfb4", "finish_reason": "COMPLETE",
            "message": {"role": "assistant", "content": [{"type": "text", "text": "ok"}]},
            "usage": {"billed_units": {"input_tokens": 5, "output_tokens": 418},
                      "tokens": {"input_tokens": 71, "output_tokens": 418},
                      "cached_tokens": 64}
        }),
    );
    assert_eq!(u.input_tokens, Some(71));
    assert_eq!(u.output_tokens, Some(418));
    assert_eq!(u.cache_read_input_tokens, Some(64));
    assert_eq!(u.billable_input_tokens, Some(5));
}

// --- Ollama -----------------------------------------------------------------

#[test]
fn ollama_prompt_eval_count_and_eval_count() {
    let u = usage(
        "ollama",
        json!({
            "model": "llama3.2", "created_at": "2023-12-12T14:13:43.416799Z",
            "message": {"role": "assistant", "content": "Hello!"}, "done": true,
            "done_reason": "stop", "total_duration": 5_191_566_416_u64, "load_duration": 2154458,
            "prompt_eval_count": 26, "prompt_eval_duration": 383809000,
            "eval_count": 298, "eval_duration": 4_799_921_000_u64
        }),
    );
    assert_eq!((u.input_tokens, u.output_tokens), (Some(26), Some(298)));
}

// --- OpenAI-compatible vendors ----------------------------------------------

#[test]
fn deepseek_prompt_cache_hit_tokens_are_a_cache_read_inside_prompt_tokens() {
    let u = usage(
        "deepseek",
        json!({
            "id": "930c60df-bf64-41c9-a88e-3ec75f81e00e", "object": "chat.completion",
            "model": "deepseek-reasoner",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok",
                                                 "reasoning_content": "..."},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 16, "completion_tokens": 1167, "total_tokens": 1183,
                      "prompt_tokens_details": {"cached_tokens": 0},
                      "completion_tokens_details": {"reasoning_tokens": 1092},
                      "prompt_cache_hit_tokens": 0, "prompt_cache_miss_tokens": 16}
        }),
    );
    assert_eq!(u.input_tokens, Some(16));
    assert_eq!(u.output_tokens, Some(1167));
    assert_eq!(u.reasoning_output_tokens, Some(1092));

    let u = usage(
        "deepseek",
        json!({"model": "deepseek-chat", "choices": [],
               "usage": {"prompt_tokens": 120, "completion_tokens": 9, "total_tokens": 129,
                         "prompt_cache_hit_tokens": 100, "prompt_cache_miss_tokens": 20}}),
    );
    assert_eq!(
        (u.input_tokens, u.cache_read_input_tokens),
        (Some(120), Some(100))
    );
}

#[test]
fn xai_reasoning_tokens_are_added_to_completion_tokens() {
    // xAI counts reasoning apart from `completion_tokens`.
    let u = usage(
        "x_ai",
        json!({
            "id": "a3d1008e-4544-40d4-d075-11527e794e4a", "object": "chat.completion",
            "model": "grok-4-0709",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "101 * 3 = 303"},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 14, "completion_tokens": 10, "total_tokens": 310,
                      "prompt_tokens_details": {"text_tokens": 14, "audio_tokens": 0,
                                                "image_tokens": 0, "cached_tokens": 6},
                      "completion_tokens_details": {"reasoning_tokens": 286, "audio_tokens": 0,
                                                    "accepted_prediction_tokens": 0,
                                                    "rejected_prediction_tokens": 0},
                      "num_sources_used": 0},
            "system_fingerprint": "fp_3a7881249c"
        }),
    );
    assert_eq!(u.input_tokens, Some(14));
    assert_eq!(u.cache_read_input_tokens, Some(6));
    assert_eq!(u.output_tokens, Some(10 + 286));
    assert_eq!(u.reasoning_output_tokens, Some(286));
}

#[test]
fn groq_usage_with_its_timings() {
    let u = usage(
        "groq",
        json!({
            "id": "chatcmpl-f51b2cd2-bef7-417e-964e-a08f0b513c22", "object": "chat.completion",
            "model": "llama-3.3-70b-versatile",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                         "finish_reason": "stop"}],
            "usage": {"queue_time": 0.037493756, "prompt_tokens": 18, "prompt_time": 0.000680594,
                      "completion_tokens": 556, "completion_time": 0.463333333,
                      "total_tokens": 574, "total_time": 0.464013927,
                      "prompt_tokens_details": {"cached_tokens": 0}},
            "system_fingerprint": "fp_c06d5113ec",
            "x_groq": {"id": "req_01jbd6g2qdfw2adyrt2az8hz4w"}
        }),
    );
    assert_eq!((u.input_tokens, u.output_tokens), (Some(18), Some(556)));
}

#[test]
fn perplexity_reasoning_tokens_beside_completion_tokens_are_added() {
    let u = usage(
        "perplexity",
        json!({
            "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "model": "sonar-deep-research",
            "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "ok"}}],
            "usage": {"prompt_tokens": 19, "completion_tokens": 7163, "total_tokens": 7182,
                      "citation_tokens": 47200, "num_search_queries": 28,
                      "reasoning_tokens": 73997, "search_context_size": "low"}
        }),
    );
    assert_eq!(u.input_tokens, Some(19));
    assert_eq!(u.output_tokens, Some(7163 + 73997));
    assert_eq!(u.reasoning_output_tokens, Some(73997));
}

#[test]
fn mistral_usage() {
    let u = usage(
        "mistral_ai",
        json!({
            "id": "cmpl-e5cc70bb28c444948073e77776eb30ef", "object": "chat.completion",
            "model": "mistral-small-latest",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 16, "completion_tokens": 34, "total_tokens": 50}
        }),
    );
    assert_eq!((u.input_tokens, u.output_tokens), (Some(16), Some(34)));
}

/// Groq's last stream chunk, as its API sends it: the usage in `x_groq`.
const GROQ_LAST_CHUNK: &str = r#"{"id":"chatcmpl-e0ee82dc","object":"chat.completion.chunk","created":1761231347,"model":"llama-3.3-70b-versatile","system_fingerprint":"fp_05df423bab","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"x_groq":{"id":"req_01k88s37gyfaqa5ckqj4t7mrg8","usage":{"queue_time":0.0902,"prompt_tokens":38,"prompt_time":0.0033,"completion_tokens":4,"completion_time":0.0276,"total_tokens":42,"total_time":0.0309}}}"#;

#[test]
fn groq_stream_usage_in_x_groq_is_read_from_values_and_from_sse_bytes() {
    use llm_trace::provider::{ChunkFacts, Groq, StreamFacts};
    let chunk: serde_json::Value = serde_json::from_str(GROQ_LAST_CHUNK).unwrap();
    let mut facts = StreamFacts::new();
    ChunkFacts::<Groq>::observe(&chunk, &mut facts);
    let u = facts.usage().expect("x_groq.usage");
    assert_eq!((u.input_tokens, u.output_tokens), (Some(38), Some(4)));

    let mut facts = StreamFacts::new();
    facts.feed::<Groq>(format!("data: {GROQ_LAST_CHUNK}\n\ndata: [DONE]\n\n").as_bytes());
    let u = facts.usage().expect("x_groq.usage");
    assert_eq!((u.input_tokens, u.output_tokens), (Some(38), Some(4)));
}
