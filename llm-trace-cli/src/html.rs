//! `llm-trace report --html out.html`: one self-contained page with the
//! report table and three charts — cost per group, latency distribution per
//! model, calls over time.
//!
//! Everything is inline (CSS, the data as JSON, and a small script that
//! draws the charts as SVG), so the page opens offline and can be mailed or
//! attached to a ticket. After drawing, each chart element carries
//! `data-rendered="<number of marks drawn>"`.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use crate::format;
use crate::report::{self, Grouped};
use crate::span::Span;

/// The page, with `{{...}}` placeholders.
const TEMPLATE: &str = include_str!("../assets/report.html");

/// Latency histogram buckets per decade (log scale).
const PER_DECADE: u32 = 4;
/// The lower edge of the first bucket: 0.1 ms.
const FIRST_EDGE_NS: f64 = 1e5;
/// 0.1 ms to 1000 s.
const BUCKETS: usize = 7 * PER_DECADE as usize;
/// At most this many columns in the calls-over-time chart.
const MAX_TIME_BUCKETS: u64 = 60;
/// Time bucket widths to choose from, in seconds.
const STEPS: &[u64] = &[
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
    172_800, 604_800,
];

/// What the charts need, collected while the report reads the calls.
#[derive(Debug, Default)]
pub struct Charts {
    /// Calls and failed calls per second (Unix time).
    per_second: BTreeMap<u64, (u64, u64)>,
    /// Latency histogram per model.
    latency: BTreeMap<String, Vec<u64>>,
}

impl Charts {
    /// Counts one LLM call.
    pub fn add(&mut self, span: &Span) {
        let entry = self
            .per_second
            .entry(span.start / 1_000_000_000)
            .or_default();
        entry.0 += 1;
        entry.1 += span.failed() as u64;
        let counts = self
            .latency
            .entry(span.model().unwrap_or("-").to_owned())
            .or_insert_with(|| vec![0; BUCKETS]);
        counts[bucket(span.duration())] += 1;
    }

    fn timeline(&self) -> Json {
        let (Some((&first, _)), Some((&last, _))) = (
            self.per_second.first_key_value(),
            self.per_second.last_key_value(),
        ) else {
            return json!({"step_s": 1, "buckets": []});
        };
        let span = last - first + 1;
        let step = STEPS
            .iter()
            .copied()
            .find(|s| span.div_ceil(*s) <= MAX_TIME_BUCKETS)
            .unwrap_or_else(|| span.div_ceil(MAX_TIME_BUCKETS));
        let start = first - first % step;
        let mut buckets: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
        let mut t = start;
        while t <= last {
            buckets.insert(t, (0, 0));
            t += step;
        }
        for (&second, &(calls, errors)) in &self.per_second {
            let b = buckets.entry(second - (second - start) % step).or_default();
            b.0 += calls;
            b.1 += errors;
        }
        json!({
            "step_s": step,
            "buckets": buckets.iter().map(|(t, (calls, errors))| json!({
                "t": format::time(t * 1_000_000_000),
                "calls": calls,
                "errors": errors,
            })).collect::<Vec<_>>(),
        })
    }

    fn latency(&self) -> Json {
        let used = |i: usize| self.latency.values().any(|c| c[i] > 0);
        let (Some(lo), Some(hi)) = (
            (0..BUCKETS).find(|&i| used(i)),
            (0..BUCKETS).rfind(|&i| used(i)),
        ) else {
            return json!({"edges_ms": [], "models": []});
        };
        let edges: Vec<f64> = (lo..=hi + 1).map(edge_ms).collect();
        json!({
            "edges_ms": edges,
            "models": self.latency.iter().map(|(model, counts)| json!({
                "model": model,
                "counts": &counts[lo..=hi],
            })).collect::<Vec<_>>(),
        })
    }
}

/// The histogram bucket of a duration: log scale, [`PER_DECADE`] per
/// decade from 0.1 ms; shorter calls fall in the first, longer in the last.
fn bucket(nanos: u64) -> usize {
    if (nanos as f64) < FIRST_EDGE_NS {
        return 0;
    }
    let i = ((nanos as f64 / FIRST_EDGE_NS).log10() * f64::from(PER_DECADE)).floor() as usize;
    i.min(BUCKETS - 1)
}

