//! Parsing: the annotation's arguments into [`Args`] (each error, spanned on
//! its token, into the [`Ctxt`], and on to the next argument), and the
//! annotated item into a function, a function whose body does not parse,
//! or something else.
//!
//! `Span::join` is nightly-only, so an error that covers several tokens (a
//! dotted key, an expression) is built with [`syn::Error::new_spanned`], which
//! keeps the first and the last token's spans and underlines everything in
//! between on stable too.

use proc_macro2::{Punct, Spacing, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Ident, Lit, LitStr, Token};

use llm_trace_names::{keys, providers::PROVIDERS};

use crate::args::{
    argument_names, near_miss, usage, Args, Field, FieldKind, Metadata, MetadataValue, ProviderArg,
    ARGUMENTS, CAPTURE_FORM, CAPTURE_MODES, FIELDS_FORM, RESPONSE_FORM, SEMANTIC_ARGUMENTS,
};
use crate::ctxt::Ctxt;

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

/// `#[llm_call(...)]`'s (or `#[workflow(...)]`'s) arguments as written:
/// every argument that reads well goes into [`Args`], every one that does
/// not into `cx`, and parsing goes on after it (at the next comma).
pub(crate) fn args(cx: &Ctxt, tokens: TokenStream) -> Args {
    let mut parser = ArgsParser {
        cx,
        args: Args::default(),
        arguments: Vec::new(),
        keys: Vec::new(),
    };
    let parse = |input: ParseStream<'_>| {
        parser.parse_all(input);
        Ok(())
    };
    // `parse_all` consumes everything, so this cannot fail; if it did, the
    // error would still be reported.
    if let Err(error) = Parser::parse2(parse, tokens) {
        cx.syn_error(error);
    }
    parser.args
}

/// Fills [`Args`], noting what was given to report what is given twice.
struct ArgsParser<'c> {
    cx: &'c Ctxt,
    args: Args,
    /// The arguments given so far (`provider`, `model`, ...).
    arguments: Vec<String>,
    /// The attribute keys given so far, by metadata and `fields(...)` alike.
    keys: Vec<String>,
}

