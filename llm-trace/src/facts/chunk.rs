//! Streamed responses: what each chunk adds to the facts of the whole call.

use std::borrow::Cow;

use super::sse::SseDecoder;
use super::Provider;
use crate::metadata::{entry_prefix, MAX_ATTRIBUTE_VALUE_BYTES, MAX_MODEL_BYTES};
use crate::model::{OutputAccumulator, OutputMessage, ResponseInfo, ToolCall, Usage};

/// Facts one chunk of a streamed response carries.
///
/// Implemented per (provider, chunk type), like [`ResponseFacts`](super::ResponseFacts).
/// A stream's chunks are observed in order into one [`StreamFacts`], which
/// gives the call's [`ResponseInfo`] when the stream ends. A chunk type that
/// implements only `ResponseFacts` (a whole response per chunk, as Gemini and
/// Ollama stream) is merged field by field instead.
///
/// Implementations must not panic, and should not allocate per chunk: set
/// the id and model through [`StreamFacts`], which copies them once (at
/// most the bytes the span can record of them: ids, finish reasons and tool
/// names are bounded where they enter, not later).
///
/// ```
/// use llm_trace::provider::{ChunkFacts, Provider, StreamFacts, Usage};
///
/// pub struct AcmeGateway;
/// impl Provider for AcmeGateway {
///     const NAME: &'static str = "acme.gateway";
///     const DEFAULT_OPERATION: &'static str = "chat";
/// }
///
/// /// One server-sent event of the gateway's stream.
/// pub enum AcmeEvent {
///     Start { id: String, model: String },
///     Delta { text: String },
///     End { input: u64, output: u64 },
/// }
///
/// impl ChunkFacts<AcmeGateway> for AcmeEvent {
///     fn observe(&self, stream: &mut StreamFacts) {
///         match self {
///             AcmeEvent::Start { id, model } => {
///                 stream.id(id);
///                 stream.model(model);
///                 stream.choice(0);
///             }
///             AcmeEvent::Delta { text } => stream.text(0, text),
///             AcmeEvent::End { input, output } => {
///                 stream.finish_reason(0, "stop");
///                 stream.merge_usage(Usage {
///                     input_tokens: Some(*input),
///                     output_tokens: Some(*output),
///                     ..Usage::default()
///                 });
///             }
///         }
///     }
/// }
///
/// let mut stream = StreamFacts::new();
/// for event in [
///     AcmeEvent::Start { id: "s-1".into(), model: "acme-large".into() },
///     AcmeEvent::Delta { text: "Hel".into() },
///     AcmeEvent::Delta { text: "lo".into() },
///     AcmeEvent::End { input: 12, output: 2 },
/// ] {
///     ChunkFacts::<AcmeGateway>::observe(&event, &mut stream);
/// }
/// let info = stream.response_info(false);
/// assert_eq!(info.id.as_deref(), Some("s-1"));
/// assert_eq!(info.finish_reasons, ["stop"]);
/// assert_eq!(info.usage.unwrap().output_tokens, Some(2));
/// ```
///
/// A function annotated with `#[llm_call(provider = AcmeGateway)]` that
/// returns a stream of `AcmeEvent`s (or a `Result` of one) is then traced
/// until the stream ends.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a stream chunk that provider `{P}` can read",
    note = "implement `llm_trace::provider::ChunkFacts<{P}>` for `{Self}`"
)]
pub trait ChunkFacts<P: Provider> {
    /// Adds what this chunk says to `stream`.
    fn observe(&self, stream: &mut StreamFacts);

    /// Adds what the JSON of one raw event (a bytes stream) says, read from
    /// the bytes without building a `Self`, if this implementation can;
    /// `false` leaves the event to [`ChunkFacts::observe`] of the parsed
    /// value. Only `serde_json::Value`'s implementations use it.
    #[doc(hidden)]
    fn __observe_json(_event: &[u8], _stream: &mut StreamFacts) -> bool
    where
        Self: Sized,
    {
        false
    }
}

/// Most choices (`n`) and tool calls a stream's facts keep: the indices come
/// from the provider's chunks and must not size an allocation.
pub const MAX_STREAM_CHOICES: usize = 128;

