//! Metadata set around a unit of work, carried in the OpenTelemetry context.
//!
//! Entries live twice: typed, in a context value local to this process (so
//! an integer stays an integer on the span), and as text in OpenTelemetry
//! Baggage (so they cross task and process boundaries with the context and
//! the W3C `baggage` header). Entries set with [`with_metadata`] always
//! become span attributes; baggage that arrived from outside does only for
//! keys allowed with [`allow_baggage_keys`].

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::{Context, ContextGuard, Key, KeyValue, Value};

use super::AttributeValue;

/// Entries from scopes and baggage recorded on one span at most; an entry
/// beyond it is dropped and counted.
pub const MAX_ENTRIES_PER_SPAN: usize = 32;

/// Longest value, as text in bytes, recorded from a scope or from baggage;
/// a longer one is dropped and counted. (The W3C limits for the header
/// itself are larger: 64 entries, 8192 bytes.)
pub const MAX_VALUE_BYTES: usize = 256;

/// The typed entries set with [`with_metadata`] in a context and its
/// parents, innermost last.
#[derive(Clone, Debug)]
pub(crate) struct ScopedMetadata(Arc<[KeyValue]>);

static DROPPED: AtomicU64 = AtomicU64::new(0);

/// Metadata entries dropped so far because they exceeded
/// [`MAX_ENTRIES_PER_SPAN`], [`MAX_VALUE_BYTES`] or the W3C baggage limits.
pub fn dropped_entries() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

fn count_dropped(n: u64) {
    if n > 0 && DROPPED.fetch_add(n, Ordering::Relaxed) == 0 {
        opentelemetry::otel_warn!(
            name: "llm_trace.metadata.dropped",
            message = "metadata entries over the per-span or W3C baggage limits were dropped; \
                       further drops are counted in llm_trace::metadata::dropped_entries() without logging"
        );
    }
}

fn text_len(value: &Value) -> usize {
    match value {
        Value::String(s) => s.as_str().len(),
        other => other.as_str().len(),
    }
}

/// A child of `parent` whose scope holds `entries` on top of the parent's
/// (an entry replaces a parent's entry with the same key).
///
/// Use it to carry metadata where a future or closure cannot be wrapped,
/// e.g. `tokio::spawn(work.with_context(cx))`.
pub fn context_with_metadata<I, K, V>(parent: &Context, entries: I) -> Context
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<Key>,
    V: AttributeValue,
{
    let mut merged: Vec<KeyValue> = parent
        .get::<ScopedMetadata>()
        .map(|m| m.0.to_vec())
        .unwrap_or_default();
    let mut baggage = Baggage::new();
    for (key, (value, meta)) in parent.baggage().iter() {
        baggage.insert_with_metadata(key.clone(), value.clone(), meta.clone());
    }
    let mut dropped = 0;
    for (key, value) in entries {
        let key = key.into();
        let Some(value) = value.to_value() else {
            continue;
        };
        if text_len(&value) > MAX_VALUE_BYTES {
            dropped += 1;
            continue;
        }
        let full = merged.len() >= MAX_ENTRIES_PER_SPAN;
        match merged.iter_mut().find(|kv| kv.key == key) {
            Some(existing) => existing.value = value.clone(),
            None if !full => merged.push(KeyValue::new(key.clone(), value.clone())),
            None => {
                dropped += 1;
                continue;
            }
        }
        let text = value.as_str().into_owned();
        baggage.insert(key.clone(), text);
        if baggage.get(key.as_str()).is_none() {
            // Over the W3C limits: recorded here, but not propagated.
            dropped += 1;
        }
    }
    count_dropped(dropped);
    parent
        .with_baggage(baggage)
        .with_value(ScopedMetadata(merged.into()))
}

