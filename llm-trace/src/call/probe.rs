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
use std::pin::Pin;

use futures_core::Stream;

use super::glue::NoProvider;
use super::{Call, ErrorMessage, InstrumentedStream};
use crate::facts::ErrorType;
use crate::provider::{ChunkFacts, Provider, ResponseFacts, StreamFacts};

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

/// Probe over a return value for `&mut` access: `Result` or plain value
/// (the `Ok` value may be replaced: a stream is wrapped in place).
#[doc(hidden)]
pub struct SplitMut<T>(PhantomData<fn() -> T>);

impl<T> SplitMut<T> {
    /// The probe of `value`'s type (`value` itself is passed to the method).
    #[inline(always)]
    pub fn of(_: &T) -> Self {
        SplitMut(PhantomData)
    }
}

#[doc(hidden)]
pub trait SplitMutResult<T, E> {
    fn __llm_trace_split_mut<'a>(&self, value: &'a mut Result<T, E>) -> Result<&'a mut T, &'a E>;
}

impl<T, E> SplitMutResult<T, E> for SplitMut<Result<T, E>> {
    #[inline(always)]
    fn __llm_trace_split_mut<'a>(&self, value: &'a mut Result<T, E>) -> Result<&'a mut T, &'a E> {
        match value {
            Ok(ok) => Ok(ok),
            Err(err) => Err(err),
        }
    }
}

#[doc(hidden)]
pub trait SplitMutValue<T> {
    fn __llm_trace_split_mut<'a>(&self, value: &'a mut T) -> Result<&'a mut T, &'a Infallible>;
}

impl<T> SplitMutValue<T> for &SplitMut<T> {
    #[inline(always)]
    fn __llm_trace_split_mut<'a>(&self, value: &'a mut T) -> Result<&'a mut T, &'a Infallible> {
        Ok(value)
    }
}

/// The item type the observer of a value that is not a stream is typed
/// with; no value of it exists.
#[doc(hidden)]
#[derive(Debug)]
pub enum NotAStream {}

/// The boxed streams wrapped in place.
type BoxedStream<'a, I> = Pin<Box<dyn Stream<Item = I> + Send + 'a>>;
type BoxedSyncStream<'a, I> = Pin<Box<dyn Stream<Item = I> + Send + Sync + 'a>>;
type LocalBoxedStream<'a, I> = Pin<Box<dyn Stream<Item = I> + 'a>>;

/// Whether a function's declared return type is a stream the call wraps in
/// place (`Pin<Box<dyn Stream ..>>` under any name, also in a `Result` or
/// an `Option`): `(&StreamKind::<T>::new()).__llm_trace_streams()`, asked
/// before the call starts, so that its span says `gen_ai.request.stream`
/// and times the first chunk.
#[doc(hidden)]
pub struct StreamKind<T: ?Sized>(PhantomData<fn() -> Box<T>>);

impl<T: ?Sized> StreamKind<T> {
    #[inline(always)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        StreamKind(PhantomData)
    }
}

#[doc(hidden)]
pub trait KindStream {
    fn __llm_trace_streams(&self) -> bool;
}

#[doc(hidden)]
pub trait KindOther {
    fn __llm_trace_streams(&self) -> bool;
}

impl<T: ?Sized> KindOther for &StreamKind<T> {
    #[inline(always)]
    fn __llm_trace_streams(&self) -> bool {
        false
    }
}

/// Probe over the `Ok` value of a call, most specific first:
/// `(&&&&&Outcome::<P, _>::of(ok)).__llm_trace_end(call, ok, observe)`
/// resolves to
/// 1. ([`EndStream`]) a boxed stream (`Pin<Box<dyn Stream ..>>` under any
///    name, or an `Option` of one): wrapped in place, the call handed to it;
/// 2. ([`EndFacts`]) a response type with [`ResponseFacts`];
/// 3. ([`EndOptionFacts`]) an `Option` of one;
/// 4. ([`EndOtherStream`]) any other [`Stream`]: a compile error, as it
///    cannot be wrapped and returned as its declared type;
/// 5. anything else: in a model call ([`EndModel`]) only what cannot carry
///    facts ([`NoResponseFacts`]), else a compile error that says what to
///    do; in other calls ([`EndAny`]) anything. The macro imports one of
///    the two.
///
/// `observe` reads a stream's items; it is generated where their type is
/// concrete, and typed by the level that applies.
#[doc(hidden)]
pub struct Outcome<P, T>(PhantomData<fn() -> (P, T)>);

