//! Providers' wire formats: each format's serde types, its facts (read one
//! way from the typed bodies and from raw JSON), its stream and its content.
//! A format never imports another format; what several share is in
//! `provider::wire` or the lower layers.

pub(crate) mod cohere_chat;
pub(crate) mod converse;
pub(crate) mod generate_content;
pub(crate) mod messages;
pub(crate) mod ollama_chat;
