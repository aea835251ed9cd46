//! `llm-trace compare --by KEY`: groups side by side, each against a
//! baseline group — tokens, latency, cost, error rate and evaluation
//! scores under different parameters (`gen_ai.request.temperature`,
//! `gen_ai.prompt.version`, a model, a feature flag...).

use std::io::{self, Write};

use serde_json::{json, Value as Json};

use crate::format::{self, Format, Record};
use crate::report::{csv_field, key_json, key_text, GroupKey, Grouped};
use crate::stats::GroupStats;

/// How a metric's difference to the baseline is stated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Diff {
    /// Not compared (calls: traffic, not quality).
    None,
    /// Relative change in percent.
    Percent,
    /// Difference in percentage points (rates).
    Points,
    /// Plain difference (scores).
    Absolute,
}

struct Metric {
    /// JSON and CSV name.
    name: &'static str,
    /// Table label.
    label: &'static str,
    value: fn(&GroupStats) -> Option<f64>,
    text: fn(f64) -> String,
    diff: Diff,
    /// Shown only when some group has a value.
    optional: bool,
}

fn ms_of(nanos: u64) -> f64 {
    format::ms(nanos)
}

const METRICS: &[Metric] = &[
    Metric {
        name: "calls",
        label: "calls",
        value: |s| Some(s.calls as f64),
        text: |v| format::count(v as u64),
        diff: Diff::None,
        optional: false,
    },
    Metric {
        name: "error_rate",
        label: "error rate",
        value: |s| Some(s.error_rate()),
        text: format::percent,
        diff: Diff::Points,
        optional: false,
    },
    Metric {
        name: "input_tokens_per_call",
        label: "input tokens / call",
        value: |s| s.input_tokens_per_call,
        text: |v| format!("{v:.1}"),
        diff: Diff::Percent,
        optional: false,
    },
    Metric {
        name: "output_tokens_per_call",
        label: "output tokens / call",
        value: |s| s.output_tokens_per_call,
        text: |v| format!("{v:.1}"),
        diff: Diff::Percent,
        optional: false,
    },
    Metric {
        name: "reasoning_tokens_per_call",
        label: "reasoning tokens / call",
        value: |s| s.reasoning_tokens_per_call,
        text: |v| format!("{v:.1}"),
        diff: Diff::Percent,
        optional: true,
    },
    Metric {
        name: "latency_p50_ms",
        label: "latency p50 ms",
        value: |s| s.latency.map(|p| ms_of(p.p50)),
        text: |v| format!("{v:.1}"),
        diff: Diff::Percent,
        optional: false,
    },
    Metric {
        name: "latency_p95_ms",
        label: "latency p95 ms",
        value: |s| s.latency.map(|p| ms_of(p.p95)),
        text: |v| format!("{v:.1}"),
        diff: Diff::Percent,
        optional: false,
    },
    Metric {
        name: "ttft_p50_ms",
        label: "ttft p50 ms",
        value: |s| s.time_to_first_chunk.map(|p| ms_of(p.p50)),
        text: |v| format!("{v:.1}"),
        diff: Diff::Percent,
        optional: true,
    },
    Metric {
        name: "cost_per_call_usd",
        label: "cost / call",
        value: |s| s.cost_per_call(),
        text: format::usd,
        diff: Diff::Percent,
        optional: false,
    },
    Metric {
        name: "evaluation_score_mean",
        label: "evaluation score",
        value: |s| s.evaluation_mean,
        text: |v| format!("{v:.3}"),
        diff: Diff::Absolute,
        optional: true,
    },
];

impl Metric {
    /// The value as JSON; counts as integers.
    fn json(&self, stats: &GroupStats) -> Json {
        match (self.value)(stats) {
            Some(v) if self.diff == Diff::None => json!(v as u64),
            value => json!(value),
        }
    }

    /// The difference of `value` to `baseline`, in the metric's terms.
    fn difference(&self, value: Option<f64>, baseline: Option<f64>) -> Option<f64> {
        match self.diff {
            Diff::None => None,
            Diff::Percent => format::relative(value, baseline).map(|r| r * 100.0),
            Diff::Points => Some((value? - baseline?) * 100.0),
            Diff::Absolute => Some(value? - baseline?),
        }
    }

    fn difference_text(&self, difference: f64) -> String {
        match self.diff {
            Diff::None => String::new(),
            Diff::Percent => format!("{difference:+.1}%"),
            Diff::Points => format!("{difference:+.1} pp"),
            Diff::Absolute => format!("{difference:+.3}"),
        }
    }

    fn difference_name(&self) -> String {
        match self.diff {
            Diff::None => String::new(),
            Diff::Percent => format!("{}_change_pct", self.name),
            Diff::Points => format!("{}_change_pp", self.name),
            Diff::Absolute => format!("{}_change", self.name),
        }
    }
}

