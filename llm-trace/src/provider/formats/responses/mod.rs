//! OpenAI Responses API (`POST /v1/responses`), as served by OpenAI and by
//! Azure OpenAI.
//!
//! [`ResponseRequest`] and [`Response`] hold what a call needs and what
//! instrumentation reads; unknown fields are ignored on input (and kept in
//! [`ResponseRequest::extra`] for requests, and as JSON in
//! [`OutputItem::Other`] for output items this module does not model). They
//! describe calls for every [`OpenAiCompatible`](crate::provider::OpenAiCompatible) provider.
//!
//! # Normalization
//!
//! - `usage.input_tokens` already includes `input_tokens_details.cached_tokens`
//!   (and `cache_write_tokens`, where reported), and `usage.output_tokens`
//!   already includes `output_tokens_details.reasoning_tokens`: they map onto
//!   the GenAI conventions unchanged. A `usage` without any count gives no
//!   usage.
//! - Tool calls are the `function_call` output items: `gen_ai.tool.call.id` is
//!   their `call_id` (the id a `function_call_output` answers), not the item
//!   `id`. Built-in tools OpenAI runs itself (web search, file search, ...)
//!   are not tool calls of the caller.
//! - The API has no per-choice finish reason, so one is derived from
//!   `status`:
//!
//!   | `status`     | finish reason                                                        |
//!   |--------------|----------------------------------------------------------------------|
//!   | `completed`  | `tool_calls` when the output has a `function_call`, else `stop`      |
//!   | `incomplete` | `incomplete_details.reason` (`max_output_tokens`, `content_filter`), else `incomplete` |
//!   | `failed`, `cancelled` | the status itself                                           |
//!   | other or absent (`in_progress`, `queued`) | none                                    |
//!
//!   `stop` and `tool_calls` are the values Chat Completions reports for the
//!   same outcomes, so both APIs aggregate together.
//!
//! Request facts: `gen_ai.request.max_tokens` is `max_output_tokens`, and
//! `gen_ai.output.type` is `json` for a `text.format.type` of `json_schema` or
//! `json_object`, `text` for `text`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::value::{
    array_at, bool_at, f64_at, other_part, str_at, string_at, text_at, u64_at,
};
use crate::model::{self as content, InputMessage, Part, RequestContent, ToolDefinition};
use crate::provider::wire::stream_error;
use crate::provider::{RequestInfo, ResponseInfo, StreamFacts, ToolCall, Usage};

/// A Responses API request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseRequest {
    /// Model id (`gpt-4.1`, `o4-mini`, ...); on Azure, the deployment name.
    pub model: String,
    /// Text, or an array of input items (messages, function call outputs, ...).
    pub input: ResponseInput,
    /// A system (developer) message inserted before the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling mass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Output token limit, reasoning tokens included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u64>,
    /// Tool definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    /// `auto`, `none`, `required`, or a specific tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    /// Text output configuration (plain text or structured JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextConfig>,
    /// Reasoning configuration of reasoning models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<ReasoningConfig>,
    /// Stream the answer as server-sent events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// The response this one continues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_response_id: Option<String>,
    /// Whether OpenAI stores the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<bool>,
    /// Every other request field, passed through as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ResponseRequest {
    /// A request for `model` with `input` and nothing else set.
    pub fn new(model: impl Into<String>, input: impl Into<ResponseInput>) -> Self {
        ResponseRequest {
            model: model.into(),
            input: input.into(),
            ..ResponseRequest::default()
        }
    }
}

/// `input`: text, or input items kept as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResponseInput {
    /// A single user message.
    Text(String),
    /// Messages, earlier output items and function call outputs.
    Items(Vec<Value>),
}

impl Default for ResponseInput {
    fn default() -> Self {
        ResponseInput::Items(Vec::new())
    }
}

impl From<String> for ResponseInput {
    fn from(text: String) -> Self {
        ResponseInput::Text(text)
    }
}

impl From<&str> for ResponseInput {
    fn from(text: &str) -> Self {
        ResponseInput::Text(text.to_owned())
    }
}

impl From<Vec<Value>> for ResponseInput {
    fn from(items: Vec<Value>) -> Self {
        ResponseInput::Items(items)
    }
}

/// `text`: the text output configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TextConfig {
    /// The output format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
    /// Other fields (`verbosity`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `text.format`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TextFormat {
    /// `text`, `json_schema` or `json_object`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Other fields (`name`, `schema`, `strict` of `json_schema`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `reasoning`: the reasoning configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReasoningConfig {
    /// `minimal`, `low`, `medium` or `high`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    /// `auto`, `concise` or `detailed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A Responses API response body (the `response` object).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Response {
    /// Response id (`resp_...`).
    pub id: String,
    /// `response`.
    pub object: String,
    /// Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<u64>,
    /// The model that answered.
    pub model: String,
    /// `completed`, `incomplete`, `failed`, `cancelled`, `in_progress` or `queued`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The generated items, in order.
    pub output: Vec<OutputItem>,
    /// Why an `incomplete` response stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete_details: Option<IncompleteDetails>,
    /// Why a `failed` response failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ResponseError>,
    /// Token usage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<ResponseUsage>,
    /// The service tier that served the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
}

