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
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use opentelemetry::{Context, KeyValue, StringValue, Value as AttributeValue};
use opentelemetry_sdk::logs::SdkLogger;
use serde_json::Value;

use crate::facts::{Provider, RequestFacts};
use crate::semconv as sc;
use crate::settings;

mod bound;
mod event;

pub use crate::model::{
    normalize_finish_reason, InputMessage, OutputAccumulator, OutputMessage, Part, RequestContent,
    ToolDefinition,
};
pub use crate::settings::{
    CaptureMode, ContentKind, InvalidCaptureMode, Redactor, DEFAULT_MAX_BYTES, ENV_VAR,
    MIN_MAX_BYTES,
};
pub use event::{clear_logger_provider, set_logger_provider};

/// Sets the process-wide mode (what [`crate::builder`]`().capture_content(..)`
/// does at `init`): one field of the [`settings`](crate::settings) snapshot.
/// An annotation's `capture_content` still wins for its function.
pub fn set_capture_mode(mode: CaptureMode) {
    settings::update(|s| s.capture_mode(mode));
}

/// The process-wide mode: the one set in code, else the environment's
/// (read once, at the first call; a value that names no mode means
/// `NO_CONTENT` and is reported through OpenTelemetry's internal log).
pub fn capture_mode() -> CaptureMode {
    settings::current().effective_capture_mode()
}

/// Bounds each captured value to `bytes` of JSON (at least [`MIN_MAX_BYTES`];
/// default [`DEFAULT_MAX_BYTES`]).
pub fn set_max_bytes(bytes: usize) {
    settings::update(|s| s.max_content_bytes(bytes));
}

/// The current bound of each captured value.
pub fn max_bytes() -> usize {
    settings::current().max_content_bytes
}

/// Whether `gen_ai.tool.definitions` carries each tool's `description` and
/// `parameters` too. Off by default: the conventions advise against these
/// large, optional properties unless asked for; then each tool is its
/// `type` and `name`.
pub fn set_tool_definition_details(enabled: bool) {
    settings::update(|s| s.tool_definition_details(enabled));
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
    settings::update(|s| s.redactor(redactor));
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

/// What capture of one call redacts and bounds with, from the snapshot the
/// call read when it started.
struct Settings {
    mode: CaptureMode,
    max_bytes: usize,
    redactor: Option<Arc<Redactor>>,
    logger: Option<SdkLogger>,
}

impl Settings {
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

/// The effective mode of a call site: its annotation's, else the snapshot's.
#[inline]
pub(crate) fn mode_for(site: Option<CaptureMode>, settings: &settings::Settings) -> CaptureMode {
    match site {
        Some(mode) => mode,
        None => settings.effective_capture_mode(),
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
    snapshot: &settings::Settings,
    mode: CaptureMode,
    base: Option<Vec<KeyValue>>,
    attributes: &mut Vec<KeyValue>,
    request: Option<&dyn RequestFacts<P>>,
) -> Option<Box<Pending>> {
    if mode == CaptureMode::NoContent {
        return None;
    }
    let settings = Settings {
        mode,
        max_bytes: snapshot.max_content_bytes,
        redactor: snapshot.redactor.clone(),
        logger: snapshot.logger.clone(),
    };
    let mut inputs = Vec::new();
    if let Some(content) = request.and_then(|r| r.request_content()) {
        let details = snapshot.tool_definition_details;
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
            event::emit(
                settings.logger.as_ref(),
                cx,
                event_attributes,
                inputs.into_iter().chain(output),
            );
        }
    }

    /// Ends capture for a call that failed, was cancelled or panicked: the
    /// event (in event modes) carries `error.type` and the inputs.
    pub(crate) fn finish_err(self, cx: &Context, error_type: &str) {
        let Pending {
            settings,
            event,
            inputs,
        } = self;
        if let Some(mut event_attributes) = event {
            event_attributes.push(KeyValue::new(
                sc::ERROR_TYPE,
                AttributeValue::String(StringValue::from(error_type.to_owned())),
            ));
            event::emit(settings.logger.as_ref(), cx, event_attributes, inputs);
        }
    }
}

#[cfg(test)]
mod tests;
