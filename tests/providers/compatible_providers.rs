//! The OpenAI-compatible providers (DeepSeek, Groq, xAI, Mistral AI,
//! Perplexity, OpenRouter) read through `llm_trace::provider::parse_response`.
//!
//! Every body is composed from the provider's own API reference (field names,
//! id formats, provider-specific extras such as Groq's `x_groq` and timings,
//! DeepSeek's context-cache counts, xAI's token breakdowns, OpenRouter's
//! `cost`), and every normalized fact is asserted as one exact
//! `ResponseInfo`. Malformed bodies must never panic and never yield counts.
//! Where a provider counts differently from OpenAI, the conventions' meaning
//! wins: xAI's and Perplexity's reasoning tokens are added to the output
//! tokens, OpenRouter's cache writes are cache writes.

use std::borrow::Cow;

use llm_trace::provider::{parse_response, ResponseInfo, ToolCall, Usage, KNOWN_PROVIDERS};
use serde_json::{json, Value};

const COMPATIBLE: [&str; 6] = [
    "deepseek",
    "groq",
    "x_ai",
    "mistral_ai",
    "perplexity",
    "openrouter",
];

/// The facts of `body` as provider `provider` reports them.
fn parse<'a>(provider: &str, body: &'a Value) -> ResponseInfo<'a> {
    parse_response(provider, body).unwrap_or_else(|e| panic!("{e}"))
}

/// Token counts: input (cache included), output (reasoning included), cache
/// read, reasoning.
fn usage(input: u64, output: u64, cache_read: Option<u64>, reasoning: Option<u64>) -> Usage {
    Usage {
        input_tokens: Some(input),
        output_tokens: Some(output),
        cache_read_input_tokens: cache_read,
        reasoning_output_tokens: reasoning,
        ..Usage::default()
    }
}

/// The expected facts of a chat completion.
fn expected(
    id: &'static str,
    model: &'static str,
    finish_reasons: &[&'static str],
    usage: Option<Usage>,
    tool_calls: &[(&'static str, &'static str)],
) -> ResponseInfo<'static> {
    ResponseInfo {
        id: Some(Cow::Borrowed(id)),
        model: Some(Cow::Borrowed(model)),
        finish_reasons: finish_reasons.iter().copied().map(Cow::Borrowed).collect(),
        usage,
        tool_calls: tool_calls
            .iter()
            .map(|&(id, name)| ToolCall::new(Some(id), name))
            .collect(),
        embeddings_dimension_count: None,
        provider_attributes: Vec::new(),
    }
}

/// No token count at all: either no usage or a usage whose counts are all
/// absent (both record no usage attribute).
fn assert_no_counts(provider: &str, info: &ResponseInfo<'_>, case: &str) {
    if let Some(usage) = info.usage {
        assert_eq!(
            usage,
            Usage::default(),
            "{provider}, {case}: a malformed usage gave counts"
        );
    }
}

// ---------------------------------------------------------------- DeepSeek
// api-docs.deepseek.com: "Create Chat Completion" response, "Context Caching"
// (prompt_cache_hit_tokens / prompt_cache_miss_tokens), "Reasoning Model".

#[test]
fn deepseek_plain_chat_with_cache_counts() {
    let body = json!({
        "id": "930c60df-bf64-41c9-a88e-3ec75f81e00e",
        "object": "chat.completion",
        "created": 1705651092,
        "model": "deepseek-chat",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "Hello! How can I help you today?"},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": 16, "completion_tokens": 10, "total_tokens": 26,
            "prompt_tokens_details": {"cached_tokens": 0},
            "prompt_cache_hit_tokens": 0, "prompt_cache_miss_tokens": 16
        },
        "system_fingerprint": "fp_44709d6fcb"
    });
    assert_eq!(
        parse("deepseek", &body),
        expected(
            "930c60df-bf64-41c9-a88e-3ec75f81e00e",
            "deepseek-chat",
            &["stop"],
            Some(usage(16, 10, Some(0), None)),
            &[],
        )
    );
}

#[test]
fn deepseek_context_cache_hits_are_cache_reads() {
    // Older responses carry only DeepSeek's own cache fields.
    let body = json!({
        "id": "6f2a8e3b-0c1d-4e5f-9a7b-2c3d4e5f6a7b",
        "object": "chat.completion",
        "created": 1718345013,
        "model": "deepseek-chat",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "The contract's renewal date is 1 March."},
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": 1200, "completion_tokens": 14, "total_tokens": 1214,
            "prompt_cache_hit_tokens": 1024, "prompt_cache_miss_tokens": 176
        }
    });
    assert_eq!(
        parse("deepseek", &body),
        expected(
            "6f2a8e3b-0c1d-4e5f-9a7b-2c3d4e5f6a7b",
            "deepseek-chat",
            &["stop"],
            Some(usage(1200, 14, Some(1024), None)),
            &[],
        )
    );
}

