//! [claudius](https://docs.rs/claudius): facts from its Messages types
//! (the `claudius` feature).
//!
//! claudius is an Anthropic client that keeps the prompt-cache usage
//! (`cache_read_input_tokens`, `cache_creation_input_tokens`) many Anthropic
//! crates drop. With this feature a function that returns its
//! [`Message`](::claudius::Message) and takes its
//! [`MessageCreateParams`](::claudius::MessageCreateParams) is instrumented
//! as is, under the [`Anthropic`] provider:
//!
//! ```no_run
//! use claudius::{Message, MessageCreateParams};
//!
//! #[llm_trace::llm_call(provider = "anthropic", request = params)]
//! async fn ask(
//!     client: &claudius::Anthropic,
//!     params: MessageCreateParams,
//! ) -> Result<Message, claudius::Error> {
//!     client.send(params).await
//! }
//! # let _ = ask;
//! ```
//!
//! Normalization is the one of [`crate::provider::anthropic`]: Anthropic's
//! `input_tokens` excludes the tokens read from and written to the cache, so
//! `gen_ai.usage.input_tokens` is `input_tokens + cache_read_input_tokens +
//! cache_creation_input_tokens`; the two cache counts are also recorded on
//! their own. claudius's `output_tokens_details.thinking_tokens`, when
//! present, becomes `gen_ai.usage.reasoning.output_tokens` (already included
//! in `output_tokens`). Negative counts (claudius stores `i32`) are treated
//! as absent. `tool_use` blocks are the tool calls; server tools
//! (`server_tool_use`, run by Anthropic) are not.

use std::borrow::Cow;
use std::sync::{OnceLock, PoisonError, RwLock};

use ::claudius::{
    ContentBlock, ContentBlockDelta, KnownModel, Message, MessageCreateParams, MessageStreamEvent,
    Model, OutputFormat, Usage as ClaudiusUsage,
};

use crate::model::{OutputMessage, RequestContent};
use crate::provider::formats::messages::stream::merge_counts;
use crate::provider::formats::messages::{content, DeltaUsage};
use crate::provider::{
    Anthropic, ChunkFacts, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts,
    ToolCall, Usage,
};

impl RequestFacts<Anthropic> for MessageCreateParams {
    fn request_model(&self) -> Option<&str> {
        model_name(&self.model)
    }

    fn request_info(&self) -> RequestInfo<'_> {
        let output_format = self
            .output_format
            .as_ref()
            .or_else(|| self.output_config.as_ref()?.format.as_ref());
        RequestInfo {
            model: self.request_model().map(Cow::Borrowed),
            temperature: self.temperature.map(widen),
            top_p: self.top_p.map(widen),
            top_k: self.top_k.map(f64::from),
            max_tokens: Some(self.max_tokens.into()),
            stop_sequences: self
                .stop_sequences
                .iter()
                .flatten()
                .map(|s| Cow::Borrowed(s.as_str()))
                .collect(),
            stream: Some(self.stream),
            output_type: output_format.map(|format| match format {
                OutputFormat::JsonSchema { .. } => Cow::Borrowed("json"),
            }),
            ..RequestInfo::default()
        }
    }

    /// Read from claudius's serde form, which is the Messages API's.
    fn request_content(&self) -> Option<RequestContent> {
        content::messages_request_content(&serde_json::to_value(self).ok()?)
    }
}

impl ResponseFacts<Anthropic> for Message {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            id: Some(Cow::Borrowed(self.id.as_str())).filter(|id| !id.is_empty()),
            model: model_name(&self.model).map(Cow::Borrowed),
            finish_reasons: self
                .stop_reason
                .iter()
                .map(|reason| Cow::Owned(reason.to_string()))
                .collect(),
            usage: Some(Usage::from(&self.usage)),
            tool_calls: self
                .content
                .iter()
                .filter_map(|block| match block {
                    ContentBlock::ToolUse(tool) => {
                        Some(ToolCall::new(Some(tool.id.as_str()), tool.name.as_str()))
                    }
                    _ => None,
                })
                .collect(),
            ..ResponseInfo::default()
        }
    }

    fn usage(&self) -> Option<Usage> {
        Some(Usage::from(&self.usage))
    }

    fn response_model(&self) -> Option<&str> {
        model_name(&self.model)
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        content::messages_output_messages(&serde_json::to_value(self).ok()?)
    }
}

