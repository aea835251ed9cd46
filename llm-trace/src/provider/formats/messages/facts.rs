//! The facts of Messages requests and responses, read one way from the typed
//! bodies and from raw JSON: each form answers a few accessors ([`RequestView`],
//! [`ResponseView`]) and one function per fact reads them.

use std::borrow::Cow;

use serde_json::Value;

use super::types::{ContentBlock, DeltaUsage, MessagesRequest, MessagesResponse, MessagesUsage};
use crate::model::value::{bool_at, f64_at, str_at, strings_at, u64_at};
use crate::provider::{RequestInfo, ResponseInfo, ToolCall, Usage};

/// The sum of the cache writes by time to live, when any is given.
fn cache_writes_by_ttl(five_minutes: Option<u64>, one_hour: Option<u64>) -> Option<u64> {
    match (five_minutes, one_hour) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
    }
}

/// The counts of a typed `usage`, cache writes by time to live standing in
/// for `cache_creation_input_tokens` where a body gives only them.
pub(crate) fn counts(u: MessagesUsage) -> DeltaUsage {
    DeltaUsage {
        input_tokens: Some(u.input_tokens),
        output_tokens: Some(u.output_tokens),
        cache_read_input_tokens: u.cache_read_input_tokens,
        cache_creation_input_tokens: u.cache_creation_input_tokens.or_else(|| {
            let c = u.cache_creation?;
            cache_writes_by_ttl(c.ephemeral_5m_input_tokens, c.ephemeral_1h_input_tokens)
        }),
    }
}

impl From<MessagesUsage> for Usage {
    fn from(u: MessagesUsage) -> Usage {
        Usage::from(counts(u))
    }
}

impl From<DeltaUsage> for Usage {
    fn from(u: DeltaUsage) -> Usage {
        normalize(
            u.input_tokens,
            u.output_tokens,
            u.cache_read_input_tokens,
            u.cache_creation_input_tokens,
        )
    }
}

/// Anthropic's counts with the conventions' meaning: the input tokens
/// include the cache reads and writes.
pub(crate) fn normalize(
    input: Option<u64>,
    output: Option<u64>,
    cache_read: Option<u64>,
    cache_write: Option<u64>,
) -> Usage {
    let total_input = match (input, cache_read, cache_write) {
        (None, None, None) => None,
        (i, r, w) => Some(
            i.unwrap_or(0)
                .saturating_add(r.unwrap_or(0))
                .saturating_add(w.unwrap_or(0)),
        ),
    };
    Usage {
        input_tokens: total_input,
        output_tokens: output,
        cache_read_input_tokens: cache_read,
        cache_write_input_tokens: cache_write,
        reasoning_output_tokens: None,
        ..Usage::default()
    }
}

/// The counts of a raw `usage` object as Anthropic reports them (cache
/// writes by time to live standing in for `cache_creation_input_tokens`
/// where a body gives only them); `None` when it is not an object.
pub(crate) fn value_counts(u: &Value) -> Option<DeltaUsage> {
    if !u.is_object() {
        return None;
    }
    Some(DeltaUsage {
        input_tokens: u64_at(u, "input_tokens"),
        output_tokens: u64_at(u, "output_tokens"),
        cache_read_input_tokens: u64_at(u, "cache_read_input_tokens"),
        cache_creation_input_tokens: u64_at(u, "cache_creation_input_tokens").or_else(|| {
            let c = u.get("cache_creation")?;
            cache_writes_by_ttl(
                u64_at(c, "ephemeral_5m_input_tokens"),
                u64_at(c, "ephemeral_1h_input_tokens"),
            )
        }),
    })
}

/// What a Messages request says, as the typed request and a raw body give it.
pub(crate) trait RequestView {
    fn model(&self) -> Option<&str>;
    fn temperature(&self) -> Option<f64>;
    fn top_p(&self) -> Option<f64>;
    fn top_k(&self) -> Option<f64>;
    fn max_tokens(&self) -> Option<u64>;
    fn stop_sequences(&self) -> Vec<Cow<'_, str>>;
    fn stream(&self) -> Option<bool>;
}

impl RequestView for MessagesRequest {
    fn model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }
    fn temperature(&self) -> Option<f64> {
        self.temperature
    }
    fn top_p(&self) -> Option<f64> {
        self.top_p
    }
    fn top_k(&self) -> Option<f64> {
        self.top_k.map(|k| k as f64)
    }
    fn max_tokens(&self) -> Option<u64> {
        Some(self.max_tokens)
    }
    fn stop_sequences(&self) -> Vec<Cow<'_, str>> {
        self.stop_sequences
            .iter()
            .map(|s| Cow::Borrowed(s.as_str()))
            .collect()
    }
    fn stream(&self) -> Option<bool> {
        self.stream
    }
}

