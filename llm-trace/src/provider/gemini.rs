//! Google Gemini: `generateContent` (and `streamGenerateContent`'s last
//! chunk) and `embedContent` / `batchEmbedContents`, on the Gemini API
//! ([`Gemini`], `gcp.gemini`) and on Vertex AI ([`VertexAi`],
//! `gcp.vertex_ai`). Both serve the same JSON shapes.
//!
//! Normalization, with its sources (Gemini API reference, `UsageMetadata`;
//! Vertex AI REST reference, `GenerateContentResponse.UsageMetadata`):
//!
//! - **Input tokens** are `promptTokenCount + toolUsePromptTokenCount`.
//!   `promptTokenCount` already includes the cached content ("when
//!   `cachedContent` is set, this is still the total effective prompt size
//!   meaning this includes the number of tokens in the cached content"), so
//!   the cache is not added again. `toolUsePromptTokenCount` (the results of
//!   tool executions fed back to the model) is input that
//!   `promptTokenCount` does not count: `totalTokenCount` is the sum of
//!   prompt, candidates, tool-use prompt and thoughts tokens.
//! - **Cache read** is `cachedContentTokenCount`. Gemini reports no cache
//!   writes (caches are created by a separate `cachedContents` call).
//! - **Output tokens** are `candidatesTokenCount + thoughtsTokenCount`:
//!   Gemini counts thinking apart from the candidates, and
//!   `gen_ai.usage.output_tokens` includes reasoning.
//! - **Reasoning** is `thoughtsTokenCount`.
//! - **Finish reasons**: each candidate's `finishReason` as Gemini writes it
//!   (`STOP`, `MAX_TOKENS`, `SAFETY`, `RECITATION`, `MALFORMED_FUNCTION_CALL`,
//!   ...), in candidate order; a candidate without one is skipped.
//! - **Response id** is `responseId`; **response model** is `modelVersion`.
//! - **Tool calls** are the `functionCall` parts of every candidate, in
//!   order: the function's `name`, and its `id` when the API gives one
//!   (Gemini usually gives none).
//! - **Request model**: the model is part of the URL
//!   (`models/{model}:generateContent`), not of the body. Name it in the
//!   annotation (`#[llm_call(provider = "gcp.gemini", model =
//!   "gemini-2.5-flash")]`) or set [`GenerateContentRequest::model`], which
//!   is never serialized. A raw body that carries a `model` field (as batch
//!   requests do) is read, without its `models/` or Vertex resource prefix.
//! - **Request parameters** come from `generationConfig` (`temperature`,
//!   `topP`, `topK`, `maxOutputTokens`, `stopSequences`, `candidateCount`,
//!   `seed`, `presencePenalty`, `frequencyPenalty`); `gen_ai.output.type` is
//!   `json` when `responseMimeType` is `application/json`, `text` for
//!   `text/plain`, and otherwise `image` or `speech` from
//!   `responseModalities`.
//! - **Embeddings** (name the operation: `#[llm_call(provider =
//!   "gcp.gemini", operation = "embeddings")]`): the length of the (first)
//!   embedding's `values` is `gen_ai.embeddings.dimension.count`. The Gemini
//!   API's `EmbedContentResponse` reports no usage; Vertex AI's
//!   `embedContent` reports `usageMetadata.promptTokenCount`, which becomes
//!   the input tokens.
//!
//! A count that is missing, negative or not a number reads as absent; a
//! response whose usage has no count at all gives no usage.

use std::borrow::Cow;

use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::value::{array_at, f64_at, i64_at, str_at, string_at, strings_at, text_at, u64_at};
use super::{
    ChunkFacts, Provider, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts,
    ToolCall, Usage,
};
use crate::model::{self as content, InputMessage, OutputMessage, RequestContent, ToolDefinition};

/// Google Gemini on the Gemini API (AI Studio),
/// `gen_ai.provider.name = "gcp.gemini"`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gemini;

impl Provider for Gemini {
    const NAME: &'static str = "gcp.gemini";
    const DEFAULT_OPERATION: &'static str = "generate_content";
    const SERVER_ADDRESS: Option<&'static str> = Some("generativelanguage.googleapis.com");
    const SERVER_PORT: Option<u16> = Some(443);
}

/// Google Gemini on Vertex AI, `gen_ai.provider.name = "gcp.vertex_ai"`.
///
/// Regional endpoints (`{region}-aiplatform.googleapis.com`) take the
/// annotation's `server`.
#[derive(Debug, Clone, Copy, Default)]
pub struct VertexAi;

impl Provider for VertexAi {
    const NAME: &'static str = "gcp.vertex_ai";
    const DEFAULT_OPERATION: &'static str = "generate_content";
    const SERVER_ADDRESS: Option<&'static str> = Some("aiplatform.googleapis.com");
    const SERVER_PORT: Option<u16> = Some(443);
}

/// A `generateContent` request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateContentRequest {
    /// The model (`gemini-2.5-flash`), for `gen_ai.request.model`. It goes in
    /// the URL, so it is neither serialized nor deserialized.
    #[serde(skip)]
    pub model: Option<String>,
    /// The conversation so far.
    pub contents: Vec<Content>,
    /// System instruction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_instruction: Option<Content>,
    /// Tool declarations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    /// Generation parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation_config: Option<GenerationConfig>,
    /// Every other request field, passed through as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl GenerateContentRequest {
    /// A request for `model` with `contents` and nothing else set.
    pub fn new(model: impl Into<String>, contents: Vec<Content>) -> Self {
        GenerateContentRequest {
            model: Some(model.into()),
            contents,
            ..GenerateContentRequest::default()
        }
    }
}