/// One event of a streamed message: `message_start` gives the id, model and
/// input usage, `content_block_start` the tool calls, `message_delta` the
/// stop reason and the cumulative usage (thinking tokens included).
impl ChunkFacts<Anthropic> for MessageStreamEvent {
    fn observe(&self, stream: &mut StreamFacts) {
        match self {
            MessageStreamEvent::MessageStart(start) => {
                let message = &start.message;
                stream.id(&message.id);
                if let Some(model) = model_name(&message.model) {
                    stream.model(model);
                }
                stream.choice(0);
                stream.merge_usage(Usage::from(&message.usage));
            }
            MessageStreamEvent::ContentBlockStart(start) => {
                if let ContentBlock::ToolUse(tool) = &start.content_block {
                    let id = tool.id.as_str();
                    stream.tool_call(Some(id), &tool.name);
                    stream.tool_call_delta(0, start.index, Some(id), Some(&tool.name), "");
                }
            }
            // The content of the one choice, for content capture.
            MessageStreamEvent::ContentBlockDelta(delta) => match &delta.delta {
                ContentBlockDelta::TextDelta(text) => stream.text(0, &text.text),
                ContentBlockDelta::ThinkingDelta(thinking) => {
                    stream.reasoning(0, &thinking.thinking)
                }
                ContentBlockDelta::InputJsonDelta(json) => {
                    stream.tool_call_delta(0, delta.index, None, None, &json.partial_json)
                }
                _ => {}
            },
            MessageStreamEvent::MessageDelta(delta) => {
                if let Some(reason) = &delta.delta.stop_reason {
                    stream.finish_reason(0, &reason.to_string());
                }
                let u = &delta.usage;
                // Thinking tokens, where reported, are cumulative too; an
                // event without them keeps the count seen so far.
                let reasoning = u
                    .output_tokens_details
                    .and_then(|d| count(d.thinking_tokens))
                    .or_else(|| stream.usage().and_then(|s| s.reasoning_output_tokens));
                merge_counts(
                    stream,
                    DeltaUsage {
                        input_tokens: u.input_tokens.and_then(count),
                        output_tokens: count(u.output_tokens),
                        cache_creation_input_tokens: u.cache_creation_input_tokens.and_then(count),
                        cache_read_input_tokens: u.cache_read_input_tokens.and_then(count),
                    },
                );
                stream.usage_mut().reasoning_output_tokens = reasoning;
            }
            _ => {}
        }
    }
}

impl From<&ClaudiusUsage> for Usage {
    /// claudius's usage with the GenAI conventions' meaning: cache reads and
    /// writes summed into the input tokens.
    fn from(u: &ClaudiusUsage) -> Usage {
        let input = count(u.input_tokens);
        let cache_read = u.cache_read_input_tokens.and_then(count);
        let cache_write = u.cache_creation_input_tokens.and_then(count);
        let input_tokens = match (input, cache_read, cache_write) {
            (None, None, None) => None,
            (i, r, w) => Some(
                i.unwrap_or(0)
                    .saturating_add(r.unwrap_or(0))
                    .saturating_add(w.unwrap_or(0)),
            ),
        };
        Usage {
            input_tokens,
            output_tokens: count(u.output_tokens),
            cache_read_input_tokens: cache_read,
            cache_write_input_tokens: cache_write,
            reasoning_output_tokens: u
                .output_tokens_details
                .and_then(|d| count(d.thinking_tokens)),
            ..Usage::default()
        }
    }
}

impl From<ClaudiusUsage> for Usage {
    fn from(u: ClaudiusUsage) -> Usage {
        Usage::from(&u)
    }
}

/// A token count; claudius stores `i32`, and a negative count is no count.
fn count(n: i32) -> Option<u64> {
    u64::try_from(n).ok()
}

/// An `f32` parameter as the `f64` its decimal form denotes (`0.7`, not
/// `0.699999988079071`).
fn widen(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

/// The API name of a model; an empty custom name is none.
fn model_name(model: &Model) -> Option<&str> {
    match model {
        Model::Known(known) => Some(known_model_name(*known)),
        Model::Custom(name) => Some(name.as_str()).filter(|n| !n.is_empty()),
    }
}

/// The API name of a known model as a `&'static str`.
///
/// claudius gives known models' names only through `Display`; each name is
/// formatted and interned once (there are as many as `KnownModel` has
/// variants), so later calls neither allocate nor depend on the variant
/// list of the claudius release in use.
fn known_model_name(model: KnownModel) -> &'static str {
    static NAMES: OnceLock<RwLock<Vec<(KnownModel, &'static str)>>> = OnceLock::new();
    let names = NAMES.get_or_init(RwLock::default);
    let find = |names: &[(KnownModel, &'static str)]| {
        names.iter().find(|(m, _)| *m == model).map(|&(_, n)| n)
    };
    if let Some(name) = find(&names.read().unwrap_or_else(PoisonError::into_inner)) {
        return name;
    }
    let mut names = names.write().unwrap_or_else(PoisonError::into_inner);
    if let Some(name) = find(&names) {
        return name;
    }
    let name: &'static str = Box::leak(model.to_string().into_boxed_str());
    names.push((model, name));
    name
}
