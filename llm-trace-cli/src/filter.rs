//! `--since`, `--until` and `--where`: which spans a command looks at.

use std::str::FromStr;

use jiff::{SignedDuration, Span as CalendarSpan, SpanRelativeTo, Timestamp};

use crate::span::Span;

/// A point in time given on the command line: an RFC 3339 timestamp
/// (`2026-05-01T09:00:00Z`, `2026-05-01T11:00:00+02:00`) or a duration
/// before now (`90m`, `2h`, `1d 12h`, `1 week`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeArg(pub Timestamp);

impl FromStr for TimeArg {
    type Err = String;

    fn from_str(text: &str) -> Result<TimeArg, String> {
        TimeArg::parse_at(text, Timestamp::now())
    }
}

impl TimeArg {
    /// Parses `text`, with relative durations counted back from `now`.
    pub fn parse_at(text: &str, now: Timestamp) -> Result<TimeArg, String> {
        if let Ok(at) = text.parse::<Timestamp>() {
            return Ok(TimeArg(at));
        }
        let ago: SignedDuration = text
            .parse::<CalendarSpan>()
            .and_then(|span| span.to_duration(SpanRelativeTo::days_are_24_hours()))
            .map_err(|_| {
                format!(
                    "`{text}` is neither an RFC 3339 time (2026-05-01T09:00:00Z) \
                     nor a duration before now (90m, 2h, 1d)"
                )
            })?;
        now.checked_sub(ago.abs())
            .map(TimeArg)
            .map_err(|e| format!("`{text}`: {e}"))
    }

    /// Nanoseconds since the Unix epoch (0 before it).
    pub fn unix_nanos(self) -> u64 {
        u64::try_from(self.0.as_nanosecond()).unwrap_or(0)
    }
}

/// `--where key=value` or `--where key!=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Where {
    /// The attribute key (the span's, else its resource's).
    pub key: String,
    /// The value, as displayed (numbers compare as numbers).
    pub value: String,
    /// `!=`: the span must not have this value (a missing key passes).
    pub negated: bool,
}

impl FromStr for Where {
    type Err = String;

    fn from_str(text: &str) -> Result<Where, String> {
        let (key, value, negated) = match text.split_once("!=") {
            Some((key, value)) => (key, value, true),
            None => match text.split_once('=') {
                Some((key, value)) => (key, value, false),
                None => return Err(format!("`{text}`: expected key=value or key!=value")),
            },
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("`{text}`: the key is empty"));
        }
        Ok(Where {
            key: key.to_owned(),
            value: value.to_owned(),
            negated,
        })
    }
}

impl Where {
    /// Whether `span` passes.
    pub fn matches(&self, span: &Span) -> bool {
        let equal = span.get(&self.key).is_some_and(|v| v.matches(&self.value));
        equal != self.negated
    }
}

/// The filters of one command.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Spans starting at or after this (ns since the epoch).
    pub since: Option<u64>,
    /// Spans starting before this (ns since the epoch).
    pub until: Option<u64>,
    /// All of these must hold.
    pub wheres: Vec<Where>,
}

impl Filter {
    /// Whether `span` passes every filter.
    pub fn matches(&self, span: &Span) -> bool {
        self.since.is_none_or(|since| span.start >= since)
            && self.until.is_none_or(|until| span.start < until)
            && self.wheres.iter().all(|w| w.matches(span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_keep_their_offset() {
        let now = Timestamp::UNIX_EPOCH;
        let at = TimeArg::parse_at("2026-05-01T11:00:00+02:00", now).unwrap();
        assert_eq!(at.0.to_string(), "2026-05-01T09:00:00Z");
    }

    #[test]
    fn durations_count_back_from_now() {
        let now: Timestamp = "2026-05-03T00:00:00Z".parse().unwrap();
        let at = |s| TimeArg::parse_at(s, now).unwrap().0.to_string();
        assert_eq!(at("90m"), "2026-05-02T22:30:00Z");
        assert_eq!(at("1d 12h"), "2026-05-01T12:00:00Z");
        assert_eq!(at("2 days"), "2026-05-01T00:00:00Z");
        assert!(TimeArg::parse_at("yesterday-ish", now).is_err());
    }

    #[test]
    fn where_parses_equal_and_not_equal() {
        assert_eq!(
            "feature=summarize".parse::<Where>().unwrap(),
            Where {
                key: "feature".into(),
                value: "summarize".into(),
                negated: false
            }
        );
        let w: Where = "gen_ai.request.model!=gpt-4o".parse().unwrap();
        assert_eq!(
            (w.key.as_str(), w.value.as_str(), w.negated),
            ("gen_ai.request.model", "gpt-4o", true)
        );
        assert!("feature".parse::<Where>().is_err());
        assert!("=x".parse::<Where>().is_err());
    }
}