impl RequestView for Value {
    fn model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }
    fn temperature(&self) -> Option<f64> {
        f64_at(self, "temperature")
    }
    fn top_p(&self) -> Option<f64> {
        f64_at(self, "top_p")
    }
    fn top_k(&self) -> Option<f64> {
        f64_at(self, "top_k")
    }
    fn max_tokens(&self) -> Option<u64> {
        u64_at(self, "max_tokens")
    }
    fn stop_sequences(&self) -> Vec<Cow<'_, str>> {
        strings_at(self, "stop_sequences")
    }
    fn stream(&self) -> Option<bool> {
        bool_at(self, "stream")
    }
}

/// The request parameters of a Messages request.
pub(crate) fn request_info(r: &impl RequestView) -> RequestInfo<'_> {
    RequestInfo {
        model: r.model().map(Cow::Borrowed),
        temperature: r.temperature(),
        top_p: r.top_p(),
        top_k: r.top_k(),
        max_tokens: r.max_tokens(),
        stop_sequences: r.stop_sequences(),
        stream: r.stream(),
        ..RequestInfo::default()
    }
}

/// One content block of a response, as far as the facts need it.
pub(crate) struct BlockView<'a> {
    kind: Option<&'a str>,
    id: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
}

/// What a Messages response says, as the typed response and a raw body give it.
pub(crate) trait ResponseView {
    fn id(&self) -> Option<Cow<'_, str>>;
    fn model(&self) -> Option<&str>;
    fn stop_reason(&self) -> Option<Cow<'_, str>>;
    /// The usage as Anthropic reports it; `None` when the body has none.
    fn counts(&self) -> Option<DeltaUsage>;
    fn blocks(&self) -> impl Iterator<Item = BlockView<'_>>;
}

impl ResponseView for MessagesResponse {
    fn id(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(self.id.as_str())).filter(|s| !s.is_empty())
    }
    fn model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|s| !s.is_empty())
    }
    fn stop_reason(&self) -> Option<Cow<'_, str>> {
        self.stop_reason.as_deref().map(Cow::Borrowed)
    }
    fn counts(&self) -> Option<DeltaUsage> {
        self.usage.map(counts)
    }
    fn blocks(&self) -> impl Iterator<Item = BlockView<'_>> {
        self.content.iter().map(|b: &ContentBlock| BlockView {
            kind: Some(b.kind.as_str()),
            id: b.id.as_deref().map(Cow::Borrowed),
            name: b.name.as_deref().map(Cow::Borrowed),
        })
    }
}

impl ResponseView for Value {
    fn id(&self) -> Option<Cow<'_, str>> {
        str_at(self, "id")
    }
    fn model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }
    fn stop_reason(&self) -> Option<Cow<'_, str>> {
        str_at(self, "stop_reason")
    }
    fn counts(&self) -> Option<DeltaUsage> {
        value_counts(self.get("usage")?)
    }
    fn blocks(&self) -> impl Iterator<Item = BlockView<'_>> {
        let blocks: &[Value] = match self.get("content") {
            Some(Value::Array(blocks)) => blocks,
            _ => &[],
        };
        blocks.iter().map(|b| BlockView {
            kind: b.get("type").and_then(Value::as_str),
            id: str_at(b, "id"),
            name: str_at(b, "name"),
        })
    }
}

/// The usage of a response; `None` when it reports no count.
pub(crate) fn usage(r: &impl ResponseView) -> Option<Usage> {
    let usage = Usage::from(r.counts()?);
    (usage != Usage::default()).then_some(usage)
}

/// Everything a Messages response says about the call.
pub(crate) fn response_info(r: &impl ResponseView) -> ResponseInfo<'_> {
    ResponseInfo {
        id: r.id(),
        model: r.model().map(Cow::Borrowed),
        finish_reasons: r.stop_reason().into_iter().collect(),
        usage: usage(r),
        tool_calls: r
            .blocks()
            .filter(|b| b.kind == Some("tool_use"))
            .filter_map(|b| {
                Some(ToolCall {
                    id: b.id,
                    name: b.name?,
                })
            })
            .collect(),
        ..ResponseInfo::default()
    }
}
