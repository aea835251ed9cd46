//! Per-group statistics of LLM calls: counts, token sums, cost and exact
//! latency percentiles.
//!
//! Percentiles are exact, by the **nearest-rank** method: the p-th
//! percentile of n values is the ⌈p·n/100⌉-th smallest, always one of the
//! measured values. Keeping them exact costs 8 bytes per call (its
//! duration) while a command runs; the lines themselves are not kept.

use crate::span::Span;

/// The nearest-rank `p`-th percentile (`0 < p <= 100`) of `sorted`
/// (ascending): the ⌈p·n/100⌉-th smallest value.
pub fn nearest_rank(sorted: &[u64], p: u32) -> Option<u64> {
    let n = sorted.len() as u64;
    if n == 0 {
        return None;
    }
    let rank = (u64::from(p.clamp(1, 100)) * n).div_ceil(100);
    Some(sorted[(rank.max(1) - 1) as usize])
}

/// p50, p95, p99 and the maximum of a set of durations, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percentiles {
    /// Median.
    pub p50: u64,
    /// 95th percentile.
    pub p95: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Maximum.
    pub max: u64,
}

impl Percentiles {
    /// The percentiles of `values` (sorted here); `None` when empty.
    pub fn of(mut values: Vec<u64>) -> Option<Percentiles> {
        values.sort_unstable();
        Some(Percentiles {
            p50: nearest_rank(&values, 50)?,
            p95: nearest_rank(&values, 95)?,
            p99: nearest_rank(&values, 99)?,
            max: *values.last()?,
        })
    }
}

/// A sum of counts that some calls may not report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Count {
    sum: u64,
    reported: u64,
}

impl Count {
    fn add(&mut self, value: Option<u64>) {
        if let Some(v) = value {
            self.sum = self.sum.saturating_add(v);
            self.reported += 1;
        }
    }

    fn merge(&mut self, other: Count) {
        self.sum = self.sum.saturating_add(other.sum);
        self.reported += other.reported;
    }

    /// The sum, or `None` if no call reported the count.
    fn total(self) -> Option<u64> {
        (self.reported > 0).then_some(self.sum)
    }

    fn mean(self) -> Option<f64> {
        (self.reported > 0).then(|| self.sum as f64 / self.reported as f64)
    }
}

/// A floating-point sum by Neumaier's compensated summation, so that the
/// cost of 100 000 calls adds up without drifting in the last digits.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Sum {
    sum: f64,
    compensation: f64,
}

impl Sum {
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    fn value(self) -> f64 {
        self.sum + self.compensation
    }
}

/// Collects the calls of one group.
#[derive(Debug, Clone, Default)]
pub struct Accumulator {
    calls: u64,
    errors: u64,
    input: Count,
    cache_read: Count,
    cache_write: Count,
    output: Count,
    reasoning: Count,
    cost: Sum,
    priced: u64,
    durations: Vec<u64>,
    streams: u64,
    first_chunk: Vec<u64>,
    evaluation: Sum,
    evaluations: u64,
}

impl Accumulator {
    /// Counts one LLM call.
    pub fn add(&mut self, span: &Span) {
        self.calls += 1;
        self.errors += span.failed() as u64;
        self.input.add(span.input_tokens());
        self.cache_read.add(span.cache_read_tokens());
        self.cache_write.add(span.cache_write_tokens());
        self.output.add(span.output_tokens());
        self.reasoning.add(span.reasoning_tokens());
        if let Some(cost) = span.cost_usd() {
            self.cost.add(cost);
            self.priced += 1;
        }
        self.durations.push(span.duration());
        if span.is_stream() {
            self.streams += 1;
            if let Some(ttfc) = span.time_to_first_chunk() {
                self.first_chunk.push(ttfc);
            }
        }
        for evaluation in &span.evaluations {
            self.evaluation.add(evaluation.score);
            self.evaluations += 1;
        }
    }

