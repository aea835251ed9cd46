//! Parses the arguments of `#[llm_call(...)]` into [`Args`], collecting every
//! error (each spanned on its token) instead of stopping at the first.
//!
//! `Span::join` is nightly-only, so an error that covers several tokens (a
//! dotted key, an expression) is built with [`syn::Error::new_spanned`], which
//! keeps the first and the last token's spans and underlines everything in
//! between on stable too.

use proc_macro2::{Punct, Spacing, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, Lit, LitStr, Path, Token};

/// Built-in providers: the string accepted in `provider = "..."` and the
/// runtime type it names.
pub(crate) const BUILTIN_PROVIDERS: &[(&str, &str)] = &[
    ("openai", "OpenAi"),
    ("anthropic", "Anthropic"),
    ("deepseek", "DeepSeek"),
    ("groq", "Groq"),
    ("x_ai", "XAi"),
    ("mistral_ai", "MistralAi"),
    ("perplexity", "Perplexity"),
    ("openrouter", "OpenRouter"),
    ("azure.ai.openai", "AzureOpenAi"),
    ("aws.bedrock", "Bedrock"),
    ("cohere", "Cohere"),
    ("ollama", "Ollama"),
    ("gcp.gemini", "Gemini"),
    ("gcp.vertex_ai", "VertexAi"),
];

const ARGUMENTS: &str = "`provider`, `operation`, `name`, `model`, `request`, `server`, `stream`, \
     `response`, `capture_content`, \
     `prompt`, `prompt_version`, `conversation`, `agent`, `agent_id`, `agent_description`, \
     `tool`, `tool_call_id`, `tool_type`, `tool_description`, `fields(...)`, \
     `prompt_variables(...)`";

/// Arguments that set one semantic-convention attribute, from a literal or
/// from an expression over the arguments.
pub(crate) const SEMANTIC_ARGUMENTS: &[(&str, &str)] = &[
    ("prompt", "gen_ai.prompt.name"),
    ("prompt_version", "gen_ai.prompt.version"),
    ("conversation", "gen_ai.conversation.id"),
    ("agent", "gen_ai.agent.name"),
    ("agent_id", "gen_ai.agent.id"),
    ("agent_description", "gen_ai.agent.description"),
    ("tool", "gen_ai.tool.name"),
    ("tool_call_id", "gen_ai.tool.call.id"),
    ("tool_type", "gen_ai.tool.type"),
    ("tool_description", "gen_ai.tool.description"),
];

/// Every argument `#[llm_call]` takes, in the order the messages list them.
fn argument_names() -> impl Iterator<Item = &'static str> {
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

const PROMPT_VARIABLE_PREFIX: &str = "gen_ai.prompt.variable.";

/// `capture_content` values and the runtime's `CaptureMode` variants.
const CAPTURE_MODES: &[(&str, &str)] = &[
    ("no_content", "NoContent"),
    ("span_only", "SpanOnly"),
    ("event_only", "EventOnly"),
    ("span_and_event", "SpanAndEvent"),
];

const CAPTURE_FORM: &str =
    "`capture_content = \"no_content\"`, `\"span_only\"`, `\"event_only\"` or `\"span_and_event\"`";

const FIELDS_FORM: &str = "`fields(key = expr, key = %expr, key = ?expr, parameter)`";

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
    /// Every error found, reported together.
    pub errors: Vec<syn::Error>,
    /// The arguments given so far (`provider`, `model`, ...).
    arguments: Vec<String>,
    /// The attribute keys given so far, by metadata and `fields(...)` alike.
    keys: Vec<String>,
}