/// The group `baseline` names (its values joined by `,`, numbers compared
/// as numbers), or the first group.
pub fn baseline_index(grouped: &Grouped, baseline: Option<&str>) -> Result<usize, String> {
    let Some(wanted) = baseline else {
        return Ok(0);
    };
    let parts: Vec<&str> = wanted.split(',').map(str::trim).collect();
    grouped
        .groups
        .iter()
        .position(|(key, _)| {
            key.len() == parts.len()
                && key.iter().zip(&parts).all(|(v, p)| match v {
                    Some(v) => v.matches(p),
                    None => *p == "-",
                })
        })
        .ok_or_else(|| {
            let known: Vec<String> = grouped.groups.iter().map(|(k, _)| group_label(k)).collect();
            format!("no group `{wanted}`; the groups are: {}", known.join(" | "))
        })
}

fn group_label(key: &GroupKey) -> String {
    key.iter().map(key_text).collect::<Vec<_>>().join(", ")
}

/// Writes the comparison of `grouped`'s groups against the group at `baseline`.
pub fn write(
    out: &mut dyn Write,
    grouped: &Grouped,
    baseline: usize,
    format: Format,
) -> io::Result<()> {
    let Some((base_key, base)) = grouped.groups.get(baseline) else {
        return match format {
            Format::Table => writeln!(out, "no LLM calls ({} spans read)", grouped.read.spans),
            Format::Json => format::write_json(out, &json!({"by": grouped.by, "groups": []})),
            Format::Csv => format::write_csv(out, &grouped.by, &[]),
        };
    };
    let metrics: Vec<&Metric> = METRICS
        .iter()
        .filter(|m| !m.optional || grouped.groups.iter().any(|(_, s)| (m.value)(s).is_some()))
        .collect();
    match format {
        Format::Table => {
            let mut headers = vec![grouped.by.join(", ")];
            headers.extend(grouped.groups.iter().enumerate().map(|(i, (key, _))| {
                if i == baseline {
                    format!("{} (baseline)", group_label(key))
                } else {
                    group_label(key)
                }
            }));
            let rows = metrics
                .iter()
                .map(|m| {
                    let mut row = vec![m.label.to_string()];
                    let base_value = (m.value)(base);
                    row.extend(grouped.groups.iter().enumerate().map(|(i, (_, s))| {
                        let value = (m.value)(s);
                        let mut text = match value {
                            Some(v) => (m.text)(v),
                            None if m.name == "cost_per_call_usd" => "no data".into(),
                            None => "-".into(),
                        };
                        if i != baseline {
                            if let Some(d) = m.difference(value, base_value) {
                                text += &format!(" ({})", m.difference_text(d));
                            }
                        }
                        text
                    }));
                    row
                })
                .collect();
            let right: Vec<usize> = (1..=grouped.groups.len()).collect();
            format::write_table(out, &format::table(&headers, &right, rows))
        }
        Format::Json => {
            let groups: Vec<Record> = grouped
                .groups
                .iter()
                .map(|(key, s)| {
                    let mut record = Record::default().with("group", key_json(&grouped.by, key));
                    let mut diffs = Record::default();
                    for m in &metrics {
                        record = record.with(m.name, m.json(s));
                        if m.diff != Diff::None {
                            let difference = m.difference((m.value)(s), (m.value)(base));
                            diffs = diffs.with(m.difference_name(), json!(difference));
                        }
                    }
                    record.with("vs_baseline", diffs)
                })
                .collect();
            format::write_json(
                out,
                &Record::default()
                    .with("by", grouped.by.clone())
                    .with("baseline", key_json(&grouped.by, base_key))
                    .with("groups", groups),
            )
        }
        Format::Csv => {
            let mut header = grouped.by.clone();
            header.extend(metrics.iter().map(|m| m.name.to_string()));
            header.extend(
                metrics
                    .iter()
                    .filter(|m| m.diff != Diff::None)
                    .map(|m| format!("vs_baseline_{}", m.difference_name())),
            );
            let rows: Vec<Vec<String>> =
                grouped
                    .groups
                    .iter()
                    .map(|(key, s)| {
                        let mut row: Vec<String> = key
                            .iter()
                            .map(|v| v.as_ref().map(ToString::to_string).unwrap_or_default())
                            .collect();
                        row.extend(metrics.iter().map(|m| csv_field(&m.json(s))));
                        row.extend(metrics.iter().filter(|m| m.diff != Diff::None).map(|m| {
                            csv_field(&json!(m.difference((m.value)(s), (m.value)(base))))
                        }));
                        row
                    })
                    .collect();
            format::write_csv(out, &header, &rows)
        }
    }
}
