//! The names llm-trace writes and reads, spelled once: the built-in
//! providers ([`providers`]), the GenAI operation names ([`operations`]) and
//! the attribute keys ([`keys`]).
//!
//! The `#[llm_call]` macro, the runtime (`llm_trace::semconv`,
//! `llm_trace::provider::KNOWN_PROVIDERS`) and the `llm-trace` command all
//! read them from here, so a name cannot differ between the annotation, the
//! exported span and the command that reads it. The crate has no
//! dependencies: a proc-macro and a command that does not link the runtime
//! can use it.
//!
//! ```
//! use llm_trace_names::{keys, operations, providers};
//!
//! let groq = providers::by_written("groq").unwrap();
//! assert_eq!(groq.name, "groq");
//! assert_eq!(groq.default_operation, operations::CHAT);
//! assert_eq!(keys::GEN_AI_PROVIDER_NAME, "gen_ai.provider.name");
//! ```

#![no_std]
#![warn(missing_docs)]

pub mod keys;
pub mod operations;
pub mod providers;

#[cfg(test)]
mod tests;
