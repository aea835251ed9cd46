//! The cost of each call in US dollars, from its normalized [`Usage`].
//!
//! Prices come from [`genai_prices`], the price data Pydantic maintains for
//! Logfire (bundled in the crate at each release: no network at run time), or
//! from a [`PriceTable`] of your own, which wins over it (private
//! deployments, negotiated prices, fine-tuned models). Each kind of token is
//! charged at its own price:
//!
//! ```text
//! cost = (input - cache_read - cache_write) × input price
//!      + cache_read × cache read price + cache_write × cache write price
//!      + (output - reasoning) × output price + reasoning × reasoning price
//! ```
//!
//! where `input` and `output` are the conventions' totals
//! (`gen_ai.usage.input_tokens` includes cache reads and writes,
//! `gen_ai.usage.output_tokens` includes reasoning), so no token is charged
//! twice. A kind without a price of its own is charged as its total's kind
//! (reasoning tokens as output, for most models), as genai-prices does.
//! Where a provider reports billed tokens apart from the tokens used
//! (Cohere's `billed_units`), the billed ones are charged.
//!
//! A call's cost becomes the span attribute `llm_trace.cost.usd` and adds to
//! the counter `llm_trace.client.cost`. A model that has no price gets no
//! cost at all, never a zero.
//!
//! ```
//! use llm_trace::cost::{self, ModelPrices, PriceTable};
//! use llm_trace::provider::Usage;
//!
//! let usage = Usage {
//!     input_tokens: Some(1_000),
//!     cache_read_input_tokens: Some(800),
//!     output_tokens: Some(100),
//!     ..Usage::default()
//! };
//! // From genai-prices: gpt-4o-mini costs $0.15 (input), $0.075 (cached
//! // input) and $0.60 (output) per million tokens.
//! let usd = cost::cost_usd("openai", "gpt-4o-mini-2024-07-18", &usage).unwrap();
//! assert_eq!(usd, (200.0 * 0.15 + 800.0 * 0.075 + 100.0 * 0.6) / 1e6);
//!
//! // A negotiated price wins over genai-prices.
//! cost::set_prices(PriceTable::new().model("openai", "gpt-4o-mini", ModelPrices::new(0.1, 0.4)));
//! let usd = cost::cost_usd("openai", "gpt-4o-mini-2024-07-18", &usage).unwrap();
//! assert_eq!(usd, (1_000.0 * 0.1 + 100.0 * 0.4) / 1e6);
//! # cost::set_prices(PriceTable::new());
//! ```
//!
//! Prices are resolved once per provider and model and kept per thread, so a
//! call's cost is a table look-up. A model whose genai-prices prices change
//! with the time of day (DeepSeek's off-peak hours) or at a date is resolved
//! again every minute, so the change applies within a minute.
//!
//! No instrumented call waits for prices: a model's first resolution (and
//! the loading of genai-prices' data) happens on a thread of llm-trace's
//! own. A call that ends before its model's prices are known returns at
//! once; its span ends at the call's end time but is handed to the
//! exporter with `llm_trace.cost.usd` once the prices are resolved, and its
//! cost is added to `llm_trace.client.cost` then ([`flush`] waits for
//! that). Model names over [`MAX_MODEL_BYTES`] are never looked up: such a
//! call has no cost.

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant, SystemTime};

use genai_prices::{Calculator, PriceRequest, UsageKey};

use crate::metadata::MAX_MODEL_BYTES;
use crate::model::Usage;
use crate::settings::snapshot_bases;
use crate::settings::{self, Settings};
pub use crate::settings::{ModelPrices, PriceTable, PricesError};

/// The rates of `prices`, per million tokens of each kind.
fn rates(prices: &ModelPrices) -> Rates {
    Rates {
        input: prices.input_mtok,
        cache_read: prices.cache_read_mtok.unwrap_or(prices.input_mtok),
        cache_write: prices.cache_write_mtok.unwrap_or(prices.input_mtok),
        output: prices.output_mtok,
        reasoning: prices.output_reasoning_mtok.unwrap_or(prices.output_mtok),
        call: 0.0,
    }
}

/// Replaces the price overrides (an empty table removes them). `init` calls
/// this with the table of its builder and `LLM_TRACE_PRICES`; without
/// `init`, call it yourself, e.g. with [`PriceTable::from_file`].
///
/// One field of the [`settings`](crate::settings) snapshot: calls that start
/// from now on are priced with it (each thread's cache of prices is stale
/// from then on).
pub fn set_prices(table: PriceTable) {
    settings::update(|s| s.prices(table));
}

/// The cost in US dollars of a call to `model` at `provider` (its
/// `gen_ai.provider.name`) with `usage`, or `None` when the model has no
/// price, the usage has no token counts, or they contradict each other (more
/// cache reads than input tokens). Resolves the model's prices on this
/// thread the first time (instrumented calls never do: see
/// [`call_cost`]'s resolver).
pub fn cost_usd(provider: &str, model: &str, usage: &Usage) -> Option<f64> {
    let tokens = Tokens::of(usage)?;
    if !(within_bounds(provider) && within_bounds(model)) {
        return None;
    }
    let settings = settings::current();
    let generation = settings.prices_generation;
    if let Some(cost) = with_known(generation, provider, model, |p| {
        p.and_then(|p| p.cost(&tokens))
    }) {
        return cost;
    }
    shared_prices(&settings.prices, generation, provider, model).and_then(|p| p.cost(&tokens))
}

