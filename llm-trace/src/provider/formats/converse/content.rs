//! The content of Converse bodies in the conventions' model, for opt-in
//! content capture.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::model::value::{array_at, str_at, string_at, text_at};
use crate::model::{InputMessage, OutputMessage, Part, RequestContent, ToolDefinition};

/// The content of a Converse request body: `system` blocks as system
/// instructions, `messages`, and `toolConfig.tools`.
pub(crate) fn converse_request_content(body: &Value) -> Option<RequestContent> {
    let messages = body.get("messages")?.as_array()?;
    let tools = body
        .get("toolConfig")
        .map(|c| array_at(c, "tools"))
        .unwrap_or(&[]);
    Some(RequestContent {
        input_messages: messages
            .iter()
            .filter_map(|m| {
                let role = m.get("role")?.as_str()?;
                Some(InputMessage::new(role, blocks(m)))
            })
            .collect(),
        system_instructions: array_at(body, "system").iter().filter_map(block).collect(),
        tool_definitions: tools
            .iter()
            .filter_map(|t| {
                let spec = t.get("toolSpec")?;
                Some(ToolDefinition::function(
                    text_at(spec, "name"),
                    string_at(spec, "description"),
                    spec.get("inputSchema").and_then(|s| s.get("json")).cloned(),
                ))
            })
            .collect(),
    })
}

fn blocks(message: &Value) -> Vec<Part> {
    array_at(message, "content")
        .iter()
        .filter_map(block)
        .collect()
}

/// One content block (a union: the member set names its kind) as a part;
/// cache points are markers, not content.
fn block(b: &Value) -> Option<Part> {
    if let Some(text) = b.get("text").and_then(Value::as_str) {
        return Some(Part::text(text));
    }
    if let Some(call) = b.get("toolUse") {
        return Some(Part::tool_call(
            string_at(call, "toolUseId"),
            text_at(call, "name"),
            call.get("input").cloned().unwrap_or(Value::Null),
        ));
    }
    if let Some(result) = b.get("toolResult") {
        return Some(Part::tool_call_response(
            string_at(result, "toolUseId"),
            tool_result(array_at(result, "content")),
        ));
    }
    if let Some(reasoning) = b.get("reasoningContent") {
        let text = reasoning
            .get("reasoningText")
            .map_or("", |r| text_at(r, "text"));
        // Reasoning the provider encrypted has no text to show.
        return Some(if text.is_empty() {
            Part::other("redacted_reasoning", Map::new())
        } else {
            Part::reasoning(text)
        });
    }
    for (kind, modality) in [
        ("image", "image"),
        ("document", "document"),
        ("video", "video"),
    ] {
        if let Some(media) = b.get(kind) {
            let mime = str_at(media, "format").map(|f| media_type(modality, &f));
            let source = media.get("source").unwrap_or(&Value::Null);
            if let Some(bytes) = source.get("bytes").and_then(Value::as_str) {
                return Some(Part::Blob {
                    mime_type: mime,
                    modality: modality.to_owned(),
                    content: bytes.to_owned(),
                });
            }
            if let Some(uri) = source.get("s3Location").and_then(|l| l.get("uri")) {
                return Some(Part::Uri {
                    mime_type: mime,
                    modality: modality.to_owned(),
                    uri: uri.as_str().unwrap_or("").to_owned(),
                });
            }
        }
    }
    let map = b.as_object()?;
    let (kind, fields) = map.iter().next()?;
    if kind == "cachePoint" {
        return None;
    }
    let mut fields = fields.as_object().cloned().unwrap_or_default();
    fields.remove("type");
    Some(Part::other(kind, fields))
}

/// The MIME type of a Converse media `format`.
fn media_type(modality: &str, format: &str) -> String {
    let document = match format {
        "pdf" => "application/pdf",
        "csv" => "text/csv",
        "html" => "text/html",
        "txt" => "text/plain",
        "md" => "text/markdown",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "",
    };
    if modality == "document" && !document.is_empty() {
        document.to_owned()
    } else {
        format!("{modality}/{format}")
    }
}

/// A `toolResult`'s content: the text when it is all text, the JSON when it
/// is one JSON block, the blocks otherwise.
fn tool_result(content: &[Value]) -> Value {
    if content.iter().all(|c| c.get("text").is_some()) {
        return Value::String(content.iter().map(|c| text_at(c, "text")).collect());
    }
    match content {
        [one] if one.get("json").is_some() => one["json"].clone(),
        _ => Value::Array(content.to_vec()),
    }
}

/// The one output message of a Converse response body.
pub(crate) fn converse_output_messages(v: &Value) -> Option<Vec<OutputMessage>> {
    let message = v.get("output")?.get("message")?;
    Some(vec![OutputMessage::new(
        str_at(message, "role").unwrap_or(Cow::Borrowed("assistant")),
        blocks(message),
        v.get("stopReason").and_then(Value::as_str),
    )])
}
