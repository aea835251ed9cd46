//! Size bounds of captured values that keep them valid JSON and say what was
//! cut.
//!
//! First the longest strings are cut to a common length, each ending with
//! `…[truncated N bytes]` (N counts the bytes removed); strings of at most
//! [`KEEP`] bytes (roles, part types, ids, names) are never cut. If the
//! value still does not fit, its last entries are dropped and one entry
//! saying how many is appended.

use serde_json::{json, Value};

use super::ContentKind;
pub(crate) use crate::bound::marker;

/// Strings this short are never cut.
pub(crate) const KEEP: usize = 64;

/// Bounds `value` to `max` bytes of JSON, cutting it in place, and returns
/// its JSON.
pub(crate) fn bound(kind: ContentKind, value: &mut Value, max: usize) -> String {
    let json = to_json(value);
    if json.len() <= max {
        return json;
    }
    let mut lengths = Vec::new();
    collect_lengths(value, &mut lengths);
    lengths.sort_unstable_by(|a, b| b.cmp(a));

    // The longest cap whose estimated size fits, then lower until the real
    // JSON fits (escapes make the estimate a little short).
    let mut cap = estimate_cap(json.len(), &lengths, max);
    while let Some(c) = cap {
        let mut cut = value.clone();
        cap_strings(&mut cut, c);
        let json = to_json(&cut);
        if json.len() <= max {
            *value = cut;
            return json;
        }
        cap = (c > KEEP).then(|| (c - c / 8 - 1).max(KEEP));
    }

    // Cutting strings is not enough: drop the last entries.
    cap_strings(value, KEEP);
    let Value::Array(items) = value else {
        *value = Value::Array(vec![omitted(kind, 1)]);
        return to_json(value);
    };
    // The most leading entries that fit beside the marker entry.
    let total = items.len();
    let fits = |keep: usize| {
        let mut kept = items[..keep].to_vec();
        kept.push(omitted(kind, total - keep));
        let json = to_json(&Value::Array(kept));
        (json.len() <= max).then_some(json)
    };
    let (mut lo, mut hi) = (0, total - 1);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if fits(mid).is_some() {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    items.truncate(lo);
    items.push(omitted(kind, total - lo));
    to_json(value)
}

fn to_json(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The entry that stands for `count` dropped entries, shaped as an entry of
/// `kind` so the value keeps its schema.
fn omitted(kind: ContentKind, count: usize) -> Value {
    let text = format!("…[truncated: {count} more entries]");
    match kind {
        ContentKind::InputMessages | ContentKind::OutputMessages => {
            json!({"role": "llm_trace.truncated", "parts": [{"type": "text", "content": text}]})
        }
        ContentKind::SystemInstructions => json!({"type": "text", "content": text}),
        ContentKind::ToolDefinitions => json!({"type": "llm_trace.truncated", "name": text}),
    }
}

fn collect_lengths(value: &Value, out: &mut Vec<usize>) {
    match value {
        Value::String(s) if s.len() > KEEP => out.push(s.len()),
        Value::Array(items) => items.iter().for_each(|v| collect_lengths(v, out)),
        Value::Object(members) => members.values().for_each(|v| collect_lengths(v, out)),
        _ => {}
    }
}

/// The largest cap `c` (≥ [`KEEP`]) for which cutting every string longer
/// than `c` to `c` bytes plus a marker is estimated to fit `max`; `None` when
/// even [`KEEP`] does not.
fn estimate_cap(size: usize, lengths: &[usize], max: usize) -> Option<usize> {
    let estimate = |cap: usize| -> usize {
        let saved: usize = lengths
            .iter()
            .take_while(|&&len| len > cap)
            .map(|&len| (len - cap).saturating_sub(marker(len - cap).len()))
            .sum();
        size.saturating_sub(saved)
    };
    if estimate(KEEP) > max {
        return None;
    }
    let (mut lo, mut hi) = (KEEP, lengths.first().copied().unwrap_or(KEEP));
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if estimate(mid) <= max {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Some(lo)
}

/// Cuts every string longer than `cap` bytes (and than [`KEEP`]) to `cap`
/// bytes on a character boundary, followed by the marker.
fn cap_strings(value: &mut Value, cap: usize) {
    match value {
        Value::String(s) if s.len() > cap.max(KEEP) => {
            let mut cut = cap;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            let removed = s.len() - cut;
            s.truncate(cut);
            s.push_str(&marker(removed));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| cap_strings(v, cap)),
        Value::Object(members) => members.values_mut().for_each(|v| cap_strings(v, cap)),
        _ => {}
    }
}
