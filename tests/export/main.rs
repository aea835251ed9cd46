//! Export against the real OTLP receiver of `llm_trace_testkit::receiver`:
//! the receiver itself, retries of failed batches, bounded shutdown.
//!
//! One binary: every `init` here is `without_global_install()`, so the
//! tests of its modules run side by side.

mod receiver;
mod retries;
mod shutdown;