impl Response {
    /// The text of every `output_text` part of every message, concatenated
    /// (what the SDKs call `output_text`).
    pub fn output_text(&self) -> String {
        self.output
            .iter()
            .filter_map(|item| match item {
                OutputItem::Message(m) => Some(&m.content),
                _ => None,
            })
            .flatten()
            .filter_map(|part| match part {
                OutputContent::OutputText { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The function calls the model asked for, in order.
    pub fn function_calls(&self) -> impl Iterator<Item = &FunctionCallItem> {
        self.output.iter().filter_map(|item| match item {
            OutputItem::FunctionCall(call) => Some(call),
            _ => None,
        })
    }
}

/// One item of `output`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputItem {
    /// `message`: an assistant message.
    Message(OutputMessage),
    /// `function_call`: a call of one of the request's functions.
    FunctionCall(FunctionCallItem),
    /// `reasoning`: a reasoning model's reasoning.
    Reasoning(ReasoningItem),
    /// Any other item (built-in tool calls, ...), or one of the above that
    /// does not have the expected shape, as JSON.
    #[serde(untagged)]
    Other(Value),
}

/// A `message` output item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutputMessage {
    /// Item id (`msg_...`).
    pub id: String,
    /// `assistant`.
    pub role: String,
    /// `completed`, `incomplete` or `in_progress`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The message's parts.
    pub content: Vec<OutputContent>,
}

/// One part of a `message`'s content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputContent {
    /// `output_text`: generated text.
    OutputText {
        /// The text.
        #[serde(default)]
        text: String,
        /// Citations and other annotations.
        #[serde(default)]
        annotations: Vec<Value>,
    },
    /// `refusal`: the model declined.
    Refusal {
        /// The refusal's explanation.
        #[serde(default)]
        refusal: String,
    },
    /// Any other part, as JSON.
    #[serde(untagged)]
    Other(Value),
}

/// A `function_call` output item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FunctionCallItem {
    /// Item id (`fc_...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Call id (`call_...`), echoed by the `function_call_output` that answers it.
    pub call_id: String,
    /// Function name.
    pub name: String,
    /// Arguments as a JSON string.
    pub arguments: String,
    /// `completed`, `incomplete` or `in_progress`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A `reasoning` output item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReasoningItem {
    /// Item id (`rs_...`).
    pub id: String,
    /// Reasoning summary parts (`{"type": "summary_text", "text": ...}`).
    pub summary: Vec<Value>,
    /// The reasoning, encrypted, when requested with `include`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encrypted_content: Option<String>,
}

/// `incomplete_details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IncompleteDetails {
    /// `max_output_tokens` or `content_filter`.
    pub reason: Option<String>,
}

/// `error` of a failed response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResponseError {
    /// Error code (`server_error`, `rate_limit_exceeded`, ...).
    pub code: Option<String>,
    /// Human-readable description.
    pub message: Option<String>,
}

/// `usage` of a response. The counts are optional so that a body without
/// them reports no usage rather than zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResponseUsage {
    /// Input tokens, cached ones included.
    pub input_tokens: Option<u64>,
    /// Breakdown of the input tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens_details: Option<InputTokensDetails>,
    /// Output tokens, reasoning included.
    pub output_tokens: Option<u64>,
    /// Breakdown of the output tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens_details: Option<OutputTokensDetails>,
    /// Sum of the two.
    pub total_tokens: Option<u64>,
}

/// `usage.input_tokens_details`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InputTokensDetails {
    /// Input tokens read from the prompt cache.
    pub cached_tokens: Option<u64>,
    /// Input tokens written to the prompt cache, where reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_tokens: Option<u64>,
}

/// `usage.output_tokens_details`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutputTokensDetails {
    /// Reasoning tokens (included in `output_tokens`).
    pub reasoning_tokens: Option<u64>,
}

impl From<ResponseUsage> for Usage {
    fn from(u: ResponseUsage) -> Usage {
        Usage {
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
            cache_read_input_tokens: u.input_tokens_details.and_then(|d| d.cached_tokens),
            cache_write_input_tokens: u.input_tokens_details.and_then(|d| d.cache_write_tokens),
            reasoning_output_tokens: u.output_tokens_details.and_then(|d| d.reasoning_tokens),
            ..Usage::default()
        }
    }
}

/// `Some(usage)` unless it holds no count at all.
fn some_usage(usage: Usage) -> Option<Usage> {
    Some(usage).filter(|u| *u != Usage::default())
}

/// The one finish reason of a response (see the module documentation).
pub(crate) fn finish_reason<'a>(
    status: Option<&'a str>,
    incomplete_reason: Option<&'a str>,
    has_function_calls: bool,
) -> Option<&'a str> {
    match status? {
        "completed" if has_function_calls => Some("tool_calls"),
        "completed" => Some("stop"),
        "incomplete" => Some(incomplete_reason.unwrap_or("incomplete")),
        s @ ("failed" | "cancelled") => Some(s),
        _ => None,
    }
}

/// `gen_ai.output.type` from a `text.format.type`.
fn output_type(kind: &str) -> Option<Cow<'static, str>> {
    match kind {
        "json_schema" | "json_object" => Some(Cow::Borrowed("json")),
        "text" => Some(Cow::Borrowed("text")),
        _ => None,
    }
}

/// A Responses API request as its facts read it: the typed body and a raw
/// [`Value`] alike (field access only, borrowed).
pub(crate) trait RequestView {
    /// `model` (the typed body leaves an empty one out).
    fn model(&self) -> Option<&str>;
    /// `temperature` and `top_p`.
    fn sampling(&self) -> [Option<f64>; 2];
    /// `max_output_tokens`.
    fn max_output_tokens(&self) -> Option<u64>;
    /// `stream`.
    fn stream(&self) -> Option<bool>;
    /// `text.format.type`.
    fn text_format(&self) -> Option<&str>;
    /// `service_tier` (for the vendor's attributes).
    fn service_tier(&self) -> Option<Cow<'_, str>>;
}

