//! One snapshot of the process-wide settings: what content capture records,
//! the prices of your own, the metadata keys allowed onto metrics and from
//! incoming baggage, the deprecated cache attribute, where content events go.
//!
//! A call reads the snapshot once, when it starts, and hands it to content
//! capture, cost and metrics: a call never sees half of a change. The
//! snapshot is replaced as a whole ([`install`], [`update`]); the setters of
//! the other modules (`content::set_capture_mode`, `cost::set_prices`,
//! `metrics::set_metadata_keys`, ...) each update one field of it.
//!
//! ```
//! use llm_trace::content::CaptureMode;
//! use llm_trace::settings::{self, Settings};
//!
//! settings::install(
//!     Settings::default()
//!         .capture_mode(CaptureMode::SpanOnly)
//!         .max_content_bytes(4096)
//!         .metrics_metadata_keys(["feature"]),
//! );
//! assert_eq!(llm_trace::content::capture_mode(), CaptureMode::SpanOnly);
//! assert_eq!(llm_trace::content::max_bytes(), 4096);
//! # settings::install(Settings::default());
//! ```
//!
//! The on/off switch ([`crate::switch`]) is not part of the snapshot: it is
//! read before anything else on the not-recording path, where one atomic
//! load is all a call may cost.

mod capture;
mod prices;

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use opentelemetry::logs::LoggerProvider as _;
use opentelemetry::Key;
use opentelemetry_sdk::logs::{SdkLogger, SdkLoggerProvider};

pub use capture::{
    CaptureMode, ContentKind, InvalidCaptureMode, Redactor, DEFAULT_MAX_BYTES, ENV_VAR,
    MIN_MAX_BYTES,
};
pub(crate) use prices::snapshot_bases;
pub use prices::{ModelPrices, PriceTable, PricesError};

/// The process-wide settings, as one plain value.
///
/// Built from [`Settings::default`] (or [`Settings::current`]) with the
/// builder methods, and put in place with [`install`].
#[derive(Clone)]
pub struct Settings {
    /// `None`: the environment's ([`ENV_VAR`]), read once.
    pub(crate) capture_mode: Option<CaptureMode>,
    pub(crate) max_content_bytes: usize,
    pub(crate) tool_definition_details: bool,
    pub(crate) redactor: Option<Arc<Redactor>>,
    pub(crate) prices: Option<Arc<PriceTable>>,
    /// `None` when no key is allowed (the default).
    pub(crate) metrics_metadata_keys: Option<Arc<[Key]>>,
    /// `None` when no key is allowed (the default).
    pub(crate) baggage_keys: Option<Arc<[String]>>,
    pub(crate) emit_deprecated_cache_creation: bool,
    pub(crate) logger: Option<SdkLogger>,
    /// Which [`install`] put this snapshot in place (0: never installed).
    pub(crate) generation: u64,
    /// Bumped by each install that changes the prices: the caches of
    /// resolved prices are stale then, and only then.
    pub(crate) prices_generation: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            capture_mode: None,
            max_content_bytes: DEFAULT_MAX_BYTES,
            tool_definition_details: false,
            redactor: None,
            prices: None,
            metrics_metadata_keys: None,
            baggage_keys: None,
            emit_deprecated_cache_creation: false,
            logger: None,
            generation: 0,
            prices_generation: 0,
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("capture_mode", &self.capture_mode)
            .field("max_content_bytes", &self.max_content_bytes)
            .field("tool_definition_details", &self.tool_definition_details)
            .field("redactor", &self.redactor.is_some())
            .field("prices", &self.prices)
            .field("metrics_metadata_keys", &self.metrics_metadata_keys)
            .field("baggage_keys", &self.baggage_keys)
            .field(
                "emit_deprecated_cache_creation",
                &self.emit_deprecated_cache_creation,
            )
            .field("logger", &self.logger.is_some())
            .finish()
    }
}

impl Settings {
    /// A copy of the installed snapshot, to change and [`install`] again.
    pub fn current() -> Settings {
        Settings::clone(&current())
    }

    /// The content capture mode of every call site whose annotation names
    /// none. Unset, the environment's ([`ENV_VAR`]) applies.
    pub fn capture_mode(mut self, mode: CaptureMode) -> Self {
        self.capture_mode = Some(mode);
        self
    }

