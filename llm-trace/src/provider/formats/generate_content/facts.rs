//! The facts of `generateContent` / `embedContent` requests and responses,
//! read one way from the typed bodies and from raw JSON: each form answers a
//! few accessors ([`RequestView`], [`ResponseView`]) and one function per
//! fact reads them.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::types::{
    Candidate, EmbedContentRequest, EmbedContentResponse, GenerateContentRequest,
    GenerateContentResponse, GenerationConfig, UsageMetadata,
};
use crate::model::value::{array_at, f64_at, i64_at, str_at, strings_at, u64_at};
use crate::provider::{RequestInfo, ResponseInfo, ToolCall, Usage};

fn sum(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
    }
}

pub(crate) fn normalize(
    prompt: Option<u64>,
    candidates: Option<u64>,
    cached: Option<u64>,
    thoughts: Option<u64>,
    tool_use_prompt: Option<u64>,
) -> Usage {
    Usage {
        input_tokens: sum(prompt, tool_use_prompt),
        output_tokens: sum(candidates, thoughts),
        cache_read_input_tokens: cached,
        reasoning_output_tokens: thoughts,
        ..Usage::default()
    }
}

/// `None` for a usage without a single count.
pub(crate) fn non_empty(u: Usage) -> Option<Usage> {
    (u != Usage::default()).then_some(u)
}

/// Usage from a raw `usageMetadata` object.
pub(crate) fn value_usage(u: &Value) -> Option<Usage> {
    if !u.is_object() {
        return None;
    }
    non_empty(normalize(
        u64_at(u, "promptTokenCount"),
        u64_at(u, "candidatesTokenCount"),
        u64_at(u, "cachedContentTokenCount"),
        u64_at(u, "thoughtsTokenCount"),
        u64_at(u, "toolUsePromptTokenCount"),
    ))
}

/// The model id of a resource name: `models/gemini-2.5-flash` and
/// `projects/p/locations/l/publishers/google/models/gemini-2.5-flash` give
/// `gemini-2.5-flash`.
pub(crate) fn model_id(name: &str) -> Option<&str> {
    let id = match name.rfind("models/") {
        Some(i) => &name[i + "models/".len()..],
        None => name,
    };
    Some(id).filter(|m| !m.is_empty())
}

/// `gen_ai.output.type` from a MIME type and the response modalities.
fn output_type<'s>(
    mime: Option<&str>,
    mut modalities: impl Iterator<Item = &'s str>,
) -> Option<Cow<'static, str>> {
    match mime {
        Some("application/json") => return Some(Cow::Borrowed("json")),
        Some("text/plain") => return Some(Cow::Borrowed("text")),
        _ => {}
    }
    modalities.find_map(|m| match m {
        "IMAGE" => Some(Cow::Borrowed("image")),
        "AUDIO" => Some(Cow::Borrowed("speech")),
        _ => None,
    })
}

/// The generation parameters of a request, as a typed `generationConfig`
/// and a raw one give them.
pub(crate) trait ConfigView {
    fn temperature(&self) -> Option<f64>;
    fn top_p(&self) -> Option<f64>;
    fn top_k(&self) -> Option<f64>;
    fn max_output_tokens(&self) -> Option<u64>;
    fn stop_sequences(&self) -> Vec<Cow<'_, str>>;
    fn seed(&self) -> Option<i64>;
    fn candidate_count(&self) -> Option<u64>;
    fn presence_penalty(&self) -> Option<f64>;
    fn frequency_penalty(&self) -> Option<f64>;
    fn response_mime_type(&self) -> Option<&str>;
    fn response_modalities(&self) -> impl Iterator<Item = &str>;
}

impl ConfigView for GenerationConfig {
    fn temperature(&self) -> Option<f64> {
        self.temperature
    }
    fn top_p(&self) -> Option<f64> {
        self.top_p
    }
    fn top_k(&self) -> Option<f64> {
        self.top_k
    }
    fn max_output_tokens(&self) -> Option<u64> {
        self.max_output_tokens
    }
    fn stop_sequences(&self) -> Vec<Cow<'_, str>> {
        self.stop_sequences
            .iter()
            .map(|s| Cow::Borrowed(s.as_str()))
            .collect()
    }
    fn seed(&self) -> Option<i64> {
        self.seed
    }
    fn candidate_count(&self) -> Option<u64> {
        self.candidate_count
    }
    fn presence_penalty(&self) -> Option<f64> {
        self.presence_penalty
    }
    fn frequency_penalty(&self) -> Option<f64> {
        self.frequency_penalty
    }
    fn response_mime_type(&self) -> Option<&str> {
        self.response_mime_type.as_deref()
    }
    fn response_modalities(&self) -> impl Iterator<Item = &str> {
        strs(&self.extra, "responseModalities")
    }
}