impl RequestView for ResponseRequest {
    fn model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }
    fn sampling(&self) -> [Option<f64>; 2] {
        [self.temperature, self.top_p]
    }
    fn max_output_tokens(&self) -> Option<u64> {
        self.max_output_tokens
    }
    fn stream(&self) -> Option<bool> {
        self.stream
    }
    fn text_format(&self) -> Option<&str> {
        Some(self.text.as_ref()?.format.as_ref()?.kind.as_str())
    }
    /// Kept in [`ResponseRequest::extra`].
    fn service_tier(&self) -> Option<Cow<'_, str>> {
        self.extra
            .get("service_tier")
            .and_then(Value::as_str)
            .map(Cow::Borrowed)
    }
}

/// A raw body: a field of the wrong type reads as absent.
impl RequestView for Value {
    fn model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }
    fn sampling(&self) -> [Option<f64>; 2] {
        [f64_at(self, "temperature"), f64_at(self, "top_p")]
    }
    fn max_output_tokens(&self) -> Option<u64> {
        u64_at(self, "max_output_tokens")
    }
    fn stream(&self) -> Option<bool> {
        bool_at(self, "stream")
    }
    fn text_format(&self) -> Option<&str> {
        self.get("text")?.get("format")?.get("type")?.as_str()
    }
    fn service_tier(&self) -> Option<Cow<'_, str>> {
        str_at(self, "service_tier")
    }
}

/// The facts of a request, but the vendor's attributes.
pub(crate) fn request_info<V: RequestView + ?Sized>(r: &V) -> RequestInfo<'_> {
    let [temperature, top_p] = r.sampling();
    RequestInfo {
        model: r.model().map(Cow::Borrowed),
        temperature,
        top_p,
        max_tokens: r.max_output_tokens(),
        stream: r.stream(),
        output_type: r.text_format().and_then(output_type),
        ..RequestInfo::default()
    }
}

/// A Responses API response as its facts read it: the typed body and a raw
/// [`Value`] alike.
pub(crate) trait ResponseView {
    /// `id` (the typed body leaves an empty one out).
    fn id(&self) -> Option<&str>;
    /// `model` (the typed body leaves an empty one out).
    fn model(&self) -> Option<&str>;
    /// `status`.
    fn status(&self) -> Option<&str>;
    /// `incomplete_details.reason`.
    fn incomplete_reason(&self) -> Option<&str>;
    /// The `function_call` output items, as tool calls (`call_id`, `name`).
    fn tool_calls(&self) -> Vec<ToolCall<'_>>;
    /// The counts of `usage`, when it is an object.
    fn counts(&self) -> Option<Usage>;
    /// `service_tier` (for the vendor's attributes).
    fn service_tier(&self) -> Option<&str>;
}

impl ResponseView for Response {
    fn id(&self) -> Option<&str> {
        Some(self.id.as_str()).filter(|s| !s.is_empty())
    }
    fn model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|s| !s.is_empty())
    }
    fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }
    fn incomplete_reason(&self) -> Option<&str> {
        self.incomplete_details.as_ref()?.reason.as_deref()
    }
    fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        self.function_calls()
            .filter(|c| !c.name.is_empty())
            .map(|c| {
                let id = Some(c.call_id.as_str()).filter(|id| !id.is_empty());
                ToolCall::new(id, c.name.as_str())
            })
            .collect()
    }
    fn counts(&self) -> Option<Usage> {
        self.usage.map(Usage::from)
    }
    fn service_tier(&self) -> Option<&str> {
        self.service_tier.as_deref()
    }
}

/// A raw body: a field of the wrong type reads as absent.
impl ResponseView for Value {
    fn id(&self) -> Option<&str> {
        self.get("id")?.as_str()
    }
    fn model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }
    fn status(&self) -> Option<&str> {
        self.get("status")?.as_str()
    }
    fn incomplete_reason(&self) -> Option<&str> {
        self.get("incomplete_details")?.get("reason")?.as_str()
    }
    fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        array_at(self, "output")
            .iter()
            .filter(|item| item.get("type").and_then(Value::as_str) == Some("function_call"))
            .filter_map(|item| {
                Some(ToolCall {
                    id: str_at(item, "call_id"),
                    name: str_at(item, "name")?,
                })
            })
            .collect()
    }
    fn counts(&self) -> Option<Usage> {
        let u = self.get("usage").filter(|u| u.is_object())?;
        let details = |key: &str, field: &str| u.get(key).and_then(|d| u64_at(d, field));
        Some(Usage {
            input_tokens: u64_at(u, "input_tokens"),
            output_tokens: u64_at(u, "output_tokens"),
            cache_read_input_tokens: details("input_tokens_details", "cached_tokens"),
            cache_write_input_tokens: details("input_tokens_details", "cache_write_tokens"),
            reasoning_output_tokens: details("output_tokens_details", "reasoning_tokens"),
            ..Usage::default()
        })
    }
    fn service_tier(&self) -> Option<&str> {
        self.get("service_tier")?.as_str()
    }
}

/// The facts of a response, but the vendor's attributes.
pub(crate) fn response_info<V: ResponseView + ?Sized>(r: &V) -> ResponseInfo<'_> {
    let tool_calls = r.tool_calls();
    let reason = finish_reason(r.status(), r.incomplete_reason(), !tool_calls.is_empty());
    ResponseInfo {
        id: r.id().map(Cow::Borrowed),
        model: r.model().map(Cow::Borrowed),
        finish_reasons: reason.map(Cow::Borrowed).into_iter().collect(),
        usage: usage(r),
        tool_calls,
        ..ResponseInfo::default()
    }
}