pub(crate) enum ProviderArg {
    /// `provider = "openai"`: the runtime type's name.
    Builtin(Ident),
    /// `provider = my::Backend`.
    Path(Path),
    /// `provider = openai_compatible("name")`: a server of the Chat
    /// Completions format under its own `gen_ai.provider.name`.
    Compatible(LitStr),
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

/// Where a key is parsed, for the message when there is none.
#[derive(Clone, Copy)]
enum Place {
    Arguments,
    Fields,
}

/// A key: `ident`, `dotted.ident.path` or `"any string"`.
struct Key {
    /// The attribute key.
    text: String,
    /// As written, for messages (`app.flow`, `"my key"`).
    shown: String,
    /// The first and the last token.
    start: Span,
    end: Span,
    /// A single identifier (argument names are never dotted or quoted).
    single: Option<Ident>,
    /// Quoted (`"modle"`) or raw (`r#modle`): taken as written, never
    /// judged as a misspelled argument.
    verbatim: bool,
}

impl Key {
    fn parse(input: ParseStream<'_>, place: Place) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            if lit.value().is_empty() {
                return Err(syn::Error::new(lit.span(), "a key must not be empty"));
            }
            return Ok(Key {
                text: lit.value(),
                shown: lit.to_token_stream().to_string(),
                start: lit.span(),
                end: lit.span(),
                single: None,
                verbatim: true,
            });
        }
        let first = Ident::parse_any(input).map_err(|_| {
            let message = match place {
                Place::Arguments => {
                    format!(
                        "expected an argument: one of {ARGUMENTS}, or `key = <literal>` metadata"
                    )
                }
                Place::Fields if input.peek(Token![%]) || input.peek(Token![?]) => {
                    "a `%` or `?` value needs a key: `key = %expr`, `key = ?expr`".to_owned()
                }
                Place::Fields => format!("expected a `fields` entry: {FIELDS_FORM}"),
            };
            next_token_error(input, message)
        })?;
        let mut text = first.unraw().to_string();
        let mut shown = first.to_string();
        let mut verbatim = shown.starts_with("r#");
        let (start, mut end) = (first.span(), first.span());
        let mut single = Some(first);
        while input.peek(Token![.]) {
            input.parse::<Token![.]>()?;
            let part = Ident::parse_any(input).map_err(|_| {
                next_token_error(
                    input,
                    format!("expected the next part of the key after `{shown}.`"),
                )
            })?;
            text.push('.');
            text.push_str(&part.unraw().to_string());
            shown.push('.');
            shown.push_str(&part.to_string());
            verbatim |= part.to_string().starts_with("r#");
            end = part.span();
            single = None;
        }
        Ok(Key {
            text,
            shown,
            start,
            end,
            single,
            verbatim,
        })
    }

    /// The argument this key names, if any (a raw identifier such as
    /// `r#model` is a metadata key instead).
    fn argument(&self) -> Option<&'static str> {
        let name = self.single.as_ref()?.to_string();
        argument_names().find(|arg| *arg == name)
    }

    /// The argument this metadata key looks like a misspelling of: within
    /// a Damerau distance of 1 (arguments of 4 to 7 letters) or 2 (8 or
    /// more), or equal but for case and underscores. Quoted and raw keys
    /// are taken as written.
    fn near_miss(&self) -> Option<&'static str> {
        if self.verbatim {
            return None;
        }
        near_miss(&self.text)
    }

    fn error(&self, message: impl std::fmt::Display) -> syn::Error {
        error_between(self.start, self.end, message)
    }
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        while !input.is_empty() {
            if let Err(error) = args.parse_item(input) {
                args.errors.push(error);
                skip_to_comma(input);
            }
            if input.is_empty() {
                break;
            }
            if let Err(error) = parse_comma(input, "arguments") {
                args.errors.push(error);
                skip_to_comma(input);
                let _ = input.parse::<Token![,]>();
            }
        }
        Ok(args)
    }
}

/// How an argument is written, for messages.
fn usage(argument: &str) -> &'static str {
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

