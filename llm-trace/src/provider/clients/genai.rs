//! [genai](https://docs.rs/genai): facts from its chat types (the `genai`
//! feature), built against genai 0.7.
//!
//! genai is a multi-provider client (OpenAI, Anthropic, Gemini, Bedrock,
//! DeepSeek, Groq, xAI, Ollama, Cohere, ... about twenty adapters) whose
//! [`ChatResponse`] and stream [`StreamEnd`] carry one normalized
//! [`Usage`](::genai::chat::Usage) whatever the provider. With this feature
//! a function that returns them is instrumented as is, under **any**
//! provider: genai talks to many, so the annotation's `provider` names the
//! one the call goes to. genai takes the model as an argument of
//! `exec_chat`, not as part of the request, so give it with `model = "..."`:
//!
//! ```no_run
//! use genai::chat::{ChatOptions, ChatRequest, ChatResponse};
//!
//! #[llm_trace::llm_call(provider = "anthropic", model = "claude-sonnet-4-5", request = options)]
//! async fn ask(
//!     client: &genai::Client,
//!     req: ChatRequest,
//!     options: &ChatOptions,
//! ) -> genai::Result<ChatResponse> {
//!     client.exec_chat("claude-sonnet-4-5", req, Some(options)).await
//! }
//! # let _ = ask;
//! ```
//!
//! **Keep genai's own `otel` feature off.** With it, genai opens its own
//! GenAI `tracing` span (`chat {model}`, `gen_ai.*` fields) around every
//! `exec_chat`/`exec_chat_stream`; once those reach OpenTelemetry (through
//! `tracing-opentelemetry`, or llm-trace's `tracing` feature) every call is
//! traced twice, and its usage counted twice by anything that sums spans.
//! This feature enables no genai feature at all (`default-features = false`:
//! no TLS stack, no system proxy); pick genai's TLS (`rustls-tls`, its
//! default, or `native-tls`) on your own genai dependency line.
//!
//! # What is read
//!
//! - [`ChatResponse`]: `response_id` (genai keeps one for OpenAI's Responses
//!   API only) as `gen_ai.response.id`; `provider_model_iden`, the model the
//!   provider reported (genai falls back to the requested model when the
//!   provider reports none), as `gen_ai.response.model`, without a genai
//!   routing namespace (`vertex::gemini-2.5-pro` is `gemini-2.5-pro`); the
//!   provider's own stop reason ([`StopReason::raw`]: `end_turn`, `STOP`,
//!   `tool_calls`, ...) as the finish reason; the tool calls of `content`;
//!   and `usage`.
//! - [`StreamEnd`]: `captured_usage`, `captured_stop_reason`, the tool calls
//!   of `captured_content` and `captured_response_id`, which genai fills only
//!   when the request's [`ChatOptions`] ask for them (`capture_usage`,
//!   `capture_tool_calls`, ...). A stream end carries no model.
//! - [`ChatOptions`] (as `request = options`): temperature, top-p, max
//!   tokens, stop sequences, seed, and `json` as the output type when a
//!   response format is set. [`ChatRequest`](::genai::chat::ChatRequest)
//!   carries no request parameter (no model, no sampling), so it has no
//!   `RequestFacts`.
//!
//! # Usage normalization
//!
//! genai's usage already has the OpenAI meaning for nearly every adapter,
//! which is the GenAI conventions' meaning: `prompt_tokens` includes cached
//! tokens (its Anthropic adapter adds `cache_creation_input_tokens` and
//! `cache_read_input_tokens` to `input_tokens`), and `completion_tokens`
//! includes reasoning tokens (its Gemini adapters add `thoughtsTokenCount`
//! to `candidatesTokenCount`). So:
//!
//! - `gen_ai.usage.input_tokens` is `prompt_tokens`, except for genai's AWS
//!   Bedrock adapters (`bedrock_api`, `bedrock_sigv4`), which copy Converse's
//!   `inputTokens`, the tokens neither read from nor written to the cache:
//!   there the cache read and write counts are added;
//! - `gen_ai.usage.output_tokens` is `completion_tokens`; when genai has
//!   reasoning tokens but no completion count (Gemini omits
//!   `candidatesTokenCount` when all output was thinking), the reasoning
//!   tokens are the output tokens;
//! - `gen_ai.usage.cache_read.input_tokens` is
//!   `prompt_tokens_details.cached_tokens`,
//!   `gen_ai.usage.cache_write.input_tokens` is
//!   `prompt_tokens_details.cache_creation_tokens` and
//!   `gen_ai.usage.reasoning.output_tokens` is
//!   `completion_tokens_details.reasoning_tokens`. A zero in these
//!   breakdowns is no count, as genai itself deserializes them, so a
//!   response reads the same built by an adapter or deserialized;
//! - negative counts (genai stores `i32`) are no count; a usage with no
//!   count at all (a stream end without `capture_usage`) is no usage.
//!
//! Whether a [`ChatResponse`] comes from Bedrock is its `model_iden`'s
//! adapter kind; a [`StreamEnd`] names no adapter, so there the annotation's
//! provider decides (`provider = "aws.bedrock"`).