/// The strings of the array at `key` of a map.
fn strs<'a>(m: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = &'a str> {
    let items: &[Value] = match m.get(key) {
        Some(Value::Array(items)) => items,
        _ => &[],
    };
    items.iter().filter_map(Value::as_str)
}

impl ConfigView for Value {
    fn temperature(&self) -> Option<f64> {
        f64_at(self, "temperature")
    }
    fn top_p(&self) -> Option<f64> {
        f64_at(self, "topP")
    }
    fn top_k(&self) -> Option<f64> {
        f64_at(self, "topK")
    }
    fn max_output_tokens(&self) -> Option<u64> {
        u64_at(self, "maxOutputTokens")
    }
    fn stop_sequences(&self) -> Vec<Cow<'_, str>> {
        strings_at(self, "stopSequences")
    }
    fn seed(&self) -> Option<i64> {
        i64_at(self, "seed")
    }
    fn candidate_count(&self) -> Option<u64> {
        u64_at(self, "candidateCount")
    }
    fn presence_penalty(&self) -> Option<f64> {
        f64_at(self, "presencePenalty")
    }
    fn frequency_penalty(&self) -> Option<f64> {
        f64_at(self, "frequencyPenalty")
    }
    fn response_mime_type(&self) -> Option<&str> {
        self.get("responseMimeType")?.as_str()
    }
    fn response_modalities(&self) -> impl Iterator<Item = &str> {
        array_at(self, "responseModalities")
            .iter()
            .filter_map(Value::as_str)
    }
}

/// What a `generateContent` / `embedContent` request says, as the typed
/// requests and a raw body give it.
pub(crate) trait RequestView {
    type Config: ConfigView;
    /// The model, without its `models/` or Vertex resource prefix.
    fn model(&self) -> Option<&str>;
    fn config(&self) -> Option<&Self::Config>;
}

impl RequestView for GenerateContentRequest {
    type Config = GenerationConfig;
    fn model(&self) -> Option<&str> {
        self.model.as_deref().and_then(model_id)
    }
    fn config(&self) -> Option<&GenerationConfig> {
        self.generation_config.as_ref()
    }
}

impl RequestView for EmbedContentRequest {
    type Config = GenerationConfig;
    fn model(&self) -> Option<&str> {
        self.model.as_deref().and_then(model_id)
    }
    fn config(&self) -> Option<&GenerationConfig> {
        None
    }
}

impl RequestView for Value {
    type Config = Value;
    fn model(&self) -> Option<&str> {
        model_id(self.get("model")?.as_str()?)
    }
    fn config(&self) -> Option<&Value> {
        self.get("generationConfig").filter(|c| c.is_object())
    }
}

/// The request parameters of a request.
pub(crate) fn request_info<R: RequestView>(r: &R) -> RequestInfo<'_> {
    let mut info = RequestInfo {
        model: r.model().map(Cow::Borrowed),
        ..RequestInfo::default()
    };
    if let Some(c) = r.config() {
        info.temperature = c.temperature();
        info.top_p = c.top_p();
        info.top_k = c.top_k();
        info.max_tokens = c.max_output_tokens();
        info.stop_sequences = c.stop_sequences();
        info.seed = c.seed();
        info.choice_count = c.candidate_count();
        info.presence_penalty = c.presence_penalty();
        info.frequency_penalty = c.frequency_penalty();
        info.output_type = output_type(c.response_mime_type(), c.response_modalities());
    }
    info
}

/// A function call of a part.
pub(crate) struct CallView<'a> {
    pub(crate) id: Option<Cow<'a, str>>,
    /// The function's name (a typed call's empty name is none).
    pub(crate) name: Option<Cow<'a, str>>,
    pub(crate) args: Option<&'a Value>,
}

/// One part of a candidate's content, as far as the facts need it.
pub(crate) struct PartView<'a> {
    pub(crate) text: Option<&'a str>,
    /// The text is a thought (reasoning).
    pub(crate) thought: bool,
    pub(crate) call: Option<CallView<'a>>,
}