impl Args {
    fn parse_item(&mut self, input: ParseStream<'_>) -> syn::Result<()> {
        let key = Key::parse(input, Place::Arguments)?;
        match key.argument() {
            Some("fields") => self.parse_fields_argument(&key, input),
            Some("prompt_variables") => self.parse_prompt_variables(&key, input),
            Some("stream") => self.parse_stream_flag(&key, input),
            Some(argument) => match SEMANTIC_ARGUMENTS.iter().find(|(arg, _)| *arg == argument) {
                Some((_, attribute)) => self.parse_semantic(argument, attribute, &key, input),
                None => self.parse_argument(argument, &key, input),
            },
            None => self.parse_metadata(key, input),
        }
    }

    /// `prompt = "summarize"` (a literal, recorded without evaluating
    /// anything) or `prompt = expr` / `%expr` / `?expr` (a field).
    fn parse_semantic(
        &mut self,
        argument: &'static str,
        attribute: &'static str,
        key: &Key,
        input: ParseStream<'_>,
    ) -> syn::Result<()> {
        self.check_duplicate_argument(key);
        parse_eq(input, key, usage(argument))?;
        let as_key = Key {
            text: attribute.to_owned(),
            shown: key.shown.clone(),
            start: key.start,
            end: key.end,
            single: None,
            verbatim: true,
        };
        self.check_duplicate_key(&as_key);
        let literal = input.fork().parse::<Lit>().is_ok() && {
            let ahead = input.fork();
            let _ = ahead.parse::<Lit>();
            is_item_end(&ahead)
        };
        if literal {
            let value = parse_literal(input, &as_key)?;
            if let MetadataValue::Str(lit) = &value {
                match argument {
                    "agent" => self.agent = Some(lit.clone()),
                    "tool" => self.tool = Some(lit.clone()),
                    _ => {}
                }
            }
            self.metadata.push(Metadata {
                key: attribute.to_owned(),
                key_span: key.start,
                value,
            });
        } else {
            let (kind, expr) = parse_field_value(input, &as_key, usage(argument))?;
            self.fields.push(Field {
                key: attribute.to_owned(),
                kind,
                expr,
            });
        }
        Ok(())
    }

    /// `stream`: a flag, for return types that do not show the stream.
    fn parse_stream_flag(&mut self, key: &Key, input: ParseStream<'_>) -> syn::Result<()> {
        self.check_duplicate_argument(key);
        if !is_item_end(input) {
            return Err(key.error(
                "`stream` is a flag: write `stream` alone, for a function whose return type \
                 is a stream (or a `Result` of one) that its type does not show",
            ));
        }
        self.stream = Some(key.start);
        Ok(())
    }

    /// `prompt_variables(city = city, tone = %tone)`: `gen_ai.prompt.variable.<name>`.
    fn parse_prompt_variables(&mut self, key: &Key, input: ParseStream<'_>) -> syn::Result<()> {
        self.check_duplicate_argument(key);
        if !input.peek(syn::token::Paren) {
            return Err(key.error(format!(
                "`prompt_variables` takes a list: {}",
                usage("prompt_variables")
            )));
        }
        let content;
        syn::parenthesized!(content in input);
        let first = self.fields.len();
        self.parse_fields(&content);
        for field in &mut self.fields[first..] {
            field.key = format!("{PROMPT_VARIABLE_PREFIX}{}", field.key);
        }
        Ok(())
    }

    fn parse_fields_argument(&mut self, key: &Key, input: ParseStream<'_>) -> syn::Result<()> {
        self.check_duplicate_argument(key);
        if !input.peek(syn::token::Paren) {
            return Err(key.error(format!("`fields` takes a list: {FIELDS_FORM}")));
        }
        let content;
        syn::parenthesized!(content in input);
        self.parse_fields(&content);
        Ok(())
    }

