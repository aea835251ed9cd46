//! AWS Bedrock Converse (`converse` / `converse-stream`) and Titan text
//! embeddings (`InvokeModel`). The vendor that speaks it, and how its facts
//! are normalized, is `provider::bedrock`.

pub(crate) mod content;
pub(crate) mod facts;
pub(crate) mod stream;
mod types;

pub use types::{
    ContentBlock, ContentBlockStartEvent, ConverseMetrics, ConverseOutput, ConverseRequest,
    ConverseResponse, ConverseStreamEvent, ConverseStreamMetadata, ConverseTrace, InferenceConfig,
    Message, MessageStopEvent, PromptRouterTrace, ReasoningContentBlock, ReasoningText,
    TitanEmbeddingRequest, TitanEmbeddingResponse, TokenUsage, ToolUseBlock,
};