#[test]
fn deepseek_tool_call() {
    let body = json!({
        "id": "b8c7e6d5-4f3a-2b1c-0d9e-8f7a6b5c4d3e",
        "object": "chat.completion",
        "created": 1737452321,
        "model": "deepseek-chat",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "",
                "tool_calls": [{
                    "index": 0,
                    "id": "call_0_8f5b6b0e-5c1a-4d2b-9e3f-7a6b5c4d3e2f",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{\"location\":\"Hangzhou\"}"}
                }]
            },
            "logprobs": null,
            "finish_reason": "tool_calls"
        }],
        "usage": {
            "prompt_tokens": 150, "completion_tokens": 21, "total_tokens": 171,
            "prompt_tokens_details": {"cached_tokens": 128},
            "prompt_cache_hit_tokens": 128, "prompt_cache_miss_tokens": 22
        },
        "system_fingerprint": "fp_3a5770e1b4_prod0225"
    });
    assert_eq!(
        parse("deepseek", &body),
        expected(
            "b8c7e6d5-4f3a-2b1c-0d9e-8f7a6b5c4d3e",
            "deepseek-chat",
            &["tool_calls"],
            Some(usage(150, 21, Some(128), None)),
            &[("call_0_8f5b6b0e-5c1a-4d2b-9e3f-7a6b5c4d3e2f", "get_weather")],
        )
    );
}

#[test]
fn deepseek_reasoner_counts_reasoning_inside_completion_tokens() {
    let body = json!({
        "id": "0c9f1e2d-3b4a-5c6d-7e8f-9a0b1c2d3e4f",
        "object": "chat.completion",
        "created": 1737452400,
        "model": "deepseek-reasoner",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "reasoning_content": "9.11 vs 9.8: compare the tenths, 1 < 8 ...",
                "content": "9.8 is greater than 9.11."
            },
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": 13, "completion_tokens": 420, "total_tokens": 433,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 380},
            "prompt_cache_hit_tokens": 0, "prompt_cache_miss_tokens": 13
        }
    });
    assert_eq!(
        parse("deepseek", &body),
        expected(
            "0c9f1e2d-3b4a-5c6d-7e8f-9a0b1c2d3e4f",
            "deepseek-reasoner",
            &["stop"],
            Some(usage(13, 420, Some(0), Some(380))),
            &[],
        )
    );
}

// -------------------------------------------------------------------- Groq
// console.groq.com/docs/api-reference: chat completion object (`x_groq`,
// `usage.queue_time` / `prompt_time` / `completion_time` / `total_time`),
// tool use, prompt caching (`prompt_tokens_details.cached_tokens`),
// reasoning (`completion_tokens_details.reasoning_tokens`).

#[test]
fn groq_plain_chat_with_timings_and_x_groq() {
    let body = json!({
        "id": "chatcmpl-f51b2cd2-bef7-417e-964e-a08f0b513c22",
        "object": "chat.completion",
        "created": 1730241104,
        "model": "llama-3.3-70b-versatile",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "Fast language models have gained significant attention ..."},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {
            "queue_time": 0.037493756,
            "prompt_tokens": 18,
            "prompt_time": 0.000680594,
            "completion_tokens": 556,
            "completion_time": 0.463333333,
            "total_tokens": 574,
            "total_time": 0.464013927
        },
        "usage_breakdown": null,
        "system_fingerprint": "fp_179b0f92c9",
        "x_groq": {"id": "req_01jbd6g2qdfw2adyrt2az8hz4w"},
        "service_tier": "on_demand"
    });
    assert_eq!(
        parse("groq", &body),
        expected(
            "chatcmpl-f51b2cd2-bef7-417e-964e-a08f0b513c22",
            "llama-3.3-70b-versatile",
            &["stop"],
            Some(usage(18, 556, None, None)),
            &[],
        )
    );
}

