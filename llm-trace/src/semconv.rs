//! Every attribute key llm-trace writes, spelled once.
//!
//! Stable keys come from `opentelemetry-semantic-conventions`. The GenAI keys
//! moved to the OpenTelemetry GenAI semantic conventions repository
//! (`open-telemetry/semantic-conventions-genai`, `model/gen-ai/registry.yaml`)
//! and are deprecated in that crate, so they are defined here with the newest
//! names (as are the `openai.*` keys, deprecated there for the same reason).
//! Keys that are not part of any convention live under `llm_trace.`.

pub use opentelemetry_semantic_conventions::attribute::{
    CODE_FUNCTION_NAME, ERROR_TYPE, EXCEPTION_MESSAGE, EXCEPTION_TYPE, SERVER_ADDRESS, SERVER_PORT,
};

/// `gen_ai.operation.name`: `chat`, `text_completion`, `embeddings`, ...
pub const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
/// `gen_ai.provider.name`: `openai`, `anthropic`, ... (replaces `gen_ai.system`).
pub const GEN_AI_PROVIDER_NAME: &str = "gen_ai.provider.name";

/// `gen_ai.request.model`.
pub const GEN_AI_REQUEST_MODEL: &str = "gen_ai.request.model";
/// `gen_ai.request.temperature`.
pub const GEN_AI_REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
/// `gen_ai.request.top_p`.
pub const GEN_AI_REQUEST_TOP_P: &str = "gen_ai.request.top_p";
/// `gen_ai.request.top_k`.
pub const GEN_AI_REQUEST_TOP_K: &str = "gen_ai.request.top_k";
/// `gen_ai.request.max_tokens`.
pub const GEN_AI_REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
/// `gen_ai.request.stop_sequences`.
pub const GEN_AI_REQUEST_STOP_SEQUENCES: &str = "gen_ai.request.stop_sequences";
/// `gen_ai.request.seed`.
pub const GEN_AI_REQUEST_SEED: &str = "gen_ai.request.seed";
/// `gen_ai.request.choice.count`.
pub const GEN_AI_REQUEST_CHOICE_COUNT: &str = "gen_ai.request.choice.count";
/// `gen_ai.request.frequency_penalty`.
pub const GEN_AI_REQUEST_FREQUENCY_PENALTY: &str = "gen_ai.request.frequency_penalty";
/// `gen_ai.request.presence_penalty`.
pub const GEN_AI_REQUEST_PRESENCE_PENALTY: &str = "gen_ai.request.presence_penalty";
/// `gen_ai.request.stream`.
pub const GEN_AI_REQUEST_STREAM: &str = "gen_ai.request.stream";
/// `gen_ai.output.type`: `text`, `json`, `image`, `speech`.
pub const GEN_AI_OUTPUT_TYPE: &str = "gen_ai.output.type";

/// `gen_ai.response.id`.
pub const GEN_AI_RESPONSE_ID: &str = "gen_ai.response.id";
/// `gen_ai.response.model`.
pub const GEN_AI_RESPONSE_MODEL: &str = "gen_ai.response.model";
/// `gen_ai.response.finish_reasons`: one entry per choice.
pub const GEN_AI_RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";

/// `gen_ai.request.encoding_formats`: the formats an embeddings request asks for.
pub const GEN_AI_REQUEST_ENCODING_FORMATS: &str = "gen_ai.request.encoding_formats";