/// The lower edge of bucket `i`, in milliseconds, rounded to 3 significant digits.
fn edge_ms(i: usize) -> f64 {
    let ms = FIRST_EDGE_NS / 1e6 * 10f64.powf(i as f64 / f64::from(PER_DECADE));
    let digits = 2 - ms.log10().floor() as i32;
    let scale = 10f64.powi(digits);
    (ms * scale).round() / scale
}

/// Escapes text for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The report as an HTML table, the same cells as the text table.
fn table(grouped: &Grouped) -> String {
    let mut html = String::from("<table>\n<thead><tr>");
    let keys = grouped.by.len();
    for header in &grouped.by {
        html += &format!("<th>{}</th>", escape(header));
    }
    for header in report::TABLE_HEADERS {
        html += &format!("<th class=\"num\">{}</th>", escape(header));
    }
    html += "</tr></thead>\n<tbody>\n";
    let mut rows: Vec<(Vec<String>, &crate::stats::GroupStats, bool)> = grouped
        .groups
        .iter()
        .map(|(key, stats)| (key.iter().map(report::key_text).collect(), stats, false))
        .collect();
    if grouped.groups.len() > 1 {
        let mut key = vec!["total".to_string()];
        key.resize(keys, String::new());
        rows.push((key, &grouped.total, true));
    }
    for (key, stats, total) in rows {
        html += if total {
            "<tr class=\"total\">"
        } else {
            "<tr>"
        };
        for cell in key {
            html += &format!("<td>{}</td>", escape(&cell));
        }
        for cell in report::table_cells(stats) {
            let class = if cell == "no data" {
                " class=\"num none\""
            } else {
                " class=\"num\""
            };
            html += &format!("<td{class}>{}</td>", escape(&cell));
        }
        html += "</tr>\n";
    }
    html + "</tbody>\n</table>"
}

/// The page for `grouped` and `charts`; `inputs` names what was read.
pub fn page(grouped: &Grouped, charts: &Charts, inputs: &str) -> String {
    let data = json!({
        "cost": grouped.groups.iter().map(|(key, stats)| json!({
            "label": key.iter().map(report::key_text).collect::<Vec<_>>().join(", "),
            "cost": stats.cost_usd,
            "cost_text": report::cost_text(stats),
            "calls": stats.calls,
        })).collect::<Vec<_>>(),
        "latency": charts.latency(),
        "timeline": charts.timeline(),
    });
    // `<` as a JSON escape: the data cannot close its <script> element.
    let data = serde_json::to_string(&data)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c");
    let summary = format!(
        "{} LLM calls, {} failed ({}), {} from {} ({} spans read{}).",
        format::count(grouped.total.calls),
        format::count(grouped.total.errors),
        format::percent(grouped.total.error_rate()),
        match grouped.total.cost_usd {
            Some(_) => report::cost_text(&grouped.total),
            None => "no cost data".into(),
        },
        inputs,
        format::count(grouped.read.spans),
        if grouped.read.malformed > 0 {
            format!(
                ", {} malformed lines skipped",
                format::count(grouped.read.malformed)
            )
        } else {
            String::new()
        }
    );
    fill(
        TEMPLATE,
        &[
            ("BY", &escape(&grouped.by.join(", "))),
            ("SUMMARY", &escape(&summary)),
            ("TABLE", &table(grouped)),
            ("DATA", &data),
        ],
    )
}

/// Replaces each `{{NAME}}` of `template` by its value, in one pass: a
/// value that happens to contain a placeholder is left as it is.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            break;
        };
        match values.iter().find(|(name, _)| *name == &after[..close]) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[open..open + close + 4]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_quarter_decades_from_a_tenth_of_a_millisecond() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(100_000), 0);
        assert_eq!(bucket(177_828), 1); // 10^0.25 × 0.1 ms
        assert_eq!(bucket(1_000_000), 4); // 1 ms
        assert_eq!(bucket(999_999_999_999_999), BUCKETS - 1);
        assert_eq!(edge_ms(0), 0.1);
        assert_eq!(edge_ms(4), 1.0);
        assert_eq!(edge_ms(5), 1.78);
    }

    #[test]
    fn fill_replaces_placeholders_once() {
        assert_eq!(
            fill("<p>{{A}}</p>{{B}}{{C}}", &[("A", "{{B}}"), ("B", "b")]),
            "<p>{{B}}</p>b{{C}}"
        );
    }

    #[test]
    fn escape_covers_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