/// Runs `future` with `entries` as metadata of every LLM span created inside
/// it, on every poll.
///
/// ```
/// # async fn search() {}
/// # async fn example() {
/// llm_trace::with_metadata([("tenant", "acme"), ("feature", "search")], search()).await;
/// # }
/// ```
///
/// Values are typed like the annotation's metadata (`("attempt", 2)` stays
/// an integer) and converted here; the scope joins the context that is
/// current when the future is first polled. Nested scopes add entries and
/// override outer ones. A task spawned inside carries the scope only if it
/// carries the context: `tokio::spawn(work.with_current_context())`, with
/// `llm_trace::opentelemetry::context::FutureExt` in scope.
pub fn with_metadata<I, K, V, F>(entries: I, future: F) -> WithMetadata<F>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<Key>,
    V: AttributeValue,
    F: Future,
{
    let entries = entries
        .into_iter()
        .filter_map(|(k, v)| Some((k.into(), v.to_value()?)))
        .collect();
    WithMetadata {
        entries: Some(entries),
        cx: None,
        inner: future,
    }
}

pin_project_lite::pin_project! {
    /// The future of [`with_metadata`].
    #[must_use = "futures do nothing unless polled"]
    pub struct WithMetadata<F> {
        entries: Option<Vec<(Key, Value)>>,
        cx: Option<Context>,
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for WithMetadata<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let cx = this.cx.get_or_insert_with(|| {
            let entries = this.entries.take().unwrap_or_default();
            context_with_metadata(&Context::current(), entries)
        });
        let _guard = cx.clone().attach();
        this.inner.poll(task)
    }
}

/// Makes `entries` metadata of every LLM span started on this thread until
/// the returned guard is dropped (synchronous code; the guard must not be
/// held across an `.await`: use [`with_metadata`] there).
///
/// ```
/// let _scope = llm_trace::metadata_scope([("tenant", "acme")]);
/// // ... calls made here carry tenant=acme ...
/// ```
#[must_use = "the scope ends when the guard is dropped"]
pub fn metadata_scope<I, K, V>(entries: I) -> ContextGuard
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<Key>,
    V: AttributeValue,
{
    context_with_metadata(&Context::current(), entries).attach()
}

/// Lets baggage entries that arrived from outside (an incoming W3C
/// `baggage` header) become span attributes when their key matches one of
/// `keys`; a key ending in `*` matches by prefix (`"app.*"`). None is
/// allowed by default: baggage is written by whoever called you. One field
/// of the [`settings`](crate::settings) snapshot.
pub fn allow_baggage_keys<I, K>(keys: I)
where
    I: IntoIterator<Item = K>,
    K: Into<String>,
{
    let keys: Vec<String> = keys.into_iter().map(Into::into).collect();
    crate::settings::update(|s| s.baggage_keys(keys));
}

fn baggage_key_allowed(allowed: &[String], key: &str) -> bool {
    allowed
        .iter()
        .any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => key.starts_with(prefix),
            None => pattern == key,
        })
}

