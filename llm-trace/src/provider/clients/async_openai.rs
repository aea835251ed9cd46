//! Facts from [async-openai](https://docs.rs/async-openai)'s own types
//! (cargo feature `async-openai`).
//!
//! With this feature, the request and response types of async-openai describe
//! calls of every [`OpenAiCompatible`] provider (OpenAI, Azure OpenAI,
//! DeepSeek, Groq, xAI, OpenRouter, vLLM, ...), so a function that already
//! uses them is instrumented without converting anything:
//!
//! | API              | request                       | response                                                                 |
//! |------------------|-------------------------------|--------------------------------------------------------------------------|
//! | Chat Completions | [`CreateChatCompletionRequest`] | [`CreateChatCompletionResponse`], [`CreateChatCompletionStreamResponse`] (one chunk) |
//! | Responses        | [`CreateResponse`]            | [`Response`]                                                             |
//! | Embeddings       | [`CreateEmbeddingRequest`]    | [`CreateEmbeddingResponse`]                                              |
//!
//! Only async-openai's types are used (its `chat-completion-types`,
//! `response-types` and `embedding-types` features): enabling this feature
//! adds no HTTP client, TLS stack or runtime. Any client that produces these
//! types (async-openai's own, with its API features enabled in your crate, or
//! a plain HTTP client that deserializes into them) works.
//!
//! ```ignore
//! use async_openai::types::chat::{CreateChatCompletionRequest, CreateChatCompletionResponse};
//!
//! #[llm_trace::llm_call(provider = "openai", request = req)]
//! async fn chat(
//!     client: &async_openai::Client<async_openai::config::OpenAIConfig>,
//!     req: CreateChatCompletionRequest,
//! ) -> Result<CreateChatCompletionResponse, async_openai::error::OpenAIError> {
//!     client.chat().create(req.clone()).await
//! }
//! ```
//!
//! # Normalization
//!
//! The same as for this crate's own types ([`crate::provider::openai`],
//! [`crate::provider::responses`]):
//!
//! - Chat Completions: `prompt_tokens` (which includes
//!   `prompt_tokens_details.cached_tokens`) is the input, `completion_tokens`
//!   (which includes `completion_tokens_details.reasoning_tokens`) the
//!   output; `prompt_tokens_details.cache_write_tokens`, where reported, is
//!   the cache write. Finish reasons are the API's strings (`stop`, `length`,
//!   `tool_calls`, `content_filter`, `function_call`), one per choice. Tool
//!   calls are the function and custom tool calls of every choice.
//! - Responses API: the finish reason derived from `status` as documented in
//!   [`crate::provider::responses`] (`stop`, `tool_calls`, `max_output_tokens`, ...);
//!   tool calls are the `function_call` items, with their `call_id`.
//! - Embeddings: `prompt_tokens` is the input, and
//!   `gen_ai.embeddings.dimension.count` the length of the first embedding.
//! - A stream chunk gives its id, model and finish reasons, the tool calls
//!   whose name it carries (the first delta of each call), and usage when it
//!   has some: the last chunk of a stream requested with
//!   `stream_options: {"include_usage": true}`.
//! - Request temperatures and penalties are `f32` in async-openai; they are
//!   recorded as the decimal they were written as (`0.2`, not
//!   `0.20000000298023224`).

use std::borrow::Cow;

use async_openai::types::chat::{
    ChatCompletionMessageToolCalls, CompletionUsage, CreateChatCompletionRequest,
    CreateChatCompletionResponse, CreateChatCompletionStreamResponse, FinishReason, ResponseFormat,
    ServiceTier, StopConfiguration,
};
use async_openai::types::embeddings::{
    CreateEmbeddingRequest, CreateEmbeddingResponse, EncodingFormat,
};
use async_openai::types::responses::{
    CreateResponse, OutputItem, Response, ResponseUsage, ServiceTierResponses, Status,
    TextResponseFormatConfiguration,
};

use crate::model::{OutputMessage, RequestContent};
use crate::provider::formats::chat_completions::content::{
    chat_output_messages, chat_request_content,
};
use crate::provider::formats::responses;
use crate::provider::vendors::openai::{
    openai_request_attributes, openai_response_attributes, OpenAiCompatible,
};
use crate::provider::{
    ChunkFacts, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts, ToolCall,
    Usage,
};

