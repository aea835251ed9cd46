//! Which failed span exports the export thread tries again, and when.
//!
//! opentelemetry-otlp retries each export a little by itself
//! (`RetryPolicy::recommended()`: 3 retries, 100 ms → 1.6 s, within the
//! export timeout). A collector that is down longer than that makes the
//! export fail; the export thread then keeps the batch
//! ([`QueueProcessor`](super::queue::QueueProcessor)) and tries it again after
//! a [`Backoff`], as long as the error was transient.
//!
//! Transient, as the OTLP specification lists them: a failure without a
//! response (connection refused or reset, timeout), HTTP 429, 502, 503 and
//! 504, gRPC `UNAVAILABLE`, `DEADLINE_EXCEEDED`, `CANCELLED`, `ABORTED`,
//! `OUT_OF_RANGE` and `DATA_LOSS`. Anything else (HTTP 400, gRPC
//! `INVALID_ARGUMENT`, an exporter that is shut down, ...) fails the batch.
//!
//! The exporter's error after its own retries carries only the HTTP status
//! or gRPC code as text, not the response's `Retry-After`; over HTTP the
//! client is wrapped ([`ObservedClient`]) so the export thread sees each
//! response's status and `Retry-After` itself. Over gRPC the code is read
//! from the error, and `RESOURCE_EXHAUSTED` is not retried here: the
//! specification retries it only with a `RetryInfo` the error no longer
//! carries (opentelemetry-otlp's own retries honour it).

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{Request, Response};
use opentelemetry_http::{HttpClient, HttpError};
use opentelemetry_sdk::error::OTelSdkError;

/// What to do with a batch whose export failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Keep it and try again; after at least the given delay when the
    /// collector asked for one (`Retry-After`).
    Retry(Option<Duration>),
    /// Count it failed.
    Fail,
}

/// How the export thread treats failures of one exporter.
#[derive(Clone, Default)]
pub(crate) struct RetryRule {
    /// The last HTTP answer, when the exporter's client is observed.
    observed: Option<Arc<Observed>>,
    /// Whether errors are classified at all (false: every failure fails,
    /// as for the JSON-lines file, whose I/O errors are not transport
    /// errors and would not heal by waiting).
    retries: bool,
}

impl fmt::Debug for RetryRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryRule")
            .field("retries", &self.retries)
            .field("observed", &self.observed.is_some())
            .finish()
    }
}

impl RetryRule {
    /// Never retries.
    pub(crate) fn never() -> RetryRule {
        RetryRule::default()
    }

    /// Retries the transient errors of an OTLP exporter; `observed` is the
    /// HTTP client's record of its last answer, if any.
    pub(crate) fn otlp(observed: Option<Arc<Observed>>) -> RetryRule {
        RetryRule {
            observed,
            retries: true,
        }
    }

    pub(crate) fn retries(&self) -> bool {
        self.retries
    }

    /// Forgets the last answer, before an export.
    pub(crate) fn reset(&self) {
        if let Some(observed) = &self.observed {
            observed.set(None);
        }
    }

    /// The verdict on `error`, the result of the export just made.
    pub(crate) fn verdict(&self, error: &OTelSdkError) -> Verdict {
        if !self.retries {
            return Verdict::Fail;
        }
        if let Some(answer) = self.observed.as_ref().and_then(|o| o.get()) {
            return match answer {
                Answer::NoResponse => Verdict::Retry(None),
                Answer::Status(429 | 503, retry_after) => Verdict::Retry(retry_after),
                Answer::Status(502 | 504, _) => Verdict::Retry(None),
                Answer::Status(..) => Verdict::Fail,
            };
        }
        classify(error)
    }
}

/// Classifies an error of opentelemetry-otlp 0.33 by its text, which
/// names the HTTP status or gRPC code of the last attempt.
pub(crate) fn classify(error: &OTelSdkError) -> Verdict {
    let message = match error {
        OTelSdkError::Timeout(_) => return Verdict::Retry(None),
        OTelSdkError::InternalFailure(message) => message.as_str(),
        OTelSdkError::AlreadyShutdown => return Verdict::Fail,
    };
    if message.starts_with("HTTP export failed: network error") {
        return Verdict::Retry(None);
    }
    if let Some(rest) = message.strip_prefix("HTTP export failed with status code: ") {
        return match rest.trim().parse::<u16>() {
            Ok(429 | 502 | 503 | 504) => Verdict::Retry(None),
            _ => Verdict::Fail,
        };
    }
    if let Some((_, rest)) = message.split_once("export failed with gRPC code: ") {
        let code = rest.split(':').next().unwrap_or("").trim();
        return match code {
            "Unavailable" | "DeadlineExceeded" | "Cancelled" | "Aborted" | "OutOfRange"
            | "DataLoss" => Verdict::Retry(None),
            _ => Verdict::Fail,
        };
    }
    Verdict::Fail
}

/// The delays between attempts at one batch: exponential from
/// [`Backoff::INITIAL`] to [`Backoff::MAX`], each with up to half of it
/// taken off at random (so that many processes behind one collector do not
/// come back in step), and never shorter than a `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    pub(crate) initial: Duration,
    pub(crate) max: Duration,
}

impl Backoff {
    pub(crate) const INITIAL: Duration = Duration::from_millis(250);
    pub(crate) const MAX: Duration = Duration::from_secs(5);
    /// A collector's `Retry-After` is honoured up to this long.
    pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

