//! Checking: what the parsed arguments and the function say together
//! (the flags against the return type, `request` against the parameters, a
//! provider given or not needed), each error into the [`Ctxt`] on its token.
//! What passes is a model the expansion turns into code without failing.

use proc_macro2::Span;
use syn::{Ident, ItemFn, LitStr, Path, ReturnType};

use llm_trace_names::operations;

use crate::args::{Args, ProviderArg};
use crate::ctxt::Ctxt;
use crate::shape::{parameter_names, stream_shape, AsyncTraitBody, StreamShape};

/// An `#[llm_call]` function, checked.
pub(crate) struct Call {
    pub args: Args,
    pub item: ItemFn,
    pub provider: Provider,
    /// The `Box::pin(async move { .. })` of an `#[async_trait]` method.
    pub async_trait: Option<AsyncTraitBody>,
    /// `-> T` of the function as written (of the `async fn` before
    /// `#[async_trait]` rewrote it).
    pub output: ReturnType,
    pub is_async: bool,
    /// The stream the function returns, if any.
    pub stream: Option<StreamShape>,
}

/// The provider of a checked call.
pub(crate) enum Provider {
    /// `provider = "openai"`: the runtime type's name.
    Builtin(Ident),
    /// `provider = my::Backend`.
    Path(Path),
    /// `provider = openai_compatible("name")`.
    Compatible(LitStr),
    /// None given, and none needed (tools, in-process agents).
    None,
}

/// An `#[llm_trace::workflow]` function, checked.
pub(crate) struct Workflow {
    pub args: Args,
    pub item: ItemFn,
    /// `name = "..."`.
    pub name: LitStr,
}

/// Checks `#[llm_call]` on `item`; `None` when `cx` has any error.
pub(crate) fn call(cx: &Ctxt, args: Args, item: ItemFn) -> Option<Call> {
    let async_trait = AsyncTraitBody::find(&item);
    let output = match &async_trait {
        Some(found) => found.output.clone(),
        None => item.sig.output.clone(),
    };
    let is_async = item.sig.asyncness.is_some() || async_trait.is_some();
    let stream = stream_shape(&output, args.stream.is_some());
    if let (Some(flag), Some(_)) = (args.stream, args.response_none) {
        cx.error_at(
            flag,
            "`stream` and `response = none` exclude each other: `response = none` ends the span \
             when the function returns, without reading a stream",
        );
    }
    if let (Some(flag), ReturnType::Default) = (args.stream, &output) {
        cx.error_at(
            flag,
            format!(
                "`stream`: `{}` returns nothing; `stream` is for functions that return a stream \
                 (or a `Result` of one)",
                item.sig.ident
            ),
        );
    }
    if !is_async && stream.is_none() && args.response_none.is_none() {
        cx.error_at(
            item.sig.fn_token.span,
            format!(
                "`#[llm_call]` instruments `async fn`s and functions that return a stream: \
                 make `{}` an `async fn`",
                item.sig.ident
            ),
        );
    }
    if let Some(request) = &args.request {
        check_request(cx, request, &item);
    }

    let operation = args.operation.as_ref().map(LitStr::value);
    let providerless = operation
        .as_deref()
        .is_some_and(operations::is_providerless);
    let provider = match &args.provider {
        Some(ProviderArg::Builtin(ty)) => Some(Provider::Builtin(ty.clone())),
        Some(ProviderArg::Path(path)) => Some(Provider::Path(path.clone())),
        Some(ProviderArg::Compatible(name)) => Some(Provider::Compatible(name.clone())),
        // Reported where it was parsed.
        Some(ProviderArg::Invalid) => None,
        None if providerless => Some(Provider::None),
        None => {
            cx.error_at(
                Span::call_site(),
                "`#[llm_call]` needs a provider: `provider = \"openai\"`, `provider = \"anthropic\"`, \
                 or `provider = my::Backend` for a type that implements `llm_trace::provider::Provider` \
                 (only `operation = \"execute_tool\"` and in-process `operation = \"invoke_agent\"` go without)",
            );
            None
        }
    };
    if cx.has_errors() {
        return None;
    }
    Some(Call {
        args,
        item,
        provider: provider?,
        async_trait,
        output,
        is_async,
        stream,
    })
}

/// `request = name` names a parameter of the function.
fn check_request(cx: &Ctxt, request: &Ident, item: &ItemFn) {
    let params = parameter_names(item);
    if params.iter().any(|p| p == request) {
        return;
    }
    let listed = if params.is_empty() {
        "it has no named parameters".to_owned()
    } else {
        format!(
            "its parameters are {}",
            params
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    cx.error_at(
        request.span(),
        format!(
            "`request = {request}`: `{request}` is not a parameter of `{}`; {listed}",
            item.sig.ident
        ),
    );
}

/// Checks `#[llm_trace::workflow]` on `item`; `None` when `cx` has any error.
pub(crate) fn workflow(cx: &Ctxt, args: Args, item: ItemFn) -> Option<Workflow> {
    if item.sig.asyncness.is_none() {
        cx.error_at(
            item.sig.fn_token.span,
            format!(
                "`#[workflow]` wraps `async fn`s: make `{}` an `async fn` (or use `llm_trace::workflow(..).in_scope(..)`)",
                item.sig.ident
            ),
        );
    }
    if args.name.is_none() {
        cx.error_at(
            Span::call_site(),
            "`#[workflow]` needs a name: `#[workflow(name = \"ai_flow_1\")]`",
        );
    }
    for (given, argument) in [
        (args.provider.is_some(), "provider"),
        (args.operation.is_some(), "operation"),
        (args.model.is_some(), "model"),
        (args.request.is_some(), "request"),
        (args.server.is_some(), "server"),
        (args.stream.is_some(), "stream"),
        (args.response_none.is_some(), "response"),
        (args.capture_content.is_some(), "capture_content"),
    ] {
        if given {
            cx.error_at(
                Span::call_site(),
                format!("`{argument}` belongs on `#[llm_call]`, not `#[workflow]`: a workflow takes `name`, metadata and `fields(...)`"),
            );
        }
    }
    if cx.has_errors() {
        return None;
    }
    Some(Workflow {
        name: args.name.clone()?,
        args,
        item,
    })
}