    fn parse_argument(
        &mut self,
        argument: &'static str,
        key: &Key,
        input: ParseStream<'_>,
    ) -> syn::Result<()> {
        self.check_duplicate_argument(key);
        if argument == "provider" && self.provider.is_none() {
            // A provider is given, even if it turns out to be wrong: its own
            // error is enough, without "needs a provider" on top. Never
            // expanded, as the error stops the expansion.
            self.provider = Some(ProviderArg::Builtin(Ident::new("OpenAi", key.start)));
        }
        parse_eq(input, key, usage(argument))?;
        match argument {
            "provider" => self.provider = Some(parse_provider(input)?),
            "operation" => self.operation = Some(parse_str(input, argument)?),
            "name" => self.name = Some(parse_str(input, argument)?),
            "model" => self.model = Some(parse_str(input, argument)?),
            "request" => self.request = Some(parse_request(input)?),
            "capture_content" => self.capture_content = Some(parse_capture(input)?),
            "response" => self.response_none = Some(parse_response(input)?),
            _ => self.server = Some(input.parse()?),
        }
        Ok(())
    }

    fn parse_metadata(&mut self, key: Key, input: ParseStream<'_>) -> syn::Result<()> {
        if let Some(argument) = key.near_miss() {
            return Err(key.error(format!(
                "unknown argument `{0}` (did you mean `{argument}`?): a key this close to \
                     an argument is not taken as metadata; to record metadata under this very \
                     key, quote it: `\"{1}\" = ...` (or write it in `fields({0} = ...)`)",
                key.shown, key.text
            )));
        }
        if !input.peek(Token![=]) {
            return Err(key.error(format!(
                "unknown argument `{}`: expected one of {ARGUMENTS}, or `key = <literal>` metadata",
                key.shown
            )));
        }
        parse_eq(input, &key, &format!("`{} = <literal>`", key.shown))?;
        self.check_duplicate_key(&key);
        let value = parse_literal(input, &key)?;
        self.metadata.push(Metadata {
            key: key.text,
            key_span: key.start,
            value,
        });
        Ok(())
    }

    fn parse_fields(&mut self, input: ParseStream<'_>) {
        while !input.is_empty() {
            match self.parse_field(input) {
                Ok(field) => self.fields.push(field),
                Err(error) => {
                    self.errors.push(error);
                    skip_to_comma(input);
                }
            }
            if input.is_empty() {
                break;
            }
            if let Err(error) = parse_comma(input, "`fields` entries") {
                self.errors.push(error);
                skip_to_comma(input);
                let _ = input.parse::<Token![,]>();
            }
        }
    }

