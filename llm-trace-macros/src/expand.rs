//! Generation: a checked function into the instrumented function. Nothing
//! here fails: every error was reported by the checks. The user's
//! attributes, visibility, signature and body are kept as written; the body
//! runs as an inner `async move` block inside the call's span. A method of
//! an `#[async_trait]` impl (already expanded when this attribute runs) has
//! its `Box::pin(async move { .. })` block instrumented instead.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, Pat, ReturnType};

use llm_trace_names::operations;

use crate::args::{FieldKind, MetadataValue};
use crate::check::{Call, Provider, Workflow};
use crate::shape::{AsyncTraitBody, FindImpl, ImplToInfer, StreamShape};

/// The instrumented `#[llm_call]` function.
pub(crate) fn call(call: Call) -> TokenStream {
    let Call {
        args,
        item,
        provider,
        async_trait,
        output,
        is_async,
        stream,
    } = call;
    let operation = args.operation.as_ref().map(|o| o.value());
    let providerless = matches!(provider, Provider::None);
    let chat = operations::CHAT;
    let local_provider = match &provider {
        Provider::Compatible(name) => quote! {
            /// The `openai_compatible` provider of this function.
            struct __LlmTraceProvider;
            impl ::llm_trace::__private::Provider for __LlmTraceProvider {
                const NAME: &'static str = #name;
                const DEFAULT_OPERATION: &'static str = #chat;
            }
            impl ::llm_trace::__private::OpenAiCompatible for __LlmTraceProvider {}
        },
        _ => quote!(),
    };
    let provider = match &provider {
        Provider::Builtin(ty) => quote!(::llm_trace::__private::#ty),
        Provider::Path(path) => quote!(#path),
        Provider::Compatible(_) => quote!(__LlmTraceProvider),
        Provider::None => quote!(::llm_trace::__private::NoProvider),
    };

    let syn::ItemFn {
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
        (Some(operations::INVOKE_AGENT), Some(agent), _) => {
            Some(format!("{} {}", operations::INVOKE_AGENT, agent.value()))
        }
        (Some(operations::EXECUTE_TOOL), _, Some(tool)) => {
            Some(format!("{} {}", operations::EXECUTE_TOOL, tool.value()))
        }
        _ => None,
    };
    if let Some(name) = &args.name {
        site.extend(quote!(.name(#name)));
    } else if let Some(name) = derived_name {
        site.extend(quote!(.name(#name)));
    }
    // Tool executions and agents running in this process are INTERNAL
    // spans; calls to a model provider are CLIENT spans.
    if operation.as_deref() == Some(operations::EXECUTE_TOOL)
        || (operation.as_deref() == Some(operations::INVOKE_AGENT) && providerless)
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
        Some(operation) => operations::is_model_operation(operation),
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
        Some(found) => wrap_async_trait(found, &block, instrumented),
        None => instrumented,
    };
    select(attrs, vis, sig, instrumented_sig, block, instrumented)
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
fn field_value(field: &crate::args::Field) -> TokenStream {
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
fn static_metadata(metadata: &[crate::args::Metadata]) -> Vec<TokenStream> {
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

/// The function's body with the `Box::pin` statement of an `#[async_trait]`
/// method running `instrumented` instead.
fn wrap_async_trait(
    found: &AsyncTraitBody,
    block: &syn::Block,
    instrumented: TokenStream,
) -> TokenStream {
    let before = &block.stmts[..found.statement];
    let after = &block.stmts[found.statement + 1..];
    quote! {
        #(#before)*
        ::llm_trace::__private::Box::pin(async move { #instrumented })
        #(#after)*
    }
}

/// The instrumented `#[llm_trace::workflow]` function: the runtime's
/// `WorkflowSite` names the span and records `gen_ai.workflow.name` from
/// the name as written.
pub(crate) fn workflow(workflow: Workflow) -> TokenStream {
    let Workflow { args, item, name } = workflow;
    let syn::ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = item;
    let fn_name = sig.ident.to_string();
    let (instrumented_sig, rebinds) = rebind_mut_parameters(&sig);
    let metadata = static_metadata(&args.metadata);
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
        static __LLM_TRACE_SITE: ::llm_trace::__private::WorkflowSite =
            ::llm_trace::__private::WorkflowSite::new(
                ::llm_trace::__private::CallSite::new::<#provider>(
                    ::llm_trace::__private::concat!(::llm_trace::__private::module_path!(), "::", #fn_name)
                )
                .path(__llm_trace_fn),
                #name,
                &[#(#metadata),*],
            );
        #[allow(clippy::needless_borrow, clippy::needless_borrows_for_generic_args)]
        let mut __llm_trace_call = if ::llm_trace::__private::enabled() {
            ::llm_trace::__private::Some(__LLM_TRACE_SITE.start(
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