#[test]
fn groq_parallel_tool_calls() {
    let body = json!({
        "id": "chatcmpl-3d5f8a1b-9c2e-4f6a-8b7d-1e0c9f8a7b6c",
        "object": "chat.completion",
        "created": 1733994003,
        "model": "llama-3.3-70b-versatile",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "tool_calls": [
                    {"id": "call_d5wg", "type": "function",
                     "function": {"name": "get_weather", "arguments": "{\"location\": \"New York, NY\"}"}},
                    {"id": "call_h2kq", "type": "function",
                     "function": {"name": "get_time", "arguments": "{\"timezone\": \"America/New_York\"}"}}
                ]
            },
            "logprobs": null,
            "finish_reason": "tool_calls"
        }],
        "usage": {
            "queue_time": 0.019, "prompt_tokens": 286, "prompt_time": 0.017,
            "completion_tokens": 41, "completion_time": 0.149, "total_tokens": 327, "total_time": 0.166
        },
        "system_fingerprint": "fp_c0cfa69934",
        "x_groq": {"id": "req_01jfcxc7kkfzbb2mz0vnr1npcd"}
    });
    assert_eq!(
        parse("groq", &body),
        expected(
            "chatcmpl-3d5f8a1b-9c2e-4f6a-8b7d-1e0c9f8a7b6c",
            "llama-3.3-70b-versatile",
            &["tool_calls"],
            Some(usage(286, 41, None, None)),
            &[("call_d5wg", "get_weather"), ("call_h2kq", "get_time")],
        )
    );
}

#[test]
fn groq_reasoning_model_with_prompt_cache() {
    let body = json!({
        "id": "chatcmpl-7a6b5c4d-3e2f-1a0b-9c8d-7e6f5a4b3c2d",
        "object": "chat.completion",
        "created": 1755000000,
        "model": "openai/gpt-oss-120b",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "The answer is 42.",
                "reasoning": "The user asks for the product of 6 and 7 ..."
            },
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {
            "queue_time": 0.05, "prompt_tokens": 2100, "prompt_time": 0.02,
            "completion_tokens": 310, "completion_time": 0.61, "total_tokens": 2410, "total_time": 0.63,
            "prompt_tokens_details": {"cached_tokens": 1792},
            "completion_tokens_details": {"reasoning_tokens": 268}
        },
        "usage_breakdown": null,
        "system_fingerprint": "fp_a09bde29de",
        "x_groq": {"id": "req_01k2abcdefghjkmnpqrstvwxyz", "seed": 1_234_567_890},
        "service_tier": "flex"
    });
    assert_eq!(
        parse("groq", &body),
        expected(
            "chatcmpl-7a6b5c4d-3e2f-1a0b-9c8d-7e6f5a4b3c2d",
            "openai/gpt-oss-120b",
            &["stop"],
            Some(usage(2100, 310, Some(1792), Some(268))),
            &[],
        )
    );
}

// --------------------------------------------------------------------- xAI
// docs.x.ai: Chat Completions response (`prompt_tokens_details` with
// text/audio/image/cached tokens, `completion_tokens_details`,
// `num_sources_used`), function calling, "Prompt Caching: Usage & Pricing".

#[test]
fn xai_plain_chat_with_token_breakdowns() {
    let body = json!({
        "id": "a3d1008e-4544-40d4-d075-11527e794e4a",
        "object": "chat.completion",
        "created": 1752854522,
        "model": "grok-3",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "101 multiplied by 3 is 303.", "refusal": null},
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": 32, "completion_tokens": 9, "total_tokens": 41,
            "prompt_tokens_details": {"text_tokens": 32, "audio_tokens": 0, "image_tokens": 0, "cached_tokens": 6},
            "completion_tokens_details": {
                "reasoning_tokens": 0, "audio_tokens": 0,
                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0
            },
            "num_sources_used": 0
        },
        "system_fingerprint": "fp_0d42a4eb3d"
    });
    assert_eq!(
        parse("x_ai", &body),
        expected(
            "a3d1008e-4544-40d4-d075-11527e794e4a",
            "grok-3",
            &["stop"],
            Some(usage(32, 9, Some(6), Some(0))),
            &[],
        )
    );
}

#[test]
fn xai_tool_call() {
    let body = json!({
        "id": "5c2b1a0f-9e8d-4c7b-a6f5-e4d3c2b1a0f9",
        "object": "chat.completion",
        "created": 1752854600,
        "model": "grok-3",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "I am retrieving the current temperature in San Francisco.",
                "tool_calls": [{
                    "id": "call_19017834",
                    "type": "function",
                    "function": {"name": "get_current_temperature",
                                 "arguments": "{\"location\":\"San Francisco, CA\",\"unit\":\"fahrenheit\"}"}
                }],
                "refusal": null
            },
            "finish_reason": "tool_calls"
        }],
        "usage": {
            "prompt_tokens": 402, "completion_tokens": 40, "total_tokens": 442,
            "prompt_tokens_details": {"text_tokens": 402, "audio_tokens": 0, "image_tokens": 0, "cached_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0, "audio_tokens": 0,
                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0
            },
            "num_sources_used": 0
        },
        "system_fingerprint": "fp_0d42a4eb3d"
    });
    assert_eq!(
        parse("x_ai", &body),
        expected(
            "5c2b1a0f-9e8d-4c7b-a6f5-e4d3c2b1a0f9",
            "grok-3",
            &["tool_calls"],
            Some(usage(402, 40, Some(0), Some(0))),
            &[("call_19017834", "get_current_temperature")],
        )
    );
}