/// A call's cost as far as it is known on the caller's thread.
pub(crate) enum CallCost {
    /// Known now: the cost, or `None` when the call has none.
    Known(Option<f64>),
    /// A model's prices are not resolved yet: [`defer`] resolves them off
    /// the caller's thread.
    Pending(Box<Query>),
}

/// What a pending cost is resolved from: the provider, the models (each
/// within [`MAX_MODEL_BYTES`]) and the tokens.
pub(crate) struct Query {
    /// The price overrides of the call's settings, and their generation.
    overrides: Option<Arc<PriceTable>>,
    generation: u64,
    provider: &'static str,
    response_model: Option<Box<str>>,
    request_model: Option<Box<str>>,
    tokens: Tokens,
}

impl Query {
    /// The cost: the response model's price, else the request model's.
    fn resolve(&self) -> Option<f64> {
        for model in [&self.response_model, &self.request_model]
            .into_iter()
            .flatten()
        {
            if let Some(prices) =
                shared_prices(&self.overrides, self.generation, self.provider, model)
            {
                return prices.cost(&self.tokens);
            }
        }
        None
    }
}

/// Whether a name can be a price look-up's key: model names over
/// [`MAX_MODEL_BYTES`] never are (they get no cost).
fn within_bounds(name: &str) -> bool {
    name.len() <= MAX_MODEL_BYTES
}

/// A call's cost: the response model's price, else the request model's;
/// [`CallCost::Pending`] when one of them must be resolved first (never on
/// the caller's thread). Model names over [`MAX_MODEL_BYTES`] are not
/// looked up. `settings`: the snapshot the call started with (its price
/// overrides).
pub(crate) fn call_cost(
    settings: &Settings,
    provider: &'static str,
    response_model: Option<&str>,
    request_model: Option<&str>,
    usage: Option<&Usage>,
) -> CallCost {
    if provider.is_empty() {
        return CallCost::Known(None);
    }
    let Some(tokens) = usage.and_then(Tokens::of) else {
        return CallCost::Known(None);
    };
    let response_model = response_model.filter(|m| within_bounds(m));
    let request_model = request_model
        .filter(|m| within_bounds(m))
        .filter(|m| Some(*m) != response_model);
    let generation = settings.prices_generation;
    // A call site nearly always sees the same models: this thread's last
    // answer is reused while the overrides are unchanged.
    let remembered = LAST.try_with(|last| {
        let last = last.try_borrow().ok()?;
        let last = last.as_ref()?;
        last.answers(generation, provider, response_model, request_model)
            .then(|| last.prices.as_ref().and_then(|p| p.cost(&tokens)))
    });
    if let Ok(Some(cost)) = remembered {
        return CallCost::Known(cost);
    }
    for model in [response_model, request_model].into_iter().flatten() {
        // A priced model answers, even with no cost for inconsistent usage.
        match with_known(generation, provider, model, |prices| {
            prices.map(|p| (p.cost(&tokens), p.clone()))
        }) {
            Some(Some((cost, prices))) => {
                remember(
                    generation,
                    provider,
                    response_model,
                    request_model,
                    Some(prices),
                );
                return CallCost::Known(cost);
            }
            Some(None) => {}
            None => {
                return CallCost::Pending(Box::new(Query {
                    overrides: settings.prices.clone(),
                    generation,
                    provider,
                    response_model: response_model.map(Into::into),
                    request_model: request_model.map(Into::into),
                    tokens,
                }))
            }
        }
    }
    remember(generation, provider, response_model, request_model, None);
    CallCost::Known(None)
}

thread_local! {
    /// This thread's last [`call_cost`] look-up and its answer.
    static LAST: RefCell<Option<LastLookup>> = const { RefCell::new(None) };
}

/// One [`call_cost`] look-up: the provider and models asked for (each
/// within [`MAX_MODEL_BYTES`]), and the prices that answered (`None`:
/// neither model has a price).
struct LastLookup {
    generation: u64,
    provider: &'static str,
    response_model: Option<Box<str>>,
    request_model: Option<Box<str>>,
    prices: Option<Prices>,
}

impl LastLookup {
    /// Whether this look-up answers one of the same models now.
    #[inline]
    fn answers(
        &self,
        generation: u64,
        provider: &str,
        response_model: Option<&str>,
        request_model: Option<&str>,
    ) -> bool {
        self.generation == generation
            && *self.provider == *provider
            && self.response_model.as_deref() == response_model
            && self.request_model.as_deref() == request_model
    }
}

/// Keeps a look-up's answer (made with the overrides of `generation`) for
/// the next call of this thread, unless the prices change over time (those
/// are resolved again after a while).
fn remember(
    generation: u64,
    provider: &'static str,
    response_model: Option<&str>,
    request_model: Option<&str>,
    prices: Option<Prices>,
) {
    if prices.as_ref().is_some_and(|p| p.changes_over_time) {
        return;
    }
    let _ = LAST.try_with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            *last = Some(LastLookup {
                generation,
                provider,
                response_model: response_model.map(Into::into),
                request_model: request_model.map(Into::into),
                prices,
            });
        }
    });
}

/// What [`defer`] calls with the cost once it is known (`None`: no cost).
pub(crate) type Finish = Box<dyn FnOnce(Option<f64>) + Send>;

/// Most calls waiting for their prices: beyond it, a call resolves its
/// prices itself (the callers slow down to the resolver's pace rather than
/// pending work growing without bound).
const MAX_PENDING: usize = 4096;

enum Job {
    /// Load genai-prices' data.
    Load,
    Cost(Box<Query>, Finish),
}