/// `generationConfig` of a request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationConfig {
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling mass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Top-k sampling (an integer on the Gemini API, a number on Vertex AI;
    /// a whole number is serialized as an integer).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "whole_as_integer"
    )]
    pub top_k: Option<f64>,
    /// Output token limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u64>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
    /// Number of candidates to generate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidate_count: Option<u64>,
    /// Decoding seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Presence penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f64>,
    /// Frequency penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f64>,
    /// Output MIME type: `text/plain`, `application/json`, `text/x.enum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_mime_type: Option<String>,
    /// Every other field (`responseSchema`, `thinkingConfig`, ...), as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A turn of a conversation: a role and its parts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Content {
    /// `user` or `model`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The parts of the turn.
    pub parts: Vec<Part>,
}

impl Content {
    /// A `user` turn with one text part.
    pub fn user(text: impl Into<String>) -> Self {
        Content {
            role: Some("user".into()),
            parts: vec![Part::text(text)],
        }
    }
    /// A `model` turn with one text part.
    pub fn model(text: impl Into<String>) -> Self {
        Content {
            role: Some("model".into()),
            parts: vec![Part::text(text)],
        }
    }
}

/// One part of a [`Content`]: text, a thought, a function call, or anything
/// else the API sends (kept in `extra`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Part {
    /// Text (of a thought summary when `thought` is true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `true` for the thoughts of a thinking model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thought: Option<bool>,
    /// A function the model asks to call.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub function_call: Option<FunctionCall>,
    /// Every other field (`inlineData`, `functionResponse`, ...), as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Part {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        Part {
            text: Some(text.into()),
            ..Part::default()
        }
    }
}

/// A `functionCall` part.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FunctionCall {
    /// The call's id, when the API gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The function's name.
    pub name: String,
    /// The arguments, as a JSON object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<Value>,
}

/// A `generateContent` response body (or the last chunk of a stream).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GenerateContentResponse {
    /// The candidate answers.
    pub candidates: Vec<Candidate>,
    /// Token usage.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub usage_metadata: Option<UsageMetadata>,
    /// The model version that answered (`gemini-2.5-flash`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
    /// The response id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_id: Option<String>,
}

impl GenerateContentResponse {
    /// The text of the first candidate, thoughts left out.
    pub fn text(&self) -> String {
        self.candidates
            .first()
            .and_then(|c| c.content.as_ref())
            .map(|c| {
                c.parts
                    .iter()
                    .filter(|p| p.thought != Some(true))
                    .filter_map(|p| p.text.as_deref())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// One candidate answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Candidate {
    /// The generated content (absent when the candidate was blocked).
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub content: Option<Content>,
    /// `STOP`, `MAX_TOKENS`, `SAFETY`, `RECITATION`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// The candidate's index (omitted by the API when 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
}

/// `usageMetadata`, as Gemini reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UsageMetadata {
    /// Prompt tokens, cached content included.
    pub prompt_token_count: Option<u64>,
    /// Tokens of all candidates, thoughts excluded.
    pub candidates_token_count: Option<u64>,
    /// Prompt + candidates + tool-use prompt + thoughts tokens.
    pub total_token_count: Option<u64>,
    /// Prompt tokens read from cached content.
    pub cached_content_token_count: Option<u64>,
    /// Thinking tokens.
    pub thoughts_token_count: Option<u64>,
    /// Tokens of tool results fed back to the model.
    pub tool_use_prompt_token_count: Option<u64>,
}

impl From<UsageMetadata> for Usage {
    fn from(u: UsageMetadata) -> Usage {
        normalize(
            u.prompt_token_count,
            u.candidates_token_count,
            u.cached_content_token_count,
            u.thoughts_token_count,
            u.tool_use_prompt_token_count,
        )
    }
}

/// An `embedContent` request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbedContentRequest {
    /// The embedding model (`gemini-embedding-001`), for
    /// `gen_ai.request.model`; never serialized (it goes in the URL).
    #[serde(skip)]
    pub model: Option<String>,
    /// The content to embed.
    pub content: Content,
    /// `RETRIEVAL_QUERY`, `RETRIEVAL_DOCUMENT`, `SEMANTIC_SIMILARITY`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_type: Option<String>,
    /// Truncate the embedding to this many dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_dimensionality: Option<u64>,
    /// Every other request field, passed through as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EmbedContentRequest {
    /// A request embedding `text` with `model`.
    pub fn new(model: impl Into<String>, text: impl Into<String>) -> Self {
        EmbedContentRequest {
            model: Some(model.into()),
            content: Content {
                role: None,
                parts: vec![Part::text(text)],
            },
            ..EmbedContentRequest::default()
        }
    }
}

/// An `embedContent` response (`embedding`) or a `batchEmbedContents`
/// response (`embeddings`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EmbedContentResponse {
    /// The embedding of an `embedContent` call.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub embedding: Option<ContentEmbedding>,
    /// The embeddings of a `batchEmbedContents` call, in request order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub embeddings: Vec<ContentEmbedding>,
    /// Token usage (Vertex AI only).
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "object")]
    pub usage_metadata: Option<UsageMetadata>,
}