#[test]
fn xai_cached_prompt_tokens_are_cache_reads() {
    // The "Prompt Caching: Usage & Pricing" page's example usage.
    let body = json!({
        "id": "e7f6a5b4-c3d2-4e1f-8a9b-0c1d2e3f4a5b",
        "object": "chat.completion",
        "created": 1760000000,
        "model": "grok-4-fast-non-reasoning",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "Turn two of the conversation."},
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": 125, "completion_tokens": 48, "total_tokens": 173,
            "prompt_tokens_details": {"text_tokens": 125, "audio_tokens": 0, "image_tokens": 0, "cached_tokens": 98},
            "completion_tokens_details": {
                "reasoning_tokens": 0, "audio_tokens": 0,
                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0
            }
        }
    });
    assert_eq!(
        parse("x_ai", &body),
        expected(
            "e7f6a5b4-c3d2-4e1f-8a9b-0c1d2e3f4a5b",
            "grok-4-fast-non-reasoning",
            &["stop"],
            Some(usage(125, 48, Some(98), Some(0))),
            &[],
        )
    );
}

/// A grok reasoning model's body: xAI counts reasoning *apart from*
/// `completion_tokens` ("reasoning token consumption will be counted
/// separately from completion_tokens, but will be counted in the
/// total_tokens": 12 + 1 + 386 = 399).
fn xai_reasoning_body() -> Value {
    json!({
        "id": "1f2e3d4c-5b6a-4789-8a7b-6c5d4e3f2a1b",
        "object": "chat.completion",
        "created": 1752854700,
        "model": "grok-3-mini",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "303",
                "reasoning_content": "First, the user asked: What is 101*3? ..."
            },
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": 12, "completion_tokens": 1, "total_tokens": 399,
            "prompt_tokens_details": {"text_tokens": 12, "audio_tokens": 0, "image_tokens": 0, "cached_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 386, "audio_tokens": 0,
                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0
            },
            "num_sources_used": 0
        },
        "system_fingerprint": "fp_2f2a9c1e5b"
    })
}

#[test]
fn xai_reasoning_facts_other_than_output_tokens() {
    let body = xai_reasoning_body();
    let info = parse("x_ai", &body);
    let usage = info.usage.expect("usage");
    assert_eq!(usage.input_tokens, Some(12));
    assert_eq!(usage.cache_read_input_tokens, Some(0));
    assert_eq!(usage.reasoning_output_tokens, Some(386));
    assert_eq!(info.finish_reasons, ["stop"]);
    assert_eq!(info.model.as_deref(), Some("grok-3-mini"));
}

#[test]
fn xai_reasoning_tokens_are_output_tokens() {
    let body = xai_reasoning_body();
    assert_eq!(
        parse("x_ai", &body),
        expected(
            "1f2e3d4c-5b6a-4789-8a7b-6c5d4e3f2a1b",
            "grok-3-mini",
            &["stop"],
            Some(usage(12, 387, Some(0), Some(386))),
            &[],
        )
    );
}

// --------------------------------------------------------------- Mistral AI
// docs.mistral.ai/api: `POST /v1/chat/completions` response
// (`ChatCompletionResponse`, `UsageInfo`), function calling (9-character
// tool call ids), finish reasons `stop`, `length`, `model_length`, `error`,
// `tool_calls`; Magistral's `thinking` content chunks.

#[test]
fn mistral_plain_chat() {
    let body = json!({
        "id": "cmpl-e5cc70bb28c444948073e77776eb30ef",
        "object": "chat.completion",
        "model": "mistral-small-latest",
        "usage": {"prompt_tokens": 16, "completion_tokens": 34, "total_tokens": 50},
        "created": 1702256327,
        "choices": [{
            "index": 0,
            "message": {"content": "The best French cheese depends on your taste ...", "tool_calls": null, "role": "assistant"},
            "finish_reason": "stop"
        }]
    });
    assert_eq!(
        parse("mistral_ai", &body),
        expected(
            "cmpl-e5cc70bb28c444948073e77776eb30ef",
            "mistral-small-latest",
            &["stop"],
            Some(usage(16, 34, None, None)),
            &[],
        )
    );
}