/// The resolver's state, shared with the callers.
struct Resolver {
    jobs: SyncSender<Job>,
    state: Mutex<ResolverState>,
    changed: Condvar,
}

#[derive(Default)]
struct ResolverState {
    /// Costs sent and not yet finished.
    pending: usize,
    /// Holds released by the tests, see [`__hold_resolver`].
    held: usize,
}

static RESOLVER: OnceLock<Option<Resolver>> = OnceLock::new();

/// The resolver, if it was started (nothing can be pending otherwise).
fn started() -> Option<&'static Resolver> {
    RESOLVER.get().and_then(Option::as_ref)
}

/// The resolver thread, started on first use: prices are resolved there
/// (the first resolution of a model reads genai-prices back for tens of
/// calculations, and the first of all waits for its data to load), never
/// on a caller's thread.
fn resolver() -> Option<&'static Resolver> {
    RESOLVER
        .get_or_init(|| {
            let (jobs, queue) = mpsc::sync_channel(MAX_PENDING);
            std::thread::Builder::new()
                .name("llm-trace-prices".into())
                .spawn(move || run_resolver(queue))
                .ok()?;
            Some(Resolver {
                jobs,
                state: Mutex::new(ResolverState::default()),
                changed: Condvar::new(),
            })
        })
        .as_ref()
}

fn run_resolver(queue: Receiver<Job>) {
    for job in queue {
        let Some(resolver) = started() else { return };
        if let Ok(state) = resolver.state.lock() {
            drop(resolver.changed.wait_while(state, |s| s.held > 0));
        }
        match job {
            Job::Load => {
                let _ = panic::catch_unwind(Calculator::bundled);
            }
            Job::Cost(query, finish) => {
                // Instrumentation never panics: bad data means no cost.
                let cost = panic::catch_unwind(AssertUnwindSafe(|| query.resolve()))
                    .ok()
                    .flatten();
                let _ = panic::catch_unwind(AssertUnwindSafe(|| finish(cost)));
                resolver.finished();
            }
        }
    }
}

impl Resolver {
    fn update(&self, f: impl FnOnce(&mut ResolverState)) {
        if let Ok(mut state) = self.state.lock() {
            f(&mut state);
            self.changed.notify_all();
        }
    }

    fn finished(&self) {
        self.update(|s| s.pending = s.pending.saturating_sub(1));
    }
}

/// Resolves a pending cost off the caller's thread and gives it to
/// `finish` there; when the resolver cannot take it (more than
/// [`MAX_PENDING`] calls wait already, or no thread could be started),
/// resolves it here.
pub(crate) fn defer(query: Box<Query>, finish: Finish) {
    let Some(resolver) = resolver() else {
        return finish(query.resolve());
    };
    resolver.update(|s| s.pending += 1);
    match resolver.jobs.try_send(Job::Cost(query, finish)) {
        Ok(()) => {}
        Err(TrySendError::Full(job) | TrySendError::Disconnected(job)) => {
            resolver.finished();
            if let Job::Cost(query, finish) = job {
                finish(query.resolve());
            }
        }
    }
}

/// Waits until every cost being resolved is recorded (its span ended with
/// `llm_trace.cost.usd`, its `llm_trace.client.cost` added), at most
/// `timeout`; `false` if some are still pending then.
///
/// A call whose model's prices are not resolved yet (its first call in the
/// process, or the first after [`set_prices`]) does not wait for them: its
/// span ends, with its cost, once the prices are resolved on a thread of
/// llm-trace's own, at the time the call ended. [`Telemetry::force_flush`]
/// and shutting down call this first; call it yourself before flushing a
/// tracer provider you built.
///
/// [`Telemetry::force_flush`]: crate::export::Telemetry::force_flush
pub fn flush(timeout: Duration) -> bool {
    let Some(resolver) = started() else {
        return true;
    };
    let Ok(state) = resolver.state.lock() else {
        return false;
    };
    match resolver
        .changed
        .wait_timeout_while(state, timeout, |s| s.pending > 0)
    {
        Ok((state, _)) => state.pending == 0,
        Err(_) => false,
    }
}

/// Holds the price resolver back until the guard is dropped: a test's way
/// to see that no call waits for prices.
#[doc(hidden)]
pub fn __hold_resolver() -> ResolverHold {
    if let Some(resolver) = resolver() {
        resolver.update(|s| s.held += 1);
    }
    ResolverHold(())
}

/// See [`__hold_resolver`].
#[doc(hidden)]
#[must_use]
pub struct ResolverHold(());

impl Drop for ResolverHold {
    fn drop(&mut self) {
        if let Some(resolver) = started() {
            resolver.update(|s| s.held = s.held.saturating_sub(1));
        }
    }
}

/// Starts loading genai-prices' bundled data (tens of milliseconds) on the
/// resolver's thread.
pub(crate) fn preload() {
    if let Some(resolver) = resolver() {
        let _ = resolver.jobs.try_send(Job::Load);
    }
}

/// The token counts a cost is computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tokens {
    /// All input tokens, cache reads and writes included.
    input: u64,
    cache_read: u64,
    cache_write: u64,
    /// All output tokens, reasoning included.
    output: u64,
    reasoning: u64,
}

impl Tokens {
    fn of(usage: &Usage) -> Option<Tokens> {
        let input = usage.billable_input_tokens.or(usage.input_tokens);
        let output = usage.billable_output_tokens.or(usage.output_tokens);
        if input.is_none() && output.is_none() {
            return None;
        }
        Some(Tokens {
            input: input.unwrap_or(0),
            cache_read: usage.cache_read_input_tokens.unwrap_or(0),
            cache_write: usage.cache_write_input_tokens.unwrap_or(0),
            output: output.unwrap_or(0),
            reasoning: usage.reasoning_output_tokens.unwrap_or(0),
        })
    }
}

