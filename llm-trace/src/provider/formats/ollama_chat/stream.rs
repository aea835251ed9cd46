//! Streamed `/api/chat`: each NDJSON line is a whole response, typed or raw,
//! read through the same [`ResponseView`] as a response.

use std::borrow::Cow;

use super::facts::ResponseView;
use crate::provider::StreamFacts;

/// One NDJSON line of a streamed `/api/chat` reply: a piece of the message,
/// and on the last line (`"done": true`) the reason and the counts.
pub(crate) fn observe(line: &impl ResponseView, stream: &mut StreamFacts) {
    if let Some(message) = line.error() {
        stream.__fail(Cow::Borrowed("error"), &message);
        return;
    }
    if let Some(model) = line.model() {
        stream.model(model);
    }
    stream.choice(0);
    if stream.captures_content() {
        if let Some(text) = line.text() {
            stream.text(0, text);
        }
        if let Some(text) = line.thinking() {
            stream.reasoning(0, text);
        }
    }
    line.tool_calls(|call| stream.tool_call(call.id.as_deref(), &call.name));
    if let Some(reason) = line.done_reason() {
        stream.finish_reason(0, &reason);
    }
    if let Some(usage) = line.usage() {
        stream.merge_usage(usage);
    }
}