#[test]
fn mistral_tool_call() {
    let body = json!({
        "id": "7cc8d1f0e7a64f4fbbf3a2c1d0e9b8a7",
        "object": "chat.completion",
        "created": 1718000000,
        "model": "mistral-large-latest",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "",
                "tool_calls": [{
                    "id": "D681PevKs",
                    "type": "function",
                    "function": {"name": "retrieve_payment_status", "arguments": "{\"transaction_id\": \"T1001\"}"}
                }]
            },
            "finish_reason": "tool_calls"
        }],
        "usage": {"prompt_tokens": 167, "total_tokens": 195, "completion_tokens": 28}
    });
    assert_eq!(
        parse("mistral_ai", &body),
        expected(
            "7cc8d1f0e7a64f4fbbf3a2c1d0e9b8a7",
            "mistral-large-latest",
            &["tool_calls"],
            Some(usage(167, 28, None, None)),
            &[("D681PevKs", "retrieve_payment_status")],
        )
    );
}

#[test]
fn mistral_magistral_thinking_chunks_and_several_choices() {
    // Magistral returns its reasoning as `thinking` content chunks and counts
    // it inside `completion_tokens`; Mistral reports no reasoning count apart.
    let body = json!({
        "id": "0a1b2c3d4e5f40718293a4b5c6d7e8f9",
        "object": "chat.completion",
        "created": 1750000000,
        "model": "magistral-medium-2507",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": [
                        {"type": "thinking", "thinking": [{"type": "text", "text": "Let me count the r's ..."}]},
                        {"type": "text", "text": "There are three r's in strawberry."}
                    ],
                    "tool_calls": null
                },
                "finish_reason": "stop"
            },
            {
                "index": 1,
                "message": {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": [{"type": "text", "text": "s-t-r-a-w ..."}]}
                ]},
                "finish_reason": "length"
            },
            {
                "index": 2,
                "message": {"role": "assistant", "content": "There are"},
                "finish_reason": "model_length"
            }
        ],
        "usage": {"prompt_tokens": 21, "completion_tokens": 2048, "total_tokens": 2069}
    });
    assert_eq!(
        parse("mistral_ai", &body),
        expected(
            "0a1b2c3d4e5f40718293a4b5c6d7e8f9",
            "magistral-medium-2507",
            &["stop", "length", "model_length"],
            Some(usage(21, 2048, None, None)),
            &[],
        )
    );
}

// -------------------------------------------------------------- Perplexity
// docs.perplexity.ai: Sonar `POST /chat/completions` response (`citations`,
// `search_results`, `usage.search_context_size`, `usage.cost`), reasoning
// models' `<think>` content, structured outputs.

#[test]
fn perplexity_sonar_with_citations_and_cost() {
    let body = json!({
        "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "model": "sonar",
        "created": 1724369245,
        "object": "chat.completion",
        "choices": [{
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": "The 2024 Olympics were held in Paris [1]."},
            "delta": {"role": "assistant", "content": ""}
        }],
        "citations": ["https://olympics.com/en/paris-2024"],
        "search_results": [{"title": "Paris 2024", "url": "https://olympics.com/en/paris-2024", "date": "2024-08-11"}],
        "usage": {
            "prompt_tokens": 9, "completion_tokens": 120, "total_tokens": 129,
            "search_context_size": "low",
            "cost": {"input_tokens_cost": 0.000009, "output_tokens_cost": 0.00012,
                     "request_cost": 0.005, "total_cost": 0.005129}
        }
    });
    assert_eq!(
        parse("perplexity", &body),
        expected(
            "3c90c3cc-0d44-4b50-8888-8dd25736052a",
            "sonar",
            &["stop"],
            Some(usage(9, 120, None, None)),
            &[],
        )
    );
}

#[test]
fn perplexity_reasoning_pro_with_think_content() {
    let body = json!({
        "id": "8d7c6b5a-4e3f-4a2b-9c1d-0e9f8a7b6c5d",
        "model": "sonar-reasoning-pro",
        "created": 1741000000,
        "object": "chat.completion",
        "choices": [{
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant",
                        "content": "<think>The user wants a comparison ...</think>\nRust and Go differ mainly in ..."}
        }],
        "citations": ["https://www.rust-lang.org", "https://go.dev"],
        "usage": {
            "prompt_tokens": 14, "completion_tokens": 893, "total_tokens": 907,
            "search_context_size": "high",
            "cost": {"input_tokens_cost": 0.000028, "output_tokens_cost": 0.007144,
                     "request_cost": 0.014, "total_cost": 0.021172}
        }
    });
    assert_eq!(
        parse("perplexity", &body),
        expected(
            "8d7c6b5a-4e3f-4a2b-9c1d-0e9f8a7b6c5d",
            "sonar-reasoning-pro",
            &["stop"],
            Some(usage(14, 893, None, None)),
            &[],
        )
    );
}