/// Prices in US dollars per million tokens, and per call. Per million, as
/// price lists write them, so that a cost is one division of an exact sum
/// and comes out as the decimal a hand computation gives.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rates {
    input: f64,
    cache_read: f64,
    cache_write: f64,
    output: f64,
    reasoning: f64,
    call: f64,
}

impl Rates {
    fn cost(&self, t: &Tokens) -> Option<f64> {
        let uncached = t
            .input
            .checked_sub(t.cache_read)?
            .checked_sub(t.cache_write)?;
        let answer = t.output.checked_sub(t.reasoning)?;
        #[allow(clippy::cast_precision_loss)] // exact below 2^53 tokens
        let per_million = uncached as f64 * self.input
            + t.cache_read as f64 * self.cache_read
            + t.cache_write as f64 * self.cache_write
            + answer as f64 * self.output
            + t.reasoning as f64 * self.reasoning;
        Some(per_million / 1e6 + self.call)
    }

    /// Equal up to rounding: the same price derived from different token
    /// counts may differ in the last bits.
    fn same(&self, other: &Rates) -> bool {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs());
        close(self.input, other.input)
            && close(self.cache_read, other.cache_read)
            && close(self.cache_write, other.cache_write)
            && close(self.output, other.output)
            && close(self.reasoning, other.reasoning)
            && close(self.call, other.call)
    }
}

/// The resolved prices of one model: rates by total input tokens (tiered
/// prices change above a threshold of input tokens), sorted by threshold,
/// the first from 0.
#[derive(Debug, Clone, PartialEq)]
struct Prices {
    tiers: Box<[(u64, Rates)]>,
    /// Whether they change with the time of day or at a coming date.
    changes_over_time: bool,
}

impl Prices {
    fn cost(&self, tokens: &Tokens) -> Option<f64> {
        let tier = self
            .tiers
            .partition_point(|(from, _)| *from <= tokens.input);
        self.tiers[tier.saturating_sub(1)].1.cost(tokens)
    }
}

/// Gives `f` the prices of `model` at `provider` if they are known on this
/// thread without resolving them: from this thread's cache, else from the
/// shared one (then kept in this thread's). `None`: not resolved yet.
fn with_known<R>(
    generation: u64,
    provider: &str,
    model: &str,
    f: impl FnOnce(Option<&Prices>) -> R,
) -> Option<R> {
    CACHE
        .try_with(|cache| {
            let mut cache = cache.try_borrow_mut().ok()?;
            if cache.fresh(generation, provider, model).is_none() {
                let entry = SHARED
                    .read()
                    .ok()?
                    .fresh(generation, provider, model)?
                    .clone();
                cache.insert(generation, provider, model, entry, MAX_CACHED);
            }
            Some(f(cache.fresh(generation, provider, model)?.prices.as_ref()))
        })
        .ok()
        .flatten()
}

/// The prices of `model` at `provider` from the shared cache, resolved (on
/// this thread) and kept there when missing.
fn shared_prices(
    overrides: &Option<Arc<PriceTable>>,
    generation: u64,
    provider: &str,
    model: &str,
) -> Option<Prices> {
    if let Some(entry) = SHARED
        .read()
        .ok()
        .and_then(|shared| shared.fresh(generation, provider, model).cloned())
    {
        return entry.prices;
    }
    let prices = resolve(overrides.as_deref(), provider, model);
    let expires = prices
        .as_ref()
        .filter(|p| p.changes_over_time)
        .map(|_| Instant::now() + TTL);
    let entry = Entry {
        prices: prices.clone(),
        expires,
    };
    if let Ok(mut shared) = SHARED.write() {
        shared.insert(generation, provider, model, entry, MAX_SHARED);
    }
    prices
}

/// How long prices that change over time are used before they are resolved
/// again.
const TTL: Duration = Duration::from_secs(60);
/// Bound on the models cached per thread (model names come from
/// responses). With names within [`MAX_MODEL_BYTES`] and at most
/// `MAX_TIERS` tiers of prices, an entry takes under 1 KiB, so a thread's
/// cache under 256 KiB.
const MAX_CACHED: usize = 256;
/// Bound on the models in the cache shared by the threads (the resolver
/// fills it, threads copy from it): under 1 MiB.
const MAX_SHARED: usize = 1024;

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// Resolved prices, filled by the resolver and read by the threads.
static SHARED: RwLock<Cache> = RwLock::new(Cache::new());

/// Prices by provider and model, bounded in entries (and, as every name in
/// it is within [`MAX_MODEL_BYTES`], in bytes): a full cache starts over.
struct Cache {
    generation: u64,
    len: usize,
    /// By provider (few), then by model.
    providers: Vec<(Box<str>, Models)>,
}

impl Default for Cache {
    fn default() -> Self {
        Cache::new()
    }
}

type Models = HashMap<Box<str>, Entry, foldhash::fast::RandomState>;

#[derive(Clone)]
struct Entry {
    prices: Option<Prices>,
    /// `None`: until the overrides change (the clock is not read).
    expires: Option<Instant>,
}

impl Cache {
    const fn new() -> Self {
        Cache {
            generation: 0,
            len: 0,
            providers: Vec::new(),
        }
    }