/// The facts of a streamed response, accumulated chunk by chunk.
#[derive(Debug, Default)]
pub struct StreamFacts {
    id: Option<String>,
    model: Option<String>,
    /// Per choice index: its finish reason once given.
    choices: Vec<Option<Cow<'static, str>>>,
    usage: Option<Usage>,
    tool_calls: Vec<(Option<String>, String)>,
    embeddings_dimension_count: Option<u64>,
    decoder: Option<Box<SseDecoder>>,
    /// The output messages being assembled, when the call captures content.
    content: Option<Box<OutputAccumulator>>,
    /// Ends the decoder's input with the provider it was fed for.
    flush: Option<fn(&mut StreamFacts)>,
    /// The first failure seen in the stream: its `error.type` and message.
    pub(crate) failure: Option<(Cow<'static, str>, String)>,
}

impl StreamFacts {
    /// No facts yet.
    pub fn new() -> Self {
        StreamFacts::default()
    }

    /// Sets `gen_ai.response.id` unless a chunk already did.
    #[inline(always)]
    pub fn id(&mut self, id: &str) {
        // Checked inline on every chunk; copied once, out of line.
        if self.id.is_none() {
            self.first_id(id);
        }
    }

    #[cold]
    #[inline(never)]
    fn first_id(&mut self, id: &str) {
        if !id.is_empty() {
            self.id = Some(entry_prefix(id, MAX_ATTRIBUTE_VALUE_BYTES).to_owned());
        }
    }

    /// Sets `gen_ai.response.model` unless a chunk already did.
    #[inline(always)]
    pub fn model(&mut self, model: &str) {
        if self.model.is_none() {
            self.first_model(model);
        }
    }

    #[cold]
    #[inline(never)]
    fn first_model(&mut self, model: &str) {
        if !model.is_empty() {
            self.model = Some(entry_prefix(model, MAX_MODEL_BYTES).to_owned());
        }
    }

    /// Notes that choice `index` is being streamed, so that a stream ending
    /// before the choice finishes reports `error` at its position.
    #[inline(always)]
    pub fn choice(&mut self, index: usize) {
        if index < MAX_STREAM_CHOICES && self.choices.len() <= index {
            self.add_choices(index);
        }
    }

    /// Makes room for choice `index` (once per choice: out of the per-chunk path).
    #[cold]
    #[inline(never)]
    fn add_choices(&mut self, index: usize) {
        self.choices.resize(index + 1, None);
    }

    /// Sets the finish reason of choice `index`.
    pub fn finish_reason(&mut self, index: usize, reason: &str) {
        self.choice(index);
        if let Some(slot) = self.choices.get_mut(index) {
            *slot = Some(Cow::Owned(
                entry_prefix(reason, MAX_ATTRIBUTE_VALUE_BYTES).to_owned(),
            ));
        }
        if let Some(content) = &mut self.content {
            content.finish_reason(index, reason);
        }
    }

    /// Whether the call captures content: only then do [`StreamFacts::text`],
    /// [`StreamFacts::reasoning`] and [`StreamFacts::tool_call_delta`] keep
    /// anything (a provider may skip preparing their arguments otherwise).
    #[inline(always)]
    pub fn captures_content(&self) -> bool {
        self.content.is_some()
    }

    /// More output text of choice `index` (kept only with content capture on).
    #[inline(always)]
    pub fn text(&mut self, index: usize, delta: &str) {
        if let Some(content) = &mut self.content {
            content.text(index, delta);
        }
    }

    /// More reasoning text of choice `index` (kept only with content capture on).
    #[inline(always)]
    pub fn reasoning(&mut self, index: usize, delta: &str) {
        if let Some(content) = &mut self.content {
            content.reasoning(index, delta);
        }
    }

    /// More of tool call `call` of choice `index`: its id and name where the
    /// chunk gives them and a piece of its JSON arguments (kept only with
    /// content capture on; [`StreamFacts::tool_call`] records the call itself).
    #[inline(always)]
    pub fn tool_call_delta(
        &mut self,
        index: usize,
        call: usize,
        id: Option<&str>,
        name: Option<&str>,
        arguments: &str,
    ) {
        if let Some(content) = &mut self.content {
            content.tool_call(index, call, id, name, arguments);
        }
    }

    /// A tool-call delta of an OpenAI-style chunk (`choices[index].delta
    /// .tool_calls[call]`): the call is counted by the delta that names it
    /// (id and function name, sent once, first), and every delta's pieces
    /// reach content capture.
    pub(crate) fn openai_tool_call_delta(
        &mut self,
        index: usize,
        call: usize,
        id: Option<&str>,
        name: Option<&str>,
        arguments: Option<&str>,
    ) {
        if let (Some(id), Some(name)) = (id, name) {
            self.tool_call(Some(id), name);
        }
        self.tool_call_delta(index, call, id, name, arguments.unwrap_or(""));
    }

