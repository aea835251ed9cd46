//! OpenAI-style embeddings (`POST /v1/embeddings`, `operation = "embeddings"`):
//! the request and response bodies and their facts, provider-free.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::value::{array_at, str_at};
use crate::provider::{RequestInfo, ResponseInfo, Usage};

/// The length of the first vector of an embeddings body (`"object": "list"`
/// with `data[].embedding`); base64-encoded vectors give none.
pub(crate) fn value_dimension(body: &Value) -> Option<u64> {
    if body.get("object")?.as_str()? != "list" {
        return None;
    }
    let first = array_at(body, "data").first()?;
    Some(first.get("embedding")?.as_array()?.len() as u64)
}

/// An embeddings request (`POST /v1/embeddings`, `operation = "embeddings"`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingRequest {
    /// Model id, e.g. `text-embedding-3-small`.
    pub model: String,
    /// A string, an array of strings, or token arrays.
    pub input: Value,
    /// Output dimensions (text-embedding-3 models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u64>,
    /// `float` or `base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_format: Option<String>,
    /// Every other request field, passed through as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An embeddings response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmbeddingResponse {
    /// `list`.
    pub object: String,
    /// One embedding per input.
    pub data: Vec<Embedding>,
    /// The model that answered.
    pub model: String,
    /// Token usage (`prompt_tokens`, `total_tokens`).
    pub usage: Option<EmbeddingUsage>,
}

/// One embedding of an [`EmbeddingResponse`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Embedding {
    /// Position of its input.
    pub index: u64,
    /// The vector (a base64 string when `encoding_format` is `base64`).
    pub embedding: Value,
}

/// `usage` of an embeddings response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmbeddingUsage {
    /// Input tokens.
    pub prompt_tokens: u64,
    /// Equal to `prompt_tokens`.
    pub total_tokens: u64,
}

/// `gen_ai.request.model` of a typed request (none when empty).
pub(crate) fn request_model(r: &EmbeddingRequest) -> Option<&str> {
    Some(r.model.as_str()).filter(|m| !m.is_empty())
}

/// The facts of a typed request.
pub(crate) fn request_info(r: &EmbeddingRequest) -> RequestInfo<'_> {
    RequestInfo {
        model: request_model(r).map(Cow::Borrowed),
        encoding_formats: r
            .encoding_format
            .as_deref()
            .map(Cow::Borrowed)
            .into_iter()
            .collect(),
        ..RequestInfo::default()
    }
}

/// `gen_ai.request.encoding_formats` of a raw request body.
pub(crate) fn value_encoding_formats(v: &Value) -> Vec<Cow<'_, str>> {
    str_at(v, "encoding_format").into_iter().collect()
}

/// The facts of a typed response.
pub(crate) fn response_info(r: &EmbeddingResponse) -> ResponseInfo<'_> {
    ResponseInfo {
        model: response_model(r).map(Cow::Borrowed),
        usage: usage(r),
        embeddings_dimension_count: r
            .data
            .first()
            .and_then(|e| e.embedding.as_array())
            .map(|v| v.len() as u64),
        ..ResponseInfo::default()
    }
}

/// `gen_ai.response.model` of a typed response (none when empty).
pub(crate) fn response_model(r: &EmbeddingResponse) -> Option<&str> {
    Some(r.model.as_str()).filter(|m| !m.is_empty())
}

/// The usage of a typed response: its `prompt_tokens` as input tokens.
pub(crate) fn usage(r: &EmbeddingResponse) -> Option<Usage> {
    let usage = r.usage?;
    Some(Usage {
        input_tokens: Some(usage.prompt_tokens),
        ..Usage::default()
    })
}
