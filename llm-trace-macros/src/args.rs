//! What an annotation says: the arguments `#[llm_call]` and `#[workflow]`
//! take, how each is written (for messages), and the model [`Args`] that
//! parsing fills and the checks and the expansion read.

use proc_macro2::Span;
use syn::{Expr, Ident, LitStr, Path};

use llm_trace_names::keys;

/// Every argument, as the messages list them.
pub(crate) const ARGUMENTS: &str =
    "`provider`, `operation`, `name`, `model`, `request`, `server`, `stream`, \
     `response`, `capture_content`, \
     `prompt`, `prompt_version`, `conversation`, `agent`, `agent_id`, `agent_description`, \
     `tool`, `tool_call_id`, `tool_type`, `tool_description`, `fields(...)`, \
     `prompt_variables(...)`";

/// Arguments that set one semantic-convention attribute, from a literal or
/// from an expression over the arguments.
pub(crate) const SEMANTIC_ARGUMENTS: &[(&str, &str)] = &[
    ("prompt", keys::GEN_AI_PROMPT_NAME),
    ("prompt_version", keys::GEN_AI_PROMPT_VERSION),
    ("conversation", keys::GEN_AI_CONVERSATION_ID),
    ("agent", keys::GEN_AI_AGENT_NAME),
    ("agent_id", keys::GEN_AI_AGENT_ID),
    ("agent_description", keys::GEN_AI_AGENT_DESCRIPTION),
    ("tool", keys::GEN_AI_TOOL_NAME),
    ("tool_call_id", keys::GEN_AI_TOOL_CALL_ID),
    ("tool_type", keys::GEN_AI_TOOL_TYPE),
    ("tool_description", keys::GEN_AI_TOOL_DESCRIPTION),
];

/// Every argument `#[llm_call]` takes, in the order the messages list them.
pub(crate) fn argument_names() -> impl Iterator<Item = &'static str> {
    [
        "provider",
        "operation",
        "name",
        "model",
        "request",
        "server",
        "stream",
        "response",
        "capture_content",
        "fields",
        "prompt_variables",
    ]
    .into_iter()
    .chain(SEMANTIC_ARGUMENTS.iter().map(|(arg, _)| *arg))
}

/// The argument `key` (a metadata key as written, dotted keys whole) is
/// most likely a misspelling of, if any.
pub(crate) fn near_miss(key: &str) -> Option<&'static str> {
    let folded = |s: &str| {
        s.chars()
            .filter(|c| *c != '_')
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    let key_folded = folded(key);
    argument_names()
        .filter_map(|argument| {
            let distance = damerau_distance(argument, key);
            let allowed = match argument.len() {
                0..=3 => 0,
                4..=7 => 1,
                _ => 2,
            };
            if folded(argument) == key_folded {
                Some((0, argument))
            } else if distance <= allowed {
                Some((distance, argument))
            } else {
                None
            }
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, argument)| argument)
}

/// Optimal string alignment distance: insertions, deletions, substitutions
/// and transpositions of adjacent characters each count one.
fn damerau_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// `capture_content` values and the runtime's `CaptureMode` variants.
pub(crate) const CAPTURE_MODES: &[(&str, &str)] = &[
    ("no_content", "NoContent"),
    ("span_only", "SpanOnly"),
    ("event_only", "EventOnly"),
    ("span_and_event", "SpanAndEvent"),
];

pub(crate) const CAPTURE_FORM: &str =
    "`capture_content = \"no_content\"`, `\"span_only\"`, `\"event_only\"` or `\"span_and_event\"`";

pub(crate) const FIELDS_FORM: &str = "`fields(key = expr, key = %expr, key = ?expr, parameter)`";

/// The arguments of one annotation.
#[derive(Default)]
pub(crate) struct Args {
    pub provider: Option<ProviderArg>,
    pub operation: Option<LitStr>,
    pub name: Option<LitStr>,
    pub model: Option<LitStr>,
    pub request: Option<Ident>,
    pub server: Option<Expr>,
    /// `capture_content = "span_only"`: the `CaptureMode` variant.
    pub capture_content: Option<Ident>,
    pub metadata: Vec<Metadata>,
    pub fields: Vec<Field>,
    /// `agent = "..."` as a literal (it names the span).
    pub agent: Option<LitStr>,
    /// `tool = "..."` as a literal (it names the span).
    pub tool: Option<LitStr>,
    /// `stream`: the function returns a stream its type does not show.
    pub stream: Option<Span>,
    /// `response = none`: the returned value is not read (the span ends
    /// when the function returns).
    pub response_none: Option<Span>,
}