impl EmbedContentResponse {
    /// The length of the (first) embedding, when there is one.
    pub fn dimension_count(&self) -> Option<u64> {
        let first = self.embedding.as_ref().or(self.embeddings.first())?;
        Some(first.values.len() as u64).filter(|&n| n > 0)
    }
}

/// One embedding.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContentEmbedding {
    /// The vector.
    pub values: Vec<f32>,
}

/// An optional object: `null` or absent is `None`, an object is read, and
/// anything else (an array, which serde would read field by field) is an
/// error.
fn object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct ObjectVisitor<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object or null")
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map)).map(Some)
        }
    }

    d.deserialize_option(ObjectVisitor(PhantomData))
}

/// A number, written as an integer when it is whole (`topK: 40`).
fn whole_as_integer<S: Serializer>(n: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match *n {
        Some(k) if k.fract() == 0.0 && k.abs() < 9.0e15 => s.serialize_i64(k as i64),
        Some(k) => s.serialize_f64(k),
        None => s.serialize_none(),
    }
}

fn sum(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
    }
}

fn normalize(
    prompt: Option<u64>,
    candidates: Option<u64>,
    cached: Option<u64>,
    thoughts: Option<u64>,
    tool_use_prompt: Option<u64>,
) -> Usage {
    Usage {
        input_tokens: sum(prompt, tool_use_prompt),
        output_tokens: sum(candidates, thoughts),
        cache_read_input_tokens: cached,
        reasoning_output_tokens: thoughts,
        ..Usage::default()
    }
}

/// `None` for a usage without a single count.
fn non_empty(u: Usage) -> Option<Usage> {
    (u != Usage::default()).then_some(u)
}

/// Usage from a raw `usageMetadata` object.
fn value_usage(u: &Value) -> Option<Usage> {
    if !u.is_object() {
        return None;
    }
    non_empty(normalize(
        u64_at(u, "promptTokenCount"),
        u64_at(u, "candidatesTokenCount"),
        u64_at(u, "cachedContentTokenCount"),
        u64_at(u, "thoughtsTokenCount"),
        u64_at(u, "toolUsePromptTokenCount"),
    ))
}

/// The model id of a resource name: `models/gemini-2.5-flash` and
/// `projects/p/locations/l/publishers/google/models/gemini-2.5-flash` give
/// `gemini-2.5-flash`.
fn model_id(name: &str) -> Option<&str> {
    let id = match name.rfind("models/") {
        Some(i) => &name[i + "models/".len()..],
        None => name,
    };
    Some(id).filter(|m| !m.is_empty())
}

/// `gen_ai.output.type` from a MIME type and the response modalities.
fn output_type<'s>(
    mime: Option<&str>,
    mut modalities: impl Iterator<Item = &'s str>,
) -> Option<Cow<'static, str>> {
    match mime {
        Some("application/json") => return Some(Cow::Borrowed("json")),
        Some("text/plain") => return Some(Cow::Borrowed("text")),
        _ => {}
    }
    modalities.find_map(|m| match m {
        "IMAGE" => Some(Cow::Borrowed("image")),
        "AUDIO" => Some(Cow::Borrowed("speech")),
        _ => None,
    })
}

fn typed_request_info<'a>(
    model: Option<&'a str>,
    config: Option<&'a GenerationConfig>,
) -> RequestInfo<'a> {
    let mut info = RequestInfo {
        model: model.map(Cow::Borrowed),
        ..RequestInfo::default()
    };
    if let Some(c) = config {
        info.temperature = c.temperature;
        info.top_p = c.top_p;
        info.top_k = c.top_k;
        info.max_tokens = c.max_output_tokens;
        info.stop_sequences = c
            .stop_sequences
            .iter()
            .map(|s| Cow::Borrowed(s.as_str()))
            .collect();
        info.seed = c.seed;
        info.choice_count = c.candidate_count;
        info.presence_penalty = c.presence_penalty;
        info.frequency_penalty = c.frequency_penalty;
        info.output_type = output_type(
            c.response_mime_type.as_deref(),
            array_at_map(&c.extra, "responseModalities"),
        );
    }
    info
}

fn array_at_map<'a>(m: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = &'a str> {
    let items: &[Value] = match m.get(key) {
        Some(Value::Array(items)) => items,
        _ => &[],
    };
    items.iter().filter_map(Value::as_str)
}

fn value_request_model(v: &Value) -> Option<&str> {
    model_id(v.get("model")?.as_str()?)
}

fn value_request_info(v: &Value) -> RequestInfo<'_> {
    let mut info = RequestInfo {
        model: value_request_model(v).map(Cow::Borrowed),
        ..RequestInfo::default()
    };
    if let Some(c) = v.get("generationConfig").filter(|c| c.is_object()) {
        info.temperature = f64_at(c, "temperature");
        info.top_p = f64_at(c, "topP");
        info.top_k = f64_at(c, "topK");
        info.max_tokens = u64_at(c, "maxOutputTokens");
        info.stop_sequences = strings_at(c, "stopSequences");
        info.seed = i64_at(c, "seed");
        info.choice_count = u64_at(c, "candidateCount");
        info.presence_penalty = f64_at(c, "presencePenalty");
        info.frequency_penalty = f64_at(c, "frequencyPenalty");
        info.output_type = output_type(
            c.get("responseMimeType").and_then(Value::as_str),
            array_at(c, "responseModalities")
                .iter()
                .filter_map(Value::as_str),
        );
    }
    info
}

