//! A streamed Chat Completion: its chunks' facts, typed, raw or as bytes.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use super::facts::{completion_usage, openai_usage};
use super::types::ChatCompletionChunk;
use crate::model::value::{array_at, u64_at};
use crate::provider::wire::stream_error;
use crate::provider::StreamFacts;

/// Observes a typed chunk.
pub(crate) fn observe_chunk(
    chunk: &ChatCompletionChunk,
    completion_includes_reasoning: bool,
    stream: &mut StreamFacts,
) {
    stream.id(&chunk.id);
    stream.model(&chunk.model);
    for choice in &chunk.choices {
        let index = choice.index as usize;
        stream.choice(index);
        if let Some(text) = &choice.delta.content {
            stream.text(index, text);
        }
        for call in &choice.delta.tool_calls {
            let function = call.function.as_ref();
            stream.openai_tool_call_delta(
                index,
                call.index as usize,
                call.id.as_deref(),
                function.and_then(|f| f.name.as_deref()),
                function.and_then(|f| f.arguments.as_deref()),
            );
        }
        if let Some(reason) = &choice.finish_reason {
            stream.finish_reason(index, reason);
        }
    }
    if let Some(usage) = chunk
        .usage
        .as_ref()
        .and_then(|u| completion_usage(u, completion_includes_reasoning))
    {
        stream.merge_usage(usage);
    }
}

/// Observes a raw `chat.completion.chunk` (or a mid-stream error object).
pub(crate) fn observe_value(
    chunk: &Value,
    completion_includes_reasoning: bool,
    stream: &mut StreamFacts,
) {
    if let Some(id) = chunk.get("id").and_then(Value::as_str) {
        stream.id(id);
    }
    if let Some(model) = chunk.get("model").and_then(Value::as_str) {
        stream.model(model);
    }
    for choice in array_at(chunk, "choices") {
        let Some(index) = u64_at(choice, "index").and_then(|i| usize::try_from(i).ok()) else {
            continue;
        };
        stream.choice(index);
        let delta = choice.get("delta");
        if let Some(delta) = delta.filter(|_| stream.captures_content()) {
            if let Some(text) = delta.get("content").and_then(Value::as_str) {
                stream.text(index, text);
            }
            // DeepSeek's and vLLM's reasoning deltas.
            for key in ["reasoning_content", "reasoning"] {
                if let Some(text) = delta.get(key).and_then(Value::as_str) {
                    stream.reasoning(index, text);
                }
            }
        }
        let calls = delta.map_or(&[][..], |d| array_at(d, "tool_calls"));
        for (position, call) in calls.iter().enumerate() {
            let function = call.get("function");
            let call_index = u64_at(call, "index")
                .and_then(|i| usize::try_from(i).ok())
                .unwrap_or(position);
            stream.openai_tool_call_delta(
                index,
                call_index,
                call.get("id").and_then(Value::as_str),
                function.and_then(|f| f.get("name")).and_then(Value::as_str),
                function
                    .and_then(|f| f.get("arguments"))
                    .and_then(Value::as_str),
            );
        }
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            stream.finish_reason(index, reason);
        }
    }
    if let Some(usage) =
        chunk_usage(chunk).and_then(|u| openai_usage(u, completion_includes_reasoning))
    {
        stream.merge_usage(usage);
    }
    if let Some(error) = chunk.get("error").filter(|e| e.is_object()) {
        // A mid-stream error object (OpenRouter, vLLM and others send one
        // in place of a chunk).
        stream_error(stream, error);
    }
}

/// The fields of a raw `chat.completion.chunk` that its facts come from,
/// borrowed from the event's bytes (a bytes stream's events are read through
/// it instead of a [`Value`], which allocates every key and string).
#[derive(Deserialize)]
struct RawChunk<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow)]
    choices: Option<Vec<RawChoice<'a>>>,
    usage: Option<Value>,
    /// Groq's last chunk: the usage, also without `stream_options`.
    x_groq: Option<RawGroq>,
    /// Present in Responses API events and error events: read as a `Value`.
    #[serde(rename = "type")]
    kind: Option<serde::de::IgnoredAny>,
    /// A mid-stream error object: read as a `Value`.
    error: Option<serde::de::IgnoredAny>,
}

/// Groq's `x_groq` object of a chunk.
#[derive(Deserialize)]
struct RawGroq {
    usage: Option<Value>,
}

#[derive(Deserialize)]
struct RawChoice<'a> {
    index: Option<u64>,
    #[serde(borrow)]
    delta: Option<RawDelta<'a>>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawDelta<'a> {
    #[serde(borrow)]
    content: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reasoning_content: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reasoning: Option<Cow<'a, str>>,
    /// Tool calls: read as a `Value`.
    tool_calls: Option<serde::de::IgnoredAny>,
}

