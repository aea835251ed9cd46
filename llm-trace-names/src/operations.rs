//! `gen_ai.operation.name` values.

/// A chat completion (`provider = "openai"`, `"anthropic"`, ...).
pub const CHAT: &str = "chat";
/// A (legacy) text completion.
pub const TEXT_COMPLETION: &str = "text_completion";
/// A Gemini or Vertex AI `generateContent` call.
pub const GENERATE_CONTENT: &str = "generate_content";
/// An embeddings request.
pub const EMBEDDINGS: &str = "embeddings";
/// A tool executed by the application (an INTERNAL span).
pub const EXECUTE_TOOL: &str = "execute_tool";
/// An agent invoked: a remote one (CLIENT) or in this process (INTERNAL).
pub const INVOKE_AGENT: &str = "invoke_agent";
/// An agent created.
pub const CREATE_AGENT: &str = "create_agent";
/// A workflow around LLM calls (`#[llm_trace::workflow]`).
pub const INVOKE_WORKFLOW: &str = "invoke_workflow";

/// The operations that call a model: their response gives token usage; the
/// others (agents, tools, workflows) do work of their own.
pub const MODEL_OPERATIONS: [&str; 4] = [CHAT, TEXT_COMPLETION, GENERATE_CONTENT, EMBEDDINGS];

/// Every operation llm-trace names.
pub const ALL: [&str; 8] = [
    CHAT,
    TEXT_COMPLETION,
    GENERATE_CONTENT,
    EMBEDDINGS,
    EXECUTE_TOOL,
    INVOKE_AGENT,
    CREATE_AGENT,
    INVOKE_WORKFLOW,
];

/// Whether `operation` calls a model (one of [`MODEL_OPERATIONS`]).
pub fn is_model_operation(operation: &str) -> bool {
    MODEL_OPERATIONS.contains(&operation)
}

/// Operations that need no model provider: tools, and agents that run in
/// this process.
pub fn is_providerless(operation: &str) -> bool {
    operation == EXECUTE_TOOL || operation == INVOKE_AGENT
}