use std::borrow::Cow;

use ::genai::chat::{
    ChatOptions, ChatResponse, ChatStreamEvent, MessageContent, StopReason, StreamEnd,
    Usage as GenaiUsage,
};
use ::genai::ModelIden;

use crate::model::{OutputMessage, Part};

use crate::provider::{
    Bedrock, ChunkFacts, Provider, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo,
    StreamFacts, ToolCall, Usage,
};

impl<P: Provider> RequestFacts<P> for ChatOptions {
    fn request_model(&self) -> Option<&str> {
        None
    }

    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo {
            temperature: self.temperature,
            top_p: self.top_p,
            max_tokens: self.max_tokens.map(u64::from),
            stop_sequences: self
                .stop_sequences
                .iter()
                .map(|s| Cow::Borrowed(s.as_str()))
                .collect(),
            seed: self.seed.and_then(|seed| i64::try_from(seed).ok()),
            output_type: self.response_format.as_ref().map(|_| Cow::Borrowed("json")),
            ..RequestInfo::default()
        }
    }
}

impl<P: Provider> ResponseFacts<P> for ChatResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            id: non_empty(self.response_id.as_deref()),
            model: response_model(&self.provider_model_iden).map(Cow::Borrowed),
            finish_reasons: finish_reasons(self.stop_reason.as_ref()),
            usage: ResponseFacts::<P>::usage(self),
            tool_calls: tool_calls(&self.content),
            ..ResponseInfo::default()
        }
    }

    fn usage(&self) -> Option<Usage> {
        let bedrock = self
            .model_iden
            .adapter_kind
            .as_lower_str()
            .starts_with("bedrock");
        normalize(&self.usage, bedrock)
    }

    fn response_model(&self) -> Option<&str> {
        response_model(&self.provider_model_iden)
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        Some(vec![output_message(
            Some(&self.content),
            self.reasoning_content.as_deref(),
            self.stop_reason.as_ref(),
        )])
    }
}

impl<P: Provider> ResponseFacts<P> for StreamEnd {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            id: non_empty(self.captured_response_id.as_deref()),
            finish_reasons: finish_reasons(self.captured_stop_reason.as_ref()),
            usage: ResponseFacts::<P>::usage(self),
            tool_calls: self
                .captured_content
                .as_ref()
                .map(tool_calls)
                .unwrap_or_default(),
            ..ResponseInfo::default()
        }
    }

    fn usage(&self) -> Option<Usage> {
        normalize(self.captured_usage.as_ref()?, P::NAME == Bedrock::NAME)
    }

    /// What genai captured of the stream (its `capture_content` and
    /// `capture_reasoning_content` options); `None` when it captured no
    /// content.
    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        if self.captured_content.is_none() && self.captured_reasoning_content.is_none() {
            return None;
        }
        Some(vec![output_message(
            self.captured_content.as_ref(),
            self.captured_reasoning_content.as_deref(),
            self.captured_stop_reason.as_ref(),
        )])
    }
}

/// The one answer of a genai call: reasoning, texts, tool calls.
fn output_message(
    content: Option<&MessageContent>,
    reasoning: Option<&str>,
    stop: Option<&StopReason>,
) -> OutputMessage {
    let mut parts = Vec::new();
    if let Some(reasoning) = reasoning.filter(|r| !r.is_empty()) {
        parts.push(Part::reasoning(reasoning));
    }
    if let Some(content) = content {
        parts.extend(content.texts().into_iter().map(Part::text));
        parts.extend(content.tool_calls().into_iter().map(|call| {
            Part::tool_call(
                non_empty(Some(call.call_id.as_str())).map(Cow::into_owned),
                call.fn_name.as_str(),
                call.fn_arguments.clone(),
            )
        }));
    }
    let reason = finish_reasons(stop).into_iter().next();
    OutputMessage::new("assistant", parts, reason.as_deref())
}