/// Observes the JSON of a raw `chat.completion.chunk` as
/// [`ChunkFacts::observe`] of its [`Value`] would, without building the
/// `Value`; `false` (nothing observed) for anything else: not an object, a
/// field of another type than a chunk's, tool calls, a `type` or an `error`.
pub(crate) fn observe_raw_chunk(
    event: &[u8],
    completion_includes_reasoning: bool,
    stream: &mut StreamFacts,
) -> bool {
    if event.trim_ascii_start().first() != Some(&b'{') {
        return false;
    }
    let Ok(chunk) = serde_json::from_slice::<RawChunk<'_>>(event) else {
        return false;
    };
    let choices = chunk.choices.as_deref().unwrap_or_default();
    if chunk.kind.is_some()
        || chunk.error.is_some()
        || choices
            .iter()
            .any(|c| c.delta.as_ref().is_some_and(|d| d.tool_calls.is_some()))
    {
        return false;
    }
    if let Some(id) = &chunk.id {
        stream.id(id);
    }
    if let Some(model) = &chunk.model {
        stream.model(model);
    }
    for choice in choices {
        let Some(index) = choice.index.and_then(|i| usize::try_from(i).ok()) else {
            continue;
        };
        stream.choice(index);
        if let Some(delta) = choice.delta.as_ref().filter(|_| stream.captures_content()) {
            if let Some(text) = &delta.content {
                stream.text(index, text);
            }
            for text in [&delta.reasoning_content, &delta.reasoning]
                .into_iter()
                .flatten()
            {
                stream.reasoning(index, text);
            }
        }
        if let Some(reason) = &choice.finish_reason {
            stream.finish_reason(index, reason);
        }
    }
    if let Some(usage) = chunk
        .usage
        .as_ref()
        .filter(|u| !u.is_null())
        .or_else(|| chunk.x_groq.as_ref()?.usage.as_ref())
        .and_then(|u| openai_usage(u, completion_includes_reasoning))
    {
        stream.merge_usage(usage);
    }
    true
}

/// A chunk's `usage`, or Groq's `x_groq.usage` (its last chunk carries the
/// usage there, also when the request asked for no `stream_options`).
fn chunk_usage(chunk: &Value) -> Option<&Value> {
    chunk
        .get("usage")
        .filter(|u| !u.is_null())
        .or_else(|| chunk.get("x_groq")?.get("usage"))
}

#[cfg(test)]
mod tests {
    use super::{observe_raw_chunk, StreamFacts, Value};
    use crate::provider::{ChunkFacts, OpenAi};

    /// Raw events of every shape: what `observe_raw_chunk` reads must give
    /// the facts the parsed `Value` gives, and what it leaves must be left
    /// untouched.
    const EVENTS: &[&str] = &[
        r#"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}"#,
        r#"{"id":"c1","model":"gpt-4o","choices":[{"index":0,"delta":{"content":"He said \"hi\"\n\u00e9"}}]}"#,
        r#"{"id":"","model":"","choices":[{"index":1,"delta":{"reasoning_content":"think","reasoning":"more"}}]}"#,
        r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"},{"index":1,"delta":null,"finish_reason":"length"}]}"#,
        r#"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":30,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":9}}}"#,
        r#"{"choices":null,"usage":null,"id":null,"model":null}"#,
        r#"{"choices":[{"delta":{"content":"no index"}},{"index":-1},{"index":0.5},{"index":3,"delta":"text"}]}"#,
        r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":"{\"a\""}}]}}]}"#,
        r#"{"choices":[{"index":0,"delta":{"tool_calls":null,"content":"x"}}]}"#,
        r#"{"type":"response.output_text.delta","delta":"hey"}"#,
        r#"{"type":"other","id":"t1","choices":[{"index":0,"finish_reason":"stop"}]}"#,
        r#"{"type":null,"id":"t2"}"#,
        r#"{"error":{"code":"rate_limit","message":"slow down"}}"#,
        r#"{"error":null,"id":"e1"}"#,
        r#"{"id":7,"model":["m"],"choices":{"index":0}}"#,
        r#"{"id":"d1","id":"d2"}"#,
        r#"{"choices":[{"index":0,"finish_reason":5}]}"#,
        r#"{"choices":[{"index":0,"delta":{"content":["part"]}}]}"#,
        r#"["c1","gpt-4o"]"#,
        r#""chunk""#,
        r#"  {"id":"ws"}  "#,
        r#"{"id":"#,
        r#"{"id":"x"} trailing"#,
        "",
    ];

    fn facts(capture: bool) -> StreamFacts {
        let mut facts = StreamFacts::new();
        if capture {
            facts.capture_content();
        }
        facts
    }

    #[test]
    fn raw_chunks_give_the_facts_of_their_parsed_values() {
        for capture in [false, true] {
            for event in EVENTS {
                let mut by_value = facts(capture);
                if let Ok(value) = serde_json::from_str::<Value>(event) {
                    <Value as ChunkFacts<OpenAi>>::observe(&value, &mut by_value);
                }
                let mut raw = facts(capture);
                let read = observe_raw_chunk(event.as_bytes(), true, &mut raw);
                if read {
                    assert_eq!(format!("{raw:?}"), format!("{by_value:?}"), "{event}");
                } else {
                    assert_eq!(
                        format!("{raw:?}"),
                        format!("{:?}", facts(capture)),
                        "left untouched: {event}"
                    );
                }
            }
            // The whole sequence, through a bytes stream's decoder.
            let mut by_value = facts(capture);
            let mut by_bytes = facts(capture);
            for event in EVENTS {
                if let Ok(value) = serde_json::from_str::<Value>(event) {
                    <Value as ChunkFacts<OpenAi>>::observe(&value, &mut by_value);
                }
                by_bytes.feed::<OpenAi>(format!("data: {event}\n\n").as_bytes());
            }
            // The end takes the decoder.
            by_bytes.end_of_stream();
            assert_eq!(
                format!("{by_bytes:?}"),
                format!("{by_value:?}"),
                "capture: {capture}"
            );
            assert!(by_value.failed(), "the error event is the stream's failure");
        }
    }

    #[test]
    fn plain_text_chunks_are_read_without_a_value() {
        let chunk = r#"{"id":"c1","model":"gpt-4o","choices":[{"index":0,"delta":{"content":" word"},"finish_reason":null}],"usage":null}"#;
        assert!(observe_raw_chunk(chunk.as_bytes(), true, &mut facts(true)));
        let tool = r#"{"choices":[{"index":0,"delta":{"tool_calls":[]}}]}"#;
        assert!(!observe_raw_chunk(tool.as_bytes(), true, &mut facts(false)));
    }
}
