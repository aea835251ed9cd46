//! The conventions' content model: messages, parts, tool definitions
//! (`gen-ai-input-messages.json`, `gen-ai-output-messages.json`,
//! `gen-ai-system-instructions.json`, `gen-ai-tool-definitions.json` of the
//! GenAI semantic conventions), serialized in exactly their JSON shape.

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// One message sent to the model (`gen_ai.input.messages`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InputMessage {
    /// `system`, `user`, `assistant`, `tool`, or the provider's own role.
    pub role: String,
    /// The content, in order.
    pub parts: Vec<Part>,
    /// The participant's name, when the provider has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl InputMessage {
    /// A message of `role` made of `parts`.
    pub fn new(role: impl Into<String>, parts: Vec<Part>) -> Self {
        InputMessage {
            role: role.into(),
            parts,
            name: None,
        }
    }
}

/// One choice the model returned (`gen_ai.output.messages`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutputMessage {
    /// Usually `assistant`.
    pub role: String,
    /// The content, in order.
    pub parts: Vec<Part>,
    /// The participant's name, when the provider has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Why generation stopped: `stop`, `length`, `content_filter`,
    /// `tool_call`, `error`, or the provider's own reason (see
    /// [`normalize_finish_reason`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
}

impl OutputMessage {
    /// A message of `role` made of `parts`, ended for `finish_reason`
    /// (normalized with [`normalize_finish_reason`]).
    pub fn new(role: impl Into<String>, parts: Vec<Part>, finish_reason: Option<&str>) -> Self {
        OutputMessage {
            role: role.into(),
            parts,
            name: None,
            finish_reason: finish_reason.map(|r| normalize_finish_reason(r).into_owned()),
        }
    }
}

/// One part of a message or of the system instructions.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Part {
    /// `{"type": "text", "content"}`.
    Text {
        /// The text.
        content: String,
    },
    /// `{"type": "tool_call", "id", "name", "arguments"}`: the model asks
    /// for a tool.
    ToolCall {
        /// The call's id.
        id: Option<String>,
        /// The tool's name.
        name: String,
        /// The arguments, as an object when they are JSON (`null`: none).
        arguments: Value,
    },
    /// `{"type": "tool_call_response", "id", "response"}`: a tool's result
    /// sent back.
    ToolCallResponse {
        /// The id of the call answered.
        id: Option<String>,
        /// The result.
        response: Value,
    },
    /// `{"type": "reasoning", "content"}`: the model's thinking.
    Reasoning {
        /// The reasoning text.
        content: String,
    },
    /// `{"type": "blob", "mime_type", "modality", "content"}`: inline data,
    /// `content` in base64.
    Blob {
        /// IANA MIME type.
        mime_type: Option<String>,
        /// `image`, `video`, `audio` or `document`.
        modality: String,
        /// The data, base64-encoded.
        content: String,
    },
    /// `{"type": "uri", "mime_type", "modality", "uri"}`: data by reference.
    Uri {
        /// IANA MIME type.
        mime_type: Option<String>,
        /// `image`, `video`, `audio` or `document`.
        modality: String,
        /// Where the data is.
        uri: String,
    },
    /// `{"type": "file", "mime_type", "modality", "file_id"}`: a file uploaded
    /// to the provider.
    File {
        /// IANA MIME type.
        mime_type: Option<String>,
        /// `image`, `video`, `audio` or `document`.
        modality: String,
        /// The provider's file id.
        file_id: String,
    },
    /// Any other part, as an object with a `type` member (a provider's own
    /// kind of content, kept as the provider wrote it).
    Other(Map<String, Value>),
}

impl Part {
    /// A `text` part.
    pub fn text(content: impl Into<String>) -> Part {
        Part::Text {
            content: content.into(),
        }
    }

    /// A `reasoning` part.
    pub fn reasoning(content: impl Into<String>) -> Part {
        Part::Reasoning {
            content: content.into(),
        }
    }

