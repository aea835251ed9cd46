//! The attribute keys this command reads, under the names it uses.
//!
//! They are the keys llm-trace writes, spelled once in the dependency-free
//! `llm-trace-names` crate that the runtime (`llm_trace::semconv`) and the
//! `#[llm_call]` macro read too; this command does not depend on the runtime.

use llm_trace_names::{keys, operations};

/// `chat`, `text_completion`, `generate_content`, `embeddings` for LLM calls;
/// `invoke_workflow`, `invoke_agent`, `execute_tool` for the rest of a chain.
pub const OPERATION: &str = keys::GEN_AI_OPERATION_NAME;
/// `openai`, `anthropic`, ...
pub const PROVIDER: &str = keys::GEN_AI_PROVIDER_NAME;
/// The deprecated name of [`PROVIDER`], read when it is missing.
pub const SYSTEM_DEPRECATED: &str = keys::GEN_AI_SYSTEM;
/// The model asked for.
pub const REQUEST_MODEL: &str = keys::GEN_AI_REQUEST_MODEL;
/// The model that answered.
pub const RESPONSE_MODEL: &str = keys::GEN_AI_RESPONSE_MODEL;
/// Whether the call streamed its response.
pub const REQUEST_STREAM: &str = keys::GEN_AI_REQUEST_STREAM;
/// Seconds from the request to the first chunk of a stream.
pub const TIME_TO_FIRST_CHUNK: &str = keys::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK;
/// All input tokens, cache reads and writes included.
pub const INPUT_TOKENS: &str = keys::GEN_AI_USAGE_INPUT_TOKENS;
/// Input tokens served from the prompt cache.
pub const CACHE_READ_TOKENS: &str = keys::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS;
/// Input tokens written to the prompt cache.
pub const CACHE_WRITE_TOKENS: &str = keys::GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS;
/// All output tokens, reasoning included.
pub const OUTPUT_TOKENS: &str = keys::GEN_AI_USAGE_OUTPUT_TOKENS;
/// Reasoning tokens.
pub const REASONING_TOKENS: &str = keys::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS;
/// llm-trace's per-call cost in US dollars; absent when the price is unknown.
pub const COST_USD: &str = keys::LLM_TRACE_COST_USD;
/// The class of a failure.
pub const ERROR_TYPE: &str = keys::ERROR_TYPE;
/// The event carrying a quality score.
pub const EVALUATION_EVENT: &str = keys::GEN_AI_EVALUATION_RESULT;
/// The evaluation's name.
pub const EVALUATION_NAME: &str = keys::GEN_AI_EVALUATION_NAME;
/// The evaluation's numeric score.
pub const EVALUATION_SCORE: &str = keys::GEN_AI_EVALUATION_SCORE_VALUE;

/// The operations of LLM calls: the spans `report`, `slow` and `compare` count.
pub const LLM_OPERATIONS: &[&str] = &operations::MODEL_OPERATIONS;

/// Key prefixes of what the instrumentation records about a call, as
/// opposed to the application's metadata (`prompt_id`, `feature`, ...),
/// which `trace` prints on each node.
pub const NON_METADATA_PREFIXES: &[&str] = &[
    "gen_ai.",
    "server.",
    "code.",
    "error.",
    "llm_trace.",
    "http.",
    "url.",
    "otel.",
    "thread.",
];