/// genai's stream events: the facts are in the last one, `End`; for content
/// capture, the text and reasoning come from the chunks, and the tool calls
/// from `End` (genai's tool-call chunks repeat each call as accumulated so
/// far, and `End` has them whole when its `capture_tool_calls` option is on).
impl<P: Provider> ChunkFacts<P> for ChatStreamEvent {
    fn observe(&self, stream: &mut StreamFacts) {
        match self {
            ChatStreamEvent::Chunk(chunk) => stream.text(0, &chunk.content),
            ChatStreamEvent::ReasoningChunk(chunk) => stream.reasoning(0, &chunk.content),
            ChatStreamEvent::End(end) => {
                stream.choice(0);
                if let Some(content) = &end.captured_content {
                    for (position, call) in content.tool_calls().into_iter().enumerate() {
                        let arguments = call.fn_arguments.to_string();
                        stream.tool_call_delta(
                            0,
                            position,
                            non_empty(Some(call.call_id.as_str())).as_deref(),
                            Some(&call.fn_name),
                            &arguments,
                        );
                    }
                }
                stream.merge(ResponseFacts::<P>::response_info(end));
            }
            _ => {}
        }
    }
}

/// genai's usage with the GenAI conventions' meaning (see the module
/// documentation). `bedrock`: `prompt_tokens` excludes the cache buckets.
fn normalize(u: &GenaiUsage, bedrock: bool) -> Option<Usage> {
    let prompt = u.prompt_tokens.and_then(count);
    let completion = u.completion_tokens.and_then(count);
    let details = u.prompt_tokens_details.as_ref();
    let cache_read = details.and_then(|d| d.cached_tokens).and_then(positive);
    let cache_write = details
        .and_then(|d| d.cache_creation_tokens)
        .and_then(positive);
    let reasoning = u
        .completion_tokens_details
        .as_ref()
        .and_then(|d| d.reasoning_tokens)
        .and_then(positive);
    let input_tokens = match (prompt, bedrock) {
        (prompt, true) if cache_read.is_some() || cache_write.is_some() => Some(
            prompt
                .unwrap_or(0)
                .saturating_add(cache_read.unwrap_or(0))
                .saturating_add(cache_write.unwrap_or(0)),
        ),
        (prompt, _) => prompt,
    };
    let usage = Usage {
        input_tokens,
        output_tokens: completion.or(reasoning),
        cache_read_input_tokens: cache_read,
        cache_write_input_tokens: cache_write,
        reasoning_output_tokens: reasoning,
        ..Usage::default()
    };
    (usage != Usage::default()).then_some(usage)
}

/// A token count; genai stores `i32`, and a negative count is no count.
fn count(n: i32) -> Option<u64> {
    u64::try_from(n).ok()
}

/// A breakdown count: zero, like a negative count, is none.
fn positive(n: i32) -> Option<u64> {
    count(n).filter(|&n| n > 0)
}

fn non_empty(s: Option<&str>) -> Option<Cow<'_, str>> {
    s.filter(|s| !s.is_empty()).map(Cow::Borrowed)
}

/// The model name without genai's routing namespace (`ns::name`).
fn response_model(model: &ModelIden) -> Option<&str> {
    Some(model.model_name.namespace_and_name().1).filter(|name| !name.is_empty())
}

fn finish_reasons(reason: Option<&StopReason>) -> Vec<Cow<'_, str>> {
    reason
        .map(StopReason::raw)
        .filter(|raw| !raw.is_empty())
        .map(Cow::Borrowed)
        .into_iter()
        .collect()
}

fn tool_calls(content: &MessageContent) -> Vec<ToolCall<'_>> {
    content
        .tool_calls()
        .into_iter()
        .map(|call| ToolCall {
            id: non_empty(Some(call.call_id.as_str())),
            name: Cow::Borrowed(call.fn_name.as_str()),
        })
        .collect()
}
