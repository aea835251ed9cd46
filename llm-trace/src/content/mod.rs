//! Opt-in capture of prompts and completions.
//!
//! **Off by default: without an opt-in, no prompt, completion, system
//! instruction or tool definition is read, let alone recorded.** When it is
//! on, a call's span (or a log event, or both) carries the conventions'
//! content attributes, each in the JSON shape the GenAI semantic conventions
//! define:
//!
//! | attribute | holds |
//! |---|---|
//! | `gen_ai.input.messages` | the chat history sent: `[{"role", "parts": [...]}]` |
//! | `gen_ai.output.messages` | one message per choice: `[{"role", "parts", "finish_reason"}]` |
//! | `gen_ai.system_instructions` | instructions given apart from the history: `[{"type": "text", "content"}]` |
//! | `gen_ai.tool.definitions` | the tools offered: `[{"type": "function", "name"}]` |
//!
//! Parts are `text`, `tool_call` (`id`, `name`, `arguments`),
//! `tool_call_response` (`id`, `response`), `reasoning`, `blob`, `uri`,
//! `file`, or the provider's own part kept as it is.
//!
//! # Turning it on
//!
//! Three ways; the nearer one wins:
//! 1. the annotation: `#[llm_call(provider = "openai", capture_content = "span_only")]`;
//! 2. code: [`crate::builder`]`().capture_content(CaptureMode::SpanOnly)` or
//!    [`set_capture_mode`];
//! 3. the environment: `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`,
//!    as the official OpenTelemetry Python GenAI instrumentations read it
//!    (see [`CaptureMode::parse`]).
//!
//! # Modes
//!
//! - `NO_CONTENT` ([`CaptureMode::NoContent`], the default): nothing.
//! - `SPAN_ONLY` ([`CaptureMode::SpanOnly`]): the attributes above on the call's span, as
//!   JSON strings (OpenTelemetry Rust span attributes have no maps).
//! - `EVENT_ONLY` ([`CaptureMode::EventOnly`]): a `gen_ai.client.inference.operation.details`
//!   log record per call, with the call's attributes and the content in
//!   structured form; the span carries no content. Needs a logger provider:
//!   [`crate::init`] installs one, or see [`set_logger_provider`].
//! - `SPAN_AND_EVENT` ([`CaptureMode::SpanAndEvent`]): both.
//!
//! Content is read only for calls whose span records: a sampled-out call
//! captures nothing and costs nothing more.
//!
//! # Bounds and redaction
//!
//! Each captured value passes through the redaction hook ([`set_redactor`])
//! and is then bounded to [`DEFAULT_MAX_BYTES`] of JSON ([`set_max_bytes`]):
//! the longest strings are cut first, each ending with a visible
//! `…[truncated N bytes]`; if that is not enough, the last entries are
//! replaced by one entry saying how many were left out. The result is always
//! valid JSON.
//!
//! ```
//! use llm_trace::content::{self, CaptureMode, ContentKind};
//!
//! content::set_capture_mode(CaptureMode::SpanOnly);
//! content::set_redactor(|_kind: ContentKind, value: &mut serde_json::Value| {
//!     content::for_each_string(value, |text| {
//!         if text.contains("@") {
//!             *text = "[email]".to_owned();
//!         }
//!     });
//! });
//! # content::set_capture_mode(CaptureMode::NoContent);
//! # content::clear_redactor();
//! ```

use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use opentelemetry::{Context, KeyValue, StringValue, Value as AttributeValue};
use serde_json::Value;

use crate::provider::{Provider, RequestFacts};
use crate::semconv as sc;

mod accumulate;
mod bound;
mod event;
mod message;

pub use accumulate::OutputAccumulator;
pub use event::{clear_logger_provider, set_logger_provider};
pub(crate) use message::modality;
pub use message::{
    normalize_finish_reason, InputMessage, OutputMessage, Part, RequestContent, ToolDefinition,
};

/// The environment variable that turns capture on.
pub const ENV_VAR: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