    fn parse_field(&mut self, input: ParseStream<'_>) -> syn::Result<Field> {
        let key = Key::parse(input, Place::Fields)?;
        self.check_duplicate_key(&key);
        if is_item_end(input) {
            // `fields(user_id)` records the variable of the same name.
            let Some(ident) = key.single else {
                return Err(key.error(format!(
                    "`{0}` needs a value: write `{0} = expr` (only a plain parameter name \
                     stands for itself)",
                    key.shown
                )));
            };
            return Ok(Field {
                key: key.text,
                kind: FieldKind::Value,
                expr: syn::parse_quote!(#ident),
            });
        }
        let usage = format!("`{0} = expr`, `{0} = %expr` or `{0} = ?expr`", key.shown);
        parse_eq(input, &key, &usage)?;
        let kind = if input.peek(Token![%]) {
            let sigil: Token![%] = input.parse()?;
            require_value(input, sigil.span, &format!("`{} = %`", key.shown), &usage)?;
            FieldKind::Display
        } else if input.peek(Token![?]) {
            let sigil: Token![?] = input.parse()?;
            require_value(input, sigil.span, &format!("`{} = ?`", key.shown), &usage)?;
            FieldKind::Debug
        } else {
            FieldKind::Value
        };
        let expr: Expr = input.parse()?;
        Ok(Field {
            key: key.text,
            kind,
            expr,
        })
    }

    fn check_duplicate_argument(&mut self, key: &Key) {
        if self.arguments.contains(&key.text) {
            self.errors.push(key.error(format!(
                "duplicate argument `{}`: each argument may appear once",
                key.shown
            )));
        } else {
            self.arguments.push(key.text.clone());
        }
    }

    fn check_duplicate_key(&mut self, key: &Key) {
        if self.keys.contains(&key.text) {
            self.errors.push(key.error(format!(
                "duplicate key `{}`: each key may appear once, in metadata and `fields(...)` alike",
                key.text
            )));
        } else {
            self.keys.push(key.text.clone());
        }
    }
}

/// An error that underlines everything from `start` to `end`.
fn error_between(start: Span, end: Span, message: impl std::fmt::Display) -> syn::Error {
    let tokens: TokenStream = [start, end]
        .into_iter()
        .map(|span| {
            let mut punct = Punct::new('.', Spacing::Alone);
            punct.set_span(span);
            TokenTree::Punct(punct)
        })
        .collect();
    syn::Error::new_spanned(tokens, message)
}

/// An error on the next token, or at the end of the input when there is none.
fn next_token_error(input: ParseStream<'_>, message: impl std::fmt::Display) -> syn::Error {
    match input.cursor().token_tree() {
        Some((tt, _)) => syn::Error::new_spanned(tt, message),
        None => input.error(message),
    }
}

/// The `=` after a key, with a value after it; `=>` and `==` are rejected.
/// `usage` shows how the key is written, for the messages.
fn parse_eq(input: ParseStream<'_>, key: &Key, usage: &str) -> syn::Result<()> {
    let wrong = if input.peek(Token![=>]) {
        Some(input.parse::<Token![=>]>()?.to_token_stream())
    } else if input.peek(Token![==]) {
        Some(input.parse::<Token![==]>()?.to_token_stream())
    } else {
        None
    };
    if let Some(wrong) = wrong {
        return Err(syn::Error::new_spanned(
            &wrong,
            format!(
                "expected `=` after `{}`, found `{wrong}`: {usage}",
                key.shown
            ),
        ));
    }
    if is_item_end(input) {
        return Err(key.error(format!("`{}` takes a value: {usage}", key.shown)));
    }
    if !input.peek(Token![=]) {
        return Err(next_token_error(
            input,
            format!("expected `=` after `{}`: {usage}", key.shown),
        ));
    }
    let eq: Token![=] = input.parse()?;
    require_value(input, eq.span, &format!("`{} =`", key.shown), usage)
}

/// An error on `last` (the `=`, `%` or `?` written as `written`) when no
/// value follows it.
fn require_value(
    input: ParseStream<'_>,
    last: Span,
    written: &str,
    usage: &str,
) -> syn::Result<()> {
    if is_item_end(input) {
        return Err(syn::Error::new(
            last,
            format!("{written} needs a value: {usage}"),
        ));
    }
    Ok(())
}

fn parse_comma(input: ParseStream<'_>, between: &str) -> syn::Result<()> {
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        return Ok(());
    }
    Err(next_token_error(
        input,
        format!("expected `,` between {between}"),
    ))
}

/// `expr`, `%expr` or `?expr`.
fn parse_field_value(
    input: ParseStream<'_>,
    key: &Key,
    usage: &str,
) -> syn::Result<(FieldKind, Expr)> {
    let kind = if input.peek(Token![%]) {
        let sigil: Token![%] = input.parse()?;
        require_value(input, sigil.span, &format!("`{} = %`", key.shown), usage)?;
        FieldKind::Display
    } else if input.peek(Token![?]) {
        let sigil: Token![?] = input.parse()?;
        require_value(input, sigil.span, &format!("`{} = ?`", key.shown), usage)?;
        FieldKind::Debug
    } else {
        FieldKind::Value
    };
    Ok((kind, input.parse()?))
}

fn is_item_end(input: ParseStream<'_>) -> bool {
    input.is_empty() || input.peek(Token![,])
}

fn skip_to_comma(input: ParseStream<'_>) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
                return Ok(((), rest));
            }
            rest = next;
        }
        Ok(((), rest))
    });
}

