//! Vendors: each a unit type naming its `gen_ai.provider.name`, its default
//! operation and server, and the formats it speaks; the public module users
//! know (`provider::anthropic`) re-exports its format's types.

pub mod anthropic;
pub mod bedrock;
pub mod cohere;
pub mod gemini;
pub mod ollama;