    /// Bounds each captured value to `bytes` of JSON (at least
    /// [`MIN_MAX_BYTES`]; default [`DEFAULT_MAX_BYTES`]).
    pub fn max_content_bytes(mut self, bytes: usize) -> Self {
        self.max_content_bytes = bytes.max(MIN_MAX_BYTES);
        self
    }

    /// Whether `gen_ai.tool.definitions` carries each tool's `description`
    /// and `parameters` (see [`crate::content::set_tool_definition_details`]).
    pub fn tool_definition_details(mut self, enabled: bool) -> Self {
        self.tool_definition_details = enabled;
        self
    }

    /// The redaction hook of captured content (see
    /// [`crate::content::set_redactor`]); `None` removes it.
    pub fn redactor(mut self, redactor: Option<Arc<Redactor>>) -> Self {
        self.redactor = redactor;
        self
    }

    /// Prices of your own that win over genai-prices' (an empty table
    /// removes them; see [`crate::cost`]).
    pub fn prices(mut self, table: PriceTable) -> Self {
        self.prices = (!table.is_empty()).then(|| Arc::new(table));
        self
    }

    /// The call metadata keys allowed onto the metrics' attributes (see
    /// [`crate::metrics::set_metadata_keys`]).
    pub fn metrics_metadata_keys<I, K>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: Into<Key>,
    {
        let keys: Arc<[Key]> = keys.into_iter().map(Into::into).collect();
        self.metrics_metadata_keys = (!keys.is_empty()).then_some(keys);
        self
    }

    /// The keys of incoming baggage entries that become span attributes (see
    /// [`crate::metadata::allow_baggage_keys`]).
    pub fn baggage_keys<I, K>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        let keys: Arc<[String]> = keys.into_iter().map(Into::into).collect();
        self.baggage_keys = (!keys.is_empty()).then_some(keys);
        self
    }

    /// Whether spans also carry the deprecated
    /// `gen_ai.usage.cache_creation.input_tokens` (see
    /// [`crate::emit_deprecated_cache_creation`]).
    pub fn emit_deprecated_cache_creation(mut self, enabled: bool) -> Self {
        self.emit_deprecated_cache_creation = enabled;
        self
    }

    /// Where content events go (see
    /// [`crate::content::set_logger_provider`]); `None`: nowhere.
    pub fn logger_provider(mut self, provider: Option<SdkLoggerProvider>) -> Self {
        self.logger =
            provider.map(|p| p.logger_with_scope(crate::instrumentation::scope().clone()));
        self
    }

    /// The capture mode in effect for call sites that name none: the one
    /// set, else the environment's.
    pub(crate) fn effective_capture_mode(&self) -> CaptureMode {
        self.capture_mode.unwrap_or_else(environment_capture_mode)
    }
}

/// Also emit the deprecated `gen_ai.usage.cache_creation.input_tokens` next to
/// `gen_ai.usage.cache_write.input_tokens`, for backends that still read the
/// old name. Off by default. One field of the snapshot.
///
/// ```
/// // At start-up, for a backend whose dashboards read the old name:
/// llm_trace::emit_deprecated_cache_creation(true);
/// ```
pub fn emit_deprecated_cache_creation(enabled: bool) {
    update(|s| s.emit_deprecated_cache_creation(enabled));
}

/// The mode [`ENV_VAR`] names, read once; a value that names no mode means
/// `NO_CONTENT` and is reported through OpenTelemetry's internal log.
fn environment_capture_mode() -> CaptureMode {
    static MODE: OnceLock<CaptureMode> = OnceLock::new();
    *MODE.get_or_init(|| match std::env::var(ENV_VAR) {
        Ok(value) => CaptureMode::parse(&value).unwrap_or_else(|invalid| {
            opentelemetry::otel_warn!(
                name: "llm_trace.content.invalid_capture_mode",
                message = format!("{ENV_VAR}: {invalid}; capturing no content")
            );
            CaptureMode::NoContent
        }),
        Err(_) => CaptureMode::NoContent,
    })
}

/// The installed snapshot; `None` until the first [`install`].
static INSTALLED: RwLock<Option<Arc<Settings>>> = RwLock::new(None);
/// The generation of the installed snapshot: a thread's cached copy is
/// current while its generation is this one.
static GENERATION: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static CACHED: RefCell<Option<Arc<Settings>>> = const { RefCell::new(None) };
}

