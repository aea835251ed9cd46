//! Streamed Messages responses: each server-sent event, typed or raw, is
//! read into one borrowed [`Event`], and one function adds it to the stream.

use std::borrow::Cow;

use serde_json::Value;

use super::facts::normalize;
use super::types::{DeltaUsage, MessageStreamEvent};
use crate::model::value::u64_at;
use crate::provider::StreamFacts;

/// What one event of a Messages stream says, borrowed from the event.
pub(crate) enum Event<'a> {
    /// `message_start`: the id, the model, and the usage so far.
    Start {
        id: Option<&'a str>,
        model: Option<&'a str>,
        counts: Option<DeltaUsage>,
    },
    /// `content_block_start` of a `tool_use` block at `index`.
    ToolUse {
        index: usize,
        id: Option<&'a str>,
        name: Option<&'a str>,
    },
    /// `content_block_delta`: a piece of output text, reasoning, or the JSON
    /// input of the tool call at `index`.
    Text(&'a str),
    Reasoning(&'a str),
    ToolInput {
        index: usize,
        json: &'a str,
    },
    /// `message_delta`: the stop reason and the cumulative usage.
    End {
        stop_reason: Option<&'a str>,
        counts: Option<DeltaUsage>,
    },
    /// An `error` event with its type and message.
    Error {
        kind: Cow<'a, str>,
        message: &'a str,
    },
    /// An `error` event's raw error object (read by the shared reader).
    ErrorObject(&'a Value),
    /// Anything else (`message_stop`, `ping`, other blocks).
    Other,
}

/// The event of a typed stream event.
pub(crate) fn typed_event(e: &MessageStreamEvent) -> Event<'_> {
    let index = e.index.unwrap_or(0) as usize;
    match e.kind.as_str() {
        "message_start" => match &e.message {
            Some(message) => Event::Start {
                id: Some(message.id.as_str()),
                model: Some(message.model.as_str()),
                counts: message.usage.map(|u| DeltaUsage {
                    input_tokens: Some(u.input_tokens),
                    output_tokens: Some(u.output_tokens),
                    cache_creation_input_tokens: u.cache_creation_input_tokens,
                    cache_read_input_tokens: u.cache_read_input_tokens,
                }),
            },
            None => Event::Other,
        },
        "content_block_start" => match e.content_block.as_ref().filter(|b| b.kind == "tool_use") {
            Some(block) => Event::ToolUse {
                index,
                id: block.id.as_deref(),
                name: block.name.as_deref(),
            },
            None => Event::Other,
        },
        "content_block_delta" => {
            let Some(delta) = &e.delta else {
                return Event::Other;
            };
            match delta.kind.as_deref() {
                Some("text_delta") => Event::Text(delta.text.as_deref().unwrap_or("")),
                Some("input_json_delta") => Event::ToolInput {
                    index,
                    json: delta.partial_json.as_deref().unwrap_or(""),
                },
                // The typed delta has no `thinking` field.
                _ => Event::Other,
            }
        }
        "message_delta" => Event::End {
            stop_reason: e.delta.as_ref().and_then(|d| d.stop_reason.as_deref()),
            counts: e.usage,
        },
        "error" => {
            let (kind, message) = e
                .error
                .as_ref()
                .map_or(("error", ""), |e| (e.kind.as_str(), e.message.as_str()));
            let kind = if kind.is_empty() { "error" } else { kind };
            Event::Error {
                kind: Cow::Borrowed(kind),
                message,
            }
        }
        _ => Event::Other,
    }
}

/// The counts of a raw `usage` object of an event, as given.
fn event_counts(u: &Value) -> Option<DeltaUsage> {
    u.is_object().then(|| DeltaUsage {
        input_tokens: u64_at(u, "input_tokens"),
        output_tokens: u64_at(u, "output_tokens"),
        cache_creation_input_tokens: u64_at(u, "cache_creation_input_tokens"),
        cache_read_input_tokens: u64_at(u, "cache_read_input_tokens"),
    })
}

/// The string at `key`.
fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The event of a raw event body.
pub(crate) fn value_event(v: &Value) -> Event<'_> {
    let index = u64_at(v, "index")
        .and_then(|i| usize::try_from(i).ok())
        .unwrap_or(0);
    match str_of(v, "type") {
        Some("message_start") => match v.get("message") {
            Some(message) => Event::Start {
                id: message.get("id").and_then(Value::as_str),
                model: message.get("model").and_then(Value::as_str),
                counts: message.get("usage").and_then(event_counts),
            },
            None => Event::Other,
        },
        Some("content_block_start") => match v.get("content_block") {
            Some(block) if str_of(block, "type") == Some("tool_use") => Event::ToolUse {
                index,
                id: block.get("id").and_then(Value::as_str),
                name: block.get("name").and_then(Value::as_str),
            },
            _ => Event::Other,
        },
        Some("content_block_delta") => {
            let Some(delta) = v.get("delta") else {
                return Event::Other;
            };
            let text = |key: &str| delta.get(key).and_then(Value::as_str).unwrap_or("");
            match str_of(delta, "type") {
                Some("text_delta") => Event::Text(text("text")),
                Some("thinking_delta") => Event::Reasoning(text("thinking")),
                Some("input_json_delta") => Event::ToolInput {
                    index,
                    json: text("partial_json"),
                },
                _ => Event::Other,
            }
        }
        Some("message_delta") => Event::End {
            stop_reason: v
                .get("delta")
                .and_then(|d| d.get("stop_reason"))
                .and_then(Value::as_str),
            counts: v.get("usage").and_then(event_counts),
        },
        Some("error") => match v.get("error").filter(|e| e.is_object()) {
            Some(error) => Event::ErrorObject(error),
            None => Event::Error {
                kind: Cow::Borrowed("error"),
                message: "",
            },
        },
        _ => Event::Other,
    }
}

