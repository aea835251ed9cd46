//! The off switches of the `#[llm_call]` and `#[workflow]` attributes.
//!
//! - **At run time**: [`set_enabled`]`(false)` makes every annotated function
//!   run its body alone: no span, no metrics, no `fields(...)` evaluated.
//!   Each call pays one relaxed atomic load to find out. Calls already
//!   running when the switch flips finish as they started.
//! - **At compile time**: the `off` cargo feature of `llm-trace` makes the
//!   attributes expand to the function exactly as written, so the
//!   instrumentation is not compiled at all and [`set_enabled`] has nothing
//!   to turn on. The macro's own argument checks still run, but the
//!   instrumentation's type checks (a `request` the provider cannot read, a
//!   field that does not convert) do not. Like `tracing`'s `max_level_off`,
//!   it is meant for the application's own `Cargo.toml`: a library that
//!   enabled it would switch instrumentation off for every crate in the build.
//!
//! Neither switch touches spans, metrics or propagation that code starts by
//! itself through the OpenTelemetry API, [`with_metadata`](crate::with_metadata),
//! or the [`workflow`](crate::workflow()) builder.

use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Whether the instrumentation is compiled in: `false` with the `off` feature.
pub const COMPILED_IN: bool = cfg!(not(feature = "off"));

/// Turns the instrumentation of `#[llm_call]` and `#[workflow]` functions on
/// or off for the whole process, from the next call on (on by default).
///
/// ```
/// #[llm_trace::llm_call(provider = "openai", model = "gpt-4o-mini")]
/// async fn answer(question: &str) -> String {
///     format!("echo: {question}")
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// llm_trace::set_enabled(false); // e.g. from a configuration flag
/// assert_eq!(answer("hi").await, "echo: hi"); // ran without a span
/// llm_trace::set_enabled(true);
/// # });
/// ```
pub fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// Whether annotated functions are instrumented now: compiled in (see
/// [`COMPILED_IN`]) and not switched off with [`set_enabled`].
///
/// ```
/// // On by default, unless built with the `off` feature.
/// assert_eq!(llm_trace::is_enabled(), llm_trace::switch::COMPILED_IN);
/// llm_trace::set_enabled(false);
/// assert!(!llm_trace::is_enabled());
/// llm_trace::set_enabled(true);
/// ```
pub fn is_enabled() -> bool {
    COMPILED_IN && enabled()
}

/// The run-time switch, read once per call by the generated code.
#[doc(hidden)]
#[inline(always)]
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Keeps the instrumented expansion of an annotated function (the first
/// group), or with the `off` feature its plain form (the second).
#[cfg(not(feature = "off"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __llm_trace_select {
    ({ $($instrumented:tt)* } { $($plain:tt)* }) => { $($instrumented)* };
}

/// Keeps the instrumented expansion of an annotated function (the first
/// group), or with the `off` feature its plain form (the second).
#[cfg(feature = "off")]
#[doc(hidden)]
#[macro_export]
macro_rules! __llm_trace_select {
    ({ $($instrumented:tt)* } { $($plain:tt)* }) => { $($plain)* };
}
