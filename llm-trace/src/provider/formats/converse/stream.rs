//! Streamed Converse responses: each event, typed or raw, is read into
//! borrowed [`Event`]s, and one function adds each to the stream.

use std::borrow::Cow;

use serde_json::Value;

use super::facts::{converse_usage, routed_model};
use super::types::{ConverseStreamEvent, TokenUsage};
use crate::model::value::u64_at;
use crate::provider::{StreamFacts, Usage};

/// The exception names a `ConverseStream` can end with.
const STREAM_EXCEPTIONS: [&str; 5] = [
    "internalServerException",
    "modelStreamErrorException",
    "throttlingException",
    "validationException",
    "serviceUnavailableException",
];

/// What (a member of) one event of a Converse stream says.
pub(crate) enum Event<'a> {
    /// `messageStart`: the one choice starts.
    Start,
    /// A `contentBlockStart`'s `start` (a tool call's names the tool).
    BlockStart(&'a Value),
    /// A `contentBlockDelta` (its `delta` and `contentBlockIndex`).
    Delta(&'a Value),
    /// `messageStop`'s stop reason.
    Stop(&'a str),
    /// `metadata`'s usage.
    Usage(Usage),
    /// The model a prompt router chose.
    RoutedModel(&'a str),
    /// An exception by name, with its body.
    Exception(&'a str, &'a Value),
}

/// The events of a typed stream event, in a fixed order.
pub(crate) fn typed_events<'a>(e: &'a ConverseStreamEvent, mut f: impl FnMut(Event<'a>)) {
    if e.message_start.is_some() {
        f(Event::Start);
    }
    if let Some(start) = e
        .content_block_start
        .as_ref()
        .and_then(|s| s.start.as_ref())
    {
        f(Event::BlockStart(start));
    }
    if let Some(delta) = &e.content_block_delta {
        f(Event::Delta(delta));
    }
    if let Some(reason) = e
        .message_stop
        .as_ref()
        .and_then(|m| m.stop_reason.as_deref())
    {
        f(Event::Stop(reason));
    }
    if let Some(metadata) = &e.metadata {
        if let Some(usage) = metadata.usage.as_ref().and_then(TokenUsage::normalized) {
            f(Event::Usage(usage));
        }
        let routed = metadata
            .trace
            .as_ref()
            .and_then(|t| t.prompt_router.as_ref())
            .and_then(|r| r.invoked_model_id.as_deref());
        if let Some(model) = routed {
            f(Event::RoutedModel(model));
        }
    }
    for name in STREAM_EXCEPTIONS {
        if let Some(body) = e.exceptions.get(name) {
            f(Event::Exception(name, body));
        }
    }
}

/// A stream's raw `metadata`: the same `usage` and `trace` as a Converse
/// response's.
fn metadata_events<'a>(metadata: &'a Value, f: &mut impl FnMut(Event<'a>)) {
    if let Some(usage) = converse_usage(metadata) {
        f(Event::Usage(usage));
    }
    if let Some(model) = routed_model(metadata) {
        f(Event::RoutedModel(model));
    }
}

/// The events of a raw event, in its members' order.
pub(crate) fn value_events<'a>(v: &'a Value, mut f: impl FnMut(Event<'a>)) {
    let Some(object) = v.as_object() else {
        return;
    };
    for (key, body) in object {
        match key.as_str() {
            "messageStart" | "role" => f(Event::Start),
            "contentBlockDelta" => f(Event::Delta(body)),
            "contentBlockStart" => {
                if let Some(start) = body.get("start") {
                    f(Event::BlockStart(start));
                }
            }
            "start" => f(Event::BlockStart(body)),
            "messageStop" => {
                if let Some(reason) = body.get("stopReason").and_then(Value::as_str) {
                    f(Event::Stop(reason));
                }
            }
            "stopReason" => {
                if let Some(reason) = body.as_str() {
                    f(Event::Stop(reason));
                }
            }
            "metadata" => metadata_events(body, &mut f),
            "usage" => metadata_events(v, &mut f),
            name => {
                if let Some(name) = STREAM_EXCEPTIONS.iter().find(|n| **n == name) {
                    f(Event::Exception(name, body));
                }
            }
        }
    }
}

/// Adds what one event says to the stream's facts.
pub(crate) fn observe(event: Event<'_>, stream: &mut StreamFacts) {
    match event {
        Event::Start => stream.choice(0),
        Event::BlockStart(start) => {
            if let Some(tool) = start.get("toolUse") {
                if let Some(name) = tool.get("name").and_then(Value::as_str) {
                    stream.tool_call(tool.get("toolUseId").and_then(Value::as_str), name);
                }
            }
        }
        Event::Delta(body) => observe_delta(body, stream),
        Event::Stop(reason) => stream.finish_reason(0, reason),
        Event::Usage(usage) => stream.merge_usage(usage),
        Event::RoutedModel(model) => stream.model(model),
        Event::Exception(name, body) => {
            let message = body.get("message").and_then(Value::as_str).unwrap_or("");
            stream.__fail(Cow::Owned(name.to_owned()), &message);
        }
    }
}

/// A `contentBlockDelta`: a piece of text, reasoning or a tool call's input
/// (kept only with content capture on).
fn observe_delta(body: &Value, stream: &mut StreamFacts) {
    let Some(delta) = body.get("delta").filter(|_| stream.captures_content()) else {
        return;
    };
    if let Some(text) = delta.get("text").and_then(Value::as_str) {
        stream.text(0, text);
    }
    let reasoning = delta.get("reasoningContent").and_then(|r| r.get("text"));
    if let Some(text) = reasoning.and_then(Value::as_str) {
        stream.reasoning(0, text);
    }
    let input = delta.get("toolUse").and_then(|t| t.get("input"));
    if let Some(input) = input.and_then(Value::as_str) {
        let block = u64_at(body, "contentBlockIndex").and_then(|i| usize::try_from(i).ok());
        stream.tool_call_delta(0, block.unwrap_or(0), None, None, input);
    }
}
