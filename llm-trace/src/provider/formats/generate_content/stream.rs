//! Streamed `streamGenerateContent`: each chunk is a whole response, typed or
//! raw, read through the same [`ResponseView`] as a response.

use std::borrow::Cow;

use serde_json::Value;

use super::facts::{CallView, ResponseView};
use crate::provider::StreamFacts;

/// A candidate's position: its `index`, which the API omits for 0.
fn candidate_index(index: Option<u64>, position: usize) -> usize {
    index.map_or(position, |i| usize::try_from(i).unwrap_or(usize::MAX))
}

/// One chunk of `streamGenerateContent`: a whole response whose usage is
/// cumulative and whose candidates' last chunk has the finish reason.
pub(crate) fn observe(chunk: &impl ResponseView, stream: &mut StreamFacts) {
    if let Some(error) = chunk.error() {
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
    if let Some(id) = chunk.response_id() {
        stream.id(&id);
    }
    if let Some(model) = chunk.model_version() {
        stream.model(model);
    }
    let mut position = 0;
    chunk.candidates(|candidate| {
        let index = candidate_index(candidate.index(), position);
        position += 1;
        stream.choice(index);
        if let Some(reason) = candidate.finish_reason() {
            stream.finish_reason(index, &reason);
        }
        let mut calls = 0;
        candidate.parts(|part| {
            if let Some(text) = part.text {
                if part.thought {
                    stream.reasoning(index, text);
                } else {
                    stream.text(index, text);
                }
            }
            let Some(CallView { id, name, args }) = part.call else {
                return;
            };
            if let Some(name) = &name {
                stream.tool_call(id.as_deref(), name);
            }
            if stream.captures_content() {
                // Each part holds a whole call; the assembled position is its order.
                let arguments = args.map(Value::to_string).unwrap_or_default();
                stream.tool_call_delta(index, calls, id.as_deref(), name.as_deref(), &arguments);
            }
            calls += 1;
        });
    });
    if let Some(usage) = chunk.usage() {
        stream.merge_usage(usage);
    }
}
