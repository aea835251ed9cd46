//! The instrumentation scope every span, metric and log record of llm-trace
//! carries (its name and version), built once.

use std::sync::OnceLock;

use opentelemetry::InstrumentationScope;

/// The instrumentation scope of every span llm-trace starts.
pub(crate) fn scope() -> &'static InstrumentationScope {
    static SCOPE: OnceLock<InstrumentationScope> = OnceLock::new();
    SCOPE.get_or_init(|| {
        InstrumentationScope::builder(env!("CARGO_PKG_NAME"))
            .with_version(env!("CARGO_PKG_VERSION"))
            .build()
    })
}