    /// A `tool_call` part; `arguments` given as text are parsed when they are
    /// JSON (see [`Part::tool_call_text`]).
    pub fn tool_call(id: Option<String>, name: impl Into<String>, arguments: Value) -> Part {
        Part::ToolCall {
            id,
            name: name.into(),
            arguments,
        }
    }

    /// A `tool_call` part from arguments written as JSON text (OpenAI's
    /// style): recorded as the JSON they hold, or as the text when it is not
    /// JSON.
    pub fn tool_call_text(id: Option<String>, name: impl Into<String>, arguments: &str) -> Part {
        Part::tool_call(id, name, arguments_value(arguments))
    }

    /// A `tool_call_response` part.
    pub fn tool_call_response(id: Option<String>, response: Value) -> Part {
        Part::ToolCallResponse { id, response }
    }

    /// A provider's own part, typed `kind`, with `fields` beside `type`.
    pub fn other(kind: &str, fields: Map<String, Value>) -> Part {
        let mut map = Map::with_capacity(fields.len() + 1);
        map.insert("type".to_owned(), Value::String(kind.to_owned()));
        map.extend(fields.into_iter().filter(|(k, _)| k != "type"));
        Part::Other(map)
    }

    /// A part for an image, audio, video or document URL: a `blob` for a
    /// `data:` URL, a `uri` otherwise.
    pub fn from_url(url: &str, modality_hint: Option<&str>) -> Part {
        match data_url(url) {
            Some((mime, data)) => Part::Blob {
                modality: modality_hint.map_or_else(|| modality(mime).to_owned(), str::to_owned),
                mime_type: Some(mime.to_owned()).filter(|m| !m.is_empty()),
                content: data.to_owned(),
            },
            None => Part::Uri {
                mime_type: None,
                modality: modality_hint.unwrap_or("image").to_owned(),
                uri: url.to_owned(),
            },
        }
    }
}

impl Serialize for Part {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let media = |map: &mut S::SerializeMap,
                     kind: &str,
                     mime_type: &Option<String>,
                     modality: &str|
         -> Result<(), S::Error> {
            map.serialize_entry("type", kind)?;
            if let Some(mime) = mime_type {
                map.serialize_entry("mime_type", mime)?;
            }
            map.serialize_entry("modality", modality)
        };
        match self {
            Part::Text { content } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("type", "text")?;
                map.serialize_entry("content", content)?;
                map.end()
            }
            Part::Reasoning { content } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("type", "reasoning")?;
                map.serialize_entry("content", content)?;
                map.end()
            }
            Part::ToolCall {
                id,
                name,
                arguments,
            } => {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("type", "tool_call")?;
                if let Some(id) = id {
                    map.serialize_entry("id", id)?;
                }
                map.serialize_entry("name", name)?;
                if !arguments.is_null() {
                    map.serialize_entry("arguments", arguments)?;
                }
                map.end()
            }
            Part::ToolCallResponse { id, response } => {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("type", "tool_call_response")?;
                if let Some(id) = id {
                    map.serialize_entry("id", id)?;
                }
                map.serialize_entry("response", response)?;
                map.end()
            }
            Part::Blob {
                mime_type,
                modality,
                content,
            } => {
                let mut map = serializer.serialize_map(None)?;
                media(&mut map, "blob", mime_type, modality)?;
                map.serialize_entry("content", content)?;
                map.end()
            }
            Part::Uri {
                mime_type,
                modality,
                uri,
            } => {
                let mut map = serializer.serialize_map(None)?;
                media(&mut map, "uri", mime_type, modality)?;
                map.serialize_entry("uri", uri)?;
                map.end()
            }
            Part::File {
                mime_type,
                modality,
                file_id,
            } => {
                let mut map = serializer.serialize_map(None)?;
                media(&mut map, "file", mime_type, modality)?;
                map.serialize_entry("file_id", file_id)?;
                map.end()
            }
            Part::Other(map) => map.serialize(serializer),
        }
    }
}

