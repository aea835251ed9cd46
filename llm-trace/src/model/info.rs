//! What a request and a response say about a call, normalized to the GenAI
//! semantic conventions: the values provider implementations fill in and
//! the call records.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// Request parameters, normalized to the GenAI semantic conventions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestInfo<'a> {
    /// `gen_ai.request.model`.
    #[serde(borrow)]
    pub model: Option<Cow<'a, str>>,
    /// `gen_ai.request.temperature`.
    pub temperature: Option<f64>,
    /// `gen_ai.request.top_p`.
    pub top_p: Option<f64>,
    /// `gen_ai.request.top_k`.
    pub top_k: Option<f64>,
    /// `gen_ai.request.max_tokens`.
    pub max_tokens: Option<u64>,
    /// `gen_ai.request.stop_sequences`.
    #[serde(borrow)]
    pub stop_sequences: Vec<Cow<'a, str>>,
    /// `gen_ai.request.seed`.
    pub seed: Option<i64>,
    /// `gen_ai.request.choice.count` (recorded when not 1).
    pub choice_count: Option<u64>,
    /// `gen_ai.request.frequency_penalty`.
    pub frequency_penalty: Option<f64>,
    /// `gen_ai.request.presence_penalty`.
    pub presence_penalty: Option<f64>,
    /// `gen_ai.request.stream`.
    pub stream: Option<bool>,
    /// `gen_ai.output.type` (`text`, `json`, ...), from the response format.
    #[serde(borrow)]
    pub output_type: Option<Cow<'a, str>>,
    /// `gen_ai.request.encoding_formats`: the formats an embeddings request
    /// asks for (`float`, `base64`, ...), where it names them.
    #[serde(borrow)]
    pub encoding_formats: Vec<Cow<'a, str>>,
    /// The provider-specific request attributes the conventions define
    /// (`openai.request.service_tier`, `aws.bedrock.guardrail.id`, ...), by
    /// their key (the keys in [`crate::semconv`]).
    #[serde(borrow = "'a")]
    pub provider_attributes: Vec<(Cow<'static, str>, Cow<'a, str>)>,
}

/// What a response says about the call, normalized to the GenAI semantic
/// conventions whatever the provider reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResponseInfo<'a> {
    /// `gen_ai.response.id`.
    #[serde(borrow)]
    pub id: Option<Cow<'a, str>>,
    /// `gen_ai.response.model`: the model that actually answered.
    #[serde(borrow)]
    pub model: Option<Cow<'a, str>>,
    /// `gen_ai.response.finish_reasons`: one per choice, in choice order.
    #[serde(borrow)]
    pub finish_reasons: Vec<Cow<'a, str>>,
    /// Token usage, when the response reports it.
    pub usage: Option<Usage>,
    /// Tool calls the model asked for, in order.
    #[serde(borrow)]
    pub tool_calls: Vec<ToolCall<'a>>,
    /// `gen_ai.embeddings.dimension.count`: the length of each embedding,
    /// for `embeddings` operations.
    pub embeddings_dimension_count: Option<u64>,
    /// The provider-specific response attributes the conventions define
    /// (`openai.response.service_tier`, `openai.response.system_fingerprint`,
    /// ...), by their key (the keys in [`crate::semconv`]).
    #[serde(borrow = "'a")]
    pub provider_attributes: Vec<(Cow<'static, str>, Cow<'a, str>)>,
}

/// Token usage with the GenAI semantic conventions' meaning.
///
/// `input_tokens` includes cache reads and cache writes; `output_tokens`
/// includes reasoning tokens. Providers that report them separately
/// (Anthropic's `input_tokens` excludes cache reads and writes) are summed
/// by their implementations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Usage {
    /// `gen_ai.usage.input_tokens`.
    pub input_tokens: Option<u64>,
    /// `gen_ai.usage.output_tokens`.
    pub output_tokens: Option<u64>,
    /// `gen_ai.usage.cache_read.input_tokens`.
    pub cache_read_input_tokens: Option<u64>,
    /// `gen_ai.usage.cache_write.input_tokens`.
    pub cache_write_input_tokens: Option<u64>,
    /// `gen_ai.usage.reasoning.output_tokens`.
    pub reasoning_output_tokens: Option<u64>,
    /// Input tokens billed, where the provider reports them apart from the
    /// tokens used; `gen_ai.client.token.usage` reports these when present.
    pub billable_input_tokens: Option<u64>,
    /// Output tokens billed, where the provider reports them apart from the
    /// tokens used.
    pub billable_output_tokens: Option<u64>,
}

/// Most tokens of one kind a call's usage may report, for its counts to
/// reach the metrics and the cost: a billion, a hundred times the largest
/// context window offered (10 million tokens), and a thousand times the
/// largest in common use. No provider can report more for one call; a
/// count above it is a broken or hostile reply, and recording it would
/// poison every total it joins (`u64::MAX` tokens cost $10^14 and overflow
/// the token histogram's sum). Such a reply's counts stay on its span as
/// reported (with `llm_trace.usage.rejected = true`), reach no metric and no
/// cost, and are counted by [`crate::metrics::rejected_usage`].
pub const MAX_PLAUSIBLE_TOKENS: u64 = 1_000_000_000;

impl Usage {
    /// Whether every count is at most [`MAX_PLAUSIBLE_TOKENS`].
    pub fn is_plausible(&self) -> bool {
        [
            self.input_tokens,
            self.output_tokens,
            self.cache_read_input_tokens,
            self.cache_write_input_tokens,
            self.reasoning_output_tokens,
            self.billable_input_tokens,
            self.billable_output_tokens,
        ]
        .into_iter()
        .flatten()
        .all(|count| count <= MAX_PLAUSIBLE_TOKENS)
    }
}

/// One tool call the model asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ToolCall<'a> {
    /// `gen_ai.tool.call.id`.
    #[serde(borrow)]
    pub id: Option<Cow<'a, str>>,
    /// `gen_ai.tool.name`.
    #[serde(borrow)]
    pub name: Cow<'a, str>,
}

impl<'a> ToolCall<'a> {
    /// A tool call with its id and the tool's name.
    pub fn new(id: Option<impl Into<Cow<'a, str>>>, name: impl Into<Cow<'a, str>>) -> Self {
        ToolCall {
            id: id.map(Into::into),
            name: name.into(),
        }
    }
}
