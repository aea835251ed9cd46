//! Provider request and response parsers on arbitrary JSON, mutated real
//! bodies and arbitrary bytes.

use llm_trace::provider::{parse_response, KNOWN_PROVIDERS};
use llm_trace_testkit::hostile;
use proptest::prelude::*;
use serde_json::{Map, Value};

use crate::{cases, corpus};

/// Field names the providers read, so that arbitrary JSON reaches past the
/// first lookup.
const KEYS: &[&str] = &[
    "id",
    "model",
    "object",
    "usage",
    "choices",
    "message",
    "content",
    "finish_reason",
    "tool_calls",
    "function",
    "name",
    "prompt_tokens",
    "completion_tokens",
    "prompt_tokens_details",
    "cached_tokens",
    "completion_tokens_details",
    "reasoning_tokens",
    "prompt_cache_hit_tokens",
    "input_tokens",
    "output_tokens",
    "input_tokens_details",
    "output_tokens_details",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "stop_reason",
    "type",
    "status",
    "incomplete_details",
    "reason",
    "output",
    "call_id",
    "usageMetadata",
    "promptTokenCount",
    "candidatesTokenCount",
    "cachedContentTokenCount",
    "thoughtsTokenCount",
    "toolUsePromptTokenCount",
    "candidates",
    "finishReason",
    "parts",
    "functionCall",
    "modelVersion",
    "responseId",
    "embedding",
    "embeddings",
    "values",
    "data",
    "stopReason",
    "inputTokens",
    "outputTokens",
    "cacheReadInputTokens",
    "cacheWriteInputTokens",
    "toolUse",
    "toolUseId",
    "trace",
    "promptRouter",
    "invokedModelId",
    "inputTextTokenCount",
    "billed_units",
    "tokens",
    "meta",
    "float",
    "prompt_eval_count",
    "eval_count",
    "done_reason",
    "temperature",
    "top_p",
    "top_k",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "seed",
    "n",
    "stream",
    "response_format",
    "options",
    "num_predict",
    "generationConfig",
    "maxOutputTokens",
    "stopSequences",
    "inferenceConfig",
    "maxTokens",
    "modelId",
    "text",
    "format",
];

/// Keys a usage is read from, at the top of a body.
const USAGE_KEYS: &[&str] = &[
    "usage",
    "usageMetadata",
    "prompt_eval_count",
    "eval_count",
    "inputTextTokenCount",
    "meta",
];

fn key(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(keys).prop_map(str::to_owned),
        1 => ".{0,10}",
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (0u64..5000).prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        (0u32..5000).prop_map(|n| Value::from(f64::from(n))),
    ]
}

/// Any JSON, with keys mostly from `keys`.
fn json_with(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        ".{0,16}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 96, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(keys), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn json() -> impl Strategy<Value = Value> {
    json_with(KEYS)
}

fn seeds(target: &str) -> Vec<Value> {
    corpus(target)
        .into_iter()
        .filter_map(|(_, bytes)| serde_json::from_slice(&bytes).ok())
        .collect()
}

/// Replaces the `pick`-th node (in pre-order, modulo the node count) of
/// `body` with `with`.
fn replace_node(body: &mut Value, pick: usize, with: Value) {
    fn count(v: &Value) -> usize {
        1 + match v {
            Value::Array(items) => items.iter().map(count).sum(),
            Value::Object(map) => map.values().map(count).sum(),
            _ => 0,
        }
    }
    fn nth<'a>(v: &'a mut Value, n: &mut usize) -> Option<&'a mut Value> {
        if *n == 0 {
            return Some(v);
        }
        *n -= 1;
        match v {
            Value::Array(items) => items.iter_mut().find_map(|item| nth(item, n)),
            Value::Object(map) => map.values_mut().find_map(|item| nth(item, n)),
            _ => None,
        }
    }
    let mut n = pick % count(body);
    if let Some(node) = nth(body, &mut n) {
        *node = with;
    }
}

/// A seed body of `target` with up to three of its nodes replaced.
fn mutated(target: &'static str) -> impl Strategy<Value = Value> {
    let seeds = seeds(target);
    assert!(!seeds.is_empty(), "no seeds for {target}");
    (
        prop::sample::select(seeds),
        prop::collection::vec((any::<usize>(), json()), 0..4),
    )
        .prop_map(|(mut body, edits)| {
            for (pick, with) in edits {
                replace_node(&mut body, pick, with);
            }
            body
        })
}