/// The default bound of each captured value: bytes of its JSON.
pub const DEFAULT_MAX_BYTES: usize = 32 * 1024;

/// The smallest bound [`set_max_bytes`] accepts: room for the truncation
/// marker entry.
pub const MIN_MAX_BYTES: usize = 256;

/// Where captured content goes. Names and parsing follow the official
/// OpenTelemetry Python GenAI instrumentations (`opentelemetry-util-genai`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum CaptureMode {
    /// Nothing is captured (`NO_CONTENT`, the default).
    #[default]
    NoContent = 0,
    /// Content attributes on the call's span (`SPAN_ONLY`).
    SpanOnly = 1,
    /// A `gen_ai.client.inference.operation.details` log event (`EVENT_ONLY`).
    EventOnly = 2,
    /// Both (`SPAN_AND_EVENT`).
    SpanAndEvent = 3,
}

impl CaptureMode {
    /// Parses a value of `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`:
    /// `NO_CONTENT`, `SPAN_ONLY`, `EVENT_ONLY` or `SPAN_AND_EVENT`, in any
    /// case, surrounding spaces ignored, as `opentelemetry-util-genai` reads
    /// it; an empty value is `NO_CONTENT`. The boolean values of the older
    /// instrumentations are accepted too: `false` is `NO_CONTENT` and `true`
    /// is `SPAN_AND_EVENT` (as `opentelemetry-util-genai` maps a boolean
    /// opt-in).
    ///
    /// ```
    /// use llm_trace::content::CaptureMode;
    /// assert_eq!(CaptureMode::parse(" span_only "), Ok(CaptureMode::SpanOnly));
    /// assert_eq!(CaptureMode::parse("TRUE"), Ok(CaptureMode::SpanAndEvent));
    /// assert!(CaptureMode::parse("spans").is_err());
    /// ```
    pub fn parse(value: &str) -> Result<CaptureMode, InvalidCaptureMode> {
        let value = value.trim();
        let mode = if value.is_empty() || value.eq_ignore_ascii_case("NO_CONTENT") {
            CaptureMode::NoContent
        } else if value.eq_ignore_ascii_case("SPAN_ONLY") {
            CaptureMode::SpanOnly
        } else if value.eq_ignore_ascii_case("EVENT_ONLY") {
            CaptureMode::EventOnly
        } else if value.eq_ignore_ascii_case("SPAN_AND_EVENT") {
            CaptureMode::SpanAndEvent
        } else if value.eq_ignore_ascii_case("false") {
            CaptureMode::NoContent
        } else if value.eq_ignore_ascii_case("true") {
            CaptureMode::SpanAndEvent
        } else {
            return Err(InvalidCaptureMode(value.to_owned()));
        };
        Ok(mode)
    }

    /// The name as the environment variable writes it (`SPAN_ONLY`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            CaptureMode::NoContent => "NO_CONTENT",
            CaptureMode::SpanOnly => "SPAN_ONLY",
            CaptureMode::EventOnly => "EVENT_ONLY",
            CaptureMode::SpanAndEvent => "SPAN_AND_EVENT",
        }
    }

    /// Whether content goes on the span.
    pub const fn on_span(self) -> bool {
        matches!(self, CaptureMode::SpanOnly | CaptureMode::SpanAndEvent)
    }

    /// Whether content goes in a log event.
    pub const fn on_event(self) -> bool {
        matches!(self, CaptureMode::EventOnly | CaptureMode::SpanAndEvent)
    }

    const fn from_u8(v: u8) -> CaptureMode {
        match v {
            1 => CaptureMode::SpanOnly,
            2 => CaptureMode::EventOnly,
            3 => CaptureMode::SpanAndEvent,
            _ => CaptureMode::NoContent,
        }
    }
}

impl FromStr for CaptureMode {
    type Err = InvalidCaptureMode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CaptureMode::parse(s)
    }
}