/// An `f32` as the `f64` of its shortest decimal form, so that `0.2_f32`
/// records as `0.2`.
fn widen(x: f32) -> f64 {
    if !x.is_finite() {
        return f64::from(x);
    }
    x.to_string().parse().unwrap_or(f64::from(x))
}

/// A non-empty string, borrowed.
fn non_empty(s: &str) -> Option<Cow<'_, str>> {
    Some(s).filter(|s| !s.is_empty()).map(Cow::Borrowed)
}

/// The API's string for a finish reason.
fn finish_reason_str(reason: FinishReason) -> &'static str {
    match reason {
        FinishReason::Stop => "stop",
        FinishReason::Length => "length",
        FinishReason::ToolCalls => "tool_calls",
        FinishReason::ContentFilter => "content_filter",
        FinishReason::FunctionCall => "function_call",
    }
}

/// A Responses API service tier as the API spells it.
fn responses_service_tier_str(tier: &ServiceTierResponses) -> &'static str {
    match tier {
        ServiceTierResponses::Auto => "auto",
        ServiceTierResponses::Default => "default",
        ServiceTierResponses::Flex => "flex",
        ServiceTierResponses::Scale => "scale",
        ServiceTierResponses::Priority => "priority",
        ServiceTierResponses::Fast => "fast",
        ServiceTierResponses::Ultrafast => "ultrafast",
    }
}

/// A service tier as the API spells it.
fn service_tier_str(tier: &ServiceTier) -> &'static str {
    match tier {
        ServiceTier::Auto => "auto",
        ServiceTier::Default => "default",
        ServiceTier::Flex => "flex",
        ServiceTier::Scale => "scale",
        ServiceTier::Priority => "priority",
        ServiceTier::Fast => "fast",
    }
}

/// Chat Completions usage, normalized.
fn chat_usage(u: &CompletionUsage) -> Usage {
    let prompt = u.prompt_tokens_details.as_ref();
    Usage {
        input_tokens: Some(u.prompt_tokens.into()),
        output_tokens: Some(u.completion_tokens.into()),
        cache_read_input_tokens: prompt.and_then(|d| d.cached_tokens).map(u64::from),
        cache_write_input_tokens: prompt
            .and_then(|d| d.cache_write_tokens)
            .and_then(|n| u64::try_from(n).ok()),
        reasoning_output_tokens: u
            .completion_tokens_details
            .as_ref()
            .and_then(|d| d.reasoning_tokens)
            .map(u64::from),
        ..Usage::default()
    }
}

/// Responses API usage, normalized.
fn response_usage(u: &ResponseUsage) -> Usage {
    Usage {
        input_tokens: Some(u.input_tokens.into()),
        output_tokens: Some(u.output_tokens.into()),
        cache_read_input_tokens: Some(u.input_tokens_details.cached_tokens.into()),
        cache_write_input_tokens: u
            .input_tokens_details
            .cache_write_tokens
            .and_then(|n| u64::try_from(n).ok()),
        reasoning_output_tokens: Some(u.output_tokens_details.reasoning_tokens.into()),
        ..Usage::default()
    }
}

impl<P: OpenAiCompatible> RequestFacts<P> for CreateChatCompletionRequest {
    fn request_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }

    // `max_tokens` and `seed` are deprecated by the API, yet still sent.
    #[allow(deprecated)]
    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo {
            model: non_empty(&self.model),
            temperature: self.temperature.map(widen),
            top_p: self.top_p.map(widen),
            max_tokens: self
                .max_completion_tokens
                .or(self.max_tokens)
                .map(u64::from),
            stop_sequences: match &self.stop {
                Some(StopConfiguration::String(s)) => vec![Cow::Borrowed(s.as_str())],
                Some(StopConfiguration::StringArray(v)) => {
                    v.iter().map(|s| Cow::Borrowed(s.as_str())).collect()
                }
                None => Vec::new(),
            },
            seed: self.seed,
            choice_count: self.n.map(u64::from),
            frequency_penalty: self.frequency_penalty.map(widen),
            presence_penalty: self.presence_penalty.map(widen),
            stream: self.stream,
            output_type: self.response_format.as_ref().map(|f| {
                Cow::Borrowed(match f {
                    ResponseFormat::Text => "text",
                    ResponseFormat::JsonObject | ResponseFormat::JsonSchema { .. } => "json",
                })
            }),
            provider_attributes: openai_request_attributes::<P>(
                self.service_tier
                    .as_ref()
                    .map(|t| Cow::Borrowed(service_tier_str(t))),
            ),
            ..RequestInfo::default()
        }
    }

    /// Read from async-openai's serde form, which is the API's.
    fn request_content(&self) -> Option<RequestContent> {
        chat_request_content(&serde_json::to_value(self).ok()?)
    }
}