/// A seed body's bytes with some bytes overwritten, inserted or cut.
fn flipped(target: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let files: Vec<Vec<u8>> = corpus(target).into_iter().map(|(_, b)| b).collect();
    (
        prop::sample::select(files),
        prop::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..6),
    )
        .prop_map(|(mut bytes, edits)| {
            for (at, byte, op) in edits {
                let at = at % (bytes.len() + 1);
                match op {
                    0 if at < bytes.len() => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    _ => bytes.truncate(at),
                }
            }
            bytes
        })
}

#[test]
fn the_checks_cover_every_known_provider() {
    assert_eq!(hostile::covered_providers(), KNOWN_PROVIDERS);
}

/// The seeds are real bodies: each gives its provider a usage, so mutating
/// them exercises the usage paths, not only the "absent" ones.
#[test]
fn every_seed_response_gives_its_provider_a_usage() {
    let providers = [
        ("anthropic_", "anthropic"),
        ("bedrock_", "aws.bedrock"),
        ("cohere_", "cohere"),
        ("deepseek_", "deepseek"),
        ("gemini_generate", "gcp.gemini"),
        ("ollama_", "ollama"),
        ("openai_", "openai"),
    ];
    let mut checked = 0;
    for (name, bytes) in corpus("provider_response") {
        let Some((_, provider)) = providers.iter().find(|(p, _)| name.starts_with(p)) else {
            continue;
        };
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        let info = parse_response(provider, &body).unwrap();
        assert!(info.usage.is_some(), "{name} gives {provider} no usage");
        hostile::response_value(&body);
        checked += 1;
    }
    assert_eq!(checked, 13);
}

#[test]
fn every_seed_request_holds() {
    for (_, bytes) in corpus("provider_request") {
        hostile::request_bytes(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(192)))]

    #[test]
    fn any_json_response_or_request_holds(body in json()) {
        hostile::response_value(&body);
        hostile::request_value(&body);
    }

    #[test]
    fn mutated_real_responses_hold(body in mutated("provider_response")) {
        hostile::response_value(&body);
    }

    #[test]
    fn mutated_real_requests_hold(body in mutated("provider_request")) {
        hostile::request_value(&body);
    }

    #[test]
    fn damaged_bytes_hold(
        response in flipped("provider_response"),
        request in flipped("provider_request"),
        noise in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        hostile::response_bytes(&response);
        hostile::request_bytes(&request);
        hostile::response_bytes(&noise);
        hostile::request_bytes(&noise);
    }

    /// A body with none of the keys a usage is read from gives no usage,
    /// whichever provider reads it.
    #[test]
    fn no_usage_without_a_usage_in_the_body(
        entries in prop::collection::vec((key(KEYS), json()), 0..8),
    ) {
        let body: Map<String, Value> = entries
            .into_iter()
            .filter(|(k, _)| !USAGE_KEYS.contains(&k.as_str()))
            .collect();
        let body = Value::Object(body);
        for provider in KNOWN_PROVIDERS {
            let info = parse_response(provider, &body).unwrap();
            prop_assert_eq!(info.usage, None, "{} read a usage from {}", provider, body);
        }
    }

    /// The client crates' types behind llm-trace's features.
    #[test]
    fn client_crate_types_hold(
        response in mutated("provider_response"),
        request in mutated("provider_request"),
    ) {
        use llm_trace::provider::{Anthropic, OpenAi};
        use async_openai::types::chat::{
            CreateChatCompletionRequest, CreateChatCompletionResponse,
            CreateChatCompletionStreamResponse,
        };
        use async_openai::types::embeddings::{CreateEmbeddingRequest, CreateEmbeddingResponse};
        use async_openai::types::responses::{CreateResponse, Response};
        hostile::client_response::<OpenAi, CreateChatCompletionResponse>(&response);
        hostile::client_response::<OpenAi, CreateChatCompletionStreamResponse>(&response);
        hostile::client_response::<OpenAi, Response>(&response);
        hostile::client_response::<OpenAi, CreateEmbeddingResponse>(&response);
        hostile::client_request::<OpenAi, CreateChatCompletionRequest>(&request);
        hostile::client_request::<OpenAi, CreateResponse>(&request);
        hostile::client_request::<OpenAi, CreateEmbeddingRequest>(&request);
        hostile::client_response::<Anthropic, claudius::Message>(&response);
        hostile::client_request::<Anthropic, claudius::MessageCreateParams>(&request);
        hostile::client_response::<OpenAi, genai::chat::ChatResponse>(&response);
    }
}
