//! The GenAI client metrics: `gen_ai.client.token.usage` and
//! `gen_ai.client.operation.duration` (and for streams
//! `gen_ai.client.operation.time_to_first_chunk` and
//! `gen_ai.client.operation.time_per_output_chunk`), and the counter
//! `llm_trace.client.cost` (US dollars, see [`crate::cost`]), recorded for
//! every call whether or not its span was sampled, so token and cost totals
//! stay complete under sampling.
//!
//! Instruments come from the global meter provider. They are cached per
//! thread together with the provider they came from and rebuilt when the
//! global provider changes, so a provider installed after the first call is
//! picked up (an instrument cached from the no-op provider would stay a no-op
//! forever).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use opentelemetry::metrics::{Counter, Histogram, MeterProvider};
use opentelemetry::{global, Key, KeyValue};

use crate::model::Usage;
use crate::semconv as sc;

/// `gen_ai.client.token.usage` bucket boundaries recommended by the conventions.
pub const TOKEN_USAGE_BOUNDARIES: [f64; 14] = [
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];

/// `gen_ai.client.operation.duration` bucket boundaries (seconds) recommended
/// by the conventions.
pub const DURATION_BOUNDARIES: [f64; 14] = [
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/// `gen_ai.client.operation.time_per_output_chunk` bucket boundaries
/// (seconds): the conventions' boundaries for the time per output token.
pub const CHUNK_INTERVAL_BOUNDARIES: [f64; 13] = [
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5,
];

/// The instruments of one meter provider, shared: a call takes one
/// reference count, not one per instrument.
#[derive(Clone)]
pub(crate) struct Instruments(Arc<InstrumentSet>);

struct InstrumentSet {
    /// Keeps the provider alive so its address identifies it while cached.
    provider: Arc<dyn MeterProvider + Send + Sync>,
    token_usage: Histogram<u64>,
    duration: Histogram<f64>,
    time_to_first_chunk: Histogram<f64>,
    time_per_output_chunk: Histogram<f64>,
    cost: Counter<f64>,
}

impl Instruments {
    fn new(provider: Arc<dyn MeterProvider + Send + Sync>) -> Self {
        Instruments(Arc::new(InstrumentSet::new(provider)))
    }

    /// Records one finished call. `common` holds the attributes shared by
    /// the instruments (operation, provider, models, server, error type,
    /// allowed metadata).
    pub(crate) fn record(&self, m: Measurement<'_>) {
        self.0.record(m);
    }

    /// Adds a call's cost known after the call was recorded (its prices
    /// were resolved meanwhile), with the call's `common` attributes.
    pub(crate) fn add_cost(&self, usd: f64, common: &[KeyValue]) {
        self.0.cost.add(usd, common);
    }
}

impl InstrumentSet {
    fn new(provider: Arc<dyn MeterProvider + Send + Sync>) -> Self {
        let meter = provider.meter_with_scope(crate::instrumentation::scope().clone());
        let token_usage = meter
            .u64_histogram(sc::GEN_AI_CLIENT_TOKEN_USAGE)
            .with_unit("{token}")
            .with_description("Number of input and output tokens used")
            .with_boundaries(TOKEN_USAGE_BOUNDARIES.to_vec())
            .build();
        let duration = meter
            .f64_histogram(sc::GEN_AI_CLIENT_OPERATION_DURATION)
            .with_unit("s")
            .with_description("GenAI operation duration")
            .with_boundaries(DURATION_BOUNDARIES.to_vec())
            .build();
        let time_to_first_chunk = meter
            .f64_histogram(sc::GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK)
            .with_unit("s")
            .with_description("Time to receive the first chunk of a streamed response")
            .with_boundaries(DURATION_BOUNDARIES.to_vec())
            .build();
        let time_per_output_chunk = meter
            .f64_histogram(sc::GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK)
            .with_unit("s")
            .with_description("Time between consecutive chunks of a streamed response")
            .with_boundaries(CHUNK_INTERVAL_BOUNDARIES.to_vec())
            .build();
        let cost = meter
            .f64_counter(sc::LLM_TRACE_CLIENT_COST)
            .with_unit("USD")
            .with_description("Cost of the calls in US dollars, from their token usage")
            .build();
        InstrumentSet {
            provider,
            token_usage,
            duration,
            time_to_first_chunk,
            time_per_output_chunk,
            cost,
        }
    }

    fn record(&self, m: Measurement<'_>) {
        self.duration.record(m.duration_secs, m.common);
        if let Some(ttfc) = m.time_to_first_chunk {
            self.time_to_first_chunk.record(ttfc, m.common);
        }
        for &interval in m.chunk_intervals {
            self.time_per_output_chunk.record(interval, m.common);
        }
        if let Some(usd) = m.cost_usd {
            self.cost.add(usd, m.common);
        }
        for (kind, tokens) in [("input", m.input_tokens), ("output", m.output_tokens)] {
            if let Some(tokens) = tokens {
                m.common.push(KeyValue::new(sc::GEN_AI_TOKEN_TYPE, kind));
                self.token_usage.record(tokens, m.common);
                m.common.pop();
            }
        }
    }
}

thread_local! {
    static CACHED: RefCell<Option<Instruments>> = const { RefCell::new(None) };
}

/// The instruments of the global meter provider, or `None` while it is the
/// no-op provider: then a call builds no metric attributes at all.
pub(crate) fn instruments() -> Option<Instruments> {
    let provider = global::meter_provider();
    // Only a provider without state (the API's no-op provider is a
    // zero-sized type) cannot export anything.
    if std::mem::size_of_val(&*provider) == 0 {
        return None;
    }
    CACHED.with(|cached| {
        let mut cached = cached.borrow_mut();
        match &*cached {
            Some(i) if Arc::ptr_eq(&i.0.provider, &provider) => {}
            _ => *cached = Some(Instruments::new(provider)),
        }
        cached.clone()
    })
}

/// Replies whose usage was not recorded, see [`rejected_usage`].
static REJECTED_USAGE: AtomicU64 = AtomicU64::new(0);

/// How many calls' replies claimed a token count over
/// [`MAX_PLAUSIBLE_TOKENS`](crate::provider::MAX_PLAUSIBLE_TOKENS) since the
/// process started: their usage reached neither
/// `gen_ai.client.token.usage` nor the cost (the span keeps the counts as
/// reported, marked `llm_trace.usage.rejected`). Also
/// [`Telemetry::rejected_usage`](crate::export::Telemetry::rejected_usage).
pub fn rejected_usage() -> u64 {
    REJECTED_USAGE.load(Ordering::Relaxed)
}

/// `usage` if it can be recorded into metrics and cost; `None` (counted in
/// [`rejected_usage`]) when a count is over the bound.
#[inline]
pub(crate) fn plausible(usage: Option<Usage>) -> Option<Usage> {
    match usage {
        Some(u) if !u.is_plausible() => {
            REJECTED_USAGE.fetch_add(1, Ordering::Relaxed);
            None
        }
        other => other,
    }
}

/// Allows call metadata with these keys onto the metrics' attributes (none by
/// default: every allowed key multiplies the number of time series). Values
/// of allowed `fields(...)` keys are evaluated for every call, sampled or not.
/// One field of the [`settings`](crate::settings) snapshot.
pub fn set_metadata_keys<I, K>(keys: I)
where
    I: IntoIterator<Item = K>,
    K: Into<Key>,
{
    let keys: Vec<Key> = keys.into_iter().map(Into::into).collect();
    crate::settings::update(|s| s.metrics_metadata_keys(keys));
}

/// One finished call, as the metrics see it.
pub(crate) struct Measurement<'a> {
    pub common: &'a mut Vec<KeyValue>,
    pub duration_secs: f64,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    /// Streams only: seconds to the first chunk.
    pub time_to_first_chunk: Option<f64>,
    /// Streams only: seconds between consecutive chunks.
    pub chunk_intervals: &'a [f64],
    /// `None` when the model has no price.
    pub cost_usd: Option<f64>,
}
