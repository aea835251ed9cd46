//! Gemini `generateContent` / `streamGenerateContent` / `embedContent`: the
//! wire format of the Gemini API and Vertex AI. The vendors that speak it,
//! and how its facts are normalized, are in `provider::gemini`.

pub(crate) mod content;
pub(crate) mod facts;
pub(crate) mod stream;
mod types;

pub use types::{
    Candidate, Content, ContentEmbedding, EmbedContentRequest, EmbedContentResponse, FunctionCall,
    GenerateContentRequest, GenerateContentResponse, GenerationConfig, Part, UsageMetadata,
};