    /// The entry of `model` at `provider`, if resolved with the overrides
    /// of `generation` and not expired.
    fn fresh(&self, generation: u64, provider: &str, model: &str) -> Option<&Entry> {
        if generation != self.generation {
            return None;
        }
        let (_, models) = self.providers.iter().find(|(p, _)| **p == *provider)?;
        models
            .get(model)
            .filter(|e| e.expires.is_none_or(|expires| Instant::now() < expires))
    }

    /// Keeps `entry`, resolved with the overrides of `generation`; a cache
    /// of another generation, or holding `max` models, starts over.
    fn insert(&mut self, generation: u64, provider: &str, model: &str, entry: Entry, max: usize) {
        if generation < self.generation || !(within_bounds(provider) && within_bounds(model)) {
            return;
        }
        if generation != self.generation || self.len >= max {
            self.providers.clear();
            self.len = 0;
            self.generation = generation;
        }
        let index = match self.providers.iter().position(|(p, _)| **p == *provider) {
            Some(index) => index,
            None => {
                self.providers.push((provider.into(), HashMap::default()));
                self.providers.len() - 1
            }
        };
        if self.providers[index]
            .1
            .insert(model.into(), entry)
            .is_none()
        {
            self.len += 1;
        }
    }

    /// Models cached and the bytes of their names.
    #[cfg(test)]
    fn footprint(&self) -> (usize, usize) {
        let names = self
            .providers
            .iter()
            .map(|(p, models)| p.len() + models.keys().map(|m| m.len()).sum::<usize>())
            .sum();
        (self.len, names)
    }
}

/// The prices of `model` at `provider`: the overrides', else genai-prices'.
fn resolve(overrides: Option<&PriceTable>, provider: &str, model: &str) -> Option<Prices> {
    if let Some(prices) = overrides.and_then(|t| t.find(provider, model)) {
        return Some(Prices {
            tiers: Box::new([(0, rates(prices))]),
            changes_over_time: false,
        });
    }
    let id = genai_prices_provider(provider)?;
    // Instrumentation never panics: bad bundled data means no cost.
    panic::catch_unwind(AssertUnwindSafe(|| {
        from_genai_prices(Calculator::bundled(), id, model)
    }))
    .ok()
    .flatten()
}

/// genai-prices' provider id for a `gen_ai.provider.name`. Other names are
/// passed on as they are (genai-prices knows ids and aliases such as
/// `together` or `fireworks`).
fn genai_prices_provider(provider: &str) -> Option<&str> {
    Some(match provider {
        "gcp.gemini" | "gcp.vertex_ai" | "gcp.gen_ai" => "google",
        "aws.bedrock" => "aws",
        "azure.ai.openai" | "azure.ai.inference" => "azure",
        "mistral_ai" => "mistral",
        "x_ai" => "x-ai",
        // Local models, and a provider genai-prices does not price: no cost
        // unless a price table gives one.
        "ollama" | "ibm.watsonx.ai" => return None,
        other => other,
    })
}

/// Above every tier threshold in the data (the largest is about 500k).
const MAX_INPUT: u64 = 1 << 40;
/// Bound on the tiers searched for, against data that never settles.
const MAX_TIERS: usize = 8;

/// Reads genai-prices' prices of `model` back through its calculator:
/// rates at one input token, and wherever they change with the number of
/// input tokens (tiers), found by bisection.
fn from_genai_prices(calc: &Calculator, provider_id: &str, model: &str) -> Option<Prices> {
    let model = std::iter::once(model.to_owned())
        .chain(snapshot_bases(model))
        .find(|name| rates_at(calc, provider_id, name, 1).is_some())?;
    let at = |input| rates_at(calc, provider_id, &model, input);
    let mut tiers = vec![(0, at(1)?)];
    let top = at(MAX_INPUT)?;
    let mut from = 1;
    while let Some(&(_, rates)) = tiers.last().filter(|(_, r)| !r.same(&top)) {
        if tiers.len() >= MAX_TIERS {
            break;
        }
        // The smallest input count above `from` whose rates differ.
        let (mut same, mut differs) = (from, MAX_INPUT);
        while differs - same > 1 {
            let mid = same + (differs - same) / 2;
            if at(mid)?.same(&rates) {
                same = mid;
            } else {
                differs = mid;
            }
        }
        tiers.push((differs, at(differs)?));
        from = differs;
    }
    Some(Prices {
        tiers: tiers.into_boxed_slice(),
        changes_over_time: changes_over_time(calc, provider_id, &model),
    })
}

/// Whether genai-prices prices `model` differently at another time of day
/// (probed every quarter of an hour over the next day: its windows start on
/// the hour or the half hour) or from a date within the next year, for a
/// small and a large call.
fn changes_over_time(calc: &Calculator, provider_id: &str, model: &str) -> bool {
    #[allow(clippy::cast_precision_loss)] // at most 2^40
    let usages = [1_000, MAX_INPUT].map(|input| {
        let input = input as f64;
        genai_prices::Usage::from([
            (UsageKey::INPUT_TOKENS, input),
            (UsageKey::CACHE_READ_TOKENS, input / 4.0),
            (UsageKey::CACHE_WRITE_TOKENS, input / 8.0),
            (UsageKey::OUTPUT_TOKENS, 1e6),
            (UsageKey::OUTPUT_REASONING_TOKENS, 1e5),
        ])
    });
    let now = SystemTime::now();
    let later = (1..=96u32)
        .map(|quarter| now + Duration::from_secs(15 * 60) * quarter)
        .chain([now + Duration::from_secs(366 * 24 * 60 * 60)]);
    usages.iter().any(|usage| {
        let total = |at: SystemTime| {
            let request = PriceRequest::new(model, usage)
                .with_provider_id(provider_id)
                .with_timestamp(at);
            calc.calculate(&request).ok().map(|c| c.total_price)
        };
        let now = total(now);
        later.clone().any(|at| total(at) != now)
    })
}

