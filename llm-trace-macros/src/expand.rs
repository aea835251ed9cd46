//! Turns (arguments, function) into the instrumented function. The user's
//! attributes, visibility, signature and body are kept as written; the body
//! runs as an inner `async move` block inside the call's span. A method of
//! an `#[async_trait]` impl (already expanded when this attribute runs) has
//! its `Box::pin(async move { .. })` block instrumented instead.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Pat, ReturnType, Type};

use crate::attr::{Args, FieldKind, MetadataValue, ProviderArg};

pub(crate) fn expand(args: Args, item: ItemFn) -> TokenStream {
    let mut errors = args.errors;

    let async_trait = AsyncTraitBody::find(&item);
    let output = match &async_trait {
        Some(found) => found.output.clone(),
        None => item.sig.output.clone(),
    };
    let is_async = item.sig.asyncness.is_some() || async_trait.is_some();
    let stream = stream_shape(&output, args.stream.is_some());
    if let (Some(flag), Some(_)) = (args.stream, args.response_none) {
        errors.push(syn::Error::new(
            flag,
            "`stream` and `response = none` exclude each other: `response = none` ends the span \
             when the function returns, without reading a stream",
        ));
    }
    if args.stream.is_some() && matches!(output, ReturnType::Default) {
        errors.push(syn::Error::new(
            args.stream.unwrap_or_else(Span::call_site),
            format!(
                "`stream`: `{}` returns nothing; `stream` is for functions that return a stream \
                 (or a `Result` of one)",
                item.sig.ident
            ),
        ));
    }
    if !is_async && stream.is_none() && args.response_none.is_none() {
        errors.push(syn::Error::new(
            item.sig.fn_token.span,
            format!(
                "`#[llm_call]` instruments `async fn`s and functions that return a stream: \
                 make `{}` an `async fn`",
                item.sig.ident
            ),
        ));
    }

    let params = parameter_names(&item);
    if let Some(request) = &args.request {
        if !params.iter().any(|p| p == request) {
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
            errors.push(syn::Error::new(
                request.span(),
                format!(
                    "`request = {request}`: `{request}` is not a parameter of `{}`; {listed}",
                    item.sig.ident
                ),
            ));
        }
    }

    let operation = args.operation.as_ref().map(|o| o.value());
    // Tools and in-process agents need no model provider.
    let providerless = matches!(operation.as_deref(), Some("execute_tool" | "invoke_agent"));
    let provider = match &args.provider {
        Some(ProviderArg::Builtin(ty)) => quote!(::llm_trace::__private::#ty),
        Some(ProviderArg::Path(path)) => quote!(#path),
        Some(ProviderArg::Compatible(_)) => quote!(__LlmTraceProvider),
        None if providerless => quote!(::llm_trace::__private::NoProvider),
        None => {
            errors.push(syn::Error::new(
                Span::call_site(),
                "`#[llm_call]` needs a provider: `provider = \"openai\"`, `provider = \"anthropic\"`, \
                 or `provider = my::Backend` for a type that implements `llm_trace::provider::Provider` \
                 (only `operation = \"execute_tool\"` and in-process `operation = \"invoke_agent\"` go without)",
            ));
            quote!(::llm_trace::__private::OpenAi)
        }
    };

    if !errors.is_empty() {
        // Keep the function as written so that only our errors show.
        let mut combined = errors.remove(0);
        for error in errors {
            combined.combine(error);
        }
        let compile_errors = combined.to_compile_error();
        return quote!(#compile_errors #item);
    }

    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = item;
    let fn_name = sig.ident.to_string();
    let (instrumented_sig, rebinds) = rebind_mut_parameters(&sig);

    let mut site = quote! {
        ::llm_trace::__private::CallSite::new::<#provider>(
            ::llm_trace::__private::concat!(::llm_trace::__private::module_path!(), "::", #fn_name)
        )
        .path(__llm_trace_fn)
    };
    if let Some(operation) = &args.operation {
        site.extend(quote!(.operation(#operation)));
    }
    let derived_name = match (operation.as_deref(), &args.agent, &args.tool) {
        (Some("invoke_agent"), Some(agent), _) => Some(format!("invoke_agent {}", agent.value())),
        (Some("execute_tool"), _, Some(tool)) => Some(format!("execute_tool {}", tool.value())),
        _ => None,
    };
    if let Some(name) = &args.name {
        site.extend(quote!(.name(#name)));
    } else if let Some(name) = derived_name {
        site.extend(quote!(.name(#name)));
    }
    // Tool executions and agents running in this process are INTERNAL
    // spans; calls to a model provider are CLIENT spans.
    if operation.as_deref() == Some("execute_tool")
        || (operation.as_deref() == Some("invoke_agent") && args.provider.is_none())
    {
        site.extend(quote!(.internal()));
    }
    if let Some(model) = &args.model {
        site.extend(quote!(.model(#model)));
    }
    if stream.is_some() {
        site.extend(quote!(.stream()));
    }
    if let Some(mode) = &args.capture_content {
        site.extend(quote!(.capture_content(::llm_trace::__private::CaptureMode::#mode)));
    }
    if !args.fields.is_empty() {
        let count = args.fields.len();
        site.extend(quote!(.fields(#count)));
    }
    if !args.metadata.is_empty() {
        let entries = static_metadata(&args.metadata);
        site.extend(quote!(.metadata(&[#(#entries),*])));
    }

    let request = match &args.request {
        Some(ident) => {
            quote_spanned!(ident.span()=> ::llm_trace::__private::request::<#provider, _>(&#ident))
        }
        None => quote!(::llm_trace::__private::None),
    };
    let server = match &args.server {
        Some(expr) => quote_spanned!(expr.span()=> ::llm_trace::__private::server(&(#expr))),
        None => quote!(::llm_trace::__private::None),
    };

    let recorder = format_ident!("__llm_trace_fields");
    let fields = args.fields.iter().map(|f| {
        let key = &f.key;
        let value = field_value(f);
        quote_spanned!(f.expr.span()=> if #recorder.wants(#key) { #recorder.record(#key, #value); })
    });

    let output_ty = output_type(&output);
    let model_call = match operation.as_deref() {
        Some(operation) => MODEL_OPERATIONS.contains(&operation),
        None => !providerless,
    };
    let output_span = match &output {
        ReturnType::Default => sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    // A stream returned as `impl Stream` is wrapped into another type; any
    // other return value is read by type, and a boxed stream wrapped in
    // place (see `end_by_type`).
    let stream = stream.filter(|shape| !shape.boxed && args.response_none.is_none());
    let streams_by_type = if stream.is_some() || args.response_none.is_some() {
        quote!(false)
    } else {
        streams_by_type(&output, args.stream.is_some())
    };
    let finish = match &stream {
        Some(shape) => finish_stream(&provider, shape, model_call, output_span),
        None if args.response_none.is_some() => end_without_reading(),
        None => end_by_type(&provider, model_call, output_span),
    };
    let body = match &async_trait {
        Some(found) => typed_body(&output_ty, &found.block, &rebinds),
        None => typed_body(&output_ty, &block, &rebinds),
    };
    let (make_body, run_body, run_plain) = if is_async {
        (
            quote!(async move #body),
            quote!(
                ::llm_trace::__private::Instrumented::new(__llm_trace_call, __llm_trace_body).await
            ),
            quote!(__llm_trace_body.await),
        )
    } else {
        (
            quote!(move || #body),
            quote!(__llm_trace_call.run_sync(__llm_trace_body)),
            quote!(::llm_trace::__private::call_once(__llm_trace_body)),
        )
    };
    let run = match (&stream, is_async) {
        // A stream is wrapped either way (as a pass-through when the switch
        // is off), so both branches have the one type `impl Stream` allows.
        (Some(_), _) => quote! {
            let (__llm_trace_call, __llm_trace_output):
                (::llm_trace::__private::Option<::llm_trace::__private::Call>, #output_ty) =
                match __llm_trace_call {
                    ::llm_trace::__private::Some(__llm_trace_call) => {
                        let (__llm_trace_call, __llm_trace_output) = #run_body;
                        (::llm_trace::__private::Some(__llm_trace_call), __llm_trace_output)
                    }
                    ::llm_trace::__private::None => (::llm_trace::__private::None, #run_plain),
                };
            #finish
        },
        // The call stays where `Call::start` put it, in this future's state:
        // the body borrows it, and it is ended in place.
        (None, true) => quote! {
            ::llm_trace::__private::Run::new(&mut __llm_trace_call, __llm_trace_body, #finish).await
        },
        (None, false) => quote! {
            match __llm_trace_call {
                ::llm_trace::__private::Some(__llm_trace_call) => ::llm_trace::__private::end_sync(
                    #run_body,
                    #finish,
                ),
                ::llm_trace::__private::None => #run_plain,
            }
        },
    };
    let local_provider = match &args.provider {
        Some(ProviderArg::Compatible(name)) => quote! {
            /// The `openai_compatible` provider of this function.
            struct __LlmTraceProvider;
            impl ::llm_trace::__private::Provider for __LlmTraceProvider {
                const NAME: &'static str = #name;
                const DEFAULT_OPERATION: &'static str = "chat";
            }
            impl ::llm_trace::__private::OpenAiCompatible for __LlmTraceProvider {}
        },
        _ => quote!(),
    };

    let site_path = site_path();
    let instrumented = quote! {
        #local_provider
        #site_path
        static __LLM_TRACE_SITE: ::llm_trace::__private::CallSite = #site;
        #[allow(
            unused_mut,
            unused_variables,
            clippy::needless_borrow,
            clippy::needless_borrows_for_generic_args
        )]
        let mut __llm_trace_call = if ::llm_trace::__private::enabled() {
            ::llm_trace::__private::Some(::llm_trace::__private::Call::start::<#provider, _>(
                &__LLM_TRACE_SITE,
                #streams_by_type,
                #request,
                #server,
                |#recorder: &mut ::llm_trace::__private::Fields<'_>| { #(#fields)* },
            ))
        } else {
            ::llm_trace::__private::None
        };
        let __llm_trace_body = #make_body;
        #run
    };
    let instrumented = match &async_trait {
        Some(found) => found.wrap(&block, instrumented),
        None => instrumented,
    };
    select(attrs, vis, sig, instrumented_sig, block, instrumented)
}

/// The body of a method as `#[async_trait]` expands it: a non-`async` fn
/// returning `Pin<Box<dyn Future<Output = T> + ..>>` whose last statement is
/// `Box::pin(async move { .. })` (the shape `tracing::instrument`
/// recognizes too).
struct AsyncTraitBody {
    /// `-> T`, the output of the `async fn` as written.
    output: ReturnType,
    /// The block of the `async move`.
    block: syn::Block,
    /// The index of the `Box::pin(..)` statement in the function's body.
    statement: usize,
}

impl AsyncTraitBody {
    fn find(item: &ItemFn) -> Option<Self> {
        if item.sig.asyncness.is_some() {
            return None;
        }
        let output = boxed_future_output(&item.sig.output)?;
        let (statement, last) =
            item.block
                .stmts
                .iter()
                .enumerate()
                .rev()
                .find_map(|(index, stmt)| match stmt {
                    syn::Stmt::Expr(expr, None) => Some((index, expr)),
                    _ => None,
                })?;
        let syn::Expr::Call(call) = last else {
            return None;
        };
        let syn::Expr::Path(function) = &*call.func else {
            return None;
        };
        let segments = &function.path.segments;
        let is_box_pin = segments.len() >= 2
            && segments[segments.len() - 2].ident == "Box"
            && segments[segments.len() - 1].ident == "pin";
        if !is_box_pin || call.args.len() != 1 {
            return None;
        }
        let syn::Expr::Async(inner) = &call.args[0] else {
            return None;
        };
        inner.capture?;
        Some(AsyncTraitBody {
            output: ReturnType::Type(Default::default(), Box::new(output)),
            block: inner.block.clone(),
            statement,
        })
    }

    /// The function's body with the `Box::pin` statement running
    /// `instrumented` instead.
    fn wrap(&self, block: &syn::Block, instrumented: TokenStream) -> TokenStream {
        let before = &block.stmts[..self.statement];
        let after = &block.stmts[self.statement + 1..];
        quote! {
            #(#before)*
            ::llm_trace::__private::Box::pin(async move { #instrumented })
            #(#after)*
        }
    }
}

/// `T` of `Pin<Box<dyn Future<Output = T> + ..>>`.
fn boxed_future_output(output: &ReturnType) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let first_type = |ty: &Type, name: &str| -> Option<Type> {
        let Type::Path(path) = ty else {
            return None;
        };
        let last = path.path.segments.last()?;
        if last.ident != name {
            return None;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
    };
    let boxed = first_type(ty, "Pin")?;
    let Type::TraitObject(object) = first_type(&boxed, "Box")? else {
        return None;
    };
    object.bounds.iter().find_map(|bound| {
        let syn::TypeParamBound::Trait(t) = bound else {
            return None;
        };
        let last = t.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::AssocType(assoc) if assoc.ident == "Output" => {
                Some(assoc.ty.clone())
            }
            _ => None,
        })
    })
}

/// The signature without the `mut` of its `mut name: T` parameters, and a
/// `let mut name = name;` for each, to start the body with: the body's
/// block then owns a variable of its own, as the function's body did, so
/// that its assignments are judged by the lints as in the function as
/// written (a variable captured by `async move` and assigned there raises
/// "value captured by `name` is never read" where the function raised nothing).
fn rebind_mut_parameters(sig: &syn::Signature) -> (syn::Signature, Vec<TokenStream>) {
    let mut sig = sig.clone();
    let mut rebinds = Vec::new();
    for input in &mut sig.inputs {
        let FnArg::Typed(typed) = input else {
            continue;
        };
        if !typed.attrs.is_empty() {
            continue;
        }
        let Pat::Ident(pat) = &mut *typed.pat else {
            continue;
        };
        if pat.by_ref.is_some() || pat.subpat.is_some() {
            continue;
        }
        if let Some(mutability) = pat.mutability.take() {
            let ident = &pat.ident;
            rebinds.push(quote!(let #mutability #ident = #ident;));
        }
    }
    (sig, rebinds)
}

/// An item nested in the function's body, whose `type_name` gives the
/// function's path with its `impl` type (`code.function.name`).
fn site_path() -> TokenStream {
    quote! {
        fn __llm_trace_fn() -> &'static str {
            ::llm_trace::__private::type_name_of_val(&__llm_trace_fn)
        }
    }
}

/// The annotated function twice: instrumented, and as written for the `off`
/// feature of `llm-trace`, which picks one (this crate cannot see its features).
fn select(
    attrs: Vec<syn::Attribute>,
    vis: syn::Visibility,
    sig: syn::Signature,
    instrumented_sig: syn::Signature,
    block: Box<syn::Block>,
    instrumented: TokenStream,
) -> TokenStream {
    quote! {
        ::llm_trace::__private::select! {
            {
                #(#attrs)*
                #vis #instrumented_sig {
                    #instrumented
                }
            }
            {
                #(#attrs)*
                #vis #sig #block
            }
        }
    }
}

/// A reference to the value of a `fields(...)` entry, through `Display` or
/// `Debug` for `%` and `?`.
fn field_value(field: &crate::attr::Field) -> TokenStream {
    let expr = &field.expr;
    match field.kind {
        FieldKind::Value => quote_spanned!(expr.span()=> &(#expr)),
        FieldKind::Display => {
            quote_spanned!(expr.span()=> &::llm_trace::__private::DisplayValue(&(#expr)))
        }
        FieldKind::Debug => {
            quote_spanned!(expr.span()=> &::llm_trace::__private::DebugValue(&(#expr)))
        }
    }
}

/// The type to annotate the body's output with, so `?` and `return` infer:
/// the return type, with `_` for each `impl Trait` in it.
fn output_type(output: &ReturnType) -> TokenStream {
    match output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => {
            let mut ty = (**ty).clone();
            syn::visit_mut::VisitMut::visit_type_mut(&mut ImplToInfer, &mut ty);
            quote!(#ty)
        }
    }
}

struct ImplToInfer;

impl syn::visit_mut::VisitMut for ImplToInfer {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(it) = ty {
            *ty = Type::Infer(syn::TypeInfer {
                underscore_token: syn::Token![_](it.impl_token.span),
            });
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

/// The body as the inner block, with the declared return type as its own:
/// a `return` of that type (never taken) comes first, so that `return`s,
/// `?` and the tail are checked against it and coerce to it (a boxed trait
/// object, an error type `?` converts into), as in the function itself.
/// `tracing::instrument` uses the same edge.
///
/// The block's statements are spliced in, not the block itself: a block
/// as the tail of another raises `unused_braces` at the user's body.
/// `rebinds` come first (see [`rebind_mut_parameters`]).
fn typed_body(output_ty: &TokenStream, block: &syn::Block, rebinds: &[TokenStream]) -> TokenStream {
    let statements = &block.stmts;
    quote! {
        {
            #(#rebinds)*
            #[allow(
                unknown_lints,
                unreachable_code,
                clippy::diverging_sub_expression,
                clippy::empty_loop,
                clippy::let_unit_value,
                clippy::let_with_type_underscore,
                clippy::needless_return
            )]
            if false {
                let __llm_trace_declared_return: #output_ty = loop {};
                return __llm_trace_declared_return;
            }
            #(#statements)*
        }
    }
}

/// How a function returns its stream.
struct StreamShape {
    /// The stream's item type where the return type writes it (`Item = X`,
    /// `BoxStream<'_, X>`): it types the observer's argument before the
    /// body's own types are inferred.
    item: Option<Type>,
    /// `Result<Stream, E>` (under any alias): only `Ok` carries a stream.
    result: bool,
    /// The declared stream type is a named (boxed) type, not `impl Stream`:
    /// the instrumented stream is boxed into it.
    boxed: bool,
}

/// The function's stream, from its return type: `impl Stream<..>`, a boxed
/// stream (`BoxStream`, `LocalBoxStream`, `Pin<Box<dyn Stream ..>>`), or a
/// `...Result<_, E>` of one; with `declared` (the `stream` flag) any type.
fn stream_shape(output: &ReturnType, declared: bool) -> Option<StreamShape> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let shape = |ty: &Type, result: bool| -> Option<StreamShape> {
        let item = stream_item_type(ty);
        if is_impl_stream(ty) {
            Some(StreamShape {
                item,
                result,
                boxed: false,
            })
        } else if is_boxed_stream(ty) || (declared && !matches!(ty, Type::ImplTrait(_))) {
            Some(StreamShape {
                item,
                result,
                boxed: true,
            })
        } else if declared {
            Some(StreamShape {
                item,
                result,
                boxed: false,
            })
        } else {
            None
        }
    };
    if let Some(ok) = result_ok_type(ty) {
        if let Some(found) = shape(ok, true) {
            return Some(found);
        }
    }
    shape(ty, false)
}

/// `T` of `Result<T, ..>`, `io::Result<T>`, `anyhow::Result<T>`, ...
fn result_ok_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if !last.ident.to_string().ends_with("Result") {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

fn is_stream_bound(
    bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
) -> bool {
    bounds.iter().any(|bound| match bound {
        syn::TypeParamBound::Trait(t) => t
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Stream" || s.ident == "TryStream"),
        _ => false,
    })
}

/// The item type a `Stream<Item = X>` / `TryStream<Ok = T, Error = E>`
/// bound names.
fn bound_item_type(
    bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
) -> Option<Type> {
    bounds.iter().find_map(|bound| {
        let syn::TypeParamBound::Trait(t) = bound else {
            return None;
        };
        let last = t.path.segments.last()?;
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        let binding = |name: &str| {
            args.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::AssocType(assoc) if assoc.ident == name => {
                    Some(assoc.ty.clone())
                }
                _ => None,
            })
        };
        if last.ident == "Stream" {
            binding("Item")
        } else if last.ident == "TryStream" {
            let (ok, error) = (binding("Ok")?, binding("Error")?);
            Some(syn::parse_quote!(::core::result::Result<#ok, #error>))
        } else {
            None
        }
    })
}

/// The item type of a stream type, where it is written out.
fn stream_item_type(ty: &Type) -> Option<Type> {
    let mut item = match ty {
        Type::ImplTrait(it) => bound_item_type(&it.bounds)?,
        Type::TraitObject(dyn_) => bound_item_type(&dyn_.bounds)?,
        Type::Path(path) => {
            let last = path.path.segments.last()?;
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let first_type = args.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })?;
            if last.ident == "BoxStream" || last.ident == "LocalBoxStream" {
                first_type.clone()
            } else if last.ident == "Pin" || last.ident == "Box" {
                stream_item_type(first_type)?
            } else {
                return None;
            }
        }
        _ => return None,
    };
    syn::visit_mut::VisitMut::visit_type_mut(&mut ImplToInfer, &mut item);
    Some(item)
}

fn is_impl_stream(ty: &Type) -> bool {
    matches!(ty, Type::ImplTrait(it) if is_stream_bound(&it.bounds))
}

/// `BoxStream<..>`, `LocalBoxStream<..>` or `Pin<Box<dyn Stream<..> ..>>`.
fn is_boxed_stream(ty: &Type) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    if last.ident == "BoxStream" || last.ident == "LocalBoxStream" {
        return true;
    }
    let first_type = |segment: &syn::PathSegment| match &segment.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        }),
        _ => None,
    };
    if last.ident != "Pin" {
        return false;
    }
    let Some(Type::Path(boxed)) = first_type(last) else {
        return false;
    };
    let Some(box_segment) = boxed.path.segments.last() else {
        return false;
    };
    box_segment.ident == "Box"
        && matches!(first_type(box_segment), Some(Type::TraitObject(dyn_)) if is_stream_bound(&dyn_.bounds))
}

/// The closure that ends the call with the outcome read from the output by
/// type (`Run` calls it with the output before returning it).
fn finish(provider: &TokenStream) -> TokenStream {
    quote! {
        |__llm_trace_call: &mut ::llm_trace::__private::Option<::llm_trace::__private::Call>,
         __llm_trace_output: &mut _| {
            let ::llm_trace::__private::Some(__llm_trace_call) = __llm_trace_call else {
                return;
            };
            let __llm_trace_output = &*__llm_trace_output;
            #[allow(unused_imports)]
            use ::llm_trace::__private::{
                ErrorTypeKnown as _, ErrorTypeName as _, FactsKnown as _, FactsUnknown as _,
                MessageDebug as _, MessageDisplay as _, MessageNone as _, SplitResult as _,
                SplitValue as _,
            };
            match (&::llm_trace::__private::Split(__llm_trace_output)).__llm_trace_split() {
                ::core::result::Result::Ok(__llm_trace_ok) => __llm_trace_call.end_ok::<#provider>(
                    (&::llm_trace::__private::Facts::<#provider, _>::new(__llm_trace_ok))
                        .__llm_trace_facts(),
                ),
                ::core::result::Result::Err(__llm_trace_err) => __llm_trace_call.end_err(
                    (&::llm_trace::__private::Failure(__llm_trace_err)).__llm_trace_error_type(),
                    (&&&::llm_trace::__private::Failure(__llm_trace_err)).__llm_trace_message(),
                ),
            }
        }
    }
}

/// Hands the call to the returned stream (an `Err` instead ends it), and
/// returns the instrumented stream.
fn finish_stream(
    provider: &TokenStream,
    shape: &StreamShape,
    model_call: bool,
    output_span: Span,
) -> TokenStream {
    let item = match &shape.item {
        Some(ty) => quote!(: &#ty),
        None => quote!(),
    };
    let observe = observe_items(provider, item, model_call, output_span);
    let stream = |inner: TokenStream| {
        let wrapped = quote!(::llm_trace::__private::stream(__llm_trace_call, #inner, #observe));
        if shape.boxed {
            quote!(::llm_trace::__private::Box::pin(#wrapped))
        } else {
            wrapped
        }
    };
    if shape.result {
        let wrapped = stream(quote!(__llm_trace_stream));
        quote! {
            match __llm_trace_output {
                ::core::result::Result::Ok(__llm_trace_stream) => ::core::result::Result::Ok(#wrapped),
                ::core::result::Result::Err(__llm_trace_err) => {
                    #[allow(unused_imports)]
                    use ::llm_trace::__private::{
                        ErrorTypeKnown as _, ErrorTypeName as _, MessageDebug as _,
                        MessageDisplay as _, MessageNone as _,
                    };
                    if let ::llm_trace::__private::Some(__llm_trace_call) = __llm_trace_call {
                        __llm_trace_call.finish_err(
                            (&::llm_trace::__private::Failure(&__llm_trace_err)).__llm_trace_error_type(),
                            (&&&::llm_trace::__private::Failure(&__llm_trace_err)).__llm_trace_message(),
                        );
                    }
                    ::core::result::Result::Err(__llm_trace_err)
                }
            }
        }
    } else {
        stream(quote!(__llm_trace_output))
    }
}

/// The closure that reads a stream's items by type (`item` annotates its
/// argument where the return type writes the item type). In a model call
/// an item type that gives no facts and could carry them is a compile
/// error at the return type.
fn observe_items(
    provider: &TokenStream,
    item: TokenStream,
    model_call: bool,
    output_span: Span,
) -> TokenStream {
    let fallback = if model_call {
        quote!(ChunkModel as _)
    } else {
        quote!(ChunkUnknown as _)
    };
    // Spanned at the return type, where an item type that cannot be read
    // is reported.
    let observe = quote_spanned! {output_span=>
        (&&&::llm_trace::__private::Chunk::<#provider, _>::new(__llm_trace_chunk))
            .__llm_trace_observe(__llm_trace_facts)
    };
    quote! {
        |__llm_trace_item #item, __llm_trace_facts: &mut ::llm_trace::__private::StreamFacts| {
            #[allow(unused_imports)]
            use ::llm_trace::__private::{
                ChunkKnown as _, #fallback, ChunkWhole as _, ErrorTypeKnown as _,
                ErrorTypeName as _, MessageDebug as _, MessageDisplay as _, MessageNone as _,
                SplitResult as _, SplitValue as _,
            };
            match (&::llm_trace::__private::Split(__llm_trace_item)).__llm_trace_split() {
                ::core::result::Result::Ok(__llm_trace_chunk) => #observe,
                ::core::result::Result::Err(__llm_trace_err) => __llm_trace_facts.__fail(
                    (&::llm_trace::__private::Failure(__llm_trace_err)).__llm_trace_error_type(),
                    &(&&&::llm_trace::__private::Failure(__llm_trace_err)).__llm_trace_message(),
                ),
            }
        }
    }
}

/// The operations that call a model: their value must give facts.
const MODEL_OPERATIONS: [&str; 4] = ["chat", "text_completion", "generate_content", "embeddings"];

/// Whether the declared return type is a boxed stream (under any name),
/// asked by type before the call starts; `false` where the type has an
/// `impl Trait` (it cannot be named there). With the `stream` flag a type
/// that is not one is a compile error.
fn streams_by_type(output: &ReturnType, flagged: bool) -> TokenStream {
    let ReturnType::Type(_, ty) = output else {
        return quote!(false);
    };
    let mut finder = FindImpl(false);
    syn::visit::Visit::visit_type(&mut finder, ty);
    if finder.0 {
        return quote!(false);
    }
    let fallback = if flagged {
        quote!(KindDeclared as _)
    } else {
        quote!(KindOther as _)
    };
    let streams = quote_spanned!(ty.span()=> __llm_trace_streams);
    quote! {
        {
            #[allow(unused_imports)]
            use ::llm_trace::__private::{KindStream as _, #fallback};
            (&::llm_trace::__private::StreamKind::<#ty>::new()).#streams()
        }
    }
}

/// Finds an `impl Trait` in a type.
struct FindImpl(bool);

impl syn::visit::Visit<'_> for FindImpl {
    fn visit_type_impl_trait(&mut self, _: &syn::TypeImplTrait) {
        self.0 = true;
    }
}

/// The closure that ends the call with the value read by type: an `Err`
/// names the error; an `Ok` (or plain) value that is a boxed stream is
/// wrapped in place and takes the call; a response gives its facts (also in
/// an `Option`); in a model call any other value must be one that cannot
/// carry facts, else a compile error at the return type says what to do.
fn end_by_type(provider: &TokenStream, model_call: bool, output_span: Span) -> TokenStream {
    let fallback = if model_call {
        quote!(EndModel as _)
    } else {
        quote!(EndAny as _)
    };
    let observe = observe_items(provider, quote!(), model_call, output_span);
    // Spanned at the return type, where a type that cannot be read is reported.
    let end = quote_spanned! {output_span=>
        (&&&&&::llm_trace::__private::Outcome::<#provider, _>::of(&*__llm_trace_ok))
            .__llm_trace_end(__llm_trace_call, __llm_trace_ok, #observe)
    };
    quote! {
        |__llm_trace_call: &mut ::llm_trace::__private::Option<::llm_trace::__private::Call>,
         __llm_trace_output: &mut _| {
            #[allow(unused_imports)]
            use ::llm_trace::__private::{
                EndFacts as _, EndOptionFacts as _, EndOtherStream as _, EndStream as _,
                #fallback, ErrorTypeKnown as _, ErrorTypeName as _, MessageDebug as _,
                MessageDisplay as _, MessageNone as _, SplitMutResult as _, SplitMutValue as _,
            };
            match (&::llm_trace::__private::SplitMut::of(&*__llm_trace_output))
                .__llm_trace_split_mut(__llm_trace_output)
            {
                ::core::result::Result::Ok(__llm_trace_ok) => #end,
                ::core::result::Result::Err(__llm_trace_err) => {
                    if let ::llm_trace::__private::Some(__llm_trace_call) = __llm_trace_call {
                        __llm_trace_call.end_err(
                            (&::llm_trace::__private::Failure(__llm_trace_err))
                                .__llm_trace_error_type(),
                            (&&&::llm_trace::__private::Failure(__llm_trace_err))
                                .__llm_trace_message(),
                        )
                    }
                }
            }
        }
    }
}

/// `response = none`: the call ends when the function returns; an `Err`
/// still names its error, an `Ok` (or plain) value is not read.
fn end_without_reading() -> TokenStream {
    quote! {
        |__llm_trace_call: &mut ::llm_trace::__private::Option<::llm_trace::__private::Call>,
         __llm_trace_output: &mut _| {
            #[allow(unused_imports)]
            use ::llm_trace::__private::{
                ErrorTypeKnown as _, ErrorTypeName as _, MessageDebug as _, MessageDisplay as _,
                MessageNone as _, SplitResult as _, SplitValue as _,
            };
            let ::llm_trace::__private::Some(__llm_trace_call) = __llm_trace_call else {
                return;
            };
            match (&::llm_trace::__private::Split(&*__llm_trace_output)).__llm_trace_split() {
                ::core::result::Result::Ok(_) => __llm_trace_call
                    .end_ok::<::llm_trace::__private::NoProvider>(::llm_trace::__private::None),
                ::core::result::Result::Err(__llm_trace_err) => __llm_trace_call.end_err(
                    (&::llm_trace::__private::Failure(__llm_trace_err)).__llm_trace_error_type(),
                    (&&&::llm_trace::__private::Failure(__llm_trace_err)).__llm_trace_message(),
                ),
            }
        }
    }
}

/// The annotation's literal metadata as `(key, StaticValue)` entries.
fn static_metadata(metadata: &[crate::attr::Metadata]) -> Vec<TokenStream> {
    metadata
        .iter()
        .map(|m| {
            let key = &m.key;
            let value = match &m.value {
                MetadataValue::Str(s) => quote_spanned!(s.span()=> Str(#s)),
                MetadataValue::Int(v, span) => quote_spanned!(*span=> I64(#v)),
                MetadataValue::Float(v, span) => quote_spanned!(*span=> F64(#v)),
                MetadataValue::Bool(v, span) => quote_spanned!(*span=> Bool(#v)),
            };
            let span = m.key_span;
            quote_spanned!(span=> (#key, ::llm_trace::__private::StaticValue::#value))
        })
        .collect()
}

/// `#[llm_trace::workflow(name = "...", key = literal, fields(...))]`.
pub(crate) fn expand_workflow(args: Args, item: ItemFn) -> TokenStream {
    let mut errors = args.errors;
    if item.sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            item.sig.fn_token.span,
            format!(
                "`#[workflow]` wraps `async fn`s: make `{}` an `async fn` (or use `llm_trace::workflow(..).in_scope(..)`)",
                item.sig.ident
            ),
        ));
    }
    let name = match &args.name {
        Some(name) => Some(name.value()),
        None => {
            errors.push(syn::Error::new(
                Span::call_site(),
                "`#[workflow]` needs a name: `#[workflow(name = \"ai_flow_1\")]`",
            ));
            None
        }
    };
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
            errors.push(syn::Error::new(
                Span::call_site(),
                format!("`{argument}` belongs on `#[llm_call]`, not `#[workflow]`: a workflow takes `name`, metadata and `fields(...)`"),
            ));
        }
    }
    if !errors.is_empty() {
        let mut combined = errors.remove(0);
        for error in errors {
            combined.combine(error);
        }
        let compile_errors = combined.to_compile_error();
        return quote!(#compile_errors #item);
    }
    let name = name.unwrap_or_default();
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = item;
    let fn_name = sig.ident.to_string();
    let (instrumented_sig, rebinds) = rebind_mut_parameters(&sig);
    let span_name = format!("invoke_workflow {name}");
    let mut metadata =
        vec![quote!(("gen_ai.workflow.name", ::llm_trace::__private::StaticValue::Str(#name)))];
    metadata.extend(static_metadata(&args.metadata));
    let entries = args.fields.iter().map(|f| {
        let key = &f.key;
        let value = field_value(f);
        quote_spanned!(f.expr.span()=> ::llm_trace::__private::scope_entry(#key, #value))
    });
    let provider = quote!(::llm_trace::__private::NoProvider);
    let output_ty = output_type(&sig.output);
    let body = typed_body(&output_ty, &block, &rebinds);
    let finish = finish(&provider);
    let site_path = site_path();
    let instrumented = quote! {
        #site_path
        static __LLM_TRACE_SITE: ::llm_trace::__private::CallSite =
                ::llm_trace::__private::CallSite::new::<#provider>(
                    ::llm_trace::__private::concat!(::llm_trace::__private::module_path!(), "::", #fn_name)
                )
                .path(__llm_trace_fn)
                .operation("invoke_workflow")
                .name(#span_name)
                .internal()
                .metadata(&[#(#metadata),*]);
        #[allow(clippy::needless_borrow, clippy::needless_borrows_for_generic_args)]
        let mut __llm_trace_call = if ::llm_trace::__private::enabled() {
            ::llm_trace::__private::Some(::llm_trace::__private::Call::start_workflow(
                &__LLM_TRACE_SITE,
                ::llm_trace::__private::None,
                ::llm_trace::__private::scope_entries([#(#entries),*]),
            ))
        } else {
            ::llm_trace::__private::None
        };
        let __llm_trace_body = async move #body;
        ::llm_trace::__private::Run::new(&mut __llm_trace_call, __llm_trace_body, #finish).await
    };
    select(attrs, vis, sig, instrumented_sig, block, instrumented)
}

/// Names bound by the function's parameters (`self` excluded).
fn parameter_names(item: &ItemFn) -> Vec<syn::Ident> {
    let mut names = Vec::new();
    for input in &item.sig.inputs {
        if let FnArg::Typed(pat) = input {
            collect_idents(&pat.pat, &mut names);
        }
    }
    names
}

fn collect_idents(pat: &Pat, out: &mut Vec<syn::Ident>) {
    match pat {
        Pat::Ident(p) => out.push(p.ident.clone()),
        Pat::Reference(p) => collect_idents(&p.pat, out),
        Pat::Tuple(p) => p.elems.iter().for_each(|e| collect_idents(e, out)),
        Pat::TupleStruct(p) => p.elems.iter().for_each(|e| collect_idents(e, out)),
        Pat::Struct(p) => p.fields.iter().for_each(|f| collect_idents(&f.pat, out)),
        Pat::Type(p) => collect_idents(&p.pat, out),
        Pat::Slice(p) => p.elems.iter().for_each(|e| collect_idents(e, out)),
        _ => {}
    }
}
