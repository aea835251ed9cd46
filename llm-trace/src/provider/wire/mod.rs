//! Wire helpers several formats share: one copy each.
//!
//! A format never imports another format; what two formats read alike lives
//! here (or in the lower layers): the strict "object or null" deserializers
//! ([`de`]), whole counts written as integers or integral floats
//! ([`count`]), a provider's error object in a stream ([`stream_error`]),
//! and the OpenAI-shaped chat message that Chat Completions, Cohere v2 and
//! Ollama share ([`chat_message`]).

pub(crate) mod chat_message;
pub(crate) mod count;
pub(crate) mod de;

use std::borrow::Cow;

use serde_json::Value;

use super::StreamFacts;

/// Notes a provider's error object (`{"type"|"code": ..., "message": ...}`)
/// as the stream's failure.
pub(crate) fn stream_error(stream: &mut StreamFacts, error: &Value) {
    let kind = ["code", "type"]
        .iter()
        .find_map(|key| match error.get(*key) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| "error".to_owned());
    let message = error.get("message").and_then(Value::as_str).unwrap_or("");
    stream.__fail(Cow::Owned(kind), &message);
}