impl<P: OpenAiCompatible> ResponseFacts<P> for CreateChatCompletionResponse {
    // `system_fingerprint` is deprecated by the API, yet still sent.
    #[allow(deprecated)]
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            id: non_empty(&self.id),
            model: non_empty(&self.model),
            finish_reasons: self
                .choices
                .iter()
                .filter_map(|c| c.finish_reason)
                .map(|r| Cow::Borrowed(finish_reason_str(r)))
                .collect(),
            usage: ResponseFacts::<P>::usage(self),
            tool_calls: self
                .choices
                .iter()
                .filter_map(|c| c.message.tool_calls.as_deref())
                .flatten()
                .map(|call| match call {
                    ChatCompletionMessageToolCalls::Function(f) => {
                        ToolCall::new(non_empty(&f.id), f.function.name.as_str())
                    }
                    ChatCompletionMessageToolCalls::Custom(c) => {
                        ToolCall::new(non_empty(&c.id), c.custom_tool.name.as_str())
                    }
                })
                .collect(),
            provider_attributes: openai_response_attributes::<P>(
                Some("chat_completions"),
                self.service_tier.as_ref().map(service_tier_str),
                self.system_fingerprint.as_deref(),
            ),
            ..ResponseInfo::default()
        }
    }

    fn usage(&self) -> Option<Usage> {
        self.usage.as_ref().map(chat_usage)
    }

    fn response_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        chat_output_messages(&serde_json::to_value(self).ok()?)
    }
}

impl<P: OpenAiCompatible> ResponseFacts<P> for CreateChatCompletionStreamResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            id: non_empty(&self.id),
            model: non_empty(&self.model),
            finish_reasons: self
                .choices
                .iter()
                .filter_map(|c| c.finish_reason)
                .map(|r| Cow::Borrowed(finish_reason_str(r)))
                .collect(),
            usage: ResponseFacts::<P>::usage(self),
            tool_calls: self
                .choices
                .iter()
                .filter_map(|c| c.delta.tool_calls.as_deref())
                .flatten()
                .filter_map(|chunk| {
                    let name = chunk.function.as_ref()?.name.as_deref()?;
                    let name = non_empty(name)?;
                    Some(ToolCall {
                        id: chunk.id.as_deref().and_then(non_empty),
                        name,
                    })
                })
                .collect(),
            ..ResponseInfo::default()
        }
    }

    fn usage(&self) -> Option<Usage> {
        self.usage.as_ref().map(chat_usage)
    }

    fn response_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }
}

/// One chunk of a streamed chat, read per choice index (a chunk may carry
/// the end of choice 1 alone).
impl<P: OpenAiCompatible> ChunkFacts<P> for CreateChatCompletionStreamResponse {
    fn observe(&self, stream: &mut StreamFacts) {
        stream.id(&self.id);
        stream.model(&self.model);
        for choice in &self.choices {
            let index = choice.index as usize;
            stream.choice(index);
            if let Some(text) = &choice.delta.content {
                stream.text(index, text);
            }
            for call in choice.delta.tool_calls.iter().flatten() {
                let function = call.function.as_ref();
                stream.openai_tool_call_delta(
                    index,
                    call.index as usize,
                    call.id.as_deref(),
                    function.and_then(|f| f.name.as_deref()),
                    function.and_then(|f| f.arguments.as_deref()),
                );
            }
            if let Some(reason) = choice.finish_reason {
                stream.finish_reason(index, finish_reason_str(reason));
            }
        }
        if let Some(usage) = &self.usage {
            stream.merge_usage(chat_usage(usage));
        }
    }
}

