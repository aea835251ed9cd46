//! Shared support for llm-trace's examples, integration tests and
//! benchmarks (the mock LLM server, the OTLP test receiver, span capture and
//! read-back, the tree printer, the hostile-input checks), and the check of
//! the runtime's module layering ([`modgraph`]). Not published.

pub mod capture;
pub mod hostile;
pub mod mock;
pub mod modgraph;
pub mod readback;
pub mod receiver;
pub mod tree;
