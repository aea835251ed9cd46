//! The OpenAI-shaped chat message (`{"role", "content", "tool_calls", ...}`)
//! in the conventions' model: Chat Completions, Cohere v2 and Ollama write
//! their messages and tool definitions in this shape, and Anthropic's tool
//! results share its text-or-parts rule.

use serde_json::Value;

use crate::model::value::{array_at, other_part, str_at, string_at, text_at};
use crate::model::{InputMessage, Part, ToolDefinition};

/// One request message: a `tool` message's result, or the message's parts.
pub(crate) fn chat_input_message(m: &Value) -> Option<InputMessage> {
    let role = m.get("role")?.as_str()?;
    let mut parts = Vec::new();
    if role == "tool" {
        parts.push(Part::tool_call_response(
            string_at(m, "tool_call_id"),
            tool_result(m.get("content")),
        ));
    } else {
        chat_parts(m, &mut parts);
    }
    Some(InputMessage {
        role: role.to_owned(),
        parts,
        name: string_at(m, "name"),
    })
}

/// The parts of a request or response message: reasoning (DeepSeek's and
/// others' `reasoning_content`), content, refusal, tool calls.
pub(crate) fn chat_parts(m: &Value, parts: &mut Vec<Part>) {
    if let Some(reasoning) = m.get("reasoning_content").and_then(Value::as_str) {
        parts.push(Part::reasoning(reasoning));
    }
    match m.get("content") {
        Some(Value::String(text)) => parts.push(Part::text(text.as_str())),
        Some(Value::Array(items)) => parts.extend(items.iter().filter_map(chat_content_part)),
        _ => {}
    }
    if let Some(refusal) = m.get("refusal").and_then(Value::as_str) {
        parts.push(Part::text(refusal));
    }
    for call in array_at(m, "tool_calls") {
        let function = call.get("function").unwrap_or(&Value::Null);
        parts.push(Part::tool_call_text(
            string_at(call, "id"),
            text_at(function, "name"),
            text_at(function, "arguments"),
        ));
    }
}

/// One content part of a Chat Completions message.
fn chat_content_part(p: &Value) -> Option<Part> {
    Some(match p.get("type")?.as_str()? {
        "text" => Part::text(text_at(p, "text")),
        "refusal" => Part::text(text_at(p, "refusal")),
        // Cohere's and other compatible servers' thinking parts.
        "thinking" => Part::reasoning(text_at(p, "thinking")),
        "image_url" => Part::from_url(text_at(p.get("image_url")?, "url"), Some("image")),
        "input_audio" => {
            let audio = p.get("input_audio")?;
            Part::Blob {
                mime_type: str_at(audio, "format").map(|f| format!("audio/{f}")),
                modality: "audio".to_owned(),
                content: text_at(audio, "data").to_owned(),
            }
        }
        "file" => {
            let file = p.get("file")?;
            match (str_at(file, "file_id"), str_at(file, "file_data")) {
                (Some(id), _) => Part::File {
                    mime_type: None,
                    modality: "document".to_owned(),
                    file_id: id.into_owned(),
                },
                (None, Some(data)) => Part::from_url(&data, Some("document")),
                (None, None) => return other_part(p),
            }
        }
        _ => return other_part(p),
    })
}

/// A tool result as sent back: its text, or the parts as given.
pub(crate) fn tool_result(content: Option<&Value>) -> Value {
    match content {
        Some(Value::Array(items))
            if items
                .iter()
                .all(|i| i.get("type").and_then(Value::as_str) == Some("text")) =>
        {
            Value::String(items.iter().map(|i| text_at(i, "text")).collect())
        }
        Some(other) => other.clone(),
        None => Value::Null,
    }
}

/// `{"type": "function", "function": {"name", "description", "parameters"}}`;
/// other tool kinds by their type (and name, when they have one).
pub(crate) fn chat_tool_definition(t: &Value) -> Option<ToolDefinition> {
    let kind = t.get("type")?.as_str()?;
    let Some(function) = t.get(kind).filter(|f| f.is_object()) else {
        return Some(ToolDefinition::builtin(kind, kind));
    };
    let name = text_at(function, "name");
    Some(if kind == "function" {
        ToolDefinition::function(
            name,
            string_at(function, "description"),
            function.get("parameters").cloned(),
        )
    } else {
        ToolDefinition {
            description: string_at(function, "description"),
            ..ToolDefinition::builtin(kind, if name.is_empty() { kind } else { name })
        }
    })
}
