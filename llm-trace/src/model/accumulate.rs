//! The output messages of a streamed answer, assembled from its chunks.

use super::message::{arguments_value, OutputMessage, Part};

/// Choices and tool calls past these indexes are ignored: a hostile or broken
/// stream cannot make the accumulator allocate without bound.
const MAX_CHOICES: usize = 128;
const MAX_TOOL_CALLS: usize = 128;

/// Assembles `gen_ai.output.messages` from a stream: feed it each chunk's
/// deltas per choice index, and [`OutputAccumulator::finish`] gives one
/// [`OutputMessage`] per choice seen.
///
/// What it keeps is bounded by [`max_bytes`](crate::content::max_bytes) per choice (text,
/// reasoning and tool call arguments together); what comes past the bound is
/// counted, not kept, and the text ends with the truncation marker.
///
/// ```
/// use llm_trace::content::OutputAccumulator;
///
/// let mut output = OutputAccumulator::new();
/// output.text(0, "Hel");
/// output.text(0, "lo");
/// output.tool_call(0, 0, Some("call_1"), Some("lookup"), "{\"q\":");
/// output.tool_call(0, 0, None, None, "\"x\"}");
/// output.finish_reason(0, "tool_calls");
/// let messages = serde_json::to_value(output.finish()).unwrap();
/// assert_eq!(messages, serde_json::json!([{
///     "role": "assistant",
///     "parts": [
///         {"type": "text", "content": "Hello"},
///         {"type": "tool_call", "id": "call_1", "name": "lookup", "arguments": {"q": "x"}}
///     ],
///     "finish_reason": "tool_call"
/// }]));
/// ```
#[derive(Debug, Clone)]
pub struct OutputAccumulator {
    choices: Vec<Choice>,
    max_bytes: usize,
}

#[derive(Debug, Clone, Default)]
struct Choice {
    seen: bool,
    role: Option<String>,
    reasoning: String,
    text: String,
    tool_calls: Vec<ToolCall>,
    finish_reason: Option<String>,
    /// Bytes kept so far, and bytes dropped past the bound.
    kept: usize,
    dropped: usize,
}

#[derive(Debug, Clone, Default)]
struct ToolCall {
    seen: bool,
    id: Option<String>,
    name: String,
    arguments: String,
}

impl Default for OutputAccumulator {
    fn default() -> Self {
        OutputAccumulator::new()
    }
}

impl OutputAccumulator {
    /// An empty accumulator bounded by the current [`max_bytes`](crate::content::max_bytes).
    pub fn new() -> Self {
        OutputAccumulator::with_max_bytes(crate::settings::current().max_content_bytes)
    }

    /// An empty accumulator keeping at most `max_bytes` per choice.
    pub fn with_max_bytes(max_bytes: usize) -> Self {
        OutputAccumulator {
            choices: Vec::new(),
            max_bytes,
        }
    }

    fn choice(&mut self, index: usize) -> Option<&mut Choice> {
        if index >= MAX_CHOICES {
            return None;
        }
        if self.choices.len() <= index {
            self.choices.resize_with(index + 1, Choice::default);
        }
        let choice = &mut self.choices[index];
        choice.seen = true;
        Some(choice)
    }

    /// The role of choice `index` (default `assistant`).
    pub fn role(&mut self, index: usize, role: &str) {
        if let Some(choice) = self.choice(index) {
            if !role.is_empty() {
                choice.role = Some(role.to_owned());
            }
        }
    }

    /// More text of choice `index`.
    pub fn text(&mut self, index: usize, delta: &str) {
        let max = self.max_bytes;
        if let Some(choice) = self.choice(index) {
            if let Some(delta) = choice.admit(delta, max) {
                choice.text.push_str(delta);
            }
        }
    }

    /// More reasoning (thinking) text of choice `index`.
    pub fn reasoning(&mut self, index: usize, delta: &str) {
        let max = self.max_bytes;
        if let Some(choice) = self.choice(index) {
            if let Some(delta) = choice.admit(delta, max) {
                choice.reasoning.push_str(delta);
            }
        }
    }

    /// More of tool call `call` (its position in the choice) of choice
    /// `index`: the id and name when the chunk has them, and a piece of the
    /// arguments' JSON text.
    pub fn tool_call(
        &mut self,
        index: usize,
        call: usize,
        id: Option<&str>,
        name: Option<&str>,
        arguments: &str,
    ) {
        let max = self.max_bytes;
        let Some(choice) = self.choice(index) else {
            return;
        };
        if call >= MAX_TOOL_CALLS {
            return;
        }
        if choice.tool_calls.len() <= call {
            choice.tool_calls.resize_with(call + 1, ToolCall::default);
        }
        let admitted = choice.admit(arguments, max).map(str::to_owned);
        let tool_call = &mut choice.tool_calls[call];
        tool_call.seen = true;
        if let Some(id) = id.filter(|id| !id.is_empty()) {
            tool_call.id = Some(id.to_owned());
        }
        if let Some(name) = name {
            tool_call.name.push_str(name);
        }
        if let Some(arguments) = admitted {
            tool_call.arguments.push_str(&arguments);
        }
    }

    /// The finish reason of choice `index`, as the provider reports it.
    pub fn finish_reason(&mut self, index: usize, reason: &str) {
        if let Some(choice) = self.choice(index) {
            choice.finish_reason = Some(reason.to_owned());
        }
    }

    /// Whether nothing was fed.
    pub fn is_empty(&self) -> bool {
        !self.choices.iter().any(|c| c.seen)
    }

    /// One message per choice seen, in choice order.
    pub fn finish(self) -> Vec<OutputMessage> {
        self.choices
            .into_iter()
            .filter(|c| c.seen)
            .map(Choice::into_message)
            .collect()
    }
}

impl Choice {
    /// The part of `delta` that fits the bound; the rest is counted.
    fn admit<'d>(&mut self, delta: &'d str, max: usize) -> Option<&'d str> {
        let room = max.saturating_sub(self.kept);
        if delta.len() <= room {
            self.kept += delta.len();
            return Some(delta);
        }
        let mut cut = room;
        while !delta.is_char_boundary(cut) {
            cut -= 1;
        }
        self.kept += cut;
        self.dropped += delta.len() - cut;
        (cut > 0).then(|| &delta[..cut])
    }

    fn into_message(self) -> OutputMessage {
        let mut parts = Vec::with_capacity(2 + self.tool_calls.len());
        if !self.reasoning.is_empty() {
            parts.push(Part::reasoning(self.reasoning));
        }
        let mut text = self.text;
        if self.dropped > 0 {
            text.push_str(&crate::bound::marker(self.dropped));
        }
        if !text.is_empty() {
            parts.push(Part::text(text));
        }
        for call in self.tool_calls.into_iter().filter(|c| c.seen) {
            parts.push(Part::ToolCall {
                id: call.id,
                name: call.name,
                arguments: arguments_value(&call.arguments),
            });
        }
        OutputMessage::new(
            self.role.unwrap_or_else(|| "assistant".to_owned()),
            parts,
            self.finish_reason.as_deref(),
        )
    }
}