/// `openai.api.type`: `chat_completions` or `responses`.
pub const OPENAI_API_TYPE: &str = "openai.api.type";
/// `openai.request.service_tier`: the service tier requested (`auto`, `default`, `flex`, ...).
pub const OPENAI_REQUEST_SERVICE_TIER: &str = "openai.request.service_tier";
/// `openai.response.service_tier`: the service tier that served the request.
pub const OPENAI_RESPONSE_SERVICE_TIER: &str = "openai.response.service_tier";
/// `openai.response.system_fingerprint`: the backend configuration's fingerprint.
pub const OPENAI_RESPONSE_SYSTEM_FINGERPRINT: &str = "openai.response.system_fingerprint";
/// `aws.bedrock.guardrail.id`: the guardrail a Bedrock request applies.
pub use opentelemetry_semantic_conventions::attribute::AWS_BEDROCK_GUARDRAIL_ID;
/// `aws.bedrock.knowledge_base.id`: the knowledge base a Bedrock request queries.
pub use opentelemetry_semantic_conventions::attribute::AWS_BEDROCK_KNOWLEDGE_BASE_ID;

/// `gen_ai.embeddings.dimension.count`.
pub const GEN_AI_EMBEDDINGS_DIMENSION_COUNT: &str = "gen_ai.embeddings.dimension.count";

/// `gen_ai.usage.input_tokens`: all input tokens, cache reads and writes included.
pub const GEN_AI_USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// `gen_ai.usage.output_tokens`: all output tokens, reasoning included.
pub const GEN_AI_USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// `gen_ai.usage.cache_read.input_tokens`.
pub const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// `gen_ai.usage.cache_write.input_tokens`.
pub const GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS: &str = "gen_ai.usage.cache_write.input_tokens";
/// `gen_ai.usage.cache_creation.input_tokens`: the deprecated name of
/// [`GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS`], emitted only when asked for.
pub const GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: &str =
    "gen_ai.usage.cache_creation.input_tokens";
/// `gen_ai.usage.reasoning.output_tokens`.
pub const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";

/// `gen_ai.token.type`: `input` or `output` on `gen_ai.client.token.usage`.
pub const GEN_AI_TOKEN_TYPE: &str = "gen_ai.token.type";

/// Histogram of input and output tokens per call, unit `{token}`.
pub const GEN_AI_CLIENT_TOKEN_USAGE: &str = "gen_ai.client.token.usage";
/// Histogram of call durations, unit `s`.
pub const GEN_AI_CLIENT_OPERATION_DURATION: &str = "gen_ai.client.operation.duration";
/// Histogram of the time to a stream's first chunk, unit `s`.
pub const GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK: &str =
    "gen_ai.client.operation.time_to_first_chunk";
/// Histogram of the time between a stream's chunks, unit `s`.
pub const GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK: &str =
    "gen_ai.client.operation.time_per_output_chunk";
/// Seconds from the request to a stream's first chunk.
pub const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";

/// `gen_ai.prompt.name`: the name of a prompt template.
pub const GEN_AI_PROMPT_NAME: &str = "gen_ai.prompt.name";
/// `gen_ai.prompt.version`: the version of a prompt template.
pub const GEN_AI_PROMPT_VERSION: &str = "gen_ai.prompt.version";
/// Prefix of `gen_ai.prompt.variable.<key>` (opt-in: variables are content).
pub const GEN_AI_PROMPT_VARIABLE_PREFIX: &str = "gen_ai.prompt.variable.";
/// `gen_ai.conversation.id`.
pub const GEN_AI_CONVERSATION_ID: &str = "gen_ai.conversation.id";
/// `gen_ai.agent.name`.
pub const GEN_AI_AGENT_NAME: &str = "gen_ai.agent.name";
/// `gen_ai.agent.id`.
pub const GEN_AI_AGENT_ID: &str = "gen_ai.agent.id";
/// `gen_ai.agent.description`.
pub const GEN_AI_AGENT_DESCRIPTION: &str = "gen_ai.agent.description";
/// `gen_ai.tool.name`.
pub const GEN_AI_TOOL_NAME: &str = "gen_ai.tool.name";
/// `gen_ai.tool.call.id`.
pub const GEN_AI_TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
/// `gen_ai.tool.type`: `function`, `extension`, `datastore`.
pub const GEN_AI_TOOL_TYPE: &str = "gen_ai.tool.type";
/// `gen_ai.tool.description`.
pub const GEN_AI_TOOL_DESCRIPTION: &str = "gen_ai.tool.description";
/// `gen_ai.operation.name` of an agent invocation span.
pub const OPERATION_INVOKE_AGENT: &str = "invoke_agent";
/// The `gen_ai.operation.name`s of a call to a model; the others (agents,
/// tools, workflows) do work of their own.
pub const MODEL_OPERATIONS: [&str; 4] =
    ["chat", "text_completion", "generate_content", "embeddings"];