    /// Starts assembling the output messages (the call captures content),
    /// keeping at most `max_bytes` per choice (the call's settings').
    pub(crate) fn capture_content_within(&mut self, max_bytes: usize) {
        self.content = Some(Box::new(OutputAccumulator::with_max_bytes(max_bytes)));
    }

    /// [`StreamFacts::capture_content_within`] the installed bound.
    #[cfg(test)]
    pub(crate) fn capture_content(&mut self) {
        self.content = Some(Box::default());
    }

    /// The output messages assembled, once; with `ended_early`, each choice
    /// that had not finished ends with `error`.
    pub(crate) fn take_output_messages(&mut self, ended_early: bool) -> Option<Vec<OutputMessage>> {
        let mut content = self.content.take()?;
        if ended_early {
            for (index, reason) in self.choices.iter().enumerate() {
                if reason.is_none() {
                    content.finish_reason(index, "error");
                }
            }
        }
        (!content.is_empty()).then(|| content.finish())
    }

    /// The usage so far, for providers that report it in pieces
    /// (Anthropic: input at the start, output at the end).
    pub fn usage_mut(&mut self) -> &mut Usage {
        self.usage.get_or_insert_with(Usage::default)
    }

    /// Takes every count `usage` reports over the ones seen so far (streamed
    /// counts are cumulative).
    pub fn merge_usage(&mut self, usage: Usage) {
        let seen = self.usage_mut();
        let merge = |seen: &mut Option<u64>, new: Option<u64>| {
            if new.is_some() {
                *seen = new;
            }
        };
        merge(&mut seen.input_tokens, usage.input_tokens);
        merge(&mut seen.output_tokens, usage.output_tokens);
        merge(
            &mut seen.cache_read_input_tokens,
            usage.cache_read_input_tokens,
        );
        merge(
            &mut seen.cache_write_input_tokens,
            usage.cache_write_input_tokens,
        );
        merge(
            &mut seen.reasoning_output_tokens,
            usage.reasoning_output_tokens,
        );
        merge(&mut seen.billable_input_tokens, usage.billable_input_tokens);
        merge(
            &mut seen.billable_output_tokens,
            usage.billable_output_tokens,
        );
    }

    /// Adds a tool call the model asked for (its id and tool name, as the
    /// chunk that opens it gives them).
    pub fn tool_call(&mut self, id: Option<&str>, name: &str) {
        if self.tool_calls.len() < MAX_STREAM_CHOICES {
            let copy = |s: &str| entry_prefix(s, MAX_ATTRIBUTE_VALUE_BYTES).to_owned();
            self.tool_calls.push((id.map(copy), copy(name)));
        }
    }

    /// Merges a whole response's facts, for chunk types that are complete
    /// responses (Gemini, Ollama): ids and models are kept from the first
    /// chunk that has them, finish reasons and counts from the latest.
    pub fn merge(&mut self, info: ResponseInfo<'_>) {
        if let Some(id) = &info.id {
            self.id(id);
        }
        if let Some(model) = &info.model {
            self.model(model);
        }
        for (index, reason) in info.finish_reasons.iter().enumerate() {
            self.finish_reason(index, reason);
        }
        if let Some(usage) = info.usage {
            self.merge_usage(usage);
        }
        for call in &info.tool_calls {
            self.tool_call(call.id.as_deref(), &call.name);
        }
        if info.embeddings_dimension_count.is_some() {
            self.embeddings_dimension_count = info.embeddings_dimension_count;
        }
    }

    /// Decodes raw wire bytes (server-sent events or NDJSON lines, split
    /// anywhere) and observes each event's JSON as a `P` chunk.
    pub fn feed<P: Provider>(&mut self, bytes: &[u8])
    where
        serde_json::Value: ChunkFacts<P>,
    {
        let mut decoder = self.decoder.take().unwrap_or_default();
        decoder.feed(bytes, |event| self.observe_event::<P>(event));
        self.decoder = Some(decoder);
        self.flush = Some(Self::finish_bytes::<P>);
    }

    /// Ends the wire bytes: a last NDJSON line without its newline counts.
    fn finish_bytes<P: Provider>(&mut self)
    where
        serde_json::Value: ChunkFacts<P>,
    {
        if let Some(mut decoder) = self.decoder.take() {
            decoder.finish(|event| self.observe_event::<P>(event));
        }
    }

    /// The stream ended: completes what its last bytes began.
    pub(crate) fn end_of_stream(&mut self) {
        if let Some(flush) = self.flush.take() {
            flush(self);
        }
    }