impl<P, T> Outcome<P, T> {
    #[inline(always)]
    pub fn of(_: &T) -> Self {
        Outcome(PhantomData)
    }
}

/// The observer of a stream's items.
#[doc(hidden)]
pub type Observe<I> = fn(&I, &mut StreamFacts);

/// A stand-in for a boxed stream while it is moved out of its place: never
/// polled, and zero-sized (its box allocates nothing).
struct Taken<I>(PhantomData<fn() -> I>);

impl<I> Stream for Taken<I> {
    type Item = I;

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<I>> {
        std::task::Poll::Ready(None)
    }
}

#[doc(hidden)]
pub trait EndStream<V, I> {
    fn __llm_trace_end(&self, call: &mut Option<Call>, value: &mut V, observe: Observe<I>);
}

macro_rules! boxed_streams {
    ($($boxed:ident),*) => {$(
        impl<I> KindStream for StreamKind<$boxed<'_, I>> {
            #[inline(always)]
            fn __llm_trace_streams(&self) -> bool {
                true
            }
        }
        impl<I, E> KindStream for StreamKind<Result<$boxed<'_, I>, E>> {
            #[inline(always)]
            fn __llm_trace_streams(&self) -> bool {
                true
            }
        }
        impl<I> KindStream for StreamKind<Option<$boxed<'_, I>>> {
            #[inline(always)]
            fn __llm_trace_streams(&self) -> bool {
                true
            }
        }
        impl<'a, P: Provider, I: 'a> EndStream<$boxed<'a, I>, I> for &&&&Outcome<P, $boxed<'a, I>> {
            #[inline]
            fn __llm_trace_end(
                &self,
                call: &mut Option<Call>,
                value: &mut $boxed<'a, I>,
                observe: Observe<I>,
            ) {
                if let Some(call) = call.take() {
                    let inner = std::mem::replace(value, Box::pin(Taken(PhantomData)));
                    *value = Box::pin(InstrumentedStream::new(Some(call), inner, observe));
                }
            }
        }
        impl<'a, P: Provider, I: 'a> EndStream<Option<$boxed<'a, I>>, I>
            for &&&&Outcome<P, Option<$boxed<'a, I>>>
        {
            #[inline]
            fn __llm_trace_end(
                &self,
                call: &mut Option<Call>,
                value: &mut Option<$boxed<'a, I>>,
                observe: Observe<I>,
            ) {
                match value {
                    Some(stream) => (&&&&Outcome::<P, _>::of(stream))
                        .__llm_trace_end(call, stream, observe),
                    // No stream: nothing to read.
                    None => {
                        if let Some(call) = call {
                            call.end_ok::<P>(None);
                        }
                    }
                }
            }
        }
    )*};
}

boxed_streams!(BoxedStream, BoxedSyncStream, LocalBoxedStream);

#[doc(hidden)]
pub trait EndFacts<P: Provider, V> {
    fn __llm_trace_end(&self, call: &mut Option<Call>, value: &mut V, observe: Observe<NotAStream>);
}

impl<P: Provider, V: ResponseFacts<P>> EndFacts<P, V> for &&&Outcome<P, V> {
    #[inline(always)]
    fn __llm_trace_end(&self, call: &mut Option<Call>, value: &mut V, _: Observe<NotAStream>) {
        if let Some(call) = call {
            call.end_ok::<P>(Some(&*value));
        }
    }
}