/// The metadata attributes `cx` gives an LLM span: the scope's typed
/// entries, then allowed baggage entries that no scope set, bounded by
/// [`MAX_ENTRIES_PER_SPAN`] and [`MAX_VALUE_BYTES`]. `allowed`: the
/// baggage keys of the call's settings snapshot.
pub(crate) fn scope_attributes(cx: &Context, allowed: Option<&[String]>, out: &mut Vec<KeyValue>) {
    let scoped = cx.get::<ScopedMetadata>();
    let mut taken = 0;
    if let Some(scoped) = scoped {
        out.extend(scoped.0.iter().cloned());
        taken = scoped.0.len();
    }
    let Some(allowed) = allowed else {
        return;
    };
    let baggage = cx.baggage();
    if baggage.is_empty() {
        return;
    }
    let mut dropped = 0;
    for (key, (value, _)) in baggage.iter() {
        let local = scoped.is_some_and(|s| s.0.iter().any(|kv| &kv.key == key));
        if local || !baggage_key_allowed(allowed, key.as_str()) {
            continue;
        }
        if taken >= MAX_ENTRIES_PER_SPAN || value.as_str().len() > MAX_VALUE_BYTES {
            dropped += 1;
            continue;
        }
        out.push(KeyValue::new(key.clone(), Value::String(value.clone())));
        taken += 1;
    }
    count_dropped(dropped);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The attributes with the baggage keys installed now.
    fn scope_attributes(cx: &Context, out: &mut Vec<KeyValue>) {
        let settings = crate::settings::current();
        super::scope_attributes(cx, settings.baggage_keys.as_deref(), out);
    }

    #[test]
    fn prefix_patterns_match_by_prefix_and_exact_keys_exactly() {
        let allowed = vec!["tenant".to_owned(), "app.*".to_owned()];
        assert!(baggage_key_allowed(&allowed, "tenant"));
        assert!(!baggage_key_allowed(&allowed, "tenant.id"));
        assert!(baggage_key_allowed(&allowed, "app.flow"));
        assert!(!baggage_key_allowed(&allowed, "apps"));
    }

    #[test]
    fn nested_scopes_add_and_override_and_keep_types() {
        let outer =
            context_with_metadata(&Context::new(), [("tenant", "acme"), ("feature", "search")]);
        let inner = context_with_metadata(
            &outer,
            [
                ("feature", Value::from("rerank")),
                ("attempt", Value::I64(2)),
            ],
        );
        let mut attrs = Vec::new();
        scope_attributes(&inner, &mut attrs);
        assert_eq!(
            attrs,
            vec![
                KeyValue::new("tenant", "acme"),
                KeyValue::new("feature", "rerank"),
                KeyValue::new("attempt", 2),
            ]
        );
        assert_eq!(
            inner.baggage().get("attempt").map(|v| v.as_str()),
            Some("2")
        );
        let mut outer_attrs = Vec::new();
        scope_attributes(&outer, &mut outer_attrs);
        assert_eq!(outer_attrs.len(), 2, "the outer scope is unchanged");
    }

    #[test]
    fn oversized_values_and_entries_beyond_the_bound_are_dropped_and_counted() {
        let before = dropped_entries();
        let long = "x".repeat(MAX_VALUE_BYTES + 1);
        let many = (0..MAX_ENTRIES_PER_SPAN + 5).map(|i| (format!("k{i}"), Value::I64(i as i64)));
        let cx = context_with_metadata(
            &Context::new(),
            many.chain([("long".to_owned(), Value::from(long))]),
        );
        let mut attrs = Vec::new();
        scope_attributes(&cx, &mut attrs);
        assert_eq!(attrs.len(), MAX_ENTRIES_PER_SPAN);
        assert!(dropped_entries() >= before + 6);
    }

    mod hostile {
        use super::*;
        use proptest::prelude::*;

        fn text() -> impl Strategy<Value = String> {
            prop_oneof![".{0,40}", (0usize..20_000).prop_map(|n| "v".repeat(n))]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(128))]

            /// Whatever the scopes and the incoming baggage hold, a span gets
            /// at most `MAX_ENTRIES_PER_SPAN` entries, each within
            /// `MAX_VALUE_BYTES`, each key once, and the baggage stays within
            /// the W3C count.
            #[test]
            fn scopes_and_baggage_of_any_size_stay_within_the_per_span_bounds(
                remote in prop::collection::vec((".{0,12}", text()), 0..100),
                local in prop::collection::vec((".{0,12}", text()), 0..100),
                inner in prop::collection::vec((".{0,12}", any::<i64>()), 0..40),
            ) {
                allow_baggage_keys(["*"]);
                let parent = Context::new().with_baggage(
                    remote.into_iter().map(|(k, v)| KeyValue::new(k, v)),
                );
                let outer = context_with_metadata(&parent, local);
                let cx = context_with_metadata(&outer, inner);
                let mut attrs = Vec::new();
                scope_attributes(&cx, &mut attrs);
                prop_assert!(attrs.len() <= MAX_ENTRIES_PER_SPAN);
                for kv in &attrs {
                    prop_assert!(text_len(&kv.value) <= MAX_VALUE_BYTES, "{kv:?}");
                    prop_assert_eq!(attrs.iter().filter(|o| o.key == kv.key).count(), 1);
                }
                prop_assert!(cx.baggage().len() <= crate::propagation::MAX_BAGGAGE_ENTRIES);
            }
        }
    }
}
