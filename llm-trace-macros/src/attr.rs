//! Parses the arguments of `#[llm_call(...)]` into [`Args`], collecting every
//! error (each spanned on its token) instead of stopping at the first.

use proc_macro2::{Span, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Ident, Lit, LitStr, Path, Token};

/// Built-in providers: the string accepted in `provider = "..."` and the
/// runtime type it names.
pub(crate) const BUILTIN_PROVIDERS: &[(&str, &str)] =
    &[("openai", "OpenAi"), ("anthropic", "Anthropic")];

const ARGUMENTS: &str =
    "`provider`, `operation`, `name`, `model`, `request`, `server`, `fields(...)`";

/// The arguments of one annotation.
#[derive(Default)]
pub(crate) struct Args {
    pub provider: Option<ProviderArg>,
    pub operation: Option<LitStr>,
    pub name: Option<LitStr>,
    pub model: Option<LitStr>,
    pub request: Option<Ident>,
    pub server: Option<Expr>,
    pub metadata: Vec<Metadata>,
    pub fields: Vec<Field>,
    /// Every error found, reported together.
    pub errors: Vec<syn::Error>,
    keys: Vec<String>,
}

pub(crate) enum ProviderArg {
    /// `provider = "openai"`: the runtime type's name.
    Builtin(Ident),
    /// `provider = my::Backend`.
    Path(Path),
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

/// A key: `ident`, `dotted.ident.path` or `"any string"`.
struct Key {
    text: String,
    span: Span,
    /// A single identifier (argument names are never dotted or quoted).
    single: Option<Ident>,
}

impl Parse for Key {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            if lit.value().is_empty() {
                return Err(syn::Error::new(lit.span(), "a key must not be empty"));
            }
            return Ok(Key {
                text: lit.value(),
                span: lit.span(),
                single: None,
            });
        }
        let first = Ident::parse_any(input).map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected an argument: one of {ARGUMENTS}, or a metadata key"),
            )
        })?;
        let mut text = first.unraw().to_string();
        let mut span = first.span();
        let mut single = Some(first);
        while input.peek(Token![.]) {
            let dot: Token![.] = input.parse()?;
            let part = Ident::parse_any(input)?;
            text.push('.');
            text.push_str(&part.unraw().to_string());
            span = dot
                .span
                .join(part.span())
                .and_then(|s| span.join(s))
                .unwrap_or(span);
            single = None;
        }
        Ok(Key { text, span, single })
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
            if let Err(error) = input.parse::<Token![,]>() {
                args.errors.push(error);
                skip_to_comma(input);
                let _ = input.parse::<Token![,]>();
            }
        }
        Ok(args)
    }
}