#[test]
fn perplexity_structured_output_cut_at_max_tokens() {
    let body = json!({
        "id": "f0e1d2c3-b4a5-4697-8877-665544332211",
        "model": "sonar-pro",
        "created": 1742000000,
        "object": "chat.completion",
        "choices": [{
            "index": 0,
            "finish_reason": "length",
            "message": {"role": "assistant", "content": "{\"company\": \"Acme\", \"founded\": 19"}
        }],
        "citations": [],
        "search_results": [],
        "usage": {
            "prompt_tokens": 58, "completion_tokens": 16, "total_tokens": 74,
            "search_context_size": "medium"
        }
    });
    assert_eq!(
        parse("perplexity", &body),
        expected(
            "f0e1d2c3-b4a5-4697-8877-665544332211",
            "sonar-pro",
            &["length"],
            Some(usage(58, 16, None, None)),
            &[],
        )
    );
}

#[test]
fn perplexity_deep_research_reasoning_tokens() {
    let body = json!({
        "id": "a1b2c3d4-e5f6-4789-abcd-ef0123456789",
        "model": "sonar-deep-research",
        "created": 1743000000,
        "object": "chat.completion",
        "choices": [{
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": "# Report\n..."}
        }],
        "usage": {
            "prompt_tokens": 19, "completion_tokens": 6574, "total_tokens": 6593,
            "citation_tokens": 17397, "num_search_queries": 25, "reasoning_tokens": 86012,
            "search_context_size": "low"
        }
    });
    let usage = parse("perplexity", &body).usage.expect("usage");
    assert_eq!(usage.reasoning_output_tokens, Some(86012));
}

// -------------------------------------------------------------- OpenRouter
// openrouter.ai/docs: API reference (response `provider`,
// `native_finish_reason`), "Usage Accounting" (`usage.cost`, `is_byok`,
// `cost_details`, `prompt_tokens_details.cached_tokens` /
// `cache_write_tokens`, `completion_tokens_details.reasoning_tokens`).

#[test]
fn openrouter_plain_chat_with_cost() {
    let body = json!({
        "id": "gen-1747240000-AbCdEfGhIjKlMnOpQrSt",
        "provider": "OpenAI",
        "model": "openai/gpt-4o",
        "object": "chat.completion",
        "created": 1747240000,
        "choices": [{
            "logprobs": null,
            "finish_reason": "stop",
            "native_finish_reason": "stop",
            "index": 0,
            "message": {"role": "assistant", "content": "Hello there!", "refusal": null, "reasoning": null}
        }],
        "usage": {
            "prompt_tokens": 14, "completion_tokens": 9, "total_tokens": 23,
            "cost": 0.000125, "is_byok": false,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "cost_details": {"upstream_inference_cost": null},
            "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 0}
        }
    });
    assert_eq!(
        parse("openrouter", &body),
        expected(
            "gen-1747240000-AbCdEfGhIjKlMnOpQrSt",
            "openai/gpt-4o",
            &["stop"],
            Some(usage(14, 9, Some(0), Some(0))),
            &[],
        )
    );
}

#[test]
fn openrouter_tool_call_from_anthropic_upstream() {
    let body = json!({
        "id": "gen-1747240100-ZyXwVuTsRqPoNmLkJiHg",
        "provider": "Anthropic",
        "model": "anthropic/claude-sonnet-4",
        "object": "chat.completion",
        "created": 1747240100,
        "choices": [{
            "logprobs": null,
            "finish_reason": "tool_calls",
            "native_finish_reason": "tool_use",
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "",
                "refusal": null,
                "reasoning": null,
                "tool_calls": [{
                    "index": 0,
                    "id": "toolu_01A09q90qw90lq917835lq9",
                    "type": "function",
                    "function": {"name": "search_gutenberg_books", "arguments": "{\"search_terms\":[\"James Joyce\"]}"}
                }]
            }
        }],
        "usage": {
            "prompt_tokens": 512, "completion_tokens": 61, "total_tokens": 573,
            "cost": 0.002451, "is_byok": false,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0}
        }
    });
    assert_eq!(
        parse("openrouter", &body),
        expected(
            "gen-1747240100-ZyXwVuTsRqPoNmLkJiHg",
            "anthropic/claude-sonnet-4",
            &["tool_calls"],
            Some(usage(512, 61, Some(0), Some(0))),
            &[("toolu_01A09q90qw90lq917835lq9", "search_gutenberg_books")],
        )
    );
}