/// One tool offered to the model (`gen_ai.tool.definitions`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ToolDefinition {
    /// `function`, or the provider's kind of built-in tool.
    #[serde(rename = "type")]
    pub kind: String,
    /// The tool's name.
    pub name: String,
    /// What the tool does (recorded only with tool definition details on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON Schema of its arguments (recorded only with tool definition
    /// details on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
}

impl ToolDefinition {
    /// A `function` tool.
    pub fn function(
        name: impl Into<String>,
        description: Option<String>,
        parameters: Option<Value>,
    ) -> Self {
        ToolDefinition {
            kind: "function".to_owned(),
            name: name.into(),
            description,
            parameters: parameters.filter(|p| !p.is_null()),
        }
    }

    /// A built-in tool of the provider (`web_search`, `code_interpreter`, ...).
    pub fn builtin(kind: impl Into<String>, name: impl Into<String>) -> Self {
        ToolDefinition {
            kind: kind.into(),
            name: name.into(),
            description: None,
            parameters: None,
        }
    }

    pub(crate) fn without_details(self) -> Self {
        ToolDefinition {
            description: None,
            parameters: None,
            ..self
        }
    }
}

/// The content a request carries, for the opt-in content attributes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestContent {
    /// The chat history, in the order sent (system messages of the history
    /// included).
    pub input_messages: Vec<InputMessage>,
    /// Instructions given apart from the history (Anthropic's `system`,
    /// Gemini's `systemInstruction`, the Responses API's `instructions`).
    pub system_instructions: Vec<Part>,
    /// The tools offered.
    pub tool_definitions: Vec<ToolDefinition>,
}

impl RequestContent {
    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.input_messages.is_empty()
            && self.system_instructions.is_empty()
            && self.tool_definitions.is_empty()
    }
}

/// The conventions' finish reason for a provider's: `stop`, `length`,
/// `content_filter`, `tool_call` or `error` where one of them is meant (any
/// case), the provider's own reason otherwise.
///
/// ```
/// use llm_trace::content::normalize_finish_reason;
/// assert_eq!(normalize_finish_reason("tool_calls"), "tool_call"); // OpenAI
/// assert_eq!(normalize_finish_reason("end_turn"), "stop"); // Anthropic, Bedrock
/// assert_eq!(normalize_finish_reason("MAX_TOKENS"), "length"); // Gemini, Cohere
/// assert_eq!(normalize_finish_reason("pause_turn"), "pause_turn");
/// ```
pub fn normalize_finish_reason(reason: &str) -> Cow<'_, str> {
    let normal = match reason.to_ascii_lowercase().as_str() {
        "stop" | "end_turn" | "stop_sequence" | "complete" | "completed" | "finish_reason_stop" => {
            "stop"
        }
        "length" | "max_tokens" | "max_output_tokens" | "model_context_window_exceeded" => "length",
        "tool_calls" | "tool_call" | "tool_use" | "function_call" => "tool_call",
        "content_filter"
        | "content_filtered"
        | "safety"
        | "recitation"
        | "blocklist"
        | "prohibited_content"
        | "spii"
        | "refusal"
        | "guardrail_intervened"
        | "image_safety" => "content_filter",
        "error" | "failed" => "error",
        _ => return Cow::Borrowed(reason),
    };
    Cow::Borrowed(normal)
}

/// Tool call arguments written as JSON text: the JSON they hold, or the text
/// itself when it is not JSON (a stream cut short, a model's slip).
pub(crate) fn arguments_value(arguments: &str) -> Value {
    if arguments.trim().is_empty() {
        return Value::Null;
    }
    serde_json::from_str(arguments).unwrap_or_else(|_| Value::String(arguments.to_owned()))
}

/// `data:<mime>;base64,<data>` → (mime, data).
pub(crate) fn data_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let mime = meta.strip_suffix(";base64")?;
    Some((mime, data))
}

/// The conventions' modality of a MIME type.
pub(crate) fn modality(mime: &str) -> &'static str {
    let top = mime.split('/').next().unwrap_or("");
    match top {
        "image" => "image",
        "audio" => "audio",
        "video" => "video",
        _ => "document",
    }
}
