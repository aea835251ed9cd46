//! Step 3: [`Telemetry::install`] makes the built providers the global ones
//! and the [`CallSettings`] the process-wide settings. The only step that
//! changes anything process-wide.

use std::fmt;
use std::sync::Arc;

use opentelemetry::global;

use super::Telemetry;
use crate::content::{CaptureMode, Redactor};
use crate::cost::PriceTable;
use crate::settings::Settings;

/// The settings that instrumented calls read process-wide, as resolved from
/// the builder and the variables. `None` leaves the process-wide value as it
/// is (set earlier in code, or its default).
///
/// [`Telemetry::install`] installs them; a guard built
/// [`without_global_install`](super::Builder::without_global_install) carries
/// them in [`Telemetry::settings`] for the application to install itself:
///
/// ```no_run
/// let telemetry = llm_trace::builder().without_global_install().init()?;
/// // ... install the providers where the application wants them ...
/// telemetry.settings().install();
/// # Ok::<(), llm_trace::export::InitError>(())
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct CallSettings {
    /// The content capture mode ([`Builder::capture_content`](super::Builder::capture_content),
    /// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`).
    pub capture_mode: Option<CaptureMode>,
    /// The bound of each captured value
    /// ([`Builder::content_max_bytes`](super::Builder::content_max_bytes)).
    pub content_max_bytes: Option<usize>,
    /// Whether tool definitions carry their details
    /// ([`Builder::tool_definition_details`](super::Builder::tool_definition_details)).
    pub tool_definition_details: Option<bool>,
    /// The redaction hook of captured content
    /// ([`Builder::content_redactor`](super::Builder::content_redactor)).
    pub redactor: Option<Arc<Redactor>>,
    /// The price table: the price file's (`LLM_TRACE_PRICES`,
    /// [`Builder::prices_file`](super::Builder::prices_file)) with
    /// [`Builder::prices`](super::Builder::prices) over it.
    pub prices: Option<PriceTable>,
    /// The call metadata keys allowed onto the metrics
    /// ([`Builder::metrics_metadata_keys`](super::Builder::metrics_metadata_keys)).
    pub metrics_metadata_keys: Option<Vec<String>>,
}

/// Hooks compare by identity: the same hook, not the same behaviour.
impl PartialEq for CallSettings {
    fn eq(&self, other: &Self) -> bool {
        let same_redactor = match (&self.redactor, &other.redactor) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same_redactor
            && self.capture_mode == other.capture_mode
            && self.content_max_bytes == other.content_max_bytes
            && self.tool_definition_details == other.tool_definition_details
            && self.prices == other.prices
            && self.metrics_metadata_keys == other.metrics_metadata_keys
    }
}

/// The redaction hook shows as present or not.
impl fmt::Debug for CallSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallSettings")
            .field("capture_mode", &self.capture_mode)
            .field("content_max_bytes", &self.content_max_bytes)
            .field("tool_definition_details", &self.tool_definition_details)
            .field("redactor", &self.redactor.as_ref().map(|_| "Redactor"))
            .field("prices", &self.prices)
            .field("metrics_metadata_keys", &self.metrics_metadata_keys)
            .finish()
    }
}

impl CallSettings {
    /// Makes these the process-wide settings (each one that is `Some`), as
    /// [`Telemetry::install`] does: the same as calling
    /// [`content::set_capture_mode`](crate::content::set_capture_mode), [`content::set_max_bytes`](crate::content::set_max_bytes),
    /// [`content::set_tool_definition_details`](crate::content::set_tool_definition_details), [`content::set_redactor`](crate::content::set_redactor),
    /// [`crate::cost::set_prices`] and [`crate::metrics::set_metadata_keys`].
    pub fn install(&self) {
        crate::settings::update(|settings| self.apply(settings));
    }

    /// `settings` with every value given here in place of its own.
    pub fn apply(&self, mut settings: Settings) -> Settings {
        if let Some(keys) = &self.metrics_metadata_keys {
            settings = settings.metrics_metadata_keys(keys.iter().cloned());
        }
        if let Some(mode) = self.capture_mode {
            settings = settings.capture_mode(mode);
        }
        if let Some(bytes) = self.content_max_bytes {
            settings = settings.max_content_bytes(bytes);
        }
        if let Some(enabled) = self.tool_definition_details {
            settings = settings.tool_definition_details(enabled);
        }
        if let Some(redactor) = &self.redactor {
            settings = settings.redactor(Some(Arc::clone(redactor)));
        }
        if let Some(prices) = &self.prices {
            settings = settings.prices(prices.clone());
        }
        settings
    }
}

impl Telemetry {
    /// Step 3 of [`Builder::init`](super::Builder::init): makes the providers
    /// the global tracer and meter providers and the logger provider of
    /// [`crate::content`]'s events, and the [`settings`](Telemetry::settings)
    /// the process-wide call settings. Shutting the guard down later points
    /// the global providers back at no-ops. A disabled guard installs nothing.
    pub fn install(mut self) -> Telemetry {
        let Some(providers) = &self.providers else {
            return self;
        };
        // Loads the bundled prices in the background now, so that the first
        // calls' costs do not wait for it.
        crate::cost::preload();
        // One replacement of the snapshot: a call never sees half of it.
        let logger = providers.logger.clone();
        let call_settings = &self.settings;
        crate::settings::update(|settings| {
            let settings = call_settings.apply(settings);
            match logger {
                Some(logger) => settings.logger_provider(Some(logger)),
                None => settings,
            }
        });
        if let Some(provider) = &providers.tracer {
            global::set_tracer_provider(provider.clone());
        }
        if let Some(provider) = &providers.meter {
            global::set_meter_provider(provider.clone());
        }
        self.installed_global = true;
        self
    }
}
