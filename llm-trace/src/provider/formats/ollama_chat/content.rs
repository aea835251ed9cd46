//! The content of Ollama bodies in the conventions' model, for opt-in
//! content capture.

use std::borrow::Cow;

use serde_json::Value;

use crate::model::value::{array_at, str_at, string_at, text_at};
use crate::model::{InputMessage, OutputMessage, Part, RequestContent};
use crate::provider::wire::chat_message;

/// The content of an `/api/chat` body (`messages`, `tools`), or of an
/// `/api/generate` body (`prompt` as a user message, `system` as system
/// instructions).
pub(crate) fn request_content(body: &Value) -> Option<RequestContent> {
    if let Some(prompt) = body.get("prompt").and_then(Value::as_str) {
        let mut parts = vec![Part::text(prompt)];
        parts.extend(images(body));
        return Some(RequestContent {
            input_messages: vec![InputMessage::new("user", parts)],
            system_instructions: str_at(body, "system")
                .map(|s| vec![Part::text(s)])
                .unwrap_or_default(),
            tool_definitions: Vec::new(),
        });
    }
    let messages = body.get("messages")?.as_array()?;
    Some(RequestContent {
        input_messages: messages
            .iter()
            .filter_map(|m| {
                let role = m.get("role")?.as_str()?;
                let parts = if role == "tool" {
                    vec![Part::tool_call_response(
                        string_at(m, "tool_call_id"),
                        m.get("content").cloned().unwrap_or(Value::Null),
                    )]
                } else {
                    message_parts(m)
                };
                Some(InputMessage {
                    name: string_at(m, "tool_name"),
                    ..InputMessage::new(role, parts)
                })
            })
            .collect(),
        system_instructions: Vec::new(),
        tool_definitions: array_at(body, "tools")
            .iter()
            .filter_map(chat_message::chat_tool_definition)
            .collect(),
    })
}

/// Base64 `images` as blobs (Ollama does not say their type).
fn images(m: &Value) -> impl Iterator<Item = Part> + '_ {
    array_at(m, "images").iter().filter_map(|i| {
        Some(Part::Blob {
            mime_type: None,
            modality: "image".to_owned(),
            content: i.as_str()?.to_owned(),
        })
    })
}

/// Thinking, text, images and tool calls (arguments are a JSON object).
fn message_parts(m: &Value) -> Vec<Part> {
    let mut parts = Vec::new();
    if let Some(thinking) = m.get("thinking").and_then(Value::as_str) {
        parts.push(Part::reasoning(thinking));
    }
    if let Some(text) = m.get("content").and_then(Value::as_str) {
        if !text.is_empty() {
            parts.push(Part::text(text));
        }
    }
    parts.extend(images(m));
    for call in array_at(m, "tool_calls") {
        let function = call.get("function").unwrap_or(&Value::Null);
        parts.push(Part::tool_call(
            string_at(call, "id"),
            text_at(function, "name"),
            function.get("arguments").cloned().unwrap_or(Value::Null),
        ));
    }
    parts
}

/// The one output message of an `/api/chat` or `/api/generate` response.
pub(crate) fn output_messages(v: &Value) -> Option<Vec<OutputMessage>> {
    let reason = v.get("done_reason").and_then(Value::as_str);
    if let Some(message) = v.get("message").filter(|m| m.is_object()) {
        return Some(vec![OutputMessage::new(
            str_at(message, "role").unwrap_or(Cow::Borrowed("assistant")),
            message_parts(message),
            reason,
        )]);
    }
    let text = v.get("response")?.as_str()?;
    let mut parts = Vec::new();
    if let Some(thinking) = v.get("thinking").and_then(Value::as_str) {
        parts.push(Part::reasoning(thinking));
    }
    parts.push(Part::text(text));
    Some(vec![OutputMessage::new("assistant", parts, reason)])
}