fn parse_str(input: ParseStream<'_>, argument: &str) -> syn::Result<LitStr> {
    let expr: Expr = input.parse()?;
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(lit),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{argument}` takes a string literal: {}", usage(argument)),
        )),
    }
}

/// `capture_content = "span_only"` (any case, as the environment variable).
fn parse_capture(input: ParseStream<'_>) -> syn::Result<Ident> {
    let expr: Expr = input.parse()?;
    if let Expr::Lit(syn::ExprLit {
        lit: Lit::Str(lit), ..
    }) = &expr
    {
        let value = lit.value();
        return match CAPTURE_MODES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(value.trim()))
        {
            Some((_, variant)) => Ok(Ident::new(variant, lit.span())),
            None => Err(syn::Error::new(
                lit.span(),
                format!("unknown capture mode \"{value}\": {CAPTURE_FORM}"),
            )),
        };
    }
    Err(syn::Error::new_spanned(
        expr,
        format!("`capture_content` takes a string literal: {CAPTURE_FORM}"),
    ))
}

const RESPONSE_FORM: &str = "`response = none` (the returned value is not the model's response: \
     the span ends when the function returns and records no usage from it)";

/// `response = none`.
fn parse_response(input: ParseStream<'_>) -> syn::Result<Span> {
    let expr: Expr = input.parse()?;
    match &expr {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() && p.path.is_ident("none") => {
            Ok(p.path.segments[0].ident.span())
        }
        _ => Err(syn::Error::new_spanned(
            expr,
            format!("`response` takes only `none`: {RESPONSE_FORM}"),
        )),
    }
}

fn parse_request(input: ParseStream<'_>) -> syn::Result<Ident> {
    let expr: Expr = input.parse()?;
    match &expr {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => {
            if let Some(ident) = p.path.get_ident() {
                return Ok(ident.clone());
            }
        }
        _ => {}
    }
    Err(syn::Error::new_spanned(
        expr,
        "`request` takes the name of the parameter that holds the request \
         (`request = req`), not an expression",
    ))
}

fn parse_provider(input: ParseStream<'_>) -> syn::Result<ProviderArg> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        let value = lit.value();
        if let Some((_, ty)) = BUILTIN_PROVIDERS.iter().find(|(name, _)| *name == value) {
            return Ok(ProviderArg::Builtin(Ident::new(ty, lit.span())));
        }
        let suggestion = BUILTIN_PROVIDERS
            .iter()
            .map(|(name, _)| *name)
            .find(|name| name.eq_ignore_ascii_case(&value) || edit_distance(name, &value) <= 2)
            .map(|name| format!(" (did you mean \"{name}\"?)"))
            .unwrap_or_default();
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "unknown provider \"{value}\"{suggestion}: the built-in providers are {}; \
                 another server of OpenAI's format is `provider = openai_compatible(\"{value}\")`; \
                 name your own with a path to a type that implements \
                 `llm_trace::provider::Provider` (`provider = my::Backend`)",
                builtin_list()
            ),
        ));
    }
    let expr: Expr = input.parse()?;
    match expr {
        Expr::Path(p) if p.qself.is_none() => Ok(ProviderArg::Path(p.path)),
        Expr::Call(call) if matches!(&*call.func, Expr::Path(f) if f.path.is_ident("openai_compatible")) => {
            match call.args.first() {
                Some(Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(name),
                    ..
                })) if call.args.len() == 1 && !name.value().is_empty() => {
                    Ok(ProviderArg::Compatible(name.clone()))
                }
                _ => Err(syn::Error::new_spanned(
                    &call.args,
                    "`openai_compatible` takes the provider's name as a string literal: \
                     `provider = openai_compatible(\"together_ai\")`",
                )),
            }
        }
        other => Err(syn::Error::new_spanned(
            other,
            format!(
                "`provider` takes a built-in provider name ({}), \
                 `openai_compatible(\"name\")` for another server of OpenAI's format, or a path \
                 to a type that implements `llm_trace::provider::Provider`",
                builtin_list()
            ),
        )),
    }
}

