//! The facts of Converse (and Titan embeddings) requests and responses, read
//! one way from the typed bodies and from raw JSON: each form answers a few
//! accessors ([`RequestView`], [`ResponseView`]) and one function per fact
//! reads them.

use std::borrow::Cow;

use serde_json::Value;

use super::types::{
    ConverseRequest, ConverseResponse, TitanEmbeddingRequest, TitanEmbeddingResponse,
};
use crate::model::value::{array_at, f64_at, str_at, strings_at, u64_at};
use crate::provider::{RequestInfo, ResponseInfo, ToolCall, Usage};
use crate::semconv as sc;

/// Sums Bedrock's separate input buckets; `None` when no count is present.
pub(crate) fn normalize(
    input: Option<u64>,
    output: Option<u64>,
    cache_read: Option<u64>,
    cache_write: Option<u64>,
) -> Option<Usage> {
    if input.is_none() && output.is_none() && cache_read.is_none() && cache_write.is_none() {
        return None;
    }
    let total_input = match (input, cache_read, cache_write) {
        (None, None, None) => None,
        (i, r, w) => Some(
            i.unwrap_or(0)
                .saturating_add(r.unwrap_or(0))
                .saturating_add(w.unwrap_or(0)),
        ),
    };
    Some(Usage {
        input_tokens: total_input,
        output_tokens: output,
        cache_read_input_tokens: cache_read,
        cache_write_input_tokens: cache_write,
        ..Usage::default()
    })
}

fn titan_usage(input_text_token_count: Option<u64>) -> Option<Usage> {
    Some(Usage {
        input_tokens: Some(input_text_token_count?),
        ..Usage::default()
    })
}

/// The length of the first non-empty array of `embeddingsByType`.
pub(crate) fn by_type_len(by_type: &Value) -> Option<u64> {
    ["float", "binary"]
        .iter()
        .map(|k| array_at(by_type, k).len())
        .find(|&n| n > 0)
        .map(|n| n as u64)
}

fn is_titan_response(v: &Value) -> bool {
    ["embedding", "embeddingsByType", "inputTextTokenCount"]
        .iter()
        .any(|k| v.get(k).is_some())
}

/// The normalized `usage` of a raw Converse response (or stream `metadata`).
pub(crate) fn converse_usage(v: &Value) -> Option<Usage> {
    let u = v.get("usage")?;
    normalize(
        u64_at(u, "inputTokens"),
        u64_at(u, "outputTokens"),
        u64_at(u, "cacheReadInputTokens"),
        u64_at(u, "cacheWriteInputTokens"),
    )
}

/// `trace.promptRouter.invokedModelId`: the model a prompt router chose.
pub(crate) fn routed_model(v: &Value) -> Option<&str> {
    v.get("trace")?
        .get("promptRouter")?
        .get("invokedModelId")?
        .as_str()
}

/// `aws.bedrock.guardrail.id` from a Converse `guardrailConfig`.
fn guardrail_id(config: Option<&Value>) -> Vec<(Cow<'static, str>, Cow<'_, str>)> {
    config
        .and_then(|c| str_at(c, "guardrailIdentifier"))
        .filter(|id| !id.is_empty())
        .map(|id| (Cow::Borrowed(sc::AWS_BEDROCK_GUARDRAIL_ID), id))
        .into_iter()
        .collect()
}

/// What a Converse or Titan embeddings request says, as the typed requests
/// and a raw body give it. The parameters a Titan request lacks default to none.
pub(crate) trait RequestView {
    /// `gen_ai.request.model` as `request_model` reports it.
    fn model(&self) -> Option<&str>;
    /// The model as `request_info` reports it.
    fn info_model(&self) -> Option<Cow<'_, str>> {
        self.model().map(Cow::Borrowed)
    }
    /// The embedding types, for a Titan embeddings request (`None` otherwise).
    fn embedding_types(&self) -> Option<Vec<Cow<'_, str>>> {
        None
    }
    fn temperature(&self) -> Option<f64> {
        None
    }
    fn top_p(&self) -> Option<f64> {
        None
    }
    fn top_k(&self) -> Option<f64> {
        None
    }
    fn max_tokens(&self) -> Option<u64> {
        None
    }
    fn stop_sequences(&self) -> Vec<Cow<'_, str>> {
        Vec::new()
    }
    fn guardrail_config(&self) -> Option<&Value> {
        None
    }
}

impl RequestView for ConverseRequest {
    fn model(&self) -> Option<&str> {
        self.model_id.as_deref().filter(|m| !m.is_empty())
    }
    fn temperature(&self) -> Option<f64> {
        self.inference_config.as_ref()?.temperature
    }
    fn top_p(&self) -> Option<f64> {
        self.inference_config.as_ref()?.top_p
    }
    fn top_k(&self) -> Option<f64> {
        f64_at(self.additional_model_request_fields.as_ref()?, "top_k")
    }
    fn max_tokens(&self) -> Option<u64> {
        self.inference_config.as_ref()?.max_tokens
    }
    fn stop_sequences(&self) -> Vec<Cow<'_, str>> {
        self.inference_config
            .iter()
            .flat_map(|c| &c.stop_sequences)
            .map(|s| Cow::Borrowed(s.as_str()))
            .collect()
    }
    fn guardrail_config(&self) -> Option<&Value> {
        self.extra.get("guardrailConfig")
    }
}

impl RequestView for TitanEmbeddingRequest {
    fn model(&self) -> Option<&str> {
        self.model_id.as_deref().filter(|m| !m.is_empty())
    }
    fn embedding_types(&self) -> Option<Vec<Cow<'_, str>>> {
        Some(
            self.embedding_types
                .iter()
                .map(|t| Cow::Borrowed(t.as_str()))
                .collect(),
        )
    }
}