/// One candidate, typed or raw.
#[derive(Clone, Copy)]
pub(crate) enum CandidateRef<'a> {
    Typed(&'a Candidate),
    Raw(&'a Value),
}

impl<'a> CandidateRef<'a> {
    /// Its `index`, which the API omits for 0.
    pub(crate) fn index(self) -> Option<u64> {
        match self {
            CandidateRef::Typed(c) => c.index,
            CandidateRef::Raw(c) => u64_at(c, "index"),
        }
    }

    pub(crate) fn finish_reason(self) -> Option<Cow<'a, str>> {
        match self {
            CandidateRef::Typed(c) => c.finish_reason.as_deref().map(Cow::Borrowed),
            CandidateRef::Raw(c) => str_at(c, "finishReason"),
        }
    }

    /// Calls `f` with each part of its content, in order.
    pub(crate) fn parts(self, mut f: impl FnMut(PartView<'a>)) {
        match self {
            CandidateRef::Typed(c) => {
                for part in c.content.iter().flat_map(|c| &c.parts) {
                    f(PartView {
                        text: part.text.as_deref(),
                        thought: part.thought == Some(true),
                        call: part.function_call.as_ref().map(|call| CallView {
                            id: call.id.as_deref().map(Cow::Borrowed),
                            name: Some(Cow::Borrowed(call.name.as_str())).filter(|n| !n.is_empty()),
                            args: call.args.as_ref(),
                        }),
                    });
                }
            }
            CandidateRef::Raw(c) => {
                let parts = c.get("content").map_or(&[][..], |c| array_at(c, "parts"));
                for part in parts {
                    f(PartView {
                        text: part.get("text").and_then(Value::as_str),
                        thought: part.get("thought").and_then(Value::as_bool) == Some(true),
                        call: part.get("functionCall").map(|call| CallView {
                            id: str_at(call, "id"),
                            name: str_at(call, "name"),
                            args: call.get("args"),
                        }),
                    });
                }
            }
        }
    }
}

/// What a `generateContent` / `embedContent` response (or stream chunk)
/// says, as the typed responses and a raw body give it.
pub(crate) trait ResponseView {
    fn response_id(&self) -> Option<Cow<'_, str>> {
        None
    }
    fn model_version(&self) -> Option<&str> {
        None
    }
    /// Calls `f` with each candidate, in order.
    fn candidates<'a>(&'a self, _f: impl FnMut(CandidateRef<'a>)) {}
    fn usage(&self) -> Option<Usage>;
    fn dimension_count(&self) -> Option<u64> {
        None
    }
    /// The error object of a failed stream chunk.
    fn error(&self) -> Option<&Value> {
        None
    }
}

/// The usage of a typed `usageMetadata`; `None` without a single count.
fn typed_usage(u: Option<UsageMetadata>) -> Option<Usage> {
    non_empty(u?.into())
}

impl ResponseView for GenerateContentResponse {
    fn response_id(&self) -> Option<Cow<'_, str>> {
        self.response_id.as_deref().map(Cow::Borrowed)
    }
    fn model_version(&self) -> Option<&str> {
        self.model_version.as_deref()
    }
    fn candidates<'a>(&'a self, f: impl FnMut(CandidateRef<'a>)) {
        self.candidates.iter().map(CandidateRef::Typed).for_each(f);
    }
    fn usage(&self) -> Option<Usage> {
        typed_usage(self.usage_metadata)
    }
}

impl ResponseView for EmbedContentResponse {
    fn usage(&self) -> Option<Usage> {
        typed_usage(self.usage_metadata)
    }
    fn dimension_count(&self) -> Option<u64> {
        EmbedContentResponse::dimension_count(self)
    }
}

impl ResponseView for Value {
    fn response_id(&self) -> Option<Cow<'_, str>> {
        str_at(self, "responseId")
    }
    fn model_version(&self) -> Option<&str> {
        self.get("modelVersion")?.as_str()
    }
    fn candidates<'a>(&'a self, f: impl FnMut(CandidateRef<'a>)) {
        array_at(self, "candidates")
            .iter()
            .map(CandidateRef::Raw)
            .for_each(f);
    }
    fn usage(&self) -> Option<Usage> {
        self.get("usageMetadata").and_then(value_usage)
    }
    /// The length of `embedding.values`, or of `embeddings[0].values`.
    fn dimension_count(&self) -> Option<u64> {
        let first = match self.get("embedding") {
            Some(e) => e,
            None => array_at(self, "embeddings").first()?,
        };
        Some(array_at(first, "values").len() as u64).filter(|&n| n > 0)
    }
    fn error(&self) -> Option<&Value> {
        self.get("error").filter(|e| e.is_object())
    }
}

/// Everything a response says about the call.
pub(crate) fn response_info(r: &impl ResponseView) -> ResponseInfo<'_> {
    let mut finish_reasons = Vec::new();
    let mut tool_calls = Vec::new();
    r.candidates(|c| {
        finish_reasons.extend(c.finish_reason());
        c.parts(|p| {
            if let Some(CallView {
                id,
                name: Some(name),
                ..
            }) = p.call
            {
                tool_calls.push(ToolCall { id, name });
            }
        });
    });
    ResponseInfo {
        id: r.response_id(),
        model: r.model_version().map(Cow::Borrowed),
        finish_reasons,
        usage: r.usage(),
        tool_calls,
        embeddings_dimension_count: r.dimension_count(),
        provider_attributes: Vec::new(),
    }
}