/// The per-token rates genai-prices charges a call with `input` input
/// tokens, each read from a calculation where that kind alone is priced.
fn rates_at(calc: &Calculator, provider_id: &str, model: &str, input: u64) -> Option<Rates> {
    const OUTPUT: f64 = 1e6;
    #[allow(clippy::cast_precision_loss)] // at most 2^40
    let input_f = input as f64;
    let price = |usage: &[(UsageKey, f64)]| {
        let usage: genai_prices::Usage = usage.iter().cloned().collect();
        let request = PriceRequest::new(model, &usage).with_provider_id(provider_id);
        calc.calculate(&request).ok()
    };
    let base = price(&[(UsageKey::INPUT_TOKENS, input_f)])?;
    let cache_read = price(&[
        (UsageKey::INPUT_TOKENS, input_f),
        (UsageKey::CACHE_READ_TOKENS, input_f),
    ])?;
    let cache_write = price(&[
        (UsageKey::INPUT_TOKENS, input_f),
        (UsageKey::CACHE_WRITE_TOKENS, input_f),
    ])?;
    let output = price(&[
        (UsageKey::INPUT_TOKENS, input_f),
        (UsageKey::OUTPUT_TOKENS, OUTPUT),
    ])?;
    let reasoning = price(&[
        (UsageKey::INPUT_TOKENS, input_f),
        (UsageKey::OUTPUT_TOKENS, OUTPUT),
        (UsageKey::OUTPUT_REASONING_TOKENS, OUTPUT),
    ])?;
    let per_million = |price: f64, tokens: f64| decimal(price / tokens * 1e6);
    Some(Rates {
        input: per_million(base.input_price, input_f),
        cache_read: per_million(cache_read.input_price, input_f),
        cache_write: per_million(cache_write.input_price, input_f),
        output: per_million(output.output_price, OUTPUT),
        reasoning: per_million(reasoning.output_price, OUTPUT),
        // What is neither input nor output: a price per request.
        call: decimal(base.total_price - base.input_price - base.output_price),
    })
}

