//! Adapters for client crates' own types (behind their cargo features): they
//! read a client crate's request and response types through the formats'
//! facts, as the vendors do for this crate's types.

#[cfg(feature = "async-openai")]
pub mod async_openai;
