//! The content of Messages bodies in the conventions' model, for opt-in
//! content capture.

use std::borrow::Cow;

use serde_json::Value;

use crate::model::value::{array_at, other_part, str_at, string_at, text_at};
use crate::model::{InputMessage, OutputMessage, Part, RequestContent, ToolDefinition};
use crate::provider::wire::chat_message;

/// The content of a Messages request body: `system` as system instructions,
/// `messages`, `tools`.
pub(crate) fn messages_request_content(body: &Value) -> Option<RequestContent> {
    let messages = body.get("messages")?.as_array()?;
    Some(RequestContent {
        input_messages: messages
            .iter()
            .filter_map(|m| {
                let role = m.get("role")?.as_str()?;
                Some(InputMessage::new(role, blocks(m.get("content"))))
            })
            .collect(),
        system_instructions: blocks(body.get("system")),
        tool_definitions: array_at(body, "tools")
            .iter()
            .filter_map(tool_definition)
            .collect(),
    })
}

/// Text or content blocks as parts.
fn blocks(content: Option<&Value>) -> Vec<Part> {
    match content {
        Some(Value::String(text)) => vec![Part::text(text.as_str())],
        Some(Value::Array(blocks)) => blocks.iter().filter_map(block).collect(),
        _ => Vec::new(),
    }
}

/// One content block as a part.
fn block(b: &Value) -> Option<Part> {
    Some(match b.get("type")?.as_str()? {
        "text" => Part::text(text_at(b, "text")),
        "thinking" => Part::reasoning(text_at(b, "thinking")),
        "tool_use" => Part::tool_call(
            string_at(b, "id"),
            text_at(b, "name"),
            b.get("input").cloned().unwrap_or(Value::Null),
        ),
        "tool_result" => Part::tool_call_response(
            string_at(b, "tool_use_id"),
            chat_message::tool_result(b.get("content")),
        ),
        kind @ ("image" | "document") => {
            let source = b.get("source")?;
            let modality = if kind == "image" { "image" } else { "document" };
            match source.get("type")?.as_str()? {
                "base64" => Part::Blob {
                    mime_type: string_at(source, "media_type"),
                    modality: modality.to_owned(),
                    content: text_at(source, "data").to_owned(),
                },
                "url" => Part::Uri {
                    mime_type: None,
                    modality: modality.to_owned(),
                    uri: text_at(source, "url").to_owned(),
                },
                "file" => Part::File {
                    mime_type: None,
                    modality: modality.to_owned(),
                    file_id: text_at(source, "file_id").to_owned(),
                },
                "text" => Part::text(text_at(source, "data")),
                _ => return other_part(b),
            }
        }
        _ => return other_part(b),
    })
}

/// `{"name", "description", "input_schema"}` as a function; server tools
/// (`web_search_20250305`, ...) by their type and name.
fn tool_definition(t: &Value) -> Option<ToolDefinition> {
    let name = t.get("name")?.as_str()?;
    Some(match t.get("type").and_then(Value::as_str) {
        None | Some("custom") => ToolDefinition::function(
            name,
            string_at(t, "description"),
            t.get("input_schema").cloned(),
        ),
        Some(kind) => ToolDefinition::builtin(kind, name),
    })
}

/// The one output message of a Messages response body.
pub(crate) fn messages_output_messages(v: &Value) -> Option<Vec<OutputMessage>> {
    let content = v.get("content")?.as_array()?;
    Some(vec![OutputMessage::new(
        str_at(v, "role").unwrap_or(Cow::Borrowed("assistant")),
        content.iter().filter_map(block).collect(),
        v.get("stop_reason").and_then(Value::as_str),
    )])
}