#[test]
fn openrouter_cache_reads_and_reasoning() {
    let body = json!({
        "id": "gen-1747240200-QwErTyUiOpAsDfGhJkLz",
        "provider": "Google",
        "model": "google/gemini-2.5-pro",
        "object": "chat.completion",
        "created": 1747240200,
        "choices": [{
            "logprobs": null,
            "finish_reason": "stop",
            "native_finish_reason": "STOP",
            "index": 0,
            "message": {"role": "assistant", "content": "Here is the summary ...",
                        "reasoning": "**Analyzing the request** ..."}
        }],
        "usage": {
            "prompt_tokens": 2048, "completion_tokens": 900, "total_tokens": 2948,
            "cost": 0.01106, "is_byok": false,
            "prompt_tokens_details": {"cached_tokens": 1536, "audio_tokens": 0},
            "cost_details": {"upstream_inference_cost": null},
            "completion_tokens_details": {"reasoning_tokens": 640, "image_tokens": 0}
        }
    });
    assert_eq!(
        parse("openrouter", &body),
        expected(
            "gen-1747240200-QwErTyUiOpAsDfGhJkLz",
            "google/gemini-2.5-pro",
            &["stop"],
            Some(usage(2048, 900, Some(1536), Some(640))),
            &[],
        )
    );
}

#[test]
fn openrouter_cache_write_tokens_are_cache_writes() {
    // The "Usage Accounting" page's example usage.
    let body = json!({
        "id": "gen-1747240300-MnBvCxZlKjHgFdSaPoIu",
        "provider": "Anthropic",
        "model": "anthropic/claude-sonnet-4",
        "object": "chat.completion",
        "created": 1747240300,
        "choices": [{"index": 0, "finish_reason": "stop", "native_finish_reason": "end_turn",
                     "message": {"role": "assistant", "content": "OK"}}],
        "usage": {
            "completion_tokens": 2,
            "completion_tokens_details": {"reasoning_tokens": 0},
            "cost": 0.95,
            "cost_details": {"upstream_inference_cost": 19},
            "prompt_tokens": 194,
            "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 100, "audio_tokens": 0},
            "total_tokens": 196
        }
    });
    let mut want = usage(194, 2, Some(0), Some(0));
    want.cache_write_input_tokens = Some(100);
    assert_eq!(parse("openrouter", &body).usage, Some(want));
}

// ------------------------------------------------------------ every provider

#[test]
fn every_compatible_provider_is_known_by_its_conventions_name() {
    for name in COMPATIBLE {
        assert!(
            KNOWN_PROVIDERS.contains(&name),
            "{name} not in KNOWN_PROVIDERS"
        );
        assert!(parse_response(name, &json!({})).is_ok(), "{name}");
    }
    for wrong in ["DeepSeek", "xai", "mistral", "open_router", ""] {
        let err = parse_response(wrong, &json!({})).unwrap_err();
        assert!(err.to_string().contains("x_ai"), "{err}");
    }
}

#[test]
fn missing_or_non_object_usage_gives_no_usage() {
    for provider in COMPATIBLE {
        for usage in [
            None,
            Some(json!(null)),
            Some(json!("12")),
            Some(json!([16, 10])),
            Some(json!(26)),
        ] {
            let mut body = json!({
                "id": "cmpl-1", "object": "chat.completion", "model": "m",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}]
            });
            if let Some(usage) = &usage {
                body["usage"] = usage.clone();
            }
            let info = parse(provider, &body);
            assert_eq!(info.usage, None, "{provider}, usage {usage:?}");
            // The other facts are still read.
            assert_eq!(info.id.as_deref(), Some("cmpl-1"));
            assert_eq!(info.finish_reasons, ["stop"]);
        }
    }
}