/// The usage of a response: none unless `usage` holds a count.
pub(crate) fn usage<V: ResponseView + ?Sized>(r: &V) -> Option<Usage> {
    some_usage(r.counts()?)
}

/// Whether a raw JSON body is a Responses API response
/// (`"object": "response"`).
pub(crate) fn is_responses_body(v: &Value) -> bool {
    v.get("object").and_then(Value::as_str) == Some("response")
}

/// The facts of a raw Responses API response body, or `None` when `v` is not
/// one (see [`is_responses_body`]). Never panics, whatever the body holds.
pub(crate) fn responses_info(v: &Value) -> Option<ResponseInfo<'_>> {
    is_responses_body(v).then(|| response_info(v))
}

/// The usage of a raw Responses API response body: `None` when its `usage`
/// is absent, not an object, or holds no count.
pub(crate) fn responses_usage(v: &Value) -> Option<Usage> {
    usage(v)
}

/// The content of a Responses API request body: `instructions` as system
/// instructions, `input` (text, or items) as messages, `tools`.
pub(crate) fn responses_request_content(body: &Value) -> Option<RequestContent> {
    let input_messages = match body.get("input")? {
        Value::String(text) => vec![InputMessage::new("user", vec![Part::text(text.as_str())])],
        Value::Array(items) => items.iter().filter_map(input_item).collect(),
        _ => Vec::new(),
    };
    Some(RequestContent {
        input_messages,
        system_instructions: match body.get("instructions") {
            Some(Value::String(text)) => vec![Part::text(text.as_str())],
            _ => Vec::new(),
        },
        tool_definitions: array_at(body, "tools")
            .iter()
            .filter_map(tool_definition)
            .collect(),
    })
}

/// One `input` item as a message.
fn input_item(item: &Value) -> Option<InputMessage> {
    let kind = item
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("message");
    let (role, part) = match kind {
        "message" => {
            let role = item.get("role")?.as_str()?;
            let parts = match item.get("content") {
                Some(Value::String(text)) => vec![Part::text(text.as_str())],
                Some(Value::Array(parts)) => parts.iter().filter_map(content_part).collect(),
                _ => Vec::new(),
            };
            return Some(InputMessage::new(role, parts));
        }
        "function_call_output" | "custom_tool_call_output" => (
            "tool",
            Part::tool_call_response(
                string_at(item, "call_id"),
                item.get("output").cloned().unwrap_or(Value::Null),
            ),
        ),
        _ => ("assistant", output_part(item)?),
    };
    Some(InputMessage::new(role, vec![part]))
}

/// One part of a message's `content`, input or output.
fn content_part(p: &Value) -> Option<Part> {
    Some(match p.get("type")?.as_str()? {
        "input_text" | "output_text" | "text" => Part::text(text_at(p, "text")),
        "refusal" => Part::text(text_at(p, "refusal")),
        "input_image" => match (str_at(p, "image_url"), string_at(p, "file_id")) {
            (Some(url), _) => Part::from_url(&url, Some("image")),
            (None, Some(file_id)) => Part::File {
                mime_type: None,
                modality: "image".to_owned(),
                file_id,
            },
            (None, None) => return other_part(p),
        },
        "input_file" => {
            if let Some(file_id) = string_at(p, "file_id") {
                Part::File {
                    mime_type: None,
                    modality: "document".to_owned(),
                    file_id,
                }
            } else if let Some(data) = str_at(p, "file_data") {
                Part::from_url(&data, Some("document"))
            } else if let Some(url) = str_at(p, "file_url") {
                Part::from_url(&url, Some("document"))
            } else {
                return other_part(p);
            }
        }
        _ => return other_part(p),
    })
}

/// A non-message output item as a part: function calls, reasoning, and the
/// calls of tools the provider runs itself (`web_search_call`, ...) as
/// `server_tool_call` parts.
fn output_part(item: &Value) -> Option<Part> {
    Some(match item.get("type")?.as_str()? {
        "function_call" | "custom_tool_call" => Part::tool_call_text(
            string_at(item, "call_id"),
            text_at(item, "name"),
            str_at(item, "arguments")
                .or_else(|| str_at(item, "input"))
                .as_deref()
                .unwrap_or(""),
        ),
        "reasoning" => {
            let text: Vec<&str> = array_at(item, "summary")
                .iter()
                .chain(array_at(item, "content"))
                .map(|s| text_at(s, "text"))
                .filter(|t| !t.is_empty())
                .collect();
            if text.is_empty() {
                return None;
            }
            Part::reasoning(text.join("\n\n"))
        }
        kind if kind.ends_with("_call") => {
            let mut fields = Map::new();
            if let Some(id) = item.get("id") {
                fields.insert("id".to_owned(), id.clone());
            }
            fields.insert(
                "name".to_owned(),
                Value::String(kind.trim_end_matches("_call").to_owned()),
            );
            fields.insert("server_tool_call".to_owned(), item.clone());
            Part::other("server_tool_call", fields)
        }
        _ => return other_part(item),
    })
}

/// `{"type": "function", "name", "description", "parameters"}`; built-in
/// tools (`web_search`, `file_search`, ...) by their type.
fn tool_definition(t: &Value) -> Option<ToolDefinition> {
    let kind = t.get("type")?.as_str()?;
    Some(match kind {
        "function" => ToolDefinition::function(
            text_at(t, "name"),
            string_at(t, "description"),
            t.get("parameters").cloned(),
        ),
        _ => ToolDefinition {
            description: string_at(t, "description"),
            ..ToolDefinition::builtin(
                kind,
                str_at(t, "name")
                    .or_else(|| str_at(t, "server_label"))
                    .as_deref()
                    .unwrap_or(kind),
            )
        },
    })
}