    pub(crate) fn recommended() -> Backoff {
        Backoff {
            initial: Backoff::INITIAL,
            max: Backoff::MAX,
        }
    }

    /// The delay before attempt `attempt + 1` (`attempt` ≥ 1 failed ones).
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .initial
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(self.max);
        let jitter = exp.mul_f64(random_fraction() / 2.0);
        let delay = exp - jitter;
        match retry_after {
            Some(after) => delay.max(after.min(Backoff::MAX_RETRY_AFTER)),
            None => delay,
        }
    }
}

/// A number in [0, 1), different on every call.
fn random_fraction() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// The last HTTP answer a wrapped client got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// No response: connection refused or reset, timeout.
    NoResponse,
    /// An error status, with its `Retry-After` if it had one.
    Status(u16, Option<Duration>),
}

/// Shared between an [`ObservedClient`] and the export thread.
#[derive(Debug, Default)]
pub(crate) struct Observed {
    last: Mutex<Option<Answer>>,
}

impl Observed {
    fn set(&self, answer: Option<Answer>) {
        if let Ok(mut last) = self.last.lock() {
            *last = answer;
        }
    }

    fn get(&self) -> Option<Answer> {
        self.last.lock().ok().and_then(|last| *last)
    }
}

/// An HTTP client that records the last failed answer of the one it wraps
/// (opentelemetry-otlp's error after its retries no longer says it).
#[derive(Debug)]
pub(crate) struct ObservedClient<C> {
    inner: C,
    observed: Arc<Observed>,
}

impl<C> ObservedClient<C> {
    pub(crate) fn new(inner: C) -> (ObservedClient<C>, Arc<Observed>) {
        let observed = Arc::new(Observed::default());
        (
            ObservedClient {
                inner,
                observed: observed.clone(),
            },
            observed,
        )
    }
}

#[async_trait::async_trait]
impl<C: HttpClient> HttpClient for ObservedClient<C> {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let result = self.inner.send_bytes(request).await;
        match &result {
            Ok(response) if response.status().is_success() => self.observed.set(None),
            Ok(response) => {
                let retry_after = response
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_retry_after);
                self.observed.set(Some(Answer::Status(
                    response.status().as_u16(),
                    retry_after,
                )));
            }
            Err(_) => self.observed.set(Some(Answer::NoResponse)),
        }
        result
    }
}

/// `Retry-After` in seconds or as an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    httpdate::parse_http_date(value)
        .ok()
        .map(|at| at.duration_since(SystemTime::now()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(message: &str) -> OTelSdkError {
        OTelSdkError::InternalFailure(message.into())
    }

    #[test]
    fn transient_errors_of_opentelemetry_otlp_are_retried_and_others_fail() {
        for retried in [
            "HTTP export failed: network error",
            "HTTP export failed with status code: 429",
            "HTTP export failed with status code: 502",
            "HTTP export failed with status code: 503",
            "HTTP export failed with status code: 504",
            "TonicTracesClient export failed with gRPC code: Unavailable: transport error: \
             tcp connect error: Connection refused (os error 111)",
            "TonicTracesClient export failed with gRPC code: DeadlineExceeded",
        ] {
            assert_eq!(
                classify(&failure(retried)),
                Verdict::Retry(None),
                "{retried}"
            );
        }
        for failed in [
            "HTTP export failed with status code: 400",
            "HTTP export failed with status code: 500",
            "TonicTracesClient export failed with gRPC code: InvalidArgument",
            "TonicTracesClient export failed with gRPC code: ResourceExhausted",
            "TonicTracesClient export failed with gRPC code: FailedPrecondition",
            "the span exporter panicked",
        ] {
            assert_eq!(classify(&failure(failed)), Verdict::Fail, "{failed}");
        }
        assert_eq!(
            classify(&OTelSdkError::Timeout(Duration::from_secs(1))),
            Verdict::Retry(None)
        );
        assert_eq!(
            RetryRule::never().verdict(&failure("HTTP export failed: network error")),
            Verdict::Fail
        );
    }

    #[test]
    fn an_observed_answer_decides_and_carries_retry_after() {
        let observed = Arc::new(Observed::default());
        let rule = RetryRule::otlp(Some(observed.clone()));
        let error = failure("HTTP export failed with status code: 503");
        observed.set(Some(Answer::Status(503, Some(Duration::from_secs(7)))));
        assert_eq!(
            rule.verdict(&error),
            Verdict::Retry(Some(Duration::from_secs(7)))
        );
        observed.set(Some(Answer::Status(400, None)));
        assert_eq!(rule.verdict(&error), Verdict::Fail);
        rule.reset();
        assert_eq!(rule.verdict(&error), Verdict::Retry(None), "from the text");
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn the_backoff_doubles_up_to_its_bound_with_jitter_and_honours_retry_after() {
        let backoff = Backoff::recommended();
        for (attempt, full) in [
            (1, 250),
            (2, 500),
            (3, 1000),
            (5, 4000),
            (6, 5000),
            (40, 5000),
        ] {
            let full = Duration::from_millis(full);
            for _ in 0..20 {
                let delay = backoff.delay(attempt, None);
                assert!(delay <= full && delay >= full / 2, "{attempt}: {delay:?}");
            }
        }
        assert_eq!(
            backoff.delay(1, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            backoff.delay(1, Some(Duration::from_secs(3600))),
            Backoff::MAX_RETRY_AFTER
        );
    }
}