impl fmt::Display for CaptureMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value that names no [`CaptureMode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidCaptureMode(pub String);

impl InvalidCaptureMode {
    /// What is accepted, for messages.
    pub const EXPECTED: &'static str =
        "expected NO_CONTENT, SPAN_ONLY, EVENT_ONLY or SPAN_AND_EVENT (any case), or true/false";
}

impl fmt::Display for InvalidCaptureMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid capture mode {:?}: {}", self.0, Self::EXPECTED)
    }
}

impl std::error::Error for InvalidCaptureMode {}

/// Which captured value a redactor is looking at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContentKind {
    /// `gen_ai.input.messages`.
    InputMessages,
    /// `gen_ai.output.messages`.
    OutputMessages,
    /// `gen_ai.system_instructions`.
    SystemInstructions,
    /// `gen_ai.tool.definitions`.
    ToolDefinitions,
}

impl ContentKind {
    /// The attribute key.
    pub const fn key(self) -> &'static str {
        match self {
            ContentKind::InputMessages => sc::GEN_AI_INPUT_MESSAGES,
            ContentKind::OutputMessages => sc::GEN_AI_OUTPUT_MESSAGES,
            ContentKind::SystemInstructions => sc::GEN_AI_SYSTEM_INSTRUCTIONS,
            ContentKind::ToolDefinitions => sc::GEN_AI_TOOL_DEFINITIONS,
        }
    }
}

/// A redaction hook: rewrites a captured value in place before it is bounded
/// and recorded.
pub type Redactor = dyn Fn(ContentKind, &mut Value) + Send + Sync;

/// `UNSET` until a mode is set or the environment is read.
const UNSET: u8 = u8::MAX;
static MODE: AtomicU8 = AtomicU8::new(UNSET);
static MAX_BYTES: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_BYTES);
static TOOL_DETAILS: AtomicBool = AtomicBool::new(false);
static REDACTOR: RwLock<Option<Arc<Redactor>>> = RwLock::new(None);

/// Sets the process-wide mode (what [`crate::builder`]`().capture_content(..)`
/// does at `init`). An annotation's `capture_content` still wins for its
/// function.
pub fn set_capture_mode(mode: CaptureMode) {
    MODE.store(mode as u8, Ordering::Relaxed);
}

/// The process-wide mode: the one set in code, else the environment's
/// (read once, at the first call; a value that names no mode means
/// `NO_CONTENT` and is reported through OpenTelemetry's internal log).
pub fn capture_mode() -> CaptureMode {
    match MODE.load(Ordering::Relaxed) {
        UNSET => {
            let mode = match std::env::var(ENV_VAR) {
                Ok(value) => CaptureMode::parse(&value).unwrap_or_else(|invalid| {
                    opentelemetry::otel_warn!(
                        name: "llm_trace.content.invalid_capture_mode",
                        message = format!("{ENV_VAR}: {invalid}; capturing no content")
                    );
                    CaptureMode::NoContent
                }),
                Err(_) => CaptureMode::NoContent,
            };
            // A mode set in code meanwhile wins over the environment.
            match MODE.compare_exchange(UNSET, mode as u8, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => mode,
                Err(set) => CaptureMode::from_u8(set),
            }
        }
        set => CaptureMode::from_u8(set),
    }
}

/// Bounds each captured value to `bytes` of JSON (at least [`MIN_MAX_BYTES`];
/// default [`DEFAULT_MAX_BYTES`]).
pub fn set_max_bytes(bytes: usize) {
    MAX_BYTES.store(bytes.max(MIN_MAX_BYTES), Ordering::Relaxed);
}

/// The current bound of each captured value.
pub fn max_bytes() -> usize {
    MAX_BYTES.load(Ordering::Relaxed)
}

/// Whether `gen_ai.tool.definitions` carries each tool's `description` and
/// `parameters` too. Off by default: the conventions advise against these
/// large, optional properties unless asked for; then each tool is its
/// `type` and `name`.
pub fn set_tool_definition_details(enabled: bool) {
    TOOL_DETAILS.store(enabled, Ordering::Relaxed);
}

/// Installs the redaction hook, called once per captured value (input
/// messages, output messages, system instructions, tool definitions) with the
/// value in the conventions' JSON shape, before the value is bounded and
/// recorded. It may rewrite or remove anything; setting the value to `null`
/// records nothing for it. A hook that panics records nothing for that value.
pub fn set_redactor<F>(redactor: F)
where
    F: Fn(ContentKind, &mut Value) + Send + Sync + 'static,
{
    install_redactor(Some(Arc::new(redactor)));
}

/// Removes the redaction hook.
pub fn clear_redactor() {
    install_redactor(None);
}

pub(crate) fn install_redactor(redactor: Option<Arc<Redactor>>) {
    *REDACTOR.write().unwrap_or_else(|e| e.into_inner()) = redactor;
}

/// Calls `f` on every string inside `value` (object keys excluded): the
/// building block of a redactor that scrubs text wherever it appears.
pub fn for_each_string(value: &mut Value, mut f: impl FnMut(&mut String)) {
    fn walk(value: &mut Value, f: &mut dyn FnMut(&mut String)) {
        match value {
            Value::String(s) => f(s),
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, f)),
            Value::Object(members) => members.values_mut().for_each(|v| walk(v, f)),
            _ => {}
        }
    }
    walk(value, &mut f);
}

/// The settings of one call, read once when it starts.
struct Settings {
    mode: CaptureMode,
    max_bytes: usize,
    redactor: Option<Arc<Redactor>>,
}

impl Settings {
    fn current(mode: CaptureMode) -> Settings {
        Settings {
            mode,
            max_bytes: max_bytes(),
            redactor: REDACTOR.read().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }

    /// Redacts and bounds one value; `None` when there is nothing to record.
    fn prepare(&self, kind: ContentKind, mut value: Value) -> Option<Prepared> {
        if value.as_array().is_some_and(Vec::is_empty) {
            return None;
        }
        if let Some(redactor) = &self.redactor {
            let redacted = panic::catch_unwind(AssertUnwindSafe(|| redactor(kind, &mut value)));
            if let Err(payload) = redacted {
                report_redactor_panic(&*payload);
                return None;
            }
        }
        if value.is_null() || value.as_array().is_some_and(Vec::is_empty) {
            return None;
        }
        let json = bound::bound(kind, &mut value, self.max_bytes);
        Some(Prepared { kind, json, value })
    }
}

fn report_redactor_panic(payload: &(dyn Any + Send)) {
    static REPORTED: AtomicBool = AtomicBool::new(false);
    if !REPORTED.swap(true, Ordering::Relaxed) {
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("");
        opentelemetry::otel_warn!(
            name: "llm_trace.content.redactor_panicked",
            message = format!("the content redactor panicked ({message}); the value was not recorded")
        );
    }
}

/// One redacted, bounded value: its JSON text (for the span) and its
/// structure (for the event).
struct Prepared {
    kind: ContentKind,
    json: String,
    value: Value,
}

impl Prepared {
    fn span_attribute(&self) -> KeyValue {
        KeyValue::new(self.kind.key(), StringValue::from(self.json.clone()))
    }
}

/// The effective mode of a call site: its annotation's, else the process'.
#[inline]
pub(crate) fn mode_for(site: Option<CaptureMode>) -> CaptureMode {
    match site {
        Some(mode) => mode,
        None => capture_mode(),
    }
}

/// Capture in progress for one call whose span records.
pub(crate) struct Pending {
    settings: Settings,
    /// The event's attributes gathered so far, in event modes.
    event: Option<Vec<KeyValue>>,
    /// The captured inputs, kept for the event.
    inputs: Vec<Prepared>,
}

/// Captures the request side at the start of a call whose span records:
/// pushes the content attributes onto `attributes` (span modes) and keeps
/// what the event needs (event modes). `base` holds the attributes the span
/// started with (operation, provider, model, server), in event modes.
pub(crate) fn begin<P: Provider>(
    mode: CaptureMode,
    base: Option<Vec<KeyValue>>,
    attributes: &mut Vec<KeyValue>,
    request: Option<&dyn RequestFacts<P>>,
) -> Option<Box<Pending>> {
    if mode == CaptureMode::NoContent {
        return None;
    }
    let settings = Settings::current(mode);
    let mut inputs = Vec::new();
    if let Some(content) = request.and_then(|r| r.request_content()) {
        let details = TOOL_DETAILS.load(Ordering::Relaxed);
        let RequestContent {
            input_messages,
            system_instructions,
            tool_definitions,
        } = content;
        let values = [
            (
                ContentKind::InputMessages,
                serde_json::to_value(input_messages),
            ),
            (
                ContentKind::SystemInstructions,
                serde_json::to_value(system_instructions),
            ),
            (
                ContentKind::ToolDefinitions,
                serde_json::to_value(
                    tool_definitions
                        .into_iter()
                        .map(|t| if details { t } else { t.without_details() })
                        .collect::<Vec<_>>(),
                ),
            ),
        ];
        for (kind, value) in values {
            if let Some(prepared) = value.ok().and_then(|v| settings.prepare(kind, v)) {
                if mode.on_span() {
                    attributes.push(prepared.span_attribute());
                }
                if mode.on_event() {
                    inputs.push(prepared);
                }
            }
        }
    }
    let event = mode.on_event().then(|| {
        let mut event = base.unwrap_or_default();
        event.extend(
            attributes
                .iter()
                .filter(|kv| is_event_attribute(kv.key.as_str()))
                .cloned(),
        );
        event
    });
    Some(Box::new(Pending {
        settings,
        event,
        inputs,
    }))
}

/// The span and metadata attributes the event repeats: the conventions'
/// (`gen_ai.*`, `server.*`, `error.type`), content excluded (it is added in
/// structured form).
fn is_event_attribute(key: &str) -> bool {
    (key.starts_with("gen_ai.") || key.starts_with("server.") || key == sc::ERROR_TYPE)
        && !matches!(
            key,
            sc::GEN_AI_INPUT_MESSAGES
                | sc::GEN_AI_OUTPUT_MESSAGES
                | sc::GEN_AI_SYSTEM_INSTRUCTIONS
                | sc::GEN_AI_TOOL_DEFINITIONS
        )
}

impl Pending {
    /// Ends capture for a call that returned: `output` gives the output
    /// messages (asked for only here), `attributes` are the response
    /// attributes about to be set on the span, which the content attribute
    /// joins in span modes. Emits the event in event modes.
    pub(crate) fn finish_ok(
        self,
        cx: &Context,
        attributes: &mut Vec<KeyValue>,
        output: impl FnOnce() -> Option<Vec<OutputMessage>>,
    ) {
        let Pending {
            settings,
            event,
            inputs,
        } = self;
        let output = output()
            .and_then(|messages| serde_json::to_value(messages).ok())
            .and_then(|v| settings.prepare(ContentKind::OutputMessages, v));
        if settings.mode.on_span() {
            if let Some(output) = &output {
                attributes.push(output.span_attribute());
            }
        }
        if let Some(mut event_attributes) = event {
            event_attributes.extend(
                attributes
                    .iter()
                    .filter(|kv| is_event_attribute(kv.key.as_str()))
                    .cloned(),
            );
            event::emit(cx, event_attributes, inputs.into_iter().chain(output));
        }
    }

    /// Ends capture for a call that failed, was cancelled or panicked: the
    /// event (in event modes) carries `error.type` and the inputs.
    pub(crate) fn finish_err(self, cx: &Context, error_type: &str) {
        let Pending { event, inputs, .. } = self;
        if let Some(mut event_attributes) = event {
            event_attributes.push(KeyValue::new(
                sc::ERROR_TYPE,
                AttributeValue::String(StringValue::from(error_type.to_owned())),
            ));
            event::emit(cx, event_attributes, inputs);
        }
    }
}

#[cfg(test)]
mod tests;