/// The output message of a Responses API response body: the API returns one
/// answer, so every output item is a part of one assistant message.
pub(crate) fn responses_output_messages(v: &Value) -> Option<Vec<content::OutputMessage>> {
    let output = v.get("output")?.as_array()?;
    let mut parts = Vec::new();
    for item in output {
        if item.get("type").and_then(Value::as_str) == Some("message") {
            parts.extend(array_at(item, "content").iter().filter_map(content_part));
        } else if let Some(part) = output_part(item) {
            parts.push(part);
        }
    }
    let has_function_calls = output
        .iter()
        .any(|item| item.get("type").and_then(Value::as_str) == Some("function_call"));
    let reason = finish_reason(
        v.get("status").and_then(Value::as_str),
        v.get("incomplete_details")
            .and_then(|d| d.get("reason"))
            .and_then(Value::as_str),
        has_function_calls,
    );
    Some(vec![content::OutputMessage::new(
        "assistant",
        parts,
        reason,
    )])
}

/// Whether a raw JSON body is a Responses API request: an object with
/// `input`, without Chat Completions' `messages` and an embeddings request's
/// `encoding_format` and `dimensions`.
pub(crate) fn is_responses_request(v: &Value) -> bool {
    v.get("input").is_some()
        && v.get("messages").is_none()
        // Fields of an embeddings request only.
        && v.get("encoding_format").is_none()
        && v.get("dimensions").is_none()
}

/// The facts of a raw Responses API request body, or `None` when `v` is not
/// one (see [`is_responses_request`]).
pub(crate) fn responses_request_info(v: &Value) -> Option<RequestInfo<'_>> {
    is_responses_request(v).then(|| request_info(v))
}

/// One event of a streamed response (`"stream": true`). The facts come
/// from the events that carry the whole response: `response.created` (id and
/// model), `response.completed`, `response.incomplete` and `response.failed`
/// (status, output and usage); an `error` event fails the call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResponseStreamEvent {
    /// `response.created`, `response.output_text.delta`, `response.completed`, `error`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// The event's position in the stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    /// The response, in the events about the whole response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Response>,
    /// A piece of output text (`response.output_text.delta`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<String>,
    /// The error code of an `error` event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The error message of an `error` event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Observes a typed stream event; `info` gives the facts of the response
/// it carries (the vendor's attributes included).
pub(crate) fn observe_typed_event(
    event: &ResponseStreamEvent,
    stream: &mut StreamFacts,
    info: impl FnOnce(&Response) -> ResponseInfo<'_>,
) {
    if event.kind == "error" {
        let kind = event.code.clone().filter(|c| !c.is_empty());
        stream.__fail(
            Cow::Owned(kind.unwrap_or_else(|| "error".to_owned())),
            &event.message.as_deref().unwrap_or(""),
        );
        return;
    }
    if event.kind == "response.output_text.delta" {
        if let Some(delta) = &event.delta {
            stream.text(0, delta);
        }
    }
    let Some(response) = &event.response else {
        return;
    };
    stream.merge(info(response));
    if event.kind == "response.failed" {
        let error = response.error.as_ref();
        let kind = error.and_then(|e| e.code.clone()).filter(|c| !c.is_empty());
        stream.__fail(
            Cow::Owned(kind.unwrap_or_else(|| "response.failed".to_owned())),
            &error.and_then(|e| e.message.as_deref()).unwrap_or(""),
        );
    }
}

