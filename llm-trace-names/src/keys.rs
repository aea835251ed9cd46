//! Attribute keys, metric names and event names.
//!
//! The GenAI keys follow the OpenTelemetry GenAI semantic conventions
//! (`open-telemetry/semantic-conventions-genai`, `model/gen-ai/registry.yaml`)
//! with their newest names; the general keys (`error.type`, `server.*`,
//! `code.*`, `exception.*`) are the stable conventions'. Keys that are not
//! part of any convention live under `llm_trace.`.

/// Defines each key as a constant and lists them all in `$all`.
macro_rules! names {
    ($all:ident: $what:literal; $( $(#[$doc:meta])* $name:ident = $value:literal; )*) => {
        $( $(#[$doc])* pub const $name: &str = $value; )*
        #[doc = concat!("Every ", $what, " of this module.")]
        pub const $all: &[&str] = &[$($name),*];
    };
}

names! {
    ATTRIBUTES: "attribute key";

    /// `gen_ai.operation.name`: `chat`, `text_completion`, `embeddings`, ...
    GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
    /// `gen_ai.provider.name`: `openai`, `anthropic`, ... (replaces `gen_ai.system`).
    GEN_AI_PROVIDER_NAME = "gen_ai.provider.name";
    /// `gen_ai.system`: the deprecated name of [`GEN_AI_PROVIDER_NAME`],
    /// read (never written) where the newer one is missing.
    GEN_AI_SYSTEM = "gen_ai.system";

    /// `gen_ai.request.model`.
    GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
    /// `gen_ai.request.temperature`.
    GEN_AI_REQUEST_TEMPERATURE = "gen_ai.request.temperature";
    /// `gen_ai.request.top_p`.
    GEN_AI_REQUEST_TOP_P = "gen_ai.request.top_p";
    /// `gen_ai.request.top_k`.
    GEN_AI_REQUEST_TOP_K = "gen_ai.request.top_k";
    /// `gen_ai.request.max_tokens`.
    GEN_AI_REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens";
    /// `gen_ai.request.stop_sequences`.
    GEN_AI_REQUEST_STOP_SEQUENCES = "gen_ai.request.stop_sequences";
    /// `gen_ai.request.seed`.
    GEN_AI_REQUEST_SEED = "gen_ai.request.seed";
    /// `gen_ai.request.choice.count`.
    GEN_AI_REQUEST_CHOICE_COUNT = "gen_ai.request.choice.count";
    /// `gen_ai.request.frequency_penalty`.
    GEN_AI_REQUEST_FREQUENCY_PENALTY = "gen_ai.request.frequency_penalty";
    /// `gen_ai.request.presence_penalty`.
    GEN_AI_REQUEST_PRESENCE_PENALTY = "gen_ai.request.presence_penalty";
    /// `gen_ai.request.stream`.
    GEN_AI_REQUEST_STREAM = "gen_ai.request.stream";
    /// `gen_ai.request.encoding_formats`: the formats an embeddings request asks for.
    GEN_AI_REQUEST_ENCODING_FORMATS = "gen_ai.request.encoding_formats";
    /// `gen_ai.output.type`: `text`, `json`, `image`, `speech`.
    GEN_AI_OUTPUT_TYPE = "gen_ai.output.type";

    /// `gen_ai.response.id`.
    GEN_AI_RESPONSE_ID = "gen_ai.response.id";
    /// `gen_ai.response.model`.
    GEN_AI_RESPONSE_MODEL = "gen_ai.response.model";
    /// `gen_ai.response.finish_reasons`: one entry per choice.
    GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons";
    /// Seconds from the request to a stream's first chunk.
    GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk";

    /// `openai.api.type`: `chat_completions` or `responses`.
    OPENAI_API_TYPE = "openai.api.type";
    /// `openai.request.service_tier`: the service tier requested (`auto`, `default`, `flex`, ...).
    OPENAI_REQUEST_SERVICE_TIER = "openai.request.service_tier";
    /// `openai.response.service_tier`: the service tier that served the request.
    OPENAI_RESPONSE_SERVICE_TIER = "openai.response.service_tier";
    /// `openai.response.system_fingerprint`: the backend configuration's fingerprint.
    OPENAI_RESPONSE_SYSTEM_FINGERPRINT = "openai.response.system_fingerprint";
    /// `aws.bedrock.guardrail.id`: the guardrail a Bedrock request applies.
    AWS_BEDROCK_GUARDRAIL_ID = "aws.bedrock.guardrail.id";
    /// `aws.bedrock.knowledge_base.id`: the knowledge base a Bedrock request queries.
    AWS_BEDROCK_KNOWLEDGE_BASE_ID = "aws.bedrock.knowledge_base.id";

    /// `gen_ai.embeddings.dimension.count`.
    GEN_AI_EMBEDDINGS_DIMENSION_COUNT = "gen_ai.embeddings.dimension.count";

    /// `gen_ai.usage.input_tokens`: all input tokens, cache reads and writes included.
    GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
    /// `gen_ai.usage.output_tokens`: all output tokens, reasoning included.
    GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
    /// `gen_ai.usage.cache_read.input_tokens`.
    GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens";
    /// `gen_ai.usage.cache_write.input_tokens`.
    GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS = "gen_ai.usage.cache_write.input_tokens";
    /// `gen_ai.usage.cache_creation.input_tokens`: the deprecated name of
    /// [`GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS`], emitted only when asked for.
    GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = "gen_ai.usage.cache_creation.input_tokens";
    /// `gen_ai.usage.reasoning.output_tokens`.
    GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens";
    /// `gen_ai.token.type`: `input` or `output` on `gen_ai.client.token.usage`.
    GEN_AI_TOKEN_TYPE = "gen_ai.token.type";

    /// `gen_ai.prompt.name`: the name of a prompt template.
    GEN_AI_PROMPT_NAME = "gen_ai.prompt.name";
    /// `gen_ai.prompt.version`: the version of a prompt template.
    GEN_AI_PROMPT_VERSION = "gen_ai.prompt.version";
    /// `gen_ai.conversation.id`.
    GEN_AI_CONVERSATION_ID = "gen_ai.conversation.id";
    /// `gen_ai.agent.name`.
    GEN_AI_AGENT_NAME = "gen_ai.agent.name";
    /// `gen_ai.agent.id`.
    GEN_AI_AGENT_ID = "gen_ai.agent.id";
    /// `gen_ai.agent.description`.
    GEN_AI_AGENT_DESCRIPTION = "gen_ai.agent.description";
    /// `gen_ai.tool.name`.
    GEN_AI_TOOL_NAME = "gen_ai.tool.name";
    /// `gen_ai.tool.call.id`.
    GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id";
    /// `gen_ai.tool.type`: `function`, `extension`, `datastore`.
    GEN_AI_TOOL_TYPE = "gen_ai.tool.type";
    /// `gen_ai.tool.description`.
    GEN_AI_TOOL_DESCRIPTION = "gen_ai.tool.description";
    /// `gen_ai.workflow.name`.
    GEN_AI_WORKFLOW_NAME = "gen_ai.workflow.name";

    /// `gen_ai.evaluation.name`.
    GEN_AI_EVALUATION_NAME = "gen_ai.evaluation.name";
    /// `gen_ai.evaluation.score.value`.
    GEN_AI_EVALUATION_SCORE_VALUE = "gen_ai.evaluation.score.value";
    /// `gen_ai.evaluation.score.label`.
    GEN_AI_EVALUATION_SCORE_LABEL = "gen_ai.evaluation.score.label";
    /// `gen_ai.evaluation.explanation`.
    GEN_AI_EVALUATION_EXPLANATION = "gen_ai.evaluation.explanation";

    /// `gen_ai.input.messages` (opt-in content): the chat history sent, as JSON.
    GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages";
    /// `gen_ai.output.messages` (opt-in content): one message per choice, as JSON.
    GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages";
    /// `gen_ai.system_instructions` (opt-in content): instructions given apart
    /// from the chat history, as JSON.
    GEN_AI_SYSTEM_INSTRUCTIONS = "gen_ai.system_instructions";
    /// `gen_ai.tool.definitions` (opt-in content): the tools offered, as JSON.
    GEN_AI_TOOL_DEFINITIONS = "gen_ai.tool.definitions";

    /// `code.function.name`: the annotated function's path.
    CODE_FUNCTION_NAME = "code.function.name";
    /// `error.type`: the class of a failure.
    ERROR_TYPE = "error.type";
    /// `exception.message`.
    EXCEPTION_MESSAGE = "exception.message";
    /// `exception.type`.
    EXCEPTION_TYPE = "exception.type";
    /// `server.address`.
    SERVER_ADDRESS = "server.address";
    /// `server.port`.
    SERVER_PORT = "server.port";

    /// Names of the tools the model asked to call, in order (not a semconv key:
    /// tool call content belongs to the opt-in `gen_ai.output.messages`, but the
    /// names are the application's own and safe to record).
    LLM_TRACE_RESPONSE_TOOL_CALLS = "llm_trace.response.tool_calls";
    /// The call's cost in US dollars (f64), from its token usage and the
    /// model's prices; absent when the model has no price.
    LLM_TRACE_COST_USD = "llm_trace.cost.usd";
    /// `true` on a call whose future was dropped before it completed.
    LLM_TRACE_CANCELLED = "llm_trace.cancelled";
    /// `true` on a call whose reply claimed a token count no provider can
    /// produce: the counts are on the span as reported, and reach neither
    /// the metrics nor the cost.
    LLM_TRACE_USAGE_REJECTED = "llm_trace.usage.rejected";
}

names! {
    METRICS: "metric name";

    /// Histogram of input and output tokens per call, unit `{token}`.
    GEN_AI_CLIENT_TOKEN_USAGE = "gen_ai.client.token.usage";
    /// Histogram of call durations, unit `s`.
    GEN_AI_CLIENT_OPERATION_DURATION = "gen_ai.client.operation.duration";
    /// Histogram of the time to a stream's first chunk, unit `s`.
    GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk";
    /// Histogram of the time between a stream's chunks, unit `s`.
    GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK = "gen_ai.client.operation.time_per_output_chunk";
    /// Counter of the calls' cost, unit `USD`.
    LLM_TRACE_CLIENT_COST = "llm_trace.client.cost";
}

names! {
    EVENTS: "event name";

    /// The `gen_ai.evaluation.result` event: a quality score.
    GEN_AI_EVALUATION_RESULT = "gen_ai.evaluation.result";
    /// The event (a log record) that carries a call's details and content in
    /// the `EVENT_ONLY` and `SPAN_AND_EVENT` capture modes.
    GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS = "gen_ai.client.inference.operation.details";
}

/// Prefix of `gen_ai.prompt.variable.<key>` (opt-in: variables are content).
pub const GEN_AI_PROMPT_VARIABLE_PREFIX: &str = "gen_ai.prompt.variable.";