#[test]
fn wrong_types_negative_and_out_of_range_counts_give_no_counts() {
    let usages = [
        (
            "strings and bools",
            json!({"prompt_tokens": "16", "completion_tokens": true, "total_tokens": "26",
                   "prompt_tokens_details": {"cached_tokens": "4"},
                   "completion_tokens_details": {"reasoning_tokens": null},
                   "prompt_cache_hit_tokens": "4"}),
        ),
        (
            "negative numbers",
            json!({"prompt_tokens": -16, "completion_tokens": -10, "total_tokens": -26,
                   "prompt_tokens_details": {"cached_tokens": -4},
                   "completion_tokens_details": {"reasoning_tokens": -1},
                   "prompt_cache_hit_tokens": -4, "prompt_cache_miss_tokens": -12}),
        ),
        (
            "fractions and out of range",
            json!({"prompt_tokens": 16.5, "completion_tokens": 1e30,
                   "prompt_tokens_details": {"cached_tokens": f64::MAX},
                   "completion_tokens_details": {"reasoning_tokens": -0.5}}),
        ),
        (
            "details of the wrong shape",
            json!({"prompt_tokens_details": [{"cached_tokens": 4}],
                   "completion_tokens_details": "reasoning_tokens=3"}),
        ),
        ("empty object", json!({})),
    ];
    for provider in COMPATIBLE {
        for (case, usage) in &usages {
            let body = json!({
                "id": "cmpl-2", "object": "chat.completion", "model": "m",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
                "usage": usage
            });
            let info = parse(provider, &body);
            assert_no_counts(provider, &info, case);
            assert_eq!(info.model.as_deref(), Some("m"));
        }
    }
}

#[test]
fn largest_counts_are_kept_exactly() {
    for provider in COMPATIBLE {
        let body = json!({
            "usage": {"prompt_tokens": u64::MAX, "completion_tokens": 0,
                      "prompt_tokens_details": {"cached_tokens": u64::MAX}}
        });
        let usage = parse(provider, &body).usage.expect("usage");
        assert_eq!(usage.input_tokens, Some(u64::MAX), "{provider}");
        assert_eq!(usage.output_tokens, Some(0), "{provider}");
        assert_eq!(usage.cache_read_input_tokens, Some(u64::MAX), "{provider}");
    }
}

#[test]
fn huge_strings_are_read_without_panicking() {
    let huge = "x".repeat(4 << 20);
    let body = json!({
        "id": huge, "object": "chat.completion", "model": huge,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": huge,
                        "tool_calls": [{"id": huge, "type": "function",
                                        "function": {"name": huge, "arguments": huge}}]},
            "finish_reason": huge
        }],
        "usage": {"prompt_tokens": huge, "completion_tokens": 3,
                  "prompt_tokens_details": {"cached_tokens": huge}}
    });
    for provider in COMPATIBLE {
        let info = parse(provider, &body);
        assert_eq!(info.id.as_deref().map(str::len), Some(huge.len()));
        assert_eq!(info.model.as_deref().map(str::len), Some(huge.len()));
        assert_eq!(info.finish_reasons.len(), 1);
        assert_eq!(info.tool_calls.len(), 1);
        assert_eq!(info.tool_calls[0].name.len(), huge.len());
        let usage = info.usage.expect("usage");
        assert_eq!(usage.input_tokens, None, "{provider}");
        assert_eq!(usage.output_tokens, Some(3), "{provider}");
        assert_eq!(usage.cache_read_input_tokens, None, "{provider}");
    }
}

#[test]
fn bodies_of_the_wrong_shape_give_empty_facts() {
    let bodies = [
        json!(null),
        json!("chat.completion"),
        json!(42),
        json!([{"id": "cmpl-3", "usage": {"prompt_tokens": 1}}]),
        json!({"id": 7, "model": ["m"], "choices": {"0": {"finish_reason": "stop"}}}),
        json!({"choices": [null, 3, "stop", {"finish_reason": 1, "message": {"tool_calls": {"id": "x"}}}]}),
        json!({"choices": [{"message": {"tool_calls": [
            {"id": "call_1"},
            {"id": "call_2", "function": null},
            {"id": "call_3", "function": {"name": 5}}
        ]}}]}),
    ];
    for provider in COMPATIBLE {
        for body in &bodies {
            assert_eq!(
                parse(provider, body),
                ResponseInfo::default(),
                "{provider}: {body}"
            );
        }
    }
}

#[test]
fn a_tool_call_without_an_id_keeps_its_name() {
    let body = json!({
        "choices": [{"index": 0, "finish_reason": "tool_calls",
                     "message": {"tool_calls": [{"type": "function", "function": {"name": "lookup"}}]}}]
    });
    for provider in COMPATIBLE {
        let info = parse(provider, &body);
        assert_eq!(info.tool_calls, [ToolCall::new(None::<&str>, "lookup")]);
        assert_eq!(info.finish_reasons, ["tool_calls"]);
    }
}
