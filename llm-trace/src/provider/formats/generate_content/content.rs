//! The content of `generateContent` bodies in the conventions' model, for
//! opt-in content capture.

use serde_json::Value;

use crate::model::value::{array_at, string_at, text_at};
use crate::model::{self as content, InputMessage, OutputMessage, RequestContent, ToolDefinition};

/// The member `camel` (as the API documents it), or `snake` (which the REST
/// API accepts too).
fn member<'a>(v: &'a Value, camel: &str, snake: &str) -> Option<&'a Value> {
    v.get(camel).or_else(|| v.get(snake))
}

/// The content of a `generateContent` request body: `systemInstruction` as
/// system instructions, `contents` (the `model` role as `assistant`), the
/// function declarations of `tools` and the built-in tools by name.
pub(crate) fn request_content(body: &Value) -> Option<RequestContent> {
    let contents = body.get("contents")?.as_array()?;
    let system = member(body, "systemInstruction", "system_instruction");
    let mut tool_definitions = Vec::new();
    for tool in array_at(body, "tools") {
        let Some(tool) = tool.as_object() else {
            continue;
        };
        for (kind, spec) in tool {
            if kind == "functionDeclarations" || kind == "function_declarations" {
                let declarations = spec.as_array().map(Vec::as_slice).unwrap_or(&[]);
                tool_definitions.extend(declarations.iter().map(|d| {
                    ToolDefinition::function(
                        text_at(d, "name"),
                        string_at(d, "description"),
                        member(d, "parameters", "parameters")
                            .or_else(|| member(d, "parametersJsonSchema", "parameters_json_schema"))
                            .cloned(),
                    )
                }));
            } else {
                tool_definitions.push(ToolDefinition::builtin(kind, kind));
            }
        }
    }
    Some(RequestContent {
        input_messages: contents
            .iter()
            .map(|c| InputMessage::new(role(c), parts(c)))
            .collect(),
        system_instructions: system.map(parts).unwrap_or_default(),
        tool_definitions,
    })
}

/// The conventions' role of a content: Gemini's `model` is `assistant`.
fn role(content: &Value) -> String {
    match content.get("role").and_then(Value::as_str) {
        Some("model") => "assistant".to_owned(),
        Some(role) => role.to_owned(),
        None => "user".to_owned(),
    }
}

/// The parts of a content (a system instruction may also be a bare string).
fn parts(content: &Value) -> Vec<content::Part> {
    if let Some(text) = content.as_str() {
        return vec![content::Part::text(text)];
    }
    array_at(content, "parts").iter().filter_map(part).collect()
}

fn part(p: &Value) -> Option<content::Part> {
    use content::Part as P;
    if let Some(text) = p.get("text").and_then(Value::as_str) {
        return Some(if p.get("thought").and_then(Value::as_bool) == Some(true) {
            P::reasoning(text)
        } else {
            P::text(text)
        });
    }
    if let Some(call) = member(p, "functionCall", "function_call") {
        return Some(P::tool_call(
            string_at(call, "id"),
            text_at(call, "name"),
            call.get("args").cloned().unwrap_or(Value::Null),
        ));
    }
    if let Some(response) = member(p, "functionResponse", "function_response") {
        return Some(P::tool_call_response(
            string_at(response, "id"),
            response.get("response").cloned().unwrap_or(Value::Null),
        ));
    }
    if let Some(data) = member(p, "inlineData", "inline_data") {
        let mime = member(data, "mimeType", "mime_type").and_then(Value::as_str);
        return Some(P::Blob {
            mime_type: mime.map(str::to_owned),
            modality: content::modality(mime.unwrap_or("")).to_owned(),
            content: text_at(data, "data").to_owned(),
        });
    }
    if let Some(file) = member(p, "fileData", "file_data") {
        let mime = member(file, "mimeType", "mime_type").and_then(Value::as_str);
        return Some(P::Uri {
            mime_type: mime.map(str::to_owned),
            modality: content::modality(mime.unwrap_or("")).to_owned(),
            uri: member(file, "fileUri", "file_uri")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
        });
    }
    // executableCode, codeExecutionResult, ...: the part's one member, by name.
    let map = p.as_object()?;
    let (kind, fields) = map.iter().find(|(k, _)| k.as_str() != "thoughtSignature")?;
    let mut fields = fields.as_object().cloned().unwrap_or_default();
    fields.remove("type");
    Some(P::other(kind, fields))
}

/// One output message per candidate, in order.
pub(crate) fn output_messages(v: &Value) -> Option<Vec<OutputMessage>> {
    let candidates = v.get("candidates")?.as_array()?;
    Some(
        candidates
            .iter()
            .map(|c| {
                let content = c.get("content").unwrap_or(&Value::Null);
                OutputMessage::new(
                    if content.get("role").is_some() {
                        role(content)
                    } else {
                        "assistant".to_owned()
                    },
                    parts(content),
                    member(c, "finishReason", "finish_reason").and_then(Value::as_str),
                )
            })
            .collect(),
    )
}