/// A raw body: a Titan embeddings request when it has `inputText`.
impl RequestView for Value {
    fn model(&self) -> Option<&str> {
        self.get("modelId")?.as_str()
    }
    fn info_model(&self) -> Option<Cow<'_, str>> {
        str_at(self, "modelId")
    }
    fn embedding_types(&self) -> Option<Vec<Cow<'_, str>>> {
        self.get("inputText")?;
        Some(strings_at(self, "embeddingTypes"))
    }
    fn temperature(&self) -> Option<f64> {
        f64_at(self.get("inferenceConfig")?, "temperature")
    }
    fn top_p(&self) -> Option<f64> {
        f64_at(self.get("inferenceConfig")?, "topP")
    }
    fn top_k(&self) -> Option<f64> {
        f64_at(self.get("additionalModelRequestFields")?, "top_k")
    }
    fn max_tokens(&self) -> Option<u64> {
        u64_at(self.get("inferenceConfig")?, "maxTokens")
    }
    fn stop_sequences(&self) -> Vec<Cow<'_, str>> {
        self.get("inferenceConfig")
            .map(|c| strings_at(c, "stopSequences"))
            .unwrap_or_default()
    }
    fn guardrail_config(&self) -> Option<&Value> {
        self.get("guardrailConfig")
    }
}

/// The request parameters of a Converse or Titan embeddings request.
pub(crate) fn request_info(r: &impl RequestView) -> RequestInfo<'_> {
    let model = r.info_model();
    if let Some(encoding_formats) = r.embedding_types() {
        return RequestInfo {
            model,
            encoding_formats,
            ..RequestInfo::default()
        };
    }
    RequestInfo {
        model,
        temperature: r.temperature(),
        top_p: r.top_p(),
        top_k: r.top_k(),
        max_tokens: r.max_tokens(),
        stop_sequences: r.stop_sequences(),
        provider_attributes: guardrail_id(r.guardrail_config()),
        ..RequestInfo::default()
    }
}

/// What a Titan embeddings response says.
pub(crate) struct Titan {
    usage: Option<Usage>,
    dimension_count: Option<u64>,
}

/// What a Converse or Titan embeddings response says, as the typed
/// responses and a raw body give it.
pub(crate) trait ResponseView {
    /// `Some` for a Titan embeddings response.
    fn titan(&self) -> Option<Titan> {
        None
    }
    fn model(&self) -> Option<&str> {
        None
    }
    fn stop_reason(&self) -> Option<Cow<'_, str>> {
        None
    }
    fn usage(&self) -> Option<Usage>;
    fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        Vec::new()
    }
}

impl ResponseView for ConverseResponse {
    fn model(&self) -> Option<&str> {
        self.invoked_model()
    }
    fn stop_reason(&self) -> Option<Cow<'_, str>> {
        self.stop_reason.as_deref().map(Cow::Borrowed)
    }
    fn usage(&self) -> Option<Usage> {
        self.usage.as_ref()?.normalized()
    }
    fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        self.content()
            .iter()
            .filter_map(|b| b.tool_use.as_ref())
            .filter(|t| !t.name.is_empty())
            .map(|t| {
                ToolCall::new(
                    Some(t.tool_use_id.as_str()).filter(|s| !s.is_empty()),
                    t.name.as_str(),
                )
            })
            .collect()
    }
}

impl ResponseView for TitanEmbeddingResponse {
    fn titan(&self) -> Option<Titan> {
        Some(Titan {
            usage: self.usage(),
            dimension_count: self.dimension_count(),
        })
    }
    fn usage(&self) -> Option<Usage> {
        titan_usage(self.input_text_token_count)
    }
}

/// A raw body: a Titan embeddings response when it has one of its fields.
impl ResponseView for Value {
    fn titan(&self) -> Option<Titan> {
        if !is_titan_response(self) {
            return None;
        }
        let dimension_count = match array_at(self, "embedding").len() {
            0 => self.get("embeddingsByType").and_then(by_type_len),
            n => Some(n as u64),
        };
        Some(Titan {
            usage: self.usage(),
            dimension_count,
        })
    }
    fn model(&self) -> Option<&str> {
        routed_model(self)
    }
    fn stop_reason(&self) -> Option<Cow<'_, str>> {
        str_at(self, "stopReason")
    }
    fn usage(&self) -> Option<Usage> {
        if is_titan_response(self) {
            return titan_usage(u64_at(self, "inputTextTokenCount"));
        }
        converse_usage(self)
    }
    fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        let content = self
            .get("output")
            .and_then(|o| o.get("message"))
            .map(|m| array_at(m, "content"))
            .unwrap_or(&[]);
        content
            .iter()
            .filter_map(|b| b.get("toolUse"))
            .filter_map(|t| {
                Some(ToolCall {
                    id: str_at(t, "toolUseId"),
                    name: str_at(t, "name")?,
                })
            })
            .collect()
    }
}

/// Everything a Converse or Titan embeddings response says about the call.
pub(crate) fn response_info(r: &impl ResponseView) -> ResponseInfo<'_> {
    if let Some(titan) = r.titan() {
        return ResponseInfo {
            usage: titan.usage,
            embeddings_dimension_count: titan.dimension_count,
            ..ResponseInfo::default()
        };
    }
    ResponseInfo {
        id: None,
        model: r.model().map(Cow::Borrowed),
        finish_reasons: r.stop_reason().into_iter().collect(),
        usage: r.usage(),
        tool_calls: r.tool_calls(),
        embeddings_dimension_count: None,
        provider_attributes: Vec::new(),
    }
}