impl Args {
    fn parse_item(&mut self, input: ParseStream<'_>) -> syn::Result<()> {
        let key: Key = input.parse()?;
        let name = key.single.as_ref().map(Ident::to_string);

        if name.as_deref() == Some("fields") && input.peek(syn::token::Paren) {
            self.check_duplicate(&key);
            let content;
            syn::parenthesized!(content in input);
            self.parse_fields(&content);
            return Ok(());
        }

        if !input.peek(Token![=]) {
            return Err(syn::Error::new(
                key.span,
                format!(
                    "unknown argument `{}`: expected one of {ARGUMENTS}, or `key = <literal>` metadata",
                    key.text
                ),
            ));
        }
        input.parse::<Token![=]>()?;
        self.check_duplicate(&key);

        match name.as_deref() {
            Some("provider") => {
                self.provider = Some(parse_provider(input)?);
            }
            Some("operation") => self.operation = Some(parse_str(input, "operation")?),
            Some("name") => self.name = Some(parse_str(input, "name")?),
            Some("model") => self.model = Some(parse_str(input, "model")?),
            Some("request") => {
                let ident = Ident::parse_any(input).map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "`request` takes the name of the parameter that holds the request",
                    )
                })?;
                if !is_item_end(input) {
                    return Err(input.error(
                        "`request` takes the name of the parameter that holds the request",
                    ));
                }
                self.request = Some(ident);
            }
            Some("server") => self.server = Some(input.parse()?),
            Some("fields") => {
                return Err(syn::Error::new(
                    key.span,
                    "`fields` takes a list: `fields(key = expr, key = %expr, key = ?expr)`",
                ))
            }
            _ => {
                let value = parse_literal(input).map_err(|span| {
                    let message = if key.single.is_some() {
                        format!(
                            "unknown argument `{}`: expected one of {ARGUMENTS}; \
                             metadata values must be literals (string, integer, float or bool), \
                             record expressions with `fields({} = expr)`",
                            key.text, key.text
                        )
                    } else {
                        format!(
                            "the metadata value of `{}` must be a literal (string, integer, float \
                             or bool); record expressions with `fields({} = expr)`",
                            key.text, key.text
                        )
                    };
                    syn::Error::new(span, message)
                })?;
                self.metadata.push(Metadata {
                    key: key.text,
                    key_span: key.span,
                    value,
                });
            }
        }
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
            if let Err(error) = input.parse::<Token![,]>() {
                self.errors.push(error);
                skip_to_comma(input);
                let _ = input.parse::<Token![,]>();
            }
        }
    }

    fn parse_field(&mut self, input: ParseStream<'_>) -> syn::Result<Field> {
        let key: Key = input.parse()?;
        self.check_duplicate(&key);
        if is_item_end(input) {
            // `fields(user_id)` records the variable of the same name.
            let Some(ident) = key.single else {
                return Err(syn::Error::new(
                    key.span,
                    format!("expected `{} = expr`", key.text),
                ));
            };
            return Ok(Field {
                key: key.text,
                kind: FieldKind::Value,
                expr: syn::parse_quote!(#ident),
            });
        }
        input.parse::<Token![=]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!(
                    "expected `=` after `{}`: `fields(key = expr, key = %expr, key = ?expr)`",
                    key.text
                ),
            )
        })?;
        let kind = if input.peek(Token![%]) {
            input.parse::<Token![%]>()?;
            FieldKind::Display
        } else if input.peek(Token![?]) {
            input.parse::<Token![?]>()?;
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

    fn check_duplicate(&mut self, key: &Key) {
        if self.keys.contains(&key.text) {
            self.errors.push(syn::Error::new(
                key.span,
                format!(
                    "duplicate argument `{}`: each key may appear once",
                    key.text
                ),
            ));
        } else {
            self.keys.push(key.text.clone());
        }
    }
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

fn parse_str(input: ParseStream<'_>, what: &str) -> syn::Result<LitStr> {
    let expr: Expr = input.parse()?;
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(lit),
        other => Err(syn::Error::new(
            other.span(),
            format!("`{what}` takes a string literal, e.g. `{what} = \"...\"`"),
        )),
    }
}

fn parse_provider(input: ParseStream<'_>) -> syn::Result<ProviderArg> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        let value = lit.value();
        return match BUILTIN_PROVIDERS.iter().find(|(name, _)| *name == value) {
            Some((_, ty)) => Ok(ProviderArg::Builtin(Ident::new(ty, lit.span()))),
            None => Err(syn::Error::new(
                lit.span(),
                format!(
                    "unknown provider \"{value}\": the built-in providers are {}; \
                     name your own with a path to a type that implements \
                     `llm_trace::provider::Provider` (`provider = my::Backend`)",
                    BUILTIN_PROVIDERS
                        .iter()
                        .map(|(name, _)| format!("\"{name}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        };
    }
    let expr: Expr = input.parse()?;
    match expr {
        Expr::Path(p) if p.qself.is_none() => Ok(ProviderArg::Path(p.path)),
        other => Err(syn::Error::new(
            other.span(),
            "`provider` takes a built-in provider name (\"openai\", \"anthropic\") or a path to a \
             type that implements `llm_trace::provider::Provider`",
        )),
    }
}

/// A literal metadata value; `Err` carries the span of what is not one.
fn parse_literal(input: ParseStream<'_>) -> Result<MetadataValue, Span> {
    let expr: Expr = input.parse().map_err(|e| e.span())?;
    let (negative, lit) = match &expr {
        Expr::Lit(l) => (false, &l.lit),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr: inner,
            ..
        }) => match &**inner {
            Expr::Lit(l) if matches!(l.lit, Lit::Int(_) | Lit::Float(_)) => (true, &l.lit),
            _ => return Err(expr.span()),
        },
        _ => return Err(expr.span()),
    };
    let span = expr.span();
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
                .map_err(|_| span)
        }
        Lit::Float(f) => f
            .base10_parse::<f64>()
            .map(|v| MetadataValue::Float(if negative { -v } else { v }, span))
            .map_err(|_| span),
        _ => Err(span),
    }
}
