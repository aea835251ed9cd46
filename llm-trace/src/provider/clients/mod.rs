//! Adapters for client crates' own types (behind their cargo features): they
//! read a client crate's request and response types through the formats'
//! facts, as the vendors do for this crate's types. An adapter may use its
//! format's readers (it sits above the formats).

#[cfg(feature = "async-openai")]
pub mod async_openai;

#[cfg(feature = "claudius")]
pub mod claudius;

#[cfg(feature = "genai")]
pub mod genai;