    fn observe_event<P: Provider>(&mut self, event: &[u8])
    where
        serde_json::Value: ChunkFacts<P>,
    {
        if event == b"[DONE]" {
            return;
        }
        if <serde_json::Value as ChunkFacts<P>>::__observe_json(event, self) {
            return;
        }
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(event) {
            value.observe(self);
        }
    }

    /// Notes an error the stream yielded; the first one is the call's.
    #[doc(hidden)]
    pub fn __fail(&mut self, error_type: Cow<'static, str>, message: &dyn std::fmt::Display) {
        if self.failure.is_none() {
            self.failure = Some((error_type, crate::bound::bounded_text(message)));
        }
    }

    /// Whether the stream yielded an error.
    pub fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// The usage seen so far (none while no count was given).
    pub fn usage(&self) -> Option<Usage> {
        self.usage.filter(|u| *u != Usage::default())
    }

    /// `gen_ai.response.model` as seen so far.
    pub fn response_model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    /// The facts of the call. `ended_early`: the stream failed or was
    /// dropped, so every choice without a finish reason reports `error` at
    /// its position (and a stream that produced no choice reports one
    /// `error`).
    pub fn response_info(&self, ended_early: bool) -> ResponseInfo<'_> {
        let finish_reasons = if ended_early {
            if self.choices.is_empty() {
                vec![Cow::Borrowed("error")]
            } else {
                self.choices
                    .iter()
                    .map(|r| r.as_deref().map_or(Cow::Borrowed("error"), Cow::Borrowed))
                    .collect()
            }
        } else {
            self.choices
                .iter()
                .filter_map(|r| r.as_deref().map(Cow::Borrowed))
                .collect()
        };
        ResponseInfo {
            id: self.id.as_deref().map(Cow::Borrowed),
            model: self.model.as_deref().map(Cow::Borrowed),
            finish_reasons,
            usage: self.usage(),
            tool_calls: self
                .tool_calls
                .iter()
                .map(|(id, name)| ToolCall::new(id.as_deref(), name.as_str()))
                .collect(),
            embeddings_dimension_count: self.embeddings_dimension_count,
            provider_attributes: Vec::new(),
        }
    }
}

impl<P: Provider, T: ChunkFacts<P> + ?Sized> ChunkFacts<P> for &T {
    fn observe(&self, stream: &mut StreamFacts) {
        (**self).observe(stream)
    }
}

impl<P: Provider, T: ChunkFacts<P> + ?Sized> ChunkFacts<P> for Box<T> {
    fn observe(&self, stream: &mut StreamFacts) {
        (**self).observe(stream)
    }
}

/// Raw wire bytes: server-sent events or NDJSON, as `reqwest`'s
/// `bytes_stream()` yields them.
impl<P: Provider> ChunkFacts<P> for [u8]
where
    serde_json::Value: ChunkFacts<P>,
{
    fn observe(&self, stream: &mut StreamFacts) {
        stream.feed::<P>(self);
    }
}

impl<P: Provider> ChunkFacts<P> for Vec<u8>
where
    serde_json::Value: ChunkFacts<P>,
{
    fn observe(&self, stream: &mut StreamFacts) {
        stream.feed::<P>(self);
    }
}

impl<P: Provider> ChunkFacts<P> for bytes::Bytes
where
    serde_json::Value: ChunkFacts<P>,
{
    fn observe(&self, stream: &mut StreamFacts) {
        stream.feed::<P>(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_stream_keeps_is_bounded_where_it_enters() {
        let huge = "z".repeat(1 << 20);
        let mut facts = StreamFacts::new();
        facts.id(&huge);
        facts.model(&huge);
        facts.finish_reason(0, &huge);
        facts.tool_call(Some(&huge), &huge);
        // One byte over each bound: what reads them later still sees that
        // they were over it (a model is then `_OTHER` on metrics).
        let info = facts.response_info(false);
        assert_eq!(
            info.id.as_deref().map(str::len),
            Some(MAX_ATTRIBUTE_VALUE_BYTES + 1)
        );
        assert_eq!(
            facts.response_model().map(str::len),
            Some(MAX_MODEL_BYTES + 1)
        );
        assert_eq!(
            info.finish_reasons
                .iter()
                .map(|r| r.len())
                .collect::<Vec<_>>(),
            [MAX_ATTRIBUTE_VALUE_BYTES + 1]
        );
        assert_eq!(
            info.tool_calls
                .iter()
                .map(|t| (t.id.as_deref().map(str::len), t.name.len()))
                .collect::<Vec<_>>(),
            [(
                Some(MAX_ATTRIBUTE_VALUE_BYTES + 1),
                MAX_ATTRIBUTE_VALUE_BYTES + 1
            )]
        );
    }
}