/// Observes a raw Responses stream event; `false` when `v` is not one.
pub(crate) fn observe_event(v: &Value, stream: &mut StreamFacts) -> bool {
    let Some(kind) = v.get("type").and_then(Value::as_str) else {
        return false;
    };
    if kind == "error" {
        stream_error(stream, v);
        return true;
    }
    if !kind.starts_with("response.") {
        return false;
    }
    if kind == "response.output_text.delta" {
        if let Some(delta) = v.get("delta").and_then(Value::as_str) {
            stream.text(0, delta);
        }
    }
    if let Some(response) = v.get("response") {
        if let Some(info) = responses_info(response) {
            stream.merge(info);
        }
        if kind == "response.failed" {
            match response.get("error").filter(|e| e.is_object()) {
                Some(error) => stream_error(stream, error),
                None => stream.__fail(Cow::Borrowed("response.failed"), &""),
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::provider::{AzureOpenAi, OpenAi, RequestFacts, ResponseFacts};

    /// Checks the typed facts for OpenAI and Azure, and the raw ones, against
    /// `expected`.
    fn check(body: &Value, expected: &ResponseInfo<'_>) {
        let typed: Response = serde_json::from_value(body.clone()).expect("typed body");
        // OpenAI itself adds `openai.api.type`; the rest is the same.
        let mut openai = ResponseFacts::<OpenAi>::response_info(&typed);
        assert_eq!(
            openai.provider_attributes,
            [(
                Cow::Borrowed(crate::semconv::OPENAI_API_TYPE),
                Cow::Borrowed("responses")
            )]
        );
        openai.provider_attributes.clear();
        assert_eq!(&openai, expected);
        assert_eq!(
            &ResponseFacts::<AzureOpenAi>::response_info(&typed),
            expected
        );
        assert_eq!(ResponseFacts::<OpenAi>::usage(&typed), expected.usage);
        assert_eq!(
            ResponseFacts::<OpenAi>::response_model(&typed),
            expected.model.as_deref()
        );
        assert_eq!(responses_info(body).as_ref(), Some(expected));
        assert_eq!(responses_usage(body), expected.usage);
    }

    // The response object example of the API reference ("Create a model
    // response", text input).
    #[test]
    fn plain_text() {
        let body = json!({
            "id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
            "object": "response",
            "created_at": 1741476542,
            "status": "completed",
            "error": null,
            "incomplete_details": null,
            "instructions": null,
            "max_output_tokens": null,
            "model": "gpt-4.1-2025-04-14",
            "output": [{
                "type": "message",
                "id": "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b",
                "status": "completed",
                "role": "assistant",
                "content": [{
                    "type": "output_text",
                    "text": "In a peaceful grove beneath a silver moon, a unicorn named Lumina discovered a hidden pool.",
                    "annotations": []
                }]
            }],
            "parallel_tool_calls": true,
            "previous_response_id": null,
            "reasoning": {"effort": null, "summary": null},
            "store": true,
            "temperature": 1.0,
            "text": {"format": {"type": "text"}},
            "tool_choice": "auto",
            "tools": [],
            "top_p": 1.0,
            "truncation": "disabled",
            "usage": {
                "input_tokens": 36,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 87,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 123
            },
            "user": null,
            "metadata": {}
        });
        check(
            &body,
            &ResponseInfo {
                id: Some("resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b".into()),
                model: Some("gpt-4.1-2025-04-14".into()),
                finish_reasons: vec!["stop".into()],
                usage: Some(Usage {
                    input_tokens: Some(36),
                    output_tokens: Some(87),
                    cache_read_input_tokens: Some(0),
                    cache_write_input_tokens: None,
                    reasoning_output_tokens: Some(0),
                    ..Usage::default()
                }),
                tool_calls: vec![],
                embeddings_dimension_count: None,
                provider_attributes: Vec::new(),
            },
        );
        let typed: Response = serde_json::from_value(body).unwrap();
        assert_eq!(
            typed.output_text(),
            "In a peaceful grove beneath a silver moon, a unicorn named Lumina discovered a hidden pool."
        );
    }

    // The function calling example of the API reference.
    #[test]
    fn function_call() {
        let body = json!({
            "id": "resp_67ca09c5efe0819096d0511c92b8c890096610f474011cc0",
            "object": "response",
            "created_at": 1741294021,
            "status": "completed",
            "error": null,
            "incomplete_details": null,
            "model": "gpt-4.1-2025-04-14",
            "output": [{
                "type": "function_call",
                "id": "fc_67ca09c6bedc8190a7abfec07b1a1332096610f474011cc0",
                "call_id": "call_unLAR8MvFNptuiZK6K6HCy5k",
                "name": "get_current_weather",
                "arguments": "{\"location\":\"Boston, MA\",\"unit\":\"celsius\"}",
                "status": "completed"
            }],
            "parallel_tool_calls": true,
            "tool_choice": "auto",
            "tools": [{
                "type": "function",
                "name": "get_current_weather",
                "description": "Get the current weather in a given location",
                "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
                "strict": true
            }],
            "usage": {
                "input_tokens": 291,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 23,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 314
            }
        });
        check(
            &body,
            &ResponseInfo {
                id: Some("resp_67ca09c5efe0819096d0511c92b8c890096610f474011cc0".into()),
                model: Some("gpt-4.1-2025-04-14".into()),
                finish_reasons: vec!["tool_calls".into()],
                usage: Some(Usage {
                    input_tokens: Some(291),
                    output_tokens: Some(23),
                    cache_read_input_tokens: Some(0),
                    reasoning_output_tokens: Some(0),
                    ..Usage::default()
                }),
                tool_calls: vec![ToolCall::new(
                    Some("call_unLAR8MvFNptuiZK6K6HCy5k"),
                    "get_current_weather",
                )],
                embeddings_dimension_count: None,
                provider_attributes: Vec::new(),
            },
        );
        let typed: Response = serde_json::from_value(body).unwrap();
        let call = typed.function_calls().next().unwrap();
        assert_eq!(
            call.arguments,
            r#"{"location":"Boston, MA","unit":"celsius"}"#
        );
        assert_eq!(typed.output_text(), "");
    }

    // A reasoning model answering from a cached prompt: a `reasoning` item,
    // then a message; cached and reasoning tokens are breakdowns.
    #[test]
    fn reasoning_with_cache() {
        let body = json!({
            "id": "resp_6820f382ee1c8191bc096bee70894d040ac5ba57aafcbac7",
            "object": "response",
            "created_at": 1746990978,
            "status": "completed",
            "model": "o4-mini-2025-04-16",
            "output": [
                {
                    "id": "rs_6820f383d7c08191846711c5df8233bc0ac5ba57aafcbac7",
                    "type": "reasoning",
                    "summary": [{"type": "summary_text", "text": "**Answering a simple question**"}]
                },
                {
                    "id": "msg_6820f3854688819187769ff582b170a60ac5ba57aafcbac7",
                    "type": "message",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "annotations": [], "text": "The capital of France is Paris."}]
                }
            ],
            "reasoning": {"effort": "medium", "summary": "detailed"},
            "text": {"format": {"type": "text"}},
            "usage": {
                "input_tokens": 1840,
                "input_tokens_details": {"cached_tokens": 1792},
                "output_tokens": 150,
                "output_tokens_details": {"reasoning_tokens": 128},
                "total_tokens": 1990
            }
        });
        check(
            &body,
            &ResponseInfo {
                id: Some("resp_6820f382ee1c8191bc096bee70894d040ac5ba57aafcbac7".into()),
                model: Some("o4-mini-2025-04-16".into()),
                finish_reasons: vec!["stop".into()],
                usage: Some(Usage {
                    input_tokens: Some(1840),
                    output_tokens: Some(150),
                    cache_read_input_tokens: Some(1792),
                    cache_write_input_tokens: None,
                    reasoning_output_tokens: Some(128),
                    ..Usage::default()
                }),
                tool_calls: vec![],
                embeddings_dimension_count: None,
                provider_attributes: Vec::new(),
            },
        );
        let typed: Response = serde_json::from_value(body).unwrap();
        assert!(matches!(&typed.output[0], OutputItem::Reasoning(r) if r.summary.len() == 1));
        assert_eq!(typed.output_text(), "The capital of France is Paris.");
    }

    // Stopped at `max_output_tokens` while reasoning: no message yet.
    #[test]
    fn incomplete_at_max_output_tokens() {
        let body = json!({
            "id": "resp_681d1c0a1c2c8190a4d3f5b8e9a0c1d2",
            "object": "response",
            "created_at": 1746738186,
            "status": "incomplete",
            "incomplete_details": {"reason": "max_output_tokens"},
            "max_output_tokens": 300,
            "model": "o4-mini-2025-04-16",
            "output": [{"id": "rs_681d1c0a9d7c8190", "type": "reasoning", "summary": []}],
            "usage": {
                "input_tokens": 42,
                "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                "output_tokens": 300,
                "output_tokens_details": {"reasoning_tokens": 300},
                "total_tokens": 342
            }
        });
        check(
            &body,
            &ResponseInfo {
                id: Some("resp_681d1c0a1c2c8190a4d3f5b8e9a0c1d2".into()),
                model: Some("o4-mini-2025-04-16".into()),
                finish_reasons: vec!["max_output_tokens".into()],
                usage: Some(Usage {
                    input_tokens: Some(42),
                    output_tokens: Some(300),
                    cache_read_input_tokens: Some(0),
                    cache_write_input_tokens: Some(0),
                    reasoning_output_tokens: Some(300),
                    ..Usage::default()
                }),
                tool_calls: vec![],
                embeddings_dimension_count: None,
                provider_attributes: Vec::new(),
            },
        );
    }

    #[test]
    fn finish_reasons_of_every_status() {
        let reasons = |status: Value, details: Value, output: Value| {
            let body = json!({"object": "response", "status": status,
                              "incomplete_details": details, "output": output});
            let raw: Vec<String> = responses_info(&body)
                .unwrap()
                .finish_reasons
                .into_iter()
                .map(Cow::into_owned)
                .collect();
            let typed: Response = serde_json::from_value(body).unwrap();
            let typed_reasons: Vec<String> = ResponseFacts::<OpenAi>::response_info(&typed)
                .finish_reasons
                .into_iter()
                .map(Cow::into_owned)
                .collect();
            assert_eq!(raw, typed_reasons);
            raw
        };
        let none = Value::Null;
        let empty = json!([]);
        assert_eq!(
            reasons(json!("completed"), none.clone(), empty.clone()),
            ["stop"]
        );
        assert_eq!(
            reasons(
                json!("incomplete"),
                json!({"reason": "content_filter"}),
                empty.clone()
            ),
            ["content_filter"]
        );
        assert_eq!(
            reasons(json!("incomplete"), none.clone(), empty.clone()),
            ["incomplete"]
        );
        assert_eq!(
            reasons(json!("failed"), none.clone(), empty.clone()),
            ["failed"]
        );
        assert_eq!(
            reasons(json!("cancelled"), none.clone(), empty.clone()),
            ["cancelled"]
        );
        assert!(reasons(json!("in_progress"), none.clone(), empty.clone()).is_empty());
        assert!(reasons(json!("queued"), none.clone(), empty.clone()).is_empty());
        assert!(reasons(none.clone(), none.clone(), empty).is_empty());
        // Built-in tool calls are not the caller's tool calls.
        assert_eq!(
            reasons(
                json!("completed"),
                none,
                json!([{"type": "web_search_call", "id": "ws_1", "status": "completed"}])
            ),
            ["stop"]
        );
    }

    #[test]
    fn request_facts_typed_and_raw() {
        let body = json!({
            "model": "gpt-4.1",
            "instructions": "Talk like a pirate.",
            "input": [{"role": "user", "content": "Are semicolons optional in JavaScript?"}],
            "temperature": 0.2,
            "top_p": 0.9,
            "max_output_tokens": 512,
            "stream": true,
            "reasoning": {"effort": "low"},
            "text": {"format": {"type": "json_schema", "name": "answer", "strict": true,
                                "schema": {"type": "object"}}},
            "tools": [{"type": "function", "name": "lookup", "parameters": {}}],
            "metadata": {"team": "a"}
        });
        let expected = RequestInfo {
            model: Some("gpt-4.1".into()),
            temperature: Some(0.2),
            top_p: Some(0.9),
            max_tokens: Some(512),
            stream: Some(true),
            output_type: Some("json".into()),
            ..RequestInfo::default()
        };
        assert_eq!(responses_request_info(&body), Some(expected.clone()));
        let typed: ResponseRequest = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(RequestFacts::<OpenAi>::request_info(&typed), expected);
        assert_eq!(RequestFacts::<AzureOpenAi>::request_info(&typed), expected);
        assert_eq!(
            RequestFacts::<OpenAi>::request_model(&typed),
            Some("gpt-4.1")
        );
        assert_eq!(
            typed.reasoning.as_ref().unwrap().effort.as_deref(),
            Some("low")
        );
        assert_eq!(typed.extra["metadata"], json!({"team": "a"}));
        // Round trip keeps every field.
        assert_eq!(serde_json::to_value(&typed).unwrap(), body);

        let json_object =
            json!({"model": "m", "input": "hi", "text": {"format": {"type": "json_object"}}});
        assert_eq!(
            responses_request_info(&json_object)
                .unwrap()
                .output_type
                .as_deref(),
            Some("json")
        );
        let text = json!({"model": "m", "input": "hi", "text": {"format": {"type": "text"}}});
        assert_eq!(
            responses_request_info(&text)
                .unwrap()
                .output_type
                .as_deref(),
            Some("text")
        );
        let typed: ResponseRequest = serde_json::from_value(text).unwrap();
        assert_eq!(typed.input, ResponseInput::Text("hi".into()));
        assert_eq!(
            RequestFacts::<OpenAi>::request_info(&typed)
                .output_type
                .as_deref(),
            Some("text")
        );

        // A Chat Completions body is not a Responses request.
        assert_eq!(
            responses_request_info(&json!({"model": "m", "messages": []})),
            None
        );
        let new = ResponseRequest::new("gpt-4.1-mini", "hello");
        assert_eq!(
            serde_json::to_value(&new).unwrap(),
            json!({"model": "gpt-4.1-mini", "input": "hello"})
        );
    }

    #[test]
    fn chat_completion_bodies_are_not_responses() {
        let chat = json!({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o",
                          "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 1}});
        assert_eq!(responses_info(&chat), None);
        assert!(!is_responses_body(&json!([])));
        assert!(!is_responses_body(&json!("response")));
    }

    #[test]
    fn malformed_bodies_give_no_usage_and_never_panic() {
        let huge = "x".repeat(1 << 20);
        let bodies = [
            json!({"object": "response", "id": "resp_1", "model": "gpt-4.1", "status": "completed", "output": []}),
            json!({"object": "response", "usage": null}),
            json!({"object": "response", "usage": {}}),
            json!({"object": "response", "usage": []}),
            json!({"object": "response", "usage": [1, 2, 3]}),
            json!({"object": "response", "usage": "lots"}),
            json!({"object": "response", "usage": {"input_tokens": -5, "output_tokens": -1}}),
            json!({"object": "response", "usage": {"input_tokens": "36", "output_tokens": 1.5}}),
            json!({"object": "response", "usage": {"input_tokens": huge, "output_tokens": [7]}}),
            json!({"object": "response", "usage": {"input_tokens_details": [], "output_tokens_details": 3}}),
            json!({"object": "response", "id": 7, "model": ["gpt"], "status": 1,
                   "incomplete_details": [], "output": {"type": "message"}}),
            json!({"object": "response", "id": huge, "model": huge, "status": huge,
                   "incomplete_details": {"reason": huge},
                   "output": [null, 3, "x", [], {"type": 5}, {"type": "function_call"},
                              {"type": "function_call", "name": 5, "call_id": []},
                              {"type": "message", "content": "not an array"},
                              {"type": "message", "content": [{"type": "output_text", "text": 9}]}]}),
        ];
        for body in &bodies {
            let info = responses_info(body).expect("a Responses body");
            assert_eq!(info.usage, None, "{body:.200}");
            assert_eq!(responses_usage(body), None);
            assert!(info.tool_calls.is_empty());
            // The typed path either rejects the body or reports no usage.
            if let Ok(typed) = serde_json::from_value::<Response>(body.clone()) {
                assert_eq!(ResponseFacts::<OpenAi>::usage(&typed), None, "{body:.200}");
                assert!(ResponseFacts::<OpenAi>::response_info(&typed)
                    .tool_calls
                    .is_empty());
            }
        }
        // Huge strings are borrowed, not copied or cut.
        let info = responses_info(&bodies[11]).unwrap();
        assert_eq!(info.id.as_deref().map(str::len), Some(1 << 20));
        assert!(info.finish_reasons.is_empty());
        // Malformed output items and parts become `Other` rather than
        // failing the body.
        let typed: Response = serde_json::from_value(bodies[11].clone()).unwrap();
        assert!(matches!(typed.output[0], OutputItem::Other(Value::Null)));
        assert!(matches!(typed.output[7], OutputItem::Other(_)));
        match &typed.output[8] {
            OutputItem::Message(m) => assert!(matches!(m.content[0], OutputContent::Other(_))),
            other => panic!("{other:?}"),
        }
        assert_eq!(typed.output_text(), "");
        // Usage with only some counts keeps them.
        let partial =
            json!({"object": "response", "usage": {"input_tokens": 10, "output_tokens": -1}});
        assert_eq!(
            responses_usage(&partial),
            Some(Usage {
                input_tokens: Some(10),
                ..Usage::default()
            })
        );
        // Negative counts are rejected by the typed form.
        assert!(serde_json::from_value::<Response>(bodies[6].clone()).is_err());
    }

    #[test]
    fn typed_round_trip_keeps_unknown_output_items() {
        let body = json!({
            "id": "resp_1", "object": "response", "model": "gpt-4.1", "status": "completed",
            "output": [
                {"type": "web_search_call", "id": "ws_1", "status": "completed"},
                {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                 "content": [{"type": "refusal", "refusal": "No."}]}
            ]
        });
        let typed: Response = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(
            typed.output[0],
            OutputItem::Other(
                json!({"type": "web_search_call", "id": "ws_1", "status": "completed"})
            )
        );
        assert_eq!(serde_json::to_value(&typed).unwrap(), body);
    }
}