pub(crate) enum ProviderArg {
    /// `provider = "openai"`: the runtime type's name.
    Builtin(Ident),
    /// `provider = my::Backend`.
    Path(Path),
    /// `provider = openai_compatible("name")`: a server of the Chat
    /// Completions format under its own `gen_ai.provider.name`.
    Compatible(LitStr),
    /// A `provider` argument whose value was wrong (and reported): given,
    /// so no "needs a provider" on top of its own error.
    Invalid,
}

/// `key = <literal>`.
pub(crate) struct Metadata {
    pub key: String,
    pub key_span: Span,
    pub value: MetadataValue,
}

pub(crate) enum MetadataValue {
    Str(LitStr),
    Int(i64, Span),
    Float(f64, Span),
    Bool(bool, Span),
}

/// One entry of `fields(...)`.
pub(crate) struct Field {
    pub key: String,
    pub kind: FieldKind,
    pub expr: Expr,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    Value,
    Display,
    Debug,
}

/// How an argument is written, for messages.
pub(crate) fn usage(argument: &str) -> &'static str {
    match argument {
        "provider" => {
            "`provider = \"openai\"`, `provider = \"anthropic\"` or `provider = my::Backend` \
             (a type that implements `llm_trace::provider::Provider`)"
        }
        "operation" => "`operation = \"chat\"`",
        "name" => "`name = \"...\"`",
        "model" => "`model = \"...\"`",
        "request" => "`request = <the parameter that holds the request>`",
        "server" => "`server = <expression giving a URL or host:port>`",
        "capture_content" => CAPTURE_FORM,
        "response" => RESPONSE_FORM,
        "prompt_variables" => "`prompt_variables(name = expr, ...)`",
        "fields" => FIELDS_FORM,
        _ => "`<argument> = \"literal\"` or `<argument> = expr` (also `%expr`, `?expr`)",
    }
}

pub(crate) const RESPONSE_FORM: &str =
    "`response = none` (the returned value is not the model's response: \
     the span ends when the function returns and records no usage from it)";

#[cfg(test)]
mod tests {
    use super::near_miss;

    #[test]
    fn misspelled_arguments_are_near_misses() {
        for (key, argument) in [
            ("modle", "model"),
            ("mdoel", "model"),
            ("Model", "model"),
            ("sever", "server"),
            ("servr", "server"),
            ("operaton", "operation"),
            ("opration", "operation"),
            ("provder", "provider"),
            ("porvider", "provider"),
            ("providr", "provider"),
            ("reqest", "request"),
            ("nmae", "name"),
            ("stram", "stream"),
            ("capturecontent", "capture_content"),
            ("captureContent", "capture_content"),
            ("capture_contnet", "capture_content"),
            ("prompt_verison", "prompt_version"),
            ("promptversion", "prompt_version"),
            ("prompt.version", "prompt_version"),
            ("tool.type", "tool_type"),
            ("agentid", "agent_id"),
            ("tool_call_ID", "tool_call_id"),
            ("conversaton", "conversation"),
            ("prompt_variable", "prompt_variables"),
            ("mod.el", "model"),
        ] {
            assert_eq!(near_miss(key), Some(argument), "{key}");
        }
    }

    /// Keys the repository's tests, examples and README use, and other
    /// common metadata keys, stay metadata.
    #[test]
    fn common_metadata_keys_are_not_near_misses() {
        for key in [
            "feature",
            "prompt_id",
            "user.id",
            "user.tier",
            "app.flow",
            "app.step",
            "app.tier",
            "tenant",
            "team",
            "version",
            "ticket.id",
            "ticket.priority",
            "too_big",
            "huge",
            "key",
            "min",
            "temperature",
            "scenario",
            "phase",
            "env",
            "environment",
            "region",
            "customer",
            "session",
            "session_id",
            "user_id",
            "request_id",
            "experiment",
            "variant",
            "locale",
            "language",
            "channel",
            "priority",
            "attempt",
            "ticket",
            "flow",
            "step",
            "tier",
            "x-team",
            "agent_name",
            "tool_name",
            "model_family",
            "prompt_name",
            "prompt_template",
            "service",
            "deployment",
        ] {
            assert_eq!(near_miss(key), None, "{key}");
        }
    }
}
