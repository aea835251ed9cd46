//! Ollama's native `/api/chat` (and `/api/embed`, `/api/generate`) wire
//! format. The vendor that speaks it, and how its facts are normalized, is
//! `provider::ollama`.

pub(crate) mod content;
pub(crate) mod facts;
pub(crate) mod stream;
mod types;

pub use types::{
    ChatRequest, ChatResponse, ChatToolCall, EmbedInput, EmbedRequest, EmbedResponse, FunctionCall,
    Message, Options,
};
