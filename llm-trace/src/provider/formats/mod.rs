//! Wire formats, one directory each: the bodies' types, their facts (one
//! reading for the typed and the raw form), streaming and content. A format
//! knows no provider and never imports another format; what several share
//! lives in [`wire`](super::wire), and vendors bind formats to providers.

pub(crate) mod chat_completions;

pub(crate) mod cohere_chat;

pub(crate) mod converse;

pub(crate) mod embeddings;

pub(crate) mod generate_content;

pub(crate) mod messages;

pub(crate) mod ollama_chat;

pub mod responses;