fn typed_response_info(r: &GenerateContentResponse) -> ResponseInfo<'_> {
    ResponseInfo {
        id: r.response_id.as_deref().map(Cow::Borrowed),
        model: r.model_version.as_deref().map(Cow::Borrowed),
        finish_reasons: r
            .candidates
            .iter()
            .filter_map(|c| c.finish_reason.as_deref().map(Cow::Borrowed))
            .collect(),
        usage: typed_usage(r.usage_metadata),
        tool_calls: r
            .candidates
            .iter()
            .filter_map(|c| c.content.as_ref())
            .flat_map(|c| &c.parts)
            .filter_map(|p| p.function_call.as_ref())
            .filter(|f| !f.name.is_empty())
            .map(|f| ToolCall::new(f.id.as_deref(), f.name.as_str()))
            .collect(),
        ..ResponseInfo::default()
    }
}

fn typed_usage(u: Option<UsageMetadata>) -> Option<Usage> {
    non_empty(u?.into())
}

fn value_response_info(v: &Value) -> ResponseInfo<'_> {
    ResponseInfo {
        id: str_at(v, "responseId"),
        model: str_at(v, "modelVersion"),
        finish_reasons: array_at(v, "candidates")
            .iter()
            .filter_map(|c| str_at(c, "finishReason"))
            .collect(),
        usage: v.get("usageMetadata").and_then(value_usage),
        tool_calls: array_at(v, "candidates")
            .iter()
            .filter_map(|c| c.get("content"))
            .flat_map(|c| array_at(c, "parts"))
            .filter_map(|p| p.get("functionCall"))
            .filter_map(|f| {
                Some(ToolCall {
                    id: str_at(f, "id"),
                    name: str_at(f, "name")?,
                })
            })
            .collect(),
        embeddings_dimension_count: value_dimension_count(v),
        provider_attributes: Vec::new(),
    }
}

/// The length of `embedding.values`, or of `embeddings[0].values`.
fn value_dimension_count(v: &Value) -> Option<u64> {
    let first = match v.get("embedding") {
        Some(e) => e,
        None => array_at(v, "embeddings").first()?,
    };
    Some(array_at(first, "values").len() as u64).filter(|&n| n > 0)
}

/// A candidate's position: its `index`, which the API omits for 0.
fn candidate_index(index: Option<u64>, position: usize) -> usize {
    index.map_or(position, |i| usize::try_from(i).unwrap_or(usize::MAX))
}

/// One chunk of `streamGenerateContent`: a whole response whose usage is
/// cumulative and whose candidates' last chunk has the finish reason.
fn observe_typed_chunk(r: &GenerateContentResponse, stream: &mut StreamFacts) {
    if let Some(id) = &r.response_id {
        stream.id(id);
    }
    if let Some(model) = &r.model_version {
        stream.model(model);
    }
    for (position, candidate) in r.candidates.iter().enumerate() {
        let index = candidate_index(candidate.index, position);
        stream.choice(index);
        if stream.captures_content() {
            for part in candidate.content.iter().flat_map(|c| &c.parts) {
                match (&part.text, part.thought) {
                    (Some(text), Some(true)) => stream.reasoning(index, text),
                    (Some(text), _) => stream.text(index, text),
                    _ => {}
                }
            }
        }
        if let Some(reason) = &candidate.finish_reason {
            stream.finish_reason(index, reason);
        }
        let calls = candidate
            .content
            .iter()
            .flat_map(|c| &c.parts)
            .filter_map(|p| p.function_call.as_ref());
        for call in calls.filter(|f| !f.name.is_empty()) {
            stream.tool_call(call.id.as_deref(), &call.name);
        }
    }
    if let Some(usage) = typed_usage(r.usage_metadata) {
        stream.merge_usage(usage);
    }
}

fn observe_value_chunk(v: &Value, stream: &mut StreamFacts) {
    if let Some(error) = v.get("error").filter(|e| e.is_object()) {
        // `{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", ...}}`
        let kind = match (
            error.get("status").and_then(Value::as_str),
            error.get("code"),
        ) {
            (Some(status), _) if !status.is_empty() => status.to_owned(),
            (_, Some(Value::Number(code))) => code.to_string(),
            _ => "error".to_owned(),
        };
        let message = error.get("message").and_then(Value::as_str).unwrap_or("");
        stream.__fail(Cow::Owned(kind), &message);
        return;
    }
    if let Some(id) = v.get("responseId").and_then(Value::as_str) {
        stream.id(id);
    }
    if let Some(model) = v.get("modelVersion").and_then(Value::as_str) {
        stream.model(model);
    }
    for (position, candidate) in array_at(v, "candidates").iter().enumerate() {
        let index = candidate_index(u64_at(candidate, "index"), position);
        stream.choice(index);
        if let Some(reason) = candidate.get("finishReason").and_then(Value::as_str) {
            stream.finish_reason(index, reason);
        }
        let parts = candidate
            .get("content")
            .map_or(&[][..], |c| array_at(c, "parts"));
        let mut calls = 0;
        for part in parts {
            if let Some(text) = part.get("text").and_then(Value::as_str) {
                if part.get("thought").and_then(Value::as_bool) == Some(true) {
                    stream.reasoning(index, text);
                } else {
                    stream.text(index, text);
                }
            }
            let Some(call) = part.get("functionCall") else {
                continue;
            };
            let id = call.get("id").and_then(Value::as_str);
            let name = call.get("name").and_then(Value::as_str);
            if let Some(name) = name {
                stream.tool_call(id, name);
            }
            if stream.captures_content() {
                // Each part holds a whole call; the assembled position is its order.
                let arguments = call.get("args").map(Value::to_string).unwrap_or_default();
                stream.tool_call_delta(index, calls, id, name, &arguments);
            }
            calls += 1;
        }
    }
    if let Some(usage) = v.get("usageMetadata").and_then(value_usage) {
        stream.merge_usage(usage);
    }
}