/// `x` to 12 significant digits: the decimal price of the data again
/// (`3.0`, not the `2.9999999999999996` that dividing a price back gives).
fn decimal(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn usage(input: u64, cache_read: u64, cache_write: u64, output: u64, reasoning: u64) -> Usage {
        Usage {
            input_tokens: Some(input),
            cache_read_input_tokens: Some(cache_read),
            cache_write_input_tokens: Some(cache_write),
            output_tokens: Some(output),
            reasoning_output_tokens: Some(reasoning),
            ..Usage::default()
        }
    }

    /// genai-prices' own answer, for the same usage.
    fn reference(provider_id: &str, model: &str, u: &Usage) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let usage = genai_prices::Usage::from([
            (UsageKey::INPUT_TOKENS, u.input_tokens.unwrap() as f64),
            (
                UsageKey::CACHE_READ_TOKENS,
                u.cache_read_input_tokens.unwrap() as f64,
            ),
            (
                UsageKey::CACHE_WRITE_TOKENS,
                u.cache_write_input_tokens.unwrap() as f64,
            ),
            (UsageKey::OUTPUT_TOKENS, u.output_tokens.unwrap() as f64),
            (
                UsageKey::OUTPUT_REASONING_TOKENS,
                u.reasoning_output_tokens.unwrap() as f64,
            ),
        ]);
        genai_prices::calculate(&PriceRequest::new(model, &usage).with_provider_id(provider_id))
            .unwrap()
            .total_price
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-9)
    }

    #[test]
    fn cached_rates_agree_with_genai_prices_across_tiers() {
        let models = [
            ("openai", "openai", "gpt-4o-mini"),
            ("openai", "openai", "o4-mini"),
            ("anthropic", "anthropic", "claude-haiku-4-5"),
            // Tiered: prices double above 200k input tokens.
            ("anthropic", "anthropic", "claude-sonnet-4-5"),
            ("gcp.gemini", "google", "gemini-2.5-pro"),
            ("openai", "openai", "gpt-5.4"),
            ("aws.bedrock", "aws", "amazon.nova-pro-v1:0"),
            ("x_ai", "x-ai", "grok-3-mini"),
        ];
        let usages = [
            usage(1_000, 0, 0, 100, 0),
            usage(1_000, 800, 0, 100, 40),
            usage(5_000, 1_000, 3_000, 700, 0),
            usage(200_000, 150_000, 10_000, 2_000, 1_000),
            usage(200_001, 150_000, 10_000, 2_000, 1_000),
            usage(272_001, 1, 2, 3, 1),
            usage(1_500_000, 900_000, 0, 10, 0),
        ];
        for (provider, id, model) in models {
            let prices =
                resolve(None, provider, model).unwrap_or_else(|| panic!("{model} is priced"));
            for u in &usages {
                let ours = prices.cost(&Tokens::of(u).unwrap()).unwrap();
                let theirs = reference(id, model, u);
                assert!(close(ours, theirs), "{model} {u:?}: {ours} != {theirs}");
            }
        }
    }

    #[test]
    fn price_caches_stay_within_their_bounds_in_entries_and_bytes() {
        let tokens = usage(10, 0, 0, 1, 0);
        // Distinct models at the bound (a hostile server's), unpriced.
        for i in 0..MAX_SHARED + MAX_CACHED {
            let model = format!("{i:05}{}", "x".repeat(MAX_MODEL_BYTES - 5));
            match call_cost(
                &settings::current(),
                "acme.hostile",
                Some(&model),
                None,
                Some(&tokens),
            ) {
                CallCost::Pending(query) => assert_eq!(query.resolve(), None),
                CallCost::Known(_) => panic!("{i}: not resolved before"),
            }
            // Resolved (into the shared cache): known on this thread now.
            assert!(matches!(
                call_cost(
                    &settings::current(),
                    "acme.hostile",
                    Some(&model),
                    None,
                    Some(&tokens)
                ),
                CallCost::Known(None)
            ));
        }
        // Other tests of this binary share the cache: a few providers more.
        let names = |max: usize| max * MAX_MODEL_BYTES + 64 * 32;
        let (entries, bytes) = SHARED.read().unwrap().footprint();
        assert!(entries <= MAX_SHARED, "{entries} shared entries");
        assert!(bytes <= names(MAX_SHARED), "{bytes} bytes of shared names");
        let (entries, bytes) = CACHE.with(|c| c.borrow().footprint());
        assert!(entries <= MAX_CACHED, "{entries} entries on this thread");
        assert!(
            bytes <= names(MAX_CACHED),
            "{bytes} bytes of names on this thread"
        );

        // A model over the bound is no key and no look-up at all.
        let huge = "y".repeat(1 << 20);
        assert!(matches!(
            call_cost(
                &settings::current(),
                "openai",
                Some(&huge),
                Some(&huge),
                Some(&tokens)
            ),
            CallCost::Known(None)
        ));
        assert_eq!(cost_usd("openai", &huge, &tokens), None);
        let longest = |cache: &Cache| {
            cache
                .providers
                .iter()
                .flat_map(|(_, models)| models.keys().map(|m| m.len()))
                .max()
                .unwrap_or(0)
        };
        assert!(longest(&SHARED.read().unwrap()) <= MAX_MODEL_BYTES);
        assert!(CACHE.with(|c| longest(&c.borrow())) <= MAX_MODEL_BYTES);
    }

    #[test]
    fn a_tiered_model_has_its_threshold_found_exactly() {
        let prices = resolve(None, "anthropic", "claude-sonnet-4-5").unwrap();
        let froms: Vec<u64> = prices.tiers.iter().map(|(from, _)| *from).collect();
        assert_eq!(froms, [0, 200_001]);
        let flat = resolve(None, "openai", "gpt-4o-mini").unwrap();
        assert_eq!(flat.tiers.len(), 1);
    }

    #[test]
    fn only_prices_that_change_over_time_are_resolved_again() {
        assert!(
            !resolve(None, "openai", "gpt-4o-mini")
                .unwrap()
                .changes_over_time
        );
        assert!(
            !resolve(None, "anthropic", "claude-sonnet-4-5")
                .unwrap()
                .changes_over_time
        );
        // Off-peak prices from 16:30 to 00:30 UTC.
        assert!(
            resolve(None, "deepseek", "deepseek-chat")
                .unwrap()
                .changes_over_time
        );
    }

    #[test]
    fn inconsistent_or_missing_usage_has_no_cost() {
        assert_eq!(
            cost_usd("openai", "gpt-4o-mini", &usage(10, 20, 0, 5, 0)),
            None
        );
        assert_eq!(
            cost_usd("openai", "gpt-4o-mini", &usage(10, 0, 0, 5, 6)),
            None
        );
        assert_eq!(cost_usd("openai", "gpt-4o-mini", &Usage::default()), None);
        assert!(matches!(
            call_cost(
                &settings::current(),
                "",
                Some("gpt-4o-mini"),
                None,
                Some(&usage(1, 0, 0, 1, 0))
            ),
            CallCost::Known(None)
        ));
    }

    #[test]
    fn billed_tokens_are_charged_where_reported() {
        let u = Usage {
            input_tokens: Some(500),
            output_tokens: Some(50),
            billable_input_tokens: Some(100),
            billable_output_tokens: Some(40),
            ..Usage::default()
        };
        let t = Tokens::of(&u).unwrap();
        assert_eq!((t.input, t.output), (100, 40));
    }

    #[test]
    fn snapshot_names_fall_back_to_their_model() {
        assert_eq!(
            snapshot_bases("gpt-4o-mini-2024-07-18"),
            ["gpt-4o-mini", "gpt-4o-mini-latest"]
        );
        assert_eq!(
            snapshot_bases("claude-3-5-sonnet-20241022"),
            ["claude-3-5-sonnet", "claude-3-5-sonnet-latest"]
        );
        assert_eq!(
            snapshot_bases("claude-3-5-sonnet-v2@20241022"),
            [
                "claude-3-5-sonnet-v2",
                "claude-3-5-sonnet",
                "claude-3-5-sonnet-latest"
            ]
        );
        assert_eq!(
            snapshot_bases("models/gemini-2.0-flash-001"),
            [
                "gemini-2.0-flash-001",
                "gemini-2.0-flash",
                "gemini-2.0-flash-latest"
            ]
        );
        assert_eq!(
            snapshot_bases("command-a-03-2025"),
            ["command-a", "command-a-latest"]
        );
        assert_eq!(
            snapshot_bases("mistral-small-2503"),
            ["mistral-small", "mistral-small-latest"]
        );
        assert_eq!(
            snapshot_bases("anthropic.claude-3-haiku-20240307-v1:0"),
            [
                "anthropic.claude-3-haiku-20240307",
                "anthropic.claude-3-haiku",
                "anthropic.claude-3-haiku-latest"
            ]
        );
        assert!(snapshot_bases("gpt-4o").is_empty());
        assert!(snapshot_bases("llama3.1:8b").is_empty());
        assert!(snapshot_bases("-2024").is_empty());
    }

    #[test]
    fn dated_snapshots_resolve_through_genai_prices_or_the_fallback() {
        let per_mtok = |provider, model| {
            let u = usage(1_000_000, 0, 0, 0, 0);
            cost_usd(provider, model, &u)
        };
        assert_eq!(per_mtok("openai", "gpt-4o-mini-2024-07-18"), Some(0.15));
        assert_eq!(
            per_mtok("anthropic", "claude-3-5-sonnet-20241022"),
            Some(3.0)
        );
        // genai-prices knows only `mistral-small-latest`.
        assert_eq!(
            per_mtok("mistral_ai", "mistral-small-2503"),
            per_mtok("mistral_ai", "mistral-small-latest")
        );
        assert!(per_mtok("mistral_ai", "mistral-small-latest").is_some());
        assert_eq!(
            per_mtok("gcp.gemini", "models/gemini-2.5-flash"),
            per_mtok("gcp.gemini", "gemini-2.5-flash")
        );
        assert_eq!(per_mtok("openai", "no-such-model-2024-01-01"), None);
        assert_eq!(per_mtok("ollama", "llama3.1:8b"), None);
        assert_eq!(per_mtok("acme.gateway", "gpt-4o-mini"), None);
    }

    #[test]
    fn table_rules_rank_exact_then_snapshot_then_longest_prefix() {
        let p = |input| ModelPrices::new(input, 0.0);
        let table = PriceTable::new()
            .model("*", "gpt-4o*", p(1.0))
            .model("openai", "gpt-4o-mini*", p(2.0))
            .model("*", "gpt-4o-mini", p(3.0))
            .model("openai", "GPT-4o-mini", p(4.0))
            .model("azure.ai.openai", "prod-*", p(5.0))
            .model("azure.ai.openai", "prod-*", p(6.0));
        let found = |provider, model| table.find(provider, model).map(|p| p.input_mtok);
        assert_eq!(found("openai", "gpt-4o-mini"), Some(4.0));
        assert_eq!(found("groq", "gpt-4o-mini"), Some(3.0));
        assert_eq!(found("openai", "gpt-4o-mini-2024-07-18"), Some(4.0));
        assert_eq!(found("openai", "gpt-4o-mini-tts"), Some(2.0));
        assert_eq!(found("groq", "gpt-4o-mini-tts"), Some(1.0));
        assert_eq!(found("openai", "GPT-4O-2024-08-06"), Some(1.0));
        assert_eq!(found("azure.ai.openai", "prod-eu"), Some(6.0));
        assert_eq!(found("openai", "prod-eu"), None);
    }

    #[test]
    fn price_files_are_checked() {
        let table = PriceTable::from_json(
            r#"{"models": [
                {"provider": "openai", "model": "gpt-x", "input_mtok": 1, "output_mtok": 2,
                 "cache_read_mtok": 0.5, "cache_write_mtok": 1.5, "output_reasoning_mtok": 3},
                {"model": "local*", "input_mtok": 0, "output_mtok": 0}
            ]}"#,
        )
        .unwrap();
        assert_eq!(
            table.find("openai", "gpt-x"),
            Some(
                &ModelPrices::new(1.0, 2.0)
                    .cache_read(0.5)
                    .cache_write(1.5)
                    .reasoning(3.0)
            )
        );
        assert_eq!(
            table.find("ollama", "local-llama"),
            Some(&ModelPrices::new(0.0, 0.0))
        );

        let err = |json: &str| PriceTable::from_json(json).unwrap_err().to_string();
        assert!(err(
            r#"{"models": [{"model": "m", "input_mtok": 1, "output_mtok": 1, "inptu": 1}]}"#
        )
        .contains("unknown field `inptu`"));
        assert!(err(r#"{"models": [{"model": "m", "input_mtok": 1}]}"#)
            .contains("missing field `output_mtok`"));
        assert_eq!(
            err(r#"{"models": [{"model": "m", "input_mtok": -1, "output_mtok": 1}]}"#),
            "price table: models[0]: input_mtok must be a finite, non-negative number, not -1"
        );
        assert_eq!(
            err(r#"{"models": [{"model": " * ", "input_mtok": 1, "output_mtok": 1}]}"#),
            "price table: models[0]: `model` is empty"
        );
        let missing = PriceTable::from_file("/nonexistent/prices.json").unwrap_err();
        assert_eq!(missing.path(), Some(Path::new("/nonexistent/prices.json")));
    }

    #[test]
    fn override_rates_charge_each_kind_at_its_price() {
        let priced = rates(
            &ModelPrices::new(2.0, 8.0)
                .cache_read(0.5)
                .cache_write(2.5)
                .reasoning(10.0),
        );
        let t = Tokens::of(&usage(1_000, 300, 200, 100, 40)).unwrap();
        let expected = (500.0 * 2.0 + 300.0 * 0.5 + 200.0 * 2.5 + 60.0 * 8.0 + 40.0 * 10.0) / 1e6;
        assert!(close(priced.cost(&t).unwrap(), expected));
        // Unset cache and reasoning prices fall back to input and output.
        let plain = rates(&ModelPrices::new(2.0, 8.0));
        assert!(close(
            plain.cost(&t).unwrap(),
            (1_000.0 * 2.0 + 100.0 * 8.0) / 1e6
        ));
    }
}
