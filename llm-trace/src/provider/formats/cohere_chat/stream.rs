//! Streamed v2 Chat: raw events only (there is no typed event).

use std::borrow::Cow;

use serde_json::Value;

use super::facts::chat_usage;
use crate::provider::StreamFacts;

/// One event of a streamed v2 chat (`"stream": true`): `message-start`
/// (id), `tool-call-start` (tool calls), `message-end` (finish reason,
/// usage, and the `error` of a failed generation); the content events add
/// nothing to the facts.
pub(crate) fn observe(event: &Value, stream: &mut StreamFacts) {
    let delta = event.get("delta");
    match event.get("type").and_then(Value::as_str) {
        Some("content-delta") => {
            let text = delta
                .and_then(|d| d.get("message"))
                .and_then(|m| m.get("content"))
                .and_then(|c| c.get("text"))
                .and_then(Value::as_str);
            if let Some(text) = text {
                stream.text(0, text);
            }
        }
        Some("message-start") => {
            if let Some(id) = event.get("id").and_then(Value::as_str) {
                stream.id(id);
            }
            stream.choice(0);
        }
        Some("tool-call-start") => {
            let call = delta
                .and_then(|d| d.get("message"))
                .and_then(|m| m.get("tool_calls"));
            if let Some(call) = call {
                let name = call.get("function").and_then(|f| f.get("name"));
                if let Some(name) = name.and_then(Value::as_str) {
                    stream.tool_call(call.get("id").and_then(Value::as_str), name);
                }
            }
        }
        Some("message-end") => {
            let Some(delta) = delta else {
                return;
            };
            if let Some(reason) = delta.get("finish_reason").and_then(Value::as_str) {
                stream.finish_reason(0, reason);
            }
            if let Some(usage) = delta.get("usage").and_then(chat_usage) {
                stream.merge_usage(usage);
            }
            // A generation that failed midway ends with its message:
            // the call failed, under its finish reason (`ERROR`).
            let error = delta.get("error").and_then(Value::as_str);
            if let Some(message) = error.filter(|e| !e.is_empty()) {
                let kind = delta
                    .get("finish_reason")
                    .and_then(Value::as_str)
                    .filter(|r| !r.is_empty())
                    .unwrap_or("error");
                stream.__fail(Cow::Owned(kind.to_owned()), &message);
            }
        }
        _ => {}
    }
}