/// Adds what one event says to the stream's facts.
pub(crate) fn observe(event: Event<'_>, stream: &mut StreamFacts) {
    match event {
        Event::Start { id, model, counts } => {
            if let Some(id) = id {
                stream.id(id);
            }
            if let Some(model) = model {
                stream.model(model);
            }
            stream.choice(0);
            if let Some(counts) = counts {
                merge_counts(stream, counts);
            }
        }
        Event::ToolUse { index, id, name } => {
            if let Some(name) = name {
                stream.tool_call(id, name);
            }
            stream.tool_call_delta(0, index, id, name, "");
        }
        Event::Text(text) => stream.text(0, text),
        Event::Reasoning(text) => stream.reasoning(0, text),
        Event::ToolInput { index, json } => stream.tool_call_delta(0, index, None, None, json),
        Event::End {
            stop_reason,
            counts,
        } => {
            if let Some(reason) = stop_reason {
                stream.finish_reason(0, reason);
            }
            if let Some(counts) = counts {
                merge_counts(stream, counts);
            }
        }
        Event::Error { kind, message } => stream.__fail(Cow::Owned(kind.into_owned()), &message),
        Event::ErrorObject(error) => crate::provider::wire::stream_error(stream, error),
        Event::Other => {}
    }
}

/// Adds Anthropic's counts (input without the cache buckets) to the
/// stream's normalized usage: counts the event leaves out keep their value.
pub(crate) fn merge_counts(stream: &mut StreamFacts, counts: DeltaUsage) {
    let seen = stream.usage_mut();
    let read = counts
        .cache_read_input_tokens
        .or(seen.cache_read_input_tokens);
    let write = counts
        .cache_creation_input_tokens
        .or(seen.cache_write_input_tokens);
    let seen_raw_input = seen.input_tokens.map(|total| {
        total
            .saturating_sub(seen.cache_read_input_tokens.unwrap_or(0))
            .saturating_sub(seen.cache_write_input_tokens.unwrap_or(0))
    });
    let input = counts.input_tokens.or(seen_raw_input);
    let output = counts.output_tokens.or(seen.output_tokens);
    *seen = normalize(input, output, read, write);
}
