//! Every attribute key llm-trace writes, spelled once.
//!
//! The names live in the dependency-free `llm-trace-names` crate, which the
//! `#[llm_call]` macro and the `llm-trace` command read too; this module
//! re-exports them. Stable keys come from `opentelemetry-semantic-conventions`
//! (the test below holds the names crate to them). The GenAI keys moved to
//! the OpenTelemetry GenAI semantic conventions repository
//! (`open-telemetry/semantic-conventions-genai`, `model/gen-ai/registry.yaml`)
//! and are deprecated in that crate, so they are the names crate's, with the
//! newest names (as are the `openai.*` keys, deprecated there for the same
//! reason). Keys that are not part of any convention live under `llm_trace.`.

/// `aws.bedrock.guardrail.id`: the guardrail a Bedrock request applies.
pub use opentelemetry_semantic_conventions::attribute::AWS_BEDROCK_GUARDRAIL_ID;
/// `aws.bedrock.knowledge_base.id`: the knowledge base a Bedrock request queries.
pub use opentelemetry_semantic_conventions::attribute::AWS_BEDROCK_KNOWLEDGE_BASE_ID;
pub use opentelemetry_semantic_conventions::attribute::{
    CODE_FUNCTION_NAME, ERROR_TYPE, EXCEPTION_MESSAGE, EXCEPTION_TYPE, SERVER_ADDRESS, SERVER_PORT,
};

pub use llm_trace_names::keys::{
    GEN_AI_AGENT_DESCRIPTION, GEN_AI_AGENT_ID, GEN_AI_AGENT_NAME,
    GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS, GEN_AI_CLIENT_OPERATION_DURATION,
    GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK, GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
    GEN_AI_CLIENT_TOKEN_USAGE, GEN_AI_CONVERSATION_ID, GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
    GEN_AI_EVALUATION_EXPLANATION, GEN_AI_EVALUATION_NAME, GEN_AI_EVALUATION_RESULT,
    GEN_AI_EVALUATION_SCORE_LABEL, GEN_AI_EVALUATION_SCORE_VALUE, GEN_AI_INPUT_MESSAGES,
    GEN_AI_OPERATION_NAME, GEN_AI_OUTPUT_MESSAGES, GEN_AI_OUTPUT_TYPE, GEN_AI_PROMPT_NAME,
    GEN_AI_PROMPT_VARIABLE_PREFIX, GEN_AI_PROMPT_VERSION, GEN_AI_PROVIDER_NAME,
    GEN_AI_REQUEST_CHOICE_COUNT, GEN_AI_REQUEST_ENCODING_FORMATS, GEN_AI_REQUEST_FREQUENCY_PENALTY,
    GEN_AI_REQUEST_MAX_TOKENS, GEN_AI_REQUEST_MODEL, GEN_AI_REQUEST_PRESENCE_PENALTY,
    GEN_AI_REQUEST_SEED, GEN_AI_REQUEST_STOP_SEQUENCES, GEN_AI_REQUEST_STREAM,
    GEN_AI_REQUEST_TEMPERATURE, GEN_AI_REQUEST_TOP_K, GEN_AI_REQUEST_TOP_P,
    GEN_AI_RESPONSE_FINISH_REASONS, GEN_AI_RESPONSE_ID, GEN_AI_RESPONSE_MODEL,
    GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, GEN_AI_SYSTEM_INSTRUCTIONS, GEN_AI_TOKEN_TYPE,
    GEN_AI_TOOL_CALL_ID, GEN_AI_TOOL_DEFINITIONS, GEN_AI_TOOL_DESCRIPTION, GEN_AI_TOOL_NAME,
    GEN_AI_TOOL_TYPE, GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
    GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
    GEN_AI_USAGE_INPUT_TOKENS, GEN_AI_USAGE_OUTPUT_TOKENS, GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    GEN_AI_WORKFLOW_NAME, LLM_TRACE_CANCELLED, LLM_TRACE_CLIENT_COST, LLM_TRACE_COST_USD,
    LLM_TRACE_RESPONSE_TOOL_CALLS, LLM_TRACE_USAGE_REJECTED, OPENAI_API_TYPE,
    OPENAI_REQUEST_SERVICE_TIER, OPENAI_RESPONSE_SERVICE_TIER, OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
};
/// `gen_ai.operation.name` of an agent invocation span.
pub use llm_trace_names::operations::INVOKE_AGENT as OPERATION_INVOKE_AGENT;
/// `gen_ai.operation.name` of a workflow span.
pub use llm_trace_names::operations::INVOKE_WORKFLOW as OPERATION_INVOKE_WORKFLOW;
pub use llm_trace_names::operations::MODEL_OPERATIONS;

/// The value that stands for a model name or `error.type` too long to be a
/// metric attribute (the conventions' `_OTHER`).
pub const OTHER: &str = "_OTHER";

/// `error.type` of a call whose future was dropped before it completed.
pub const ERROR_TYPE_CANCELLED: &str = "cancelled";
/// `error.type` of a call whose body panicked.
pub const ERROR_TYPE_PANIC: &str = "panic";

#[cfg(test)]
mod tests {
    use llm_trace_names::keys as names;
    use opentelemetry_semantic_conventions::attribute as otel;

    /// The names crate spells the stable keys itself (it has no
    /// dependencies); they must be the conventions crate's.
    #[test]
    fn the_names_crate_spells_the_stable_keys_as_the_conventions_crate() {
        for (ours, theirs) in [
            (names::CODE_FUNCTION_NAME, otel::CODE_FUNCTION_NAME),
            (names::ERROR_TYPE, otel::ERROR_TYPE),
            (names::EXCEPTION_MESSAGE, otel::EXCEPTION_MESSAGE),
            (names::EXCEPTION_TYPE, otel::EXCEPTION_TYPE),
            (names::SERVER_ADDRESS, otel::SERVER_ADDRESS),
            (names::SERVER_PORT, otel::SERVER_PORT),
            (
                names::AWS_BEDROCK_GUARDRAIL_ID,
                otel::AWS_BEDROCK_GUARDRAIL_ID,
            ),
            (
                names::AWS_BEDROCK_KNOWLEDGE_BASE_ID,
                otel::AWS_BEDROCK_KNOWLEDGE_BASE_ID,
            ),
        ] {
            assert_eq!(ours, theirs);
        }
    }
}
