//! The content of v2 Chat bodies in the conventions' model, for opt-in
//! content capture.

use std::borrow::Cow;

use serde_json::Value;

use crate::model::value::{array_at, str_at};
use crate::model::{OutputMessage, Part, RequestContent};
use crate::provider::wire::chat_message;

/// The content of a v2 Chat request body. Its messages have OpenAI's shape
/// (system messages in the history, `tool_calls`, `tool` messages), with
/// `thinking` parts, `document` parts, and an assistant's `tool_plan`.
pub(crate) fn chat_request_content(body: &Value) -> Option<RequestContent> {
    let messages = body.get("messages")?.as_array()?;
    Some(RequestContent {
        input_messages: messages
            .iter()
            .filter_map(|m| {
                let mut message = chat_message::chat_input_message(m)?;
                if let Some(plan) = m.get("tool_plan").and_then(Value::as_str) {
                    message.parts.insert(0, Part::reasoning(plan));
                }
                Some(message)
            })
            .collect(),
        system_instructions: Vec::new(),
        tool_definitions: array_at(body, "tools")
            .iter()
            .filter_map(chat_message::chat_tool_definition)
            .collect(),
    })
}

/// The one output message of a v2 Chat response body.
pub(crate) fn chat_output_messages(v: &Value) -> Option<Vec<OutputMessage>> {
    let message = v.get("message").filter(|m| m.is_object())?;
    let mut parts = Vec::new();
    if let Some(plan) = message.get("tool_plan").and_then(Value::as_str) {
        parts.push(Part::reasoning(plan));
    }
    chat_message::chat_parts(message, &mut parts);
    Some(vec![OutputMessage::new(
        str_at(message, "role").unwrap_or(Cow::Borrowed("assistant")),
        parts,
        v.get("finish_reason").and_then(Value::as_str),
    )])
}
