//! A Chat Completions call's content in the conventions' model.

use std::borrow::Cow;

use serde_json::Value;

use crate::model::value::{array_at, str_at};
use crate::model::{OutputMessage, RequestContent};
use crate::provider::wire::chat_message::{chat_input_message, chat_parts, chat_tool_definition};

/// The content of a Chat Completions request body: its `messages` (system
/// messages included: they are part of the history) and `tools`.
pub(crate) fn chat_request_content(body: &Value) -> Option<RequestContent> {
    let messages = body.get("messages")?.as_array()?;
    Some(RequestContent {
        input_messages: messages.iter().filter_map(chat_input_message).collect(),
        system_instructions: Vec::new(),
        tool_definitions: array_at(body, "tools")
            .iter()
            .filter_map(chat_tool_definition)
            .collect(),
    })
}

/// The output messages of a Chat Completions response body: one per choice.
pub(crate) fn chat_output_messages(body: &Value) -> Option<Vec<OutputMessage>> {
    let choices = body.get("choices")?.as_array()?;
    Some(
        choices
            .iter()
            .map(|c| {
                let message = c.get("message").unwrap_or(&Value::Null);
                let mut parts = Vec::new();
                chat_parts(message, &mut parts);
                OutputMessage::new(
                    str_at(message, "role").unwrap_or(Cow::Borrowed("assistant")),
                    parts,
                    c.get("finish_reason").and_then(Value::as_str),
                )
            })
            .collect(),
    )
}
