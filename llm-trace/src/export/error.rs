//! [`InitError`]: why resolving or building the export configuration failed.

use std::fmt;

use crate::cost::PricesError;

/// Why [`init`](super::init) failed (or [`Builder::resolve`](super::Builder::resolve),
/// [`ExportConfig::build`](super::ExportConfig::build)).
#[derive(Debug)]
#[non_exhaustive]
pub enum InitError {
    /// A variable or builder value is not valid.
    Invalid {
        /// The variable (or setting).
        name: String,
        /// Its value.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// The OTLP exporter could not be built.
    Exporter(opentelemetry_otlp::ExporterBuildError),
    /// The runtime for gRPC export could not be started.
    Runtime(std::io::Error),
    /// The span export thread could not be started.
    Thread(std::io::Error),
    /// The price file (`LLM_TRACE_PRICES`,
    /// [`Builder::prices_file`](super::Builder::prices_file)) could not be read.
    Prices(PricesError),
}

impl InitError {
    pub(super) fn invalid(name: &str, value: &str, expected: &str) -> InitError {
        InitError::Invalid {
            name: name.to_owned(),
            value: value.to_owned(),
            expected: expected.to_owned(),
        }
    }
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Invalid {
                name,
                value,
                expected,
            } => write!(f, "invalid {name}={value:?}: {expected}"),
            InitError::Exporter(e) => write!(f, "cannot build the OTLP exporter: {e}"),
            InitError::Runtime(e) => write!(f, "cannot start the gRPC export runtime: {e}"),
            InitError::Thread(e) => write!(f, "cannot start the span export thread: {e}"),
            InitError::Prices(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for InitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InitError::Invalid { .. } => None,
            InitError::Exporter(e) => Some(e),
            InitError::Runtime(e) | InitError::Thread(e) => Some(e),
            InitError::Prices(e) => Some(e),
        }
    }
}