impl ArgsParser<'_> {
    fn parse_all(&mut self, input: ParseStream<'_>) {
        while !input.is_empty() {
            if let Err(error) = self.parse_item(input) {
                self.cx.syn_error(error);
                skip_to_comma(input);
            }
            if input.is_empty() {
                break;
            }
            if let Err(error) = parse_comma(input, "arguments") {
                self.cx.syn_error(error);
                skip_to_comma(input);
                let _ = input.parse::<Token![,]>();
            }
        }
    }

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
                    "agent" => self.args.agent = Some(lit.clone()),
                    "tool" => self.args.tool = Some(lit.clone()),
                    _ => {}
                }
            }
            self.args.metadata.push(Metadata {
                key: attribute.to_owned(),
                key_span: key.start,
                value,
            });
        } else {
            let (kind, expr) = parse_field_value(input, &as_key, usage(argument))?;
            self.args.fields.push(Field {
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
        self.args.stream = Some(key.start);
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
        let first = self.args.fields.len();
        self.parse_fields(&content);
        for field in &mut self.args.fields[first..] {
            field.key = format!("{}{}", keys::GEN_AI_PROMPT_VARIABLE_PREFIX, field.key);
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
        if argument == "provider" && self.args.provider.is_none() {
            // A provider is given, even if it turns out to be wrong: its own
            // error is enough, without "needs a provider" on top.
            self.args.provider = Some(ProviderArg::Invalid);
        }
        parse_eq(input, key, usage(argument))?;
        match argument {
            "provider" => self.args.provider = Some(parse_provider(input)?),
            "operation" => self.args.operation = Some(parse_str(input, argument)?),
            "name" => self.args.name = Some(parse_str(input, argument)?),
            "model" => self.args.model = Some(parse_str(input, argument)?),
            "request" => self.args.request = Some(parse_request(input)?),
            "capture_content" => self.args.capture_content = Some(parse_capture(input)?),
            "response" => self.args.response_none = Some(parse_response(input)?),
            _ => self.args.server = Some(input.parse()?),
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
        self.args.metadata.push(Metadata {
            key: key.text,
            key_span: key.start,
            value,
        });
        Ok(())
    }

    fn parse_fields(&mut self, input: ParseStream<'_>) {
        while !input.is_empty() {
            match self.parse_field(input) {
                Ok(field) => self.args.fields.push(field),
                Err(error) => {
                    self.cx.syn_error(error);
                    skip_to_comma(input);
                }
            }
            if input.is_empty() {
                break;
            }
            if let Err(error) = parse_comma(input, "`fields` entries") {
                self.cx.syn_error(error);
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
            self.cx.syn_error(key.error(format!(
                "duplicate argument `{}`: each argument may appear once",
                key.shown
            )));
        } else {
            self.arguments.push(key.text.clone());
        }
    }

    fn check_duplicate_key(&mut self, key: &Key) {
        if self.keys.contains(&key.text) {
            self.cx.syn_error(key.error(format!(
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
        if let Some(builtin) = PROVIDERS.iter().find(|p| p.written == value) {
            return Ok(ProviderArg::Builtin(Ident::new(
                builtin.type_name,
                lit.span(),
            )));
        }
        let suggestion = PROVIDERS
            .iter()
            .map(|p| p.written)
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
    PROVIDERS
        .iter()
        .map(|p| format!("\"{}\"", p.written))
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

/// The annotated item.
pub(crate) enum Item {
    /// A function with a body.
    Fn(Box<syn::ItemFn>),
    /// A function whose body does not parse: left as written, so that
    /// rustc reports the real syntax error rather than this attribute
    /// saying it goes on a function (tracing-attributes' `MaybeItemFn`).
    Unparsed,
    /// Anything else, reported (it is left as written too).
    Other,
}

/// Reads the item `#[llm_call]` (named `attribute` in messages) is on; an
/// item that is not a function with a body is reported into `cx`.
pub(crate) fn item(cx: &Ctxt, attribute: &str, tokens: TokenStream) -> Item {
    if let Ok(function) = syn::parse2::<syn::ItemFn>(tokens.clone()) {
        return Item::Fn(Box::new(function));
    }
    if Parser::parse2(function_with_unparsed_body, tokens.clone()).is_ok() {
        return Item::Unparsed;
    }
    not_a_function(cx, attribute, &tokens);
    Item::Other
}

/// A function as `syn::ItemFn` reads it, but with its body taken as raw
/// tokens.
fn function_with_unparsed_body(input: ParseStream<'_>) -> syn::Result<()> {
    input.call(syn::Attribute::parse_outer)?;
    input.parse::<syn::Visibility>()?;
    input.parse::<syn::Signature>()?;
    let body;
    syn::braced!(body in input);
    body.parse::<TokenStream>()?;
    Ok(())
}

/// Reports an item that is not a function with a body.
fn not_a_function(cx: &Ctxt, attribute: &str, item: &TokenStream) {
    use syn::spanned::Spanned;

    let goes_on = format!("`#[{attribute}]` goes on an `async fn`");
    match syn::parse2::<syn::Item>(item.clone()) {
        Ok(parsed) => {
            let span = match &parsed {
                syn::Item::Struct(i) => i.struct_token.span,
                syn::Item::Enum(i) => i.enum_token.span,
                syn::Item::Impl(i) => i.impl_token.span,
                syn::Item::Trait(i) => i.trait_token.span,
                syn::Item::Mod(i) => i.mod_token.span,
                syn::Item::Const(i) => i.const_token.span,
                syn::Item::Static(i) => i.static_token.span,
                syn::Item::Type(i) => i.type_token.span,
                other => other.span(),
            };
            cx.error_at(span, goes_on);
        }
        Err(_) => match syn::parse2::<syn::TraitItemFn>(item.clone()) {
            Ok(declaration) => cx.error_at(
                declaration.sig.fn_token.span,
                format!(
                    "`#[{attribute}]` needs the function's body: put it on the `async fn` in \
                     the `impl` block"
                ),
            ),
            Err(_) => cx.error_at(item.span(), goes_on),
        },
    }
}