#[doc(hidden)]
pub trait EndOptionFacts<P: Provider, V> {
    fn __llm_trace_end(
        &self,
        call: &mut Option<Call>,
        value: &mut Option<V>,
        observe: Observe<NotAStream>,
    );
}

impl<P: Provider, V: ResponseFacts<P>> EndOptionFacts<P, V> for &&Outcome<P, Option<V>> {
    #[inline(always)]
    fn __llm_trace_end(
        &self,
        call: &mut Option<Call>,
        value: &mut Option<V>,
        _: Observe<NotAStream>,
    ) {
        if let Some(call) = call {
            call.end_ok::<P>(value.as_ref().map(|v| v as &dyn ResponseFacts<P>));
        }
    }
}

/// A stream `#[llm_call]` cannot wrap and return as its declared type.
#[diagnostic::on_unimplemented(
    message = "`#[llm_call]` cannot wrap the stream `{Self}` and return it as its declared type",
    label = "the span of this call would end before its stream is read",
    note = "declare the return type as `impl Stream<Item = ..>`, or as a boxed stream \
            (`Pin<Box<dyn Stream<Item = ..> + Send>>`, `BoxStream<'_, ..>`) under any name, also \
            in a `Result`; the `stream` flag is only needed for an `impl` of another stream trait \
            or a function that is not `async`",
    note = "or, to end the span when the function returns without reading the stream, add \
            `response = none`"
)]
#[doc(hidden)]
pub trait WrappableStream {}

#[doc(hidden)]
pub trait EndOtherStream<V> {
    fn __llm_trace_end(&self, call: &mut Option<Call>, value: &mut V, observe: Observe<NotAStream>)
    where
        V: WrappableStream;
}

impl<P, V: Stream> EndOtherStream<V> for &Outcome<P, V> {
    #[inline(always)]
    fn __llm_trace_end(&self, _: &mut Option<Call>, _: &mut V, _: Observe<NotAStream>)
    where
        V: WrappableStream,
    {
    }
}

/// The values of a model call that cannot carry facts (numbers, text,
/// bytes, `()`, and collections of them): its span records no usage,
/// model or finish reasons. Any other type must give facts.
#[diagnostic::on_unimplemented(
    message = "`#[llm_call]` cannot read a response of provider `{P}` from `{Self}`",
    label = "a model call returns `{Self}`, from which its span would record no usage",
    note = "implement `llm_trace::provider::ResponseFacts<{P}>` for `{Self}` (for a generic \
            type, bound it with `ResponseFacts<{P}>`), so that usage, model and finish reasons \
            are recorded",
    note = "or, if this value is not the model's response, say so: \
            `#[llm_call(.., response = none)]`"
)]
pub trait NoResponseFacts<P> {}

/// The items of a model call's stream that cannot carry facts (text,
/// numbers, ...): its span records no usage from them. Any other item
/// type must give facts.
#[diagnostic::on_unimplemented(
    message = "`#[llm_call]` cannot read the stream chunks of provider `{P}` from `{Self}`",
    label = "a model call streams `{Self}`, from which its span would record no usage",
    note = "implement `llm_trace::provider::ChunkFacts<{P}>` for `{Self}` (for a generic \
            type, bound it with `ChunkFacts<{P}>`), so that usage, model and finish reasons \
            are recorded",
    note = "or, if these items are not the model's response, say so: \
            `#[llm_call(.., response = none)]`"
)]
pub trait NoChunkFacts<P> {}

macro_rules! fact_less {
    ($($t:ty),* $(,)?) => {$(
        impl<P> NoResponseFacts<P> for $t {}
        impl<P> NoChunkFacts<P> for $t {}
    )*};
}

fact_less!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    str,
    String,
    Cow<'_, str>,
    Infallible,
    NotAStream,
    bytes::Bytes,
    bytes::BytesMut,
);

macro_rules! fact_less_wrappers {
    ($($t:ty),* $(,)?) => {$(
        impl<P, T: NoResponseFacts<P> + ?Sized> NoResponseFacts<P> for $t {}
        impl<P, T: NoChunkFacts<P> + ?Sized> NoChunkFacts<P> for $t {}
    )*};
}

