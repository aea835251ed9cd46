//! The vocabulary of content capture settings: where content goes, which
//! value a redactor sees, the bounds. Re-exported by [`crate::content`].

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use crate::semconv as sc;

/// The environment variable that turns capture on.
pub const ENV_VAR: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

/// The default bound of each captured value: bytes of its JSON.
pub const DEFAULT_MAX_BYTES: usize = 32 * 1024;

/// The smallest bound [`set_max_bytes`](crate::content::set_max_bytes) accepts: room for the truncation
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