impl<P: OpenAiCompatible> RequestFacts<P> for CreateResponse {
    fn request_model(&self) -> Option<&str> {
        self.model.as_deref().filter(|m| !m.is_empty())
    }

    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo {
            model: self.model.as_deref().and_then(non_empty),
            temperature: self.temperature.map(widen),
            top_p: self.top_p.map(widen),
            max_tokens: self.max_output_tokens.map(u64::from),
            stream: self.stream,
            output_type: self.text.as_ref().map(|t| {
                Cow::Borrowed(match t.format {
                    TextResponseFormatConfiguration::Text => "text",
                    TextResponseFormatConfiguration::JsonObject
                    | TextResponseFormatConfiguration::JsonSchema(_) => "json",
                })
            }),
            provider_attributes: openai_request_attributes::<P>(
                self.service_tier
                    .as_ref()
                    .map(|t| Cow::Borrowed(responses_service_tier_str(t))),
            ),
            ..RequestInfo::default()
        }
    }

    fn request_content(&self) -> Option<RequestContent> {
        responses::responses_request_content(&serde_json::to_value(self).ok()?)
    }
}

impl<P: OpenAiCompatible> ResponseFacts<P> for Response {
    fn response_info(&self) -> ResponseInfo<'_> {
        let tool_calls: Vec<ToolCall<'_>> = self
            .output
            .iter()
            .filter_map(|item| match item {
                OutputItem::FunctionCall(call) => Some(call),
                _ => None,
            })
            .filter_map(|call| {
                Some(ToolCall {
                    id: non_empty(&call.call_id),
                    name: non_empty(&call.name)?,
                })
            })
            .collect();
        // The API has no per-choice reason: the table of `super::responses`.
        let status = match self.status {
            Status::Completed => "completed",
            Status::Incomplete => "incomplete",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
            Status::InProgress => "in_progress",
            Status::Queued => "queued",
        };
        let incomplete = self
            .incomplete_details
            .as_ref()
            .map(|d| d.reason.as_str())
            .filter(|r| !r.is_empty());
        let reason = responses::finish_reason(Some(status), incomplete, !tool_calls.is_empty());
        ResponseInfo {
            id: non_empty(&self.id),
            model: non_empty(&self.model),
            finish_reasons: reason.map(Cow::Borrowed).into_iter().collect(),
            usage: ResponseFacts::<P>::usage(self),
            tool_calls,
            provider_attributes: openai_response_attributes::<P>(
                Some("responses"),
                self.service_tier.as_ref().map(responses_service_tier_str),
                None,
            ),
            ..ResponseInfo::default()
        }
    }

    fn usage(&self) -> Option<Usage> {
        self.usage.as_ref().map(response_usage)
    }

    fn response_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        responses::responses_output_messages(&serde_json::to_value(self).ok()?)
    }
}

impl<P: OpenAiCompatible> RequestFacts<P> for CreateEmbeddingRequest {
    fn request_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }

    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo {
            model: non_empty(&self.model),
            encoding_formats: self
                .encoding_format
                .as_ref()
                .map(|f| {
                    Cow::Borrowed(match f {
                        EncodingFormat::Float => "float",
                        EncodingFormat::Base64 => "base64",
                    })
                })
                .into_iter()
                .collect(),
            ..RequestInfo::default()
        }
    }
}

impl<P: OpenAiCompatible> ResponseFacts<P> for CreateEmbeddingResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            model: non_empty(&self.model),
            usage: ResponseFacts::<P>::usage(self),
            embeddings_dimension_count: self.data.first().map(|e| e.embedding.len() as u64),
            ..ResponseInfo::default()
        }
    }

    fn usage(&self) -> Option<Usage> {
        Some(Usage {
            input_tokens: Some(self.usage.prompt_tokens.into()),
            ..Usage::default()
        })
    }

    fn response_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_parameters_record_as_written() {
        assert_eq!(widen(0.2), 0.2);
        assert_eq!(widen(1.0), 1.0);
        assert_eq!(widen(-1.5), -1.5);
        assert!(widen(f32::NAN).is_nan());
    }
}