/// Replaces the process-wide snapshot as a whole; calls that start from
/// now on read it.
pub fn install(settings: Settings) {
    update(|_| settings);
}

/// Replaces the snapshot with `f` of the installed one, with no other
/// change in between (what each single setter does).
pub fn update(f: impl FnOnce(Settings) -> Settings) {
    let mut installed = INSTALLED.write().unwrap_or_else(|e| e.into_inner());
    let old = installed.as_deref().cloned().unwrap_or_default();
    let (old_prices, old_prices_generation) = (old.prices.clone(), old.prices_generation);
    let mut new = f(old);
    // Under the lock: generations are installed in order.
    new.generation = GENERATION.load(Ordering::Relaxed) + 1;
    let same_prices = match (&old_prices, &new.prices) {
        (Some(old), Some(new)) => Arc::ptr_eq(old, new),
        (None, None) => true,
        _ => false,
    };
    new.prices_generation = old_prices_generation + u64::from(!same_prices);
    *installed = Some(Arc::new(new));
    GENERATION.fetch_add(1, Ordering::Release);
}

/// The installed snapshot. A thread keeps its last copy and takes the lock
/// only after an [`install`]: a call pays one atomic load and a reference
/// count.
pub(crate) fn current() -> Arc<Settings> {
    let generation = GENERATION.load(Ordering::Acquire);
    CACHED
        .try_with(|cached| {
            let mut cached = cached.try_borrow_mut().ok()?;
            match &*cached {
                Some(settings) if settings.generation == generation => Some(settings.clone()),
                _ => {
                    let settings = load();
                    *cached = Some(settings.clone());
                    Some(settings)
                }
            }
        })
        .ok()
        .flatten()
        .unwrap_or_else(load)
}

fn load() -> Arc<Settings> {
    static DEFAULT: OnceLock<Arc<Settings>> = OnceLock::new();
    let installed = INSTALLED.read().unwrap_or_else(|e| e.into_inner());
    match &*installed {
        Some(settings) => settings.clone(),
        None => DEFAULT.get_or_init(Arc::default).clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Lib tests share the process: these change only the deprecated cache
    // attribute and tool details, which no other lib test reads, and leave
    // them off.

    #[test]
    fn a_snapshot_does_not_change_under_its_holder_and_the_next_read_sees_the_change() {
        let held = current();
        update(|s| s.emit_deprecated_cache_creation(!held.emit_deprecated_cache_creation));
        let next = current();
        assert_ne!(
            next.emit_deprecated_cache_creation,
            held.emit_deprecated_cache_creation
        );
        assert!(next.generation > held.generation);
        update(|s| s.emit_deprecated_cache_creation(false));
        assert!(!current().emit_deprecated_cache_creation);
    }

    #[test]
    fn another_thread_sees_an_update_made_after_it_cached_a_snapshot() {
        let (ask, asked) = std::sync::mpsc::channel::<()>();
        let (tell, told) = std::sync::mpsc::channel::<bool>();
        let reader = std::thread::spawn(move || {
            let _cached = current();
            while asked.recv().is_ok() {
                tell.send(current().tool_definition_details).unwrap();
            }
        });
        update(|s| s.tool_definition_details(true));
        ask.send(()).unwrap();
        assert!(told.recv().unwrap(), "the reader's cached copy is stale");
        update(|s| s.tool_definition_details(false));
        ask.send(()).unwrap();
        assert!(!told.recv().unwrap());
        drop(ask);
        reader.join().unwrap();
    }

    #[test]
    fn builder_methods_bound_and_normalize_what_they_are_given() {
        let s = Settings::default()
            .max_content_bytes(1)
            .metrics_metadata_keys(Vec::<&'static str>::new())
            .baggage_keys(["tenant"])
            .prices(PriceTable::new());
        assert_eq!(s.max_content_bytes, MIN_MAX_BYTES);
        assert!(s.metrics_metadata_keys.is_none(), "no key: none allowed");
        assert_eq!(s.baggage_keys.as_deref(), Some(&["tenant".to_owned()][..]));
        assert!(s.prices.is_none(), "an empty table removes the overrides");
        assert_eq!(Settings::default().max_content_bytes, DEFAULT_MAX_BYTES);
    }
}
