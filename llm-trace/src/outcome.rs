//! Reading an instrumented function's return value without knowing its type
//! in advance.
//!
//! The generated code calls these probes where the return type is concrete,
//! and method resolution picks the most specific one (autoref
//! specialization): a `Result` (under any alias) is split into `Ok`/`Err`, a
//! response type that implements [`ResponseFacts`] gives usage, an error type
//! that implements [`ErrorType`] names its `error.type`. Types that implement
//! none of these still work; their spans simply say less.

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::marker::PhantomData;

use crate::call::ErrorMessage;
use crate::provider::{ChunkFacts, Provider, ResponseFacts, StreamFacts};

/// Names the `error.type` of an error: a short, stable, low-cardinality
/// identifier such as `"rate_limited"`, `"timeout"` or an HTTP status code.
///
/// Errors that do not implement it are named by their type's path
/// (`std::any::type_name`), which the conventions accept.
///
/// ```
/// use std::borrow::Cow;
///
/// #[derive(Debug)]
/// enum ApiError { RateLimited, Status(u16) }
///
/// impl llm_trace::ErrorType for ApiError {
///     fn error_type(&self) -> Cow<'static, str> {
///         match self {
///             ApiError::RateLimited => "rate_limited".into(),
///             ApiError::Status(code) => code.to_string().into(),
///         }
///     }
/// }
/// ```
pub trait ErrorType {
    /// The `error.type` attribute value.
    fn error_type(&self) -> Cow<'static, str>;
}

/// Probe over a return value: `Result` or plain value.
#[doc(hidden)]
pub struct Split<'a, T>(pub &'a T);

#[doc(hidden)]
pub trait SplitResult<'a, T, E> {
    fn __llm_trace_split(&self) -> Result<&'a T, &'a E>;
}

impl<'a, T, E> SplitResult<'a, T, E> for Split<'a, Result<T, E>> {
    #[inline]
    fn __llm_trace_split(&self) -> Result<&'a T, &'a E> {
        self.0.as_ref()
    }
}

#[doc(hidden)]
pub trait SplitValue<'a, T> {
    fn __llm_trace_split(&self) -> Result<&'a T, &'a Infallible>;
}

impl<'a, T> SplitValue<'a, T> for &Split<'a, T> {
    #[inline]
    fn __llm_trace_split(&self) -> Result<&'a T, &'a Infallible> {
        Ok(self.0)
    }
}

/// Probe over a successful value: does it describe a `P` response?
#[doc(hidden)]
pub struct Facts<'a, P, T>(pub &'a T, pub PhantomData<P>);

impl<'a, P, T> Facts<'a, P, T> {
    #[inline]
    pub fn new(value: &'a T) -> Self {
        Facts(value, PhantomData)
    }
}

#[doc(hidden)]
pub trait FactsKnown<'a, P: Provider> {
    fn __llm_trace_facts(&self) -> Option<&'a dyn ResponseFacts<P>>;
}

impl<'a, P: Provider, T: ResponseFacts<P>> FactsKnown<'a, P> for Facts<'a, P, T> {
    #[inline]
    fn __llm_trace_facts(&self) -> Option<&'a dyn ResponseFacts<P>> {
        Some(self.0)
    }
}

#[doc(hidden)]
pub trait FactsUnknown<'a, P: Provider> {
    fn __llm_trace_facts(&self) -> Option<&'a dyn ResponseFacts<P>>;
}

impl<'a, P: Provider, T> FactsUnknown<'a, P> for &Facts<'a, P, T> {
    #[inline]
    fn __llm_trace_facts(&self) -> Option<&'a dyn ResponseFacts<P>> {
        None
    }
}

/// Probe over a stream chunk, most specific first: `(&&&Chunk::new(c))`
/// resolves to [`ChunkFacts`] (on `&&Chunk`), then to a whole response's
/// [`ResponseFacts`] merged into the stream's facts (on `&Chunk`), then to
/// nothing (on `Chunk`).
#[doc(hidden)]
pub struct Chunk<'a, P, T>(pub &'a T, pub PhantomData<P>);

impl<'a, P, T> Chunk<'a, P, T> {
    #[inline]
    pub fn new(value: &'a T) -> Self {
        Chunk(value, PhantomData)
    }
}

#[doc(hidden)]
pub trait ChunkKnown {
    fn __llm_trace_observe(&self, facts: &mut StreamFacts);
}

impl<P: Provider, T: ChunkFacts<P>> ChunkKnown for &&Chunk<'_, P, T> {
    #[inline]
    fn __llm_trace_observe(&self, facts: &mut StreamFacts) {
        self.0.observe(facts)
    }
}

#[doc(hidden)]
pub trait ChunkWhole {
    fn __llm_trace_observe(&self, facts: &mut StreamFacts);
}

impl<P: Provider, T: ResponseFacts<P>> ChunkWhole for &Chunk<'_, P, T> {
    #[inline]
    fn __llm_trace_observe(&self, facts: &mut StreamFacts) {
        facts.merge(self.0.response_info())
    }
}

#[doc(hidden)]
pub trait ChunkUnknown {
    fn __llm_trace_observe(&self, facts: &mut StreamFacts);
}

impl<P, T> ChunkUnknown for Chunk<'_, P, T> {
    #[inline]
    fn __llm_trace_observe(&self, _: &mut StreamFacts) {}
}

/// Probe over an error: its `error.type` and its message.
#[doc(hidden)]
pub struct Failure<'a, E>(pub &'a E);

#[doc(hidden)]
pub trait ErrorTypeKnown {
    fn __llm_trace_error_type(&self) -> Cow<'static, str>;
}

impl<E: ErrorType> ErrorTypeKnown for Failure<'_, E> {
    #[inline]
    fn __llm_trace_error_type(&self) -> Cow<'static, str> {
        self.0.error_type()
    }
}

#[doc(hidden)]
pub trait ErrorTypeName {
    fn __llm_trace_error_type(&self) -> Cow<'static, str>;
}

impl<E> ErrorTypeName for &Failure<'_, E> {
    #[inline]
    fn __llm_trace_error_type(&self) -> Cow<'static, str> {
        Cow::Borrowed(std::any::type_name::<E>())
    }
}

// Message probes, most specific first: `(&&&Failure(e))` resolves to the impl
// on `&&Failure` (Display), then `&Failure` (Debug), then `Failure` (none).
#[doc(hidden)]
pub trait MessageDisplay<'a> {
    fn __llm_trace_message(&self) -> ErrorMessage<'a>;
}

impl<'a, E: fmt::Display> MessageDisplay<'a> for &&Failure<'a, E> {
    #[inline]
    fn __llm_trace_message(&self) -> ErrorMessage<'a> {
        ErrorMessage::Display(self.0)
    }
}

#[doc(hidden)]
pub trait MessageDebug<'a> {
    fn __llm_trace_message(&self) -> ErrorMessage<'a>;
}

impl<'a, E: fmt::Debug> MessageDebug<'a> for &Failure<'a, E> {
    #[inline]
    fn __llm_trace_message(&self) -> ErrorMessage<'a> {
        ErrorMessage::Debug(self.0)
    }
}

#[doc(hidden)]
pub trait MessageNone<'a> {
    fn __llm_trace_message(&self) -> ErrorMessage<'a>;
}

impl<'a, E> MessageNone<'a> for Failure<'a, E> {
    #[inline]
    fn __llm_trace_message(&self) -> ErrorMessage<'a> {
        ErrorMessage::None
    }
}
