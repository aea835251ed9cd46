//! Size bounds of text that comes from outside (error messages, error
//! types, cut content strings), shared by the call, the current-call handle
//! and stream facts: each string is bounded once, where it enters.

use std::borrow::Cow;
use std::fmt;

use opentelemetry::{StringValue, Value};

use crate::metadata;
use crate::semconv as sc;

/// The marker that ends a cut string (captured content, streamed output).
pub(crate) fn marker(removed: usize) -> String {
    format!("…[truncated {removed} bytes]")
}

/// Longest status description recorded, in bytes: error messages can echo
/// whole provider responses.
pub(crate) const MAX_STATUS_DESCRIPTION: usize = 1024;

/// The `Display` text of `value`, cut at [`MAX_STATUS_DESCRIPTION`] bytes (on
/// a character boundary, marked with `…`) without formatting the rest, with
/// the credentials of URLs in it replaced (`crate::redact`).
pub(crate) fn bounded_text(value: &dyn fmt::Display) -> String {
    struct Bounded(String, bool);
    impl fmt::Write for Bounded {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let room = MAX_STATUS_DESCRIPTION - self.0.len();
            if s.len() <= room {
                self.0.push_str(s);
                return Ok(());
            }
            let mut cut = room;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.0.push_str(&s[..cut]);
            self.1 = true;
            Err(fmt::Error)
        }
    }
    let mut out = Bounded(String::new(), false);
    let _ = fmt::write(&mut out, format_args!("{value}"));
    if out.1 {
        out.0.push('…');
    }
    match crate::redact::urls(&out.0) {
        Cow::Borrowed(_) => out.0,
        // `REDACTED` may be longer than what it replaced.
        Cow::Owned(redacted) if redacted.len() > MAX_STATUS_DESCRIPTION + '…'.len_utf8() => {
            let mut cut = MAX_STATUS_DESCRIPTION;
            while !redacted.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}…", &redacted[..cut])
        }
        Cow::Owned(redacted) => redacted,
    }
}

/// An `error.type` (an [`crate::ErrorType`] may take it from the reply),
/// bounded as a model name is: cut on the span, [`sc::OTHER`] on metrics.
pub(crate) enum BoundedErrorType {
    Within(Cow<'static, str>),
    Cut(StringValue),
}

impl BoundedErrorType {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            BoundedErrorType::Within(t) => t,
            BoundedErrorType::Cut(cut) => cut.as_str(),
        }
    }

    pub(crate) fn span(&self) -> Value {
        match self {
            BoundedErrorType::Within(t) => Value::from(t.clone()),
            BoundedErrorType::Cut(cut) => Value::String(cut.clone()),
        }
    }

    pub(crate) fn metric(self) -> Cow<'static, str> {
        match self {
            BoundedErrorType::Within(t) => t,
            BoundedErrorType::Cut(_) => Cow::Borrowed(sc::OTHER),
        }
    }
}

/// `error_type` within [`metadata::MAX_MODEL_BYTES`].
pub(crate) fn bounded_error_type(error_type: Cow<'static, str>) -> BoundedErrorType {
    match metadata::bounded_model(&error_type) {
        Ok(_) => BoundedErrorType::Within(error_type),
        Err(cut) => BoundedErrorType::Cut(cut),
    }
}

#[cfg(test)]
mod tests {
    use super::{bounded_text, MAX_STATUS_DESCRIPTION};

    #[test]
    fn long_messages_are_cut_on_a_char_boundary() {
        assert_eq!(bounded_text(&"short"), "short");
        let long = "é".repeat(MAX_STATUS_DESCRIPTION);
        let cut = bounded_text(&long);
        assert_eq!(cut.len(), MAX_STATUS_DESCRIPTION + '…'.len_utf8());
        assert!(cut.ends_with("é…"));
        let exact = "a".repeat(MAX_STATUS_DESCRIPTION);
        assert_eq!(bounded_text(&exact), exact);
    }
}
