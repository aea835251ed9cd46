//! The function's shape, read from its signature and body: the body of an
//! `#[async_trait]` method, the stream it returns, its parameter names.
//! Read by the checks and the expansion alike; nothing here reports errors.

use syn::{FnArg, ItemFn, Pat, ReturnType, Type};

/// The body of a method as `#[async_trait]` expands it: a non-`async` fn
/// returning `Pin<Box<dyn Future<Output = T> + ..>>` whose last statement is
/// `Box::pin(async move { .. })` (the shape `tracing::instrument`
/// recognizes too).
pub(crate) struct AsyncTraitBody {
    /// `-> T`, the output of the `async fn` as written.
    pub(crate) output: ReturnType,
    /// The block of the `async move`.
    pub(crate) block: syn::Block,
    /// The index of the `Box::pin(..)` statement in the function's body.
    pub(crate) statement: usize,
}

impl AsyncTraitBody {
    pub(crate) fn find(item: &ItemFn) -> Option<Self> {
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

/// How a function returns its stream.
pub(crate) struct StreamShape {
    /// The stream's item type where the return type writes it (`Item = X`,
    /// `BoxStream<'_, X>`): it types the observer's argument before the
    /// body's own types are inferred.
    pub(crate) item: Option<Type>,
    /// `Result<Stream, E>` (under any alias): only `Ok` carries a stream.
    pub(crate) result: bool,
    /// The declared stream type is a named (boxed) type, not `impl Stream`:
    /// the instrumented stream is boxed into it.
    pub(crate) boxed: bool,
}

/// The function's stream, from its return type: `impl Stream<..>`, a boxed
/// stream (`BoxStream`, `LocalBoxStream`, `Pin<Box<dyn Stream ..>>`), or a
/// `...Result<_, E>` of one; with `declared` (the `stream` flag) any type.
pub(crate) fn stream_shape(output: &ReturnType, declared: bool) -> Option<StreamShape> {
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
pub(crate) fn stream_item_type(ty: &Type) -> Option<Type> {
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

/// Finds an `impl Trait` in a type.
pub(crate) struct FindImpl(pub(crate) bool);

impl syn::visit::Visit<'_> for FindImpl {
    fn visit_type_impl_trait(&mut self, _: &syn::TypeImplTrait) {
        self.0 = true;
    }
}

pub(crate) struct ImplToInfer;

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

/// Names bound by the function's parameters (`self` excluded).
pub(crate) fn parameter_names(item: &ItemFn) -> Vec<syn::Ident> {
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
