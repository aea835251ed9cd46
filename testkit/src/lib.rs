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

// The README and the pages under docs/ are compiled as doc tests here, in
// this unpublished crate: a published crate's package cannot include files
// outside its own directory.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
#[cfg(doctest)]
#[doc = include_str!("../../docs/features.md")]
pub struct FeaturesDoctests;
#[cfg(doctest)]
#[doc = include_str!("../../docs/providers.md")]
pub struct ProvidersDoctests;
#[cfg(doctest)]
#[doc = include_str!("../../docs/reliability.md")]
pub struct ReliabilityDoctests;
#[cfg(doctest)]
#[doc = include_str!("../../docs/benchmarks.md")]
pub struct BenchmarksDoctests;
#[cfg(doctest)]
#[doc = include_str!("../../docs/architecture.md")]
pub struct ArchitectureDoctests;
