//! Facts from client crates' own types, behind their cargo features. An
//! adapter reads its crate's types and may use its format's readers.

#[cfg(feature = "claudius")]
pub mod claudius;
#[cfg(feature = "genai")]
pub mod genai;