fn builtin_list() -> String {
    BUILTIN_PROVIDERS
        .iter()
        .map(|(name, _)| format!("\"{name}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// `expr` as a user would write it, for a suggestion: a path or a field
/// access (`PROMPT`, `consts::PROMPT`, `self.id`), else `expr`.
fn written(expr: &Expr) -> String {
    match expr {
        Expr::Path(p) if p.qself.is_none() => {
            let plain = p.path.segments.iter().all(|s| s.arguments.is_none());
            if plain {
                let segments = p.path.segments.iter().map(|s| s.ident.to_string());
                let joined = segments.collect::<Vec<_>>().join("::");
                return match p.path.leading_colon {
                    Some(_) => format!("::{joined}"),
                    None => joined,
                };
            }
            "expr".to_owned()
        }
        Expr::Field(f) => match &f.member {
            syn::Member::Named(name) => match written(&f.base).as_str() {
                "expr" => "expr".to_owned(),
                base => format!("{base}.{name}"),
            },
            syn::Member::Unnamed(index) => match written(&f.base).as_str() {
                "expr" => "expr".to_owned(),
                base => format!("{base}.{}", index.index),
            },
        },
        _ => "expr".to_owned(),
    }
}

/// A literal metadata value: a string, an integer that fits an `i64`, a
/// finite float or a bool, optionally negated.
fn parse_literal(input: ParseStream<'_>, key: &Key) -> syn::Result<MetadataValue> {
    let expr: Expr = input.parse()?;
    let not_literal = |expr: &Expr| {
        let value = written(expr);
        if key.single.is_some() {
            // `temperature = temp` may be a misspelled or unsupported
            // argument as well as metadata: underline both sides.
            let end = expr
                .to_token_stream()
                .into_iter()
                .last()
                .map_or(key.end, |tt| tt.span());
            error_between(
                key.start,
                end,
                format!(
                    "`{0}` is not an argument, so `{0} = ...` is metadata, and metadata in the \
                     annotation takes a literal (string, integer, float or bool): record a \
                     constant or an expression with `fields({0} = {value})`; the arguments are \
                     {ARGUMENTS}",
                    key.shown
                ),
            )
        } else {
            syn::Error::new_spanned(
                expr,
                format!(
                    "the metadata value of `{0}` must be a literal (string, integer, float or \
                     bool): record a constant or an expression with `fields({0} = {value})`",
                    key.shown
                ),
            )
        }
    };
    let (negative, lit) = match &expr {
        Expr::Lit(l) => (false, &l.lit),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr: inner,
            ..
        }) => match &**inner {
            Expr::Lit(l) if matches!(l.lit, Lit::Int(_) | Lit::Float(_)) => (true, &l.lit),
            _ => return Err(not_literal(&expr)),
        },
        _ => return Err(not_literal(&expr)),
    };
    let span = lit.span();
    match lit {
        Lit::Str(s) => Ok(MetadataValue::Str(s.clone())),
        Lit::Bool(b) => Ok(MetadataValue::Bool(b.value, span)),
        Lit::Int(i) => {
            let digits = if negative {
                format!("-{}", i.base10_digits())
            } else {
                i.base10_digits().to_owned()
            };
            digits
                .parse::<i64>()
                .map(|v| MetadataValue::Int(v, span))
                .map_err(|_| {
                    syn::Error::new_spanned(
                        &expr,
                        format!(
                            "the metadata value of `{}` is out of range: attribute integers are \
                             `i64` ({} to {}); write a larger number as a string",
                            key.shown,
                            i64::MIN,
                            i64::MAX
                        ),
                    )
                })
        }
        Lit::Float(f) => match f.base10_parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(MetadataValue::Float(if negative { -v } else { v }, span)),
            _ => Err(syn::Error::new_spanned(
                &expr,
                format!(
                    "the metadata value of `{}` is out of range for an `f64`",
                    key.shown
                ),
            )),
        },
        _ => Err(not_literal(&expr)),
    }
}

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