    /// Adds another group's calls to this one (for totals).
    pub fn merge(&mut self, other: &Accumulator) {
        self.calls += other.calls;
        self.errors += other.errors;
        self.input.merge(other.input);
        self.cache_read.merge(other.cache_read);
        self.cache_write.merge(other.cache_write);
        self.output.merge(other.output);
        self.reasoning.merge(other.reasoning);
        self.cost.add(other.cost.sum);
        self.cost.add(other.cost.compensation);
        self.priced += other.priced;
        self.durations.extend_from_slice(&other.durations);
        self.streams += other.streams;
        self.first_chunk.extend_from_slice(&other.first_chunk);
        self.evaluation.add(other.evaluation.sum);
        self.evaluation.add(other.evaluation.compensation);
        self.evaluations += other.evaluations;
    }

    /// The group's figures.
    pub fn finish(self) -> GroupStats {
        GroupStats {
            calls: self.calls,
            errors: self.errors,
            input_tokens: self.input.total(),
            cache_read_tokens: self.cache_read.total(),
            cache_write_tokens: self.cache_write.total(),
            output_tokens: self.output.total(),
            reasoning_tokens: self.reasoning.total(),
            input_tokens_per_call: self.input.mean(),
            output_tokens_per_call: self.output.mean(),
            reasoning_tokens_per_call: self.reasoning.mean(),
            cost_usd: (self.priced > 0).then(|| self.cost.value()),
            priced_calls: self.priced,
            latency: Percentiles::of(self.durations),
            streams: self.streams,
            time_to_first_chunk: Percentiles::of(self.first_chunk),
            evaluation_mean: (self.evaluations > 0)
                .then(|| self.evaluation.value() / self.evaluations as f64),
            evaluations: self.evaluations,
        }
    }
}

/// The figures of one group of LLM calls.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupStats {
    /// Calls.
    pub calls: u64,
    /// Failed calls.
    pub errors: u64,
    /// Input tokens (cache reads and writes included); `None` if no call reported them.
    pub input_tokens: Option<u64>,
    /// Input tokens read from the prompt cache.
    pub cache_read_tokens: Option<u64>,
    /// Input tokens written to the prompt cache.
    pub cache_write_tokens: Option<u64>,
    /// Output tokens (reasoning included).
    pub output_tokens: Option<u64>,
    /// Reasoning tokens.
    pub reasoning_tokens: Option<u64>,
    /// Mean input tokens of the calls that reported them.
    pub input_tokens_per_call: Option<f64>,
    /// Mean output tokens of the calls that reported them.
    pub output_tokens_per_call: Option<f64>,
    /// Mean reasoning tokens of the calls that reported them.
    pub reasoning_tokens_per_call: Option<f64>,
    /// Total cost of the priced calls; `None` when no call has a cost.
    pub cost_usd: Option<f64>,
    /// Calls with a cost.
    pub priced_calls: u64,
    /// Latency of every call, failed ones included.
    pub latency: Option<Percentiles>,
    /// Streamed calls.
    pub streams: u64,
    /// Time to the first chunk of the streamed calls that recorded it.
    pub time_to_first_chunk: Option<Percentiles>,
    /// Mean evaluation score (`gen_ai.evaluation.result` events).
    pub evaluation_mean: Option<f64>,
    /// Evaluation events.
    pub evaluations: u64,
}

impl GroupStats {
    /// Failed calls over calls (0 to 1).
    pub fn error_rate(&self) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            self.errors as f64 / self.calls as f64
        }
    }

    /// Mean cost of a priced call.
    pub fn cost_per_call(&self) -> Option<f64> {
        self.cost_usd.map(|c| c / self.priced_calls as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_picks_a_measured_value() {
        let values: Vec<u64> = (1..=10).collect();
        assert_eq!(nearest_rank(&values, 50), Some(5));
        assert_eq!(nearest_rank(&values, 95), Some(10));
        assert_eq!(nearest_rank(&values, 10), Some(1));
        assert_eq!(nearest_rank(&values, 11), Some(2));
        assert_eq!(nearest_rank(&[7], 99), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
    }

    #[test]
    fn percentiles_of_one_to_a_thousand() {
        let p = Percentiles::of((1..=1000).rev().collect()).unwrap();
        assert_eq!(
            p,
            Percentiles {
                p50: 500,
                p95: 950,
                p99: 990,
                max: 1000
            }
        );
    }

    #[test]
    fn compensated_sum_keeps_small_costs_exact() {
        let mut sum = Sum::default();
        for _ in 0..100_000 {
            sum.add(0.000_123);
        }
        assert_eq!(format!("{:.12}", sum.value()), "12.300000000000");
    }
}