fact_less_wrappers!(Box<T>, std::sync::Arc<T>, std::rc::Rc<T>, &T, &mut T);

macro_rules! fact_less_collections {
    ($($t:ty),* $(,)?) => {$(
        impl<P, T: NoResponseFacts<P>> NoResponseFacts<P> for $t {}
        impl<P, T: NoChunkFacts<P>> NoChunkFacts<P> for $t {}
    )*};
}

fact_less_collections!(Vec<T>, [T], Option<T>);

impl<P, T: NoResponseFacts<P>, const N: usize> NoResponseFacts<P> for [T; N] {}
impl<P, T: NoChunkFacts<P>, const N: usize> NoChunkFacts<P> for [T; N] {}

macro_rules! fact_less_tuples {
    ($(($($t:ident),+)),* $(,)?) => {$(
        impl<P, $($t: NoResponseFacts<P>),+> NoResponseFacts<P> for ($($t,)+) {}
        impl<P, $($t: NoChunkFacts<P>),+> NoChunkFacts<P> for ($($t,)+) {}
    )*};
}

fact_less_tuples!((A), (A, B), (A, B, C), (A, B, C, D));

#[doc(hidden)]
pub trait EndModel<P, V> {
    fn __llm_trace_end(&self, call: &mut Option<Call>, value: &mut V, observe: Observe<NotAStream>)
    where
        V: NoResponseFacts<P>;
}

impl<P, V> EndModel<P, V> for Outcome<P, V> {
    #[inline(always)]
    fn __llm_trace_end(&self, call: &mut Option<Call>, _: &mut V, _: Observe<NotAStream>)
    where
        V: NoResponseFacts<P>,
    {
        if let Some(call) = call {
            call.end_ok::<NoProvider>(None);
        }
    }
}

#[doc(hidden)]
pub trait EndAny<P, V> {
    fn __llm_trace_end(&self, call: &mut Option<Call>, value: &mut V, observe: Observe<NotAStream>);
}

impl<P, V> EndAny<P, V> for Outcome<P, V> {
    #[inline(always)]
    fn __llm_trace_end(&self, call: &mut Option<Call>, _: &mut V, _: Observe<NotAStream>) {
        if let Some(call) = call {
            call.end_ok::<NoProvider>(None);
        }
    }
}

/// The fallback of the chunk probe in a model call: items that cannot
/// carry facts, else a compile error that says what to do.
#[doc(hidden)]
pub trait ChunkModel<P, T> {
    fn __llm_trace_observe(&self, facts: &mut StreamFacts)
    where
        T: NoChunkFacts<P>;
}

impl<P, T> ChunkModel<P, T> for Chunk<'_, P, T> {
    #[inline(always)]
    fn __llm_trace_observe(&self, _: &mut StreamFacts)
    where
        T: NoChunkFacts<P>,
    {
    }
}

/// A return type given the `stream` flag must be a stream `#[llm_call]`
/// wraps in place.
#[diagnostic::on_unimplemented(
    message = "`stream`: `{Self}` is not a stream that `#[llm_call]` can wrap as its declared type",
    label = "declared a stream by `stream`",
    note = "`stream` is for a boxed stream (`Pin<Box<dyn Stream<Item = ..> + Send>>`, \
            `BoxStream<'_, ..>`) under any name, also in a `Result`, or `impl` of a stream trait; \
            remove `stream` if the function does not return a stream"
)]
#[doc(hidden)]
pub trait DeclaredStream {}

/// The fallback of [`StreamKind`] when the `stream` flag is given.
#[doc(hidden)]
pub trait KindDeclared<T: ?Sized> {
    fn __llm_trace_streams(&self) -> bool
    where
        T: DeclaredStream;
}

impl<T: ?Sized> KindDeclared<T> for &StreamKind<T> {
    #[inline(always)]
    fn __llm_trace_streams(&self) -> bool
    where
        T: DeclaredStream,
    {
        false
    }
}