/// `gen_ai.operation.name` of a workflow span.
pub const OPERATION_INVOKE_WORKFLOW: &str = "invoke_workflow";
/// `gen_ai.workflow.name`.
pub const GEN_AI_WORKFLOW_NAME: &str = "gen_ai.workflow.name";

/// The `gen_ai.evaluation.result` event.
pub const GEN_AI_EVALUATION_RESULT: &str = "gen_ai.evaluation.result";
/// `gen_ai.evaluation.name`.
pub const GEN_AI_EVALUATION_NAME: &str = "gen_ai.evaluation.name";
/// `gen_ai.evaluation.score.value`.
pub const GEN_AI_EVALUATION_SCORE_VALUE: &str = "gen_ai.evaluation.score.value";
/// `gen_ai.evaluation.score.label`.
pub const GEN_AI_EVALUATION_SCORE_LABEL: &str = "gen_ai.evaluation.score.label";
/// `gen_ai.evaluation.explanation`.
pub const GEN_AI_EVALUATION_EXPLANATION: &str = "gen_ai.evaluation.explanation";

/// `gen_ai.input.messages` (opt-in content): the chat history sent, as JSON.
pub const GEN_AI_INPUT_MESSAGES: &str = "gen_ai.input.messages";
/// `gen_ai.output.messages` (opt-in content): one message per choice, as JSON.
pub const GEN_AI_OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
/// `gen_ai.system_instructions` (opt-in content): instructions given apart
/// from the chat history, as JSON.
pub const GEN_AI_SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
/// `gen_ai.tool.definitions` (opt-in content): the tools offered, as JSON.
pub const GEN_AI_TOOL_DEFINITIONS: &str = "gen_ai.tool.definitions";
/// The event (a log record) that carries a call's details and content in
/// the `EVENT_ONLY` and `SPAN_AND_EVENT` capture modes.
pub const GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS: &str =
    "gen_ai.client.inference.operation.details";

/// Names of the tools the model asked to call, in order (not a semconv key:
/// tool call content belongs to the opt-in `gen_ai.output.messages`, but the
/// names are the application's own and safe to record).
pub const LLM_TRACE_RESPONSE_TOOL_CALLS: &str = "llm_trace.response.tool_calls";
/// The call's cost in US dollars (f64), from its token usage and the
/// model's prices (see [`crate::cost`]); absent when the model has no price.
pub const LLM_TRACE_COST_USD: &str = "llm_trace.cost.usd";
/// Counter of the calls' cost, unit `USD`.
pub const LLM_TRACE_CLIENT_COST: &str = "llm_trace.client.cost";
/// `true` on a call whose future was dropped before it completed.
pub const LLM_TRACE_CANCELLED: &str = "llm_trace.cancelled";
/// `true` on a call whose reply claimed a token count no provider can
/// produce (see [`crate::provider::MAX_PLAUSIBLE_TOKENS`]): the counts are on
/// the span as reported, and reach neither the metrics nor the cost.
pub const LLM_TRACE_USAGE_REJECTED: &str = "llm_trace.usage.rejected";
/// The value that stands for a model name or `error.type` too long to be a
/// metric attribute (the conventions' `_OTHER`).
pub const OTHER: &str = "_OTHER";

/// `error.type` of a call whose future was dropped before it completed.
pub const ERROR_TYPE_CANCELLED: &str = "cancelled";
/// `error.type` of a call whose body panicked.
pub const ERROR_TYPE_PANIC: &str = "panic";
