//! Shared support for llm-trace's examples, integration tests and
//! benchmarks. Not published.

pub mod capture;
pub mod hostile;
pub mod mock;
pub mod readback;
pub mod receiver;
pub mod tree;