/// The member `camel` (as the API documents it), or `snake` (which the REST
/// API accepts too).
fn member<'a>(v: &'a Value, camel: &str, snake: &str) -> Option<&'a Value> {
    v.get(camel).or_else(|| v.get(snake))
}

/// The content of a `generateContent` request body: `systemInstruction` as
/// system instructions, `contents` (the `model` role as `assistant`), the
/// function declarations of `tools` and the built-in tools by name.
fn request_content(body: &Value) -> Option<RequestContent> {
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
fn output_messages(v: &Value) -> Option<Vec<OutputMessage>> {
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

/// Implements the request and response traits for a Gemini-shaped provider.
macro_rules! gemini_facts {
    ($p:ty) => {
        impl RequestFacts<$p> for GenerateContentRequest {
            fn request_model(&self) -> Option<&str> {
                self.model.as_deref().and_then(model_id)
            }
            fn request_info(&self) -> RequestInfo<'_> {
                typed_request_info(
                    RequestFacts::<$p>::request_model(self),
                    self.generation_config.as_ref(),
                )
            }
            fn request_content(&self) -> Option<RequestContent> {
                request_content(&serde_json::to_value(self).ok()?)
            }
        }

        impl RequestFacts<$p> for EmbedContentRequest {
            fn request_model(&self) -> Option<&str> {
                self.model.as_deref().and_then(model_id)
            }
            fn request_info(&self) -> RequestInfo<'_> {
                typed_request_info(RequestFacts::<$p>::request_model(self), None)
            }
        }

        impl RequestFacts<$p> for Value {
            fn request_model(&self) -> Option<&str> {
                value_request_model(self)
            }
            fn request_info(&self) -> RequestInfo<'_> {
                value_request_info(self)
            }
            fn request_content(&self) -> Option<RequestContent> {
                request_content(self)
            }
        }

        impl ResponseFacts<$p> for GenerateContentResponse {
            fn response_info(&self) -> ResponseInfo<'_> {
                typed_response_info(self)
            }
            fn usage(&self) -> Option<Usage> {
                typed_usage(self.usage_metadata)
            }
            fn response_model(&self) -> Option<&str> {
                self.model_version.as_deref()
            }
            fn output_messages(&self) -> Option<Vec<OutputMessage>> {
                output_messages(&serde_json::to_value(self).ok()?)
            }
        }

        impl ResponseFacts<$p> for EmbedContentResponse {
            fn response_info(&self) -> ResponseInfo<'_> {
                ResponseInfo {
                    usage: typed_usage(self.usage_metadata),
                    embeddings_dimension_count: self.dimension_count(),
                    ..ResponseInfo::default()
                }
            }
            fn usage(&self) -> Option<Usage> {
                typed_usage(self.usage_metadata)
            }
        }

        impl ChunkFacts<$p> for GenerateContentResponse {
            fn observe(&self, stream: &mut StreamFacts) {
                observe_typed_chunk(self, stream)
            }
        }

        impl ChunkFacts<$p> for Value {
            fn observe(&self, stream: &mut StreamFacts) {
                observe_value_chunk(self, stream)
            }
        }

        impl ResponseFacts<$p> for Value {
            fn response_info(&self) -> ResponseInfo<'_> {
                value_response_info(self)
            }
            fn usage(&self) -> Option<Usage> {
                self.get("usageMetadata").and_then(value_usage)
            }
            fn response_model(&self) -> Option<&str> {
                self.get("modelVersion")?.as_str()
            }
            fn output_messages(&self) -> Option<Vec<OutputMessage>> {
                output_messages(self)
            }
        }
    };
}

