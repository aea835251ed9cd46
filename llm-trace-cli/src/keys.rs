//! The attribute keys this command reads, spelled once.
//!
//! They are the keys llm-trace writes (its `llm_trace::semconv`), mostly from
//! the OpenTelemetry GenAI semantic conventions. This crate reads files and
//! does not depend on the runtime, so it names them itself.

/// `chat`, `text_completion`, `generate_content`, `embeddings` for LLM calls;
/// `invoke_workflow`, `invoke_agent`, `execute_tool` for the rest of a chain.
pub const OPERATION: &str = "gen_ai.operation.name";
/// `openai`, `anthropic`, ...
pub const PROVIDER: &str = "gen_ai.provider.name";
/// The deprecated name of [`PROVIDER`], read when it is missing.
pub const SYSTEM_DEPRECATED: &str = "gen_ai.system";
/// The model asked for.
pub const REQUEST_MODEL: &str = "gen_ai.request.model";
/// The model that answered.
pub const RESPONSE_MODEL: &str = "gen_ai.response.model";
/// Whether the call streamed its response.
pub const REQUEST_STREAM: &str = "gen_ai.request.stream";
/// Seconds from the request to the first chunk of a stream.
pub const TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";
/// All input tokens, cache reads and writes included.
pub const INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// Input tokens served from the prompt cache.
pub const CACHE_READ_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// Input tokens written to the prompt cache.
pub const CACHE_WRITE_TOKENS: &str = "gen_ai.usage.cache_write.input_tokens";
/// All output tokens, reasoning included.
pub const OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// Reasoning tokens.
pub const REASONING_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";
/// llm-trace's per-call cost in US dollars; absent when the price is unknown.
pub const COST_USD: &str = "llm_trace.cost.usd";
/// The class of a failure.
pub const ERROR_TYPE: &str = "error.type";
/// The event carrying a quality score.
pub const EVALUATION_EVENT: &str = "gen_ai.evaluation.result";
/// The evaluation's name.
pub const EVALUATION_NAME: &str = "gen_ai.evaluation.name";
/// The evaluation's numeric score.
pub const EVALUATION_SCORE: &str = "gen_ai.evaluation.score.value";

/// The operations of LLM calls: the spans `report`, `slow` and `compare` count.
pub const LLM_OPERATIONS: &[&str] = &["chat", "text_completion", "generate_content", "embeddings"];

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
