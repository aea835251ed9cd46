//! The `generateContent` and `embedContent` bodies as serde types.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use super::facts::normalize;
use crate::provider::wire::de::object;
use crate::provider::Usage;

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

/// A number, written as an integer when it is whole (`topK: 40`).
fn whole_as_integer<S: Serializer>(n: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match *n {
        Some(k) if k.fract() == 0.0 && k.abs() < 9.0e15 => s.serialize_i64(k as i64),
        Some(k) => s.serialize_f64(k),
        None => s.serialize_none(),
    }
}