gemini_facts!(Gemini);
gemini_facts!(VertexAi);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn raw<P: Provider>(v: &Value) -> ResponseInfo<'_>
    where
        Value: ResponseFacts<P>,
    {
        ResponseFacts::<P>::response_info(v)
    }

    /// Asserts that the raw body and its typed form give `expected`, for
    /// both providers.
    fn assert_both(body: &Value, expected: &ResponseInfo<'_>) {
        assert_eq!(&raw::<Gemini>(body), expected);
        assert_eq!(&raw::<VertexAi>(body), expected);
        assert_eq!(ResponseFacts::<Gemini>::usage(body), expected.usage);
        assert_eq!(
            ResponseFacts::<Gemini>::response_model(body),
            expected.model.as_deref()
        );
        let typed: GenerateContentResponse = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(&ResponseFacts::<Gemini>::response_info(&typed), expected);
        assert_eq!(&ResponseFacts::<VertexAi>::response_info(&typed), expected);
        assert_eq!(ResponseFacts::<VertexAi>::usage(&typed), expected.usage);
        assert_eq!(
            ResponseFacts::<VertexAi>::response_model(&typed),
            expected.model.as_deref()
        );
    }

    #[test]
    fn names_servers_and_operation() {
        assert_eq!(Gemini::NAME, "gcp.gemini");
        assert_eq!(VertexAi::NAME, "gcp.vertex_ai");
        assert_eq!(Gemini::DEFAULT_OPERATION, "generate_content");
        assert_eq!(VertexAi::DEFAULT_OPERATION, "generate_content");
        assert_eq!(
            Gemini::SERVER_ADDRESS,
            Some("generativelanguage.googleapis.com")
        );
        assert_eq!(VertexAi::SERVER_ADDRESS, Some("aiplatform.googleapis.com"));
        assert_eq!(
            (Gemini::SERVER_PORT, VertexAi::SERVER_PORT),
            (Some(443), Some(443))
        );
    }

    #[test]
    fn plain_text() {
        let body = json!({
            "candidates": [{
                "content": {"parts": [{"text": "Once upon a time..."}], "role": "model"},
                "finishReason": "STOP",
                "avgLogprobs": -0.25
            }],
            "usageMetadata": {
                "promptTokenCount": 8, "candidatesTokenCount": 120, "totalTokenCount": 128,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 8}]
            },
            "modelVersion": "gemini-2.0-flash",
            "responseId": "mAitaLmkHPPlz7IPvtfUqQ4"
        });
        assert_both(
            &body,
            &ResponseInfo {
                id: Some("mAitaLmkHPPlz7IPvtfUqQ4".into()),
                model: Some("gemini-2.0-flash".into()),
                finish_reasons: vec!["STOP".into()],
                usage: Some(Usage {
                    input_tokens: Some(8),
                    output_tokens: Some(120),
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
        let typed: GenerateContentResponse = serde_json::from_value(body).unwrap();
        assert_eq!(typed.text(), "Once upon a time...");
    }

    #[test]
    fn function_call_with_tool_use_prompt_tokens() {
        let body = json!({
            "candidates": [{
                "content": {"role": "model", "parts": [
                    {"functionCall": {"name": "set_light_values", "args": {"brightness": 25, "color_temp": "warm"}}},
                    {"functionCall": {"id": "call-2", "name": "get_weather", "args": {"city": "Paris"}}}
                ]},
                "finishReason": "STOP",
                "index": 0
            }],
            "usageMetadata": {
                "promptTokenCount": 105, "candidatesTokenCount": 20,
                "toolUsePromptTokenCount": 40, "totalTokenCount": 165
            },
            "modelVersion": "gemini-2.5-flash",
            "responseId": "resp-fc"
        });
        assert_both(
            &body,
            &ResponseInfo {
                id: Some("resp-fc".into()),
                model: Some("gemini-2.5-flash".into()),
                finish_reasons: vec!["STOP".into()],
                usage: Some(Usage {
                    input_tokens: Some(145),
                    output_tokens: Some(20),
                    ..Usage::default()
                }),
                tool_calls: vec![
                    ToolCall::new(None::<&str>, "set_light_values"),
                    ToolCall::new(Some("call-2"), "get_weather"),
                ],
                ..ResponseInfo::default()
            },
        );
    }

    #[test]
    fn thinking_with_cached_content() {
        let body = json!({
            "candidates": [{
                "content": {"role": "model", "parts": [
                    {"text": "**Weighing the options**", "thought": true},
                    {"text": "The answer is 42.", "thoughtSignature": "c2lnbmF0dXJl"}
                ]},
                "finishReason": "STOP",
                "index": 0
            }],
            "usageMetadata": {
                "promptTokenCount": 2100,
                "cachedContentTokenCount": 2048,
                "candidatesTokenCount": 12,
                "thoughtsTokenCount": 380,
                "totalTokenCount": 2492,
                "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 2048}]
            },
            "modelVersion": "gemini-2.5-pro",
            "responseId": "resp-think"
        });
        assert_both(
            &body,
            &ResponseInfo {
                id: Some("resp-think".into()),
                model: Some("gemini-2.5-pro".into()),
                finish_reasons: vec!["STOP".into()],
                usage: Some(Usage {
                    input_tokens: Some(2100),
                    output_tokens: Some(392),
                    cache_read_input_tokens: Some(2048),
                    reasoning_output_tokens: Some(380),
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
        let typed: GenerateContentResponse = serde_json::from_value(body).unwrap();
        assert_eq!(typed.text(), "The answer is 42.");
    }

    #[test]
    fn two_candidates_one_finish_reason_each() {
        let body = json!({
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": "A"}]}, "finishReason": "STOP"},
                {"content": {"role": "model", "parts": [{"text": "B, cut"}]}, "finishReason": "MAX_TOKENS", "index": 1},
                {"finishReason": "SAFETY", "index": 2, "safetyRatings": []}
            ],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 30, "totalTokenCount": 40},
            "modelVersion": "gemini-2.0-flash-001",
            "responseId": "resp-n",
            "createTime": "2025-01-01T00:00:00Z"
        });
        assert_both(
            &body,
            &ResponseInfo {
                id: Some("resp-n".into()),
                model: Some("gemini-2.0-flash-001".into()),
                finish_reasons: vec!["STOP".into(), "MAX_TOKENS".into(), "SAFETY".into()],
                usage: Some(Usage {
                    input_tokens: Some(10),
                    output_tokens: Some(30),
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
    }

    #[test]
    fn blocked_prompt_has_no_candidates() {
        let body = json!({
            "promptFeedback": {"blockReason": "SAFETY"},
            "usageMetadata": {"promptTokenCount": 7, "totalTokenCount": 7},
            "modelVersion": "gemini-2.0-flash"
        });
        assert_both(
            &body,
            &ResponseInfo {
                model: Some("gemini-2.0-flash".into()),
                usage: Some(Usage {
                    input_tokens: Some(7),
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
    }

    #[test]
    fn request_facts_typed_and_raw() {
        let body = json!({
            "contents": [{"role": "user", "parts": [{"text": "List three colors"}]}],
            "systemInstruction": {"parts": [{"text": "Answer in JSON."}]},
            "tools": [{"functionDeclarations": [{"name": "f"}]}],
            "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
            "generationConfig": {
                "temperature": 0.7, "topP": 0.95, "topK": 40, "maxOutputTokens": 256,
                "stopSequences": ["END", "STOP!"], "candidateCount": 2, "seed": -7,
                "presencePenalty": 0.5, "frequencyPenalty": 0.25,
                "responseMimeType": "application/json",
                "responseSchema": {"type": "ARRAY"},
                "thinkingConfig": {"thinkingBudget": 0}
            }
        });
        let expected = |model: Option<&'static str>| RequestInfo {
            model: model.map(Cow::Borrowed),
            temperature: Some(0.7),
            top_p: Some(0.95),
            top_k: Some(40.0),
            max_tokens: Some(256),
            stop_sequences: vec!["END".into(), "STOP!".into()],
            seed: Some(-7),
            choice_count: Some(2),
            presence_penalty: Some(0.5),
            frequency_penalty: Some(0.25),
            output_type: Some("json".into()),
            ..RequestInfo::default()
        };
        assert_eq!(RequestFacts::<Gemini>::request_model(&body), None);
        assert_eq!(RequestFacts::<Gemini>::request_info(&body), expected(None));
        assert_eq!(
            RequestFacts::<VertexAi>::request_info(&body),
            expected(None)
        );

        let mut typed: GenerateContentRequest = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(typed.model, None);
        assert_eq!(RequestFacts::<Gemini>::request_info(&typed), expected(None));
        typed.model = Some("models/gemini-2.5-flash".into());
        assert_eq!(
            RequestFacts::<VertexAi>::request_model(&typed),
            Some("gemini-2.5-flash")
        );
        assert_eq!(
            RequestFacts::<Gemini>::request_info(&typed),
            expected(Some("gemini-2.5-flash"))
        );
        // The model never reaches the body; unknown fields pass through.
        assert_eq!(serde_json::to_value(&typed).unwrap(), body);

        let with_model = json!({
            "model": "projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash",
            "contents": []
        });
        assert_eq!(
            RequestFacts::<VertexAi>::request_model(&with_model),
            Some("gemini-2.0-flash")
        );
    }

    #[test]
    fn output_types() {
        let info = |config: Value| {
            RequestFacts::<Gemini>::request_info(&json!({"generationConfig": config}))
                .output_type
                .map(Cow::into_owned)
        };
        assert_eq!(
            info(json!({"responseMimeType": "text/plain"})).as_deref(),
            Some("text")
        );
        assert_eq!(
            info(json!({"responseModalities": ["TEXT", "IMAGE"]})).as_deref(),
            Some("image")
        );
        assert_eq!(
            info(json!({"responseModalities": ["AUDIO"]})).as_deref(),
            Some("speech")
        );
        assert_eq!(info(json!({"responseMimeType": "text/x.enum"})), None);
        assert_eq!(info(json!({})), None);
        let typed = GenerateContentRequest {
            generation_config: Some(GenerationConfig {
                response_mime_type: Some("application/json".into()),
                ..GenerationConfig::default()
            }),
            ..GenerateContentRequest::new("gemini-2.5-flash", vec![Content::user("hi")])
        };
        assert_eq!(
            RequestFacts::<Gemini>::request_info(&typed)
                .output_type
                .as_deref(),
            Some("json")
        );
    }

    #[test]
    fn embeddings() {
        // Gemini API embedContent: no usage.
        let single = json!({"embedding": {"values": [0.1, -0.2, 0.3, 0.4]}});
        let expected = ResponseInfo {
            embeddings_dimension_count: Some(4),
            ..ResponseInfo::default()
        };
        assert_eq!(raw::<Gemini>(&single), expected);
        let typed: EmbedContentResponse = serde_json::from_value(single).unwrap();
        assert_eq!(ResponseFacts::<Gemini>::response_info(&typed), expected);
        assert_eq!(ResponseFacts::<Gemini>::usage(&typed), None);

        // batchEmbedContents.
        let batch =
            json!({"embeddings": [{"values": [1.0, 2.0, 3.0]}, {"values": [4.0, 5.0, 6.0]}]});
        assert_eq!(raw::<Gemini>(&batch).embeddings_dimension_count, Some(3));
        let typed: EmbedContentResponse = serde_json::from_value(batch).unwrap();
        assert_eq!(typed.dimension_count(), Some(3));

        // Vertex AI embedContent reports the prompt tokens.
        let vertex = json!({
            "embedding": {"values": [0.5, 0.5]},
            "usageMetadata": {"promptTokenCount": 6, "totalTokenCount": 6},
            "truncated": false
        });
        let expected = ResponseInfo {
            usage: Some(Usage {
                input_tokens: Some(6),
                ..Usage::default()
            }),
            embeddings_dimension_count: Some(2),
            ..ResponseInfo::default()
        };
        assert_eq!(raw::<VertexAi>(&vertex), expected);
        let typed: EmbedContentResponse = serde_json::from_value(vertex).unwrap();
        assert_eq!(ResponseFacts::<VertexAi>::response_info(&typed), expected);

        let request = EmbedContentRequest::new("models/gemini-embedding-001", "hello");
        assert_eq!(
            RequestFacts::<Gemini>::request_model(&request),
            Some("gemini-embedding-001")
        );
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"content": {"parts": [{"text": "hello"}]}})
        );
        let raw_request =
            json!({"model": "models/text-embedding-004", "content": {"parts": [{"text": "x"}]}});
        assert_eq!(
            RequestFacts::<Gemini>::request_info(&raw_request),
            RequestInfo {
                model: Some("text-embedding-004".into()),
                ..RequestInfo::default()
            }
        );
    }

    #[test]
    fn malformed_bodies_give_no_usage_and_no_panic() {
        let huge = "x".repeat(1 << 20);
        let bodies = [
            json!({}),
            json!(null),
            json!([1, 2, 3]),
            json!("a string"),
            json!({"candidates": [{"finishReason": "STOP"}]}),
            json!({"usageMetadata": null}),
            json!({"usageMetadata": []}),
            json!({"usageMetadata": "12"}),
            json!({"usageMetadata": {}}),
            json!({"usageMetadata": {"promptTokenCount": "12", "candidatesTokenCount": "3"}}),
            json!({"usageMetadata": {"promptTokenCount": -5, "candidatesTokenCount": -1}}),
            json!({"usageMetadata": {"promptTokenCount": 1.5, "thoughtsTokenCount": true}}),
            json!({"usageMetadata": {"promptTokenCount": huge}}),
            json!({"candidates": {"0": {"finishReason": "STOP"}}}),
            json!({"candidates": [[]], "responseId": 7, "modelVersion": ["m"]}),
            json!({"candidates": [{"content": [], "finishReason": 3}]}),
            json!({"candidates": [{"content": {"parts": {"functionCall": {"name": "f"}}}}]}),
            json!({"candidates": [{"content": {"parts": [{"functionCall": []}, {"functionCall": {"name": 5}}]}}]}),
            json!({"embedding": "oops", "embeddings": {"values": [1]}}),
            json!({"embedding": {"values": {"0": 1.0}}}),
            json!({"responseId": huge, "usageMetadata": {"promptTokenCount": {"n": 1}}}),
        ];
        for body in &bodies {
            for info in [raw::<Gemini>(body), raw::<VertexAi>(body)] {
                assert_eq!(info.usage, None, "{body:.100}");
                assert!(info.tool_calls.is_empty());
                assert_eq!(info.embeddings_dimension_count, None);
                assert!(info.finish_reasons.len() <= 1);
            }
            assert_eq!(ResponseFacts::<Gemini>::usage(body), None);
            let _ = RequestFacts::<Gemini>::request_info(body);
            let _ = RequestFacts::<VertexAi>::request_model(body);
            // Typed parsing fails cleanly or gives no usage.
            if let Ok(typed) = serde_json::from_value::<GenerateContentResponse>(body.clone()) {
                assert_eq!(ResponseFacts::<Gemini>::usage(&typed), None, "{body:.100}");
            }
            if let Ok(typed) = serde_json::from_value::<EmbedContentResponse>(body.clone()) {
                assert_eq!(ResponseFacts::<Gemini>::response_info(&typed).usage, None);
            }
        }
        // The huge id is borrowed, not copied, and read as given.
        assert_eq!(
            raw::<Gemini>(&bodies[20]).id.map(|s| s.len()),
            Some(1 << 20)
        );

        // Wrong types are an error for the typed form, not a panic.
        for bad in [
            json!({"usageMetadata": {"promptTokenCount": "12"}}),
            json!({"usageMetadata": {"promptTokenCount": -5}}),
            json!({"usageMetadata": []}),
            json!({"usageMetadata": [5, 3]}),
            json!({"candidates": [{"content": [{"parts": []}]}]}),
            json!({"candidates": {"0": {}}}),
            json!({"candidates": [{"finishReason": 3}]}),
            json!({"responseId": 7}),
        ] {
            assert!(
                serde_json::from_value::<GenerateContentResponse>(bad.clone()).is_err(),
                "{bad}"
            );
        }
        assert!(
            serde_json::from_value::<EmbedContentResponse>(json!({"embedding": "oops"})).is_err()
        );
        assert!(
            serde_json::from_value::<EmbedContentResponse>(json!({"embedding": [[1.0, 2.0]]}))
                .is_err()
        );
        assert!(serde_json::from_value::<GenerateContentRequest>(
            json!({"contents": [], "generationConfig": {"temperature": "hot"}})
        )
        .is_err());
    }

    #[test]
    fn partial_usage_keeps_what_is_valid() {
        let body = json!({"usageMetadata": {"promptTokenCount": -1, "candidatesTokenCount": 4, "thoughtsTokenCount": "x"}});
        assert_eq!(
            ResponseFacts::<Gemini>::usage(&body),
            Some(Usage {
                output_tokens: Some(4),
                ..Usage::default()
            })
        );
        // Overflowing sums saturate.
        let body =
            json!({"usageMetadata": {"promptTokenCount": u64::MAX, "toolUsePromptTokenCount": 1}});
        assert_eq!(
            ResponseFacts::<Gemini>::usage(&body).unwrap().input_tokens,
            Some(u64::MAX)
        );
    }
}
