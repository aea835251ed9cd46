//! Vendors: thin markers over the wire formats they speak.
//!
//! A vendor is a unit type with its [`Provider`](super::Provider) facts
//! (`gen_ai.provider.name`, default operation, server) and the family traits
//! that say which formats it speaks, declared with [`vendor!`]. A family
//! trait (e.g. [`OpenAiCompatible`](super::OpenAiCompatible): Chat
//! Completions, Responses and embeddings) carries the family's knobs, and the
//! family's module implements `RequestFacts<P>` / `ResponseFacts<P>` /
//! `ChunkFacts<P>` once for every format type and for `serde_json::Value`,
//! blanket over `P: Family`: a vendor adds no impl of its own. What is vendor
//! knowledge rather than format (the `openai.*` attributes, telling one
//! format's body from another's in a `Value`) lives here too; the formats
//! below know no provider.

pub mod anthropic;

pub mod azure;

pub mod bedrock;

pub mod cohere;

pub mod compatible;

pub mod gemini;

pub mod ollama;

pub mod openai;

/// Declares a vendor: a unit type, its [`Provider`](crate::provider::Provider)
/// impl, and the family traits it implements (with their items, if any).
///
/// ```text
/// vendor! {
///     /// xAI (`x_ai`).
///     XAi { name: "x_ai", operation: "chat", server: "api.x.ai", port: 443 }
///     speaks OpenAiCompatible { const COMPLETION_INCLUDES_REASONING: bool = false; }
/// }
/// ```
macro_rules! vendor {
    (
        $(#[$doc:meta])*
        $ty:ident {
            name: $name:expr,
            operation: $operation:expr
            $(, server: $address:expr)?
            $(, port: $port:expr)?
            $(,)?
        }
        $(speaks $family:path { $($items:tt)* })*
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $ty;

        impl $crate::provider::Provider for $ty {
            const NAME: &'static str = $name;
            const DEFAULT_OPERATION: &'static str = $operation;
            $(const SERVER_ADDRESS: Option<&'static str> = Some($address);)?
            $(const SERVER_PORT: Option<u16> = Some($port);)?
        }

        $(impl $family for $ty { $($items)* })*
    };
}
pub(crate) use vendor;
