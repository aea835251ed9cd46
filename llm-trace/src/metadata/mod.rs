//! Business metadata on LLM spans: typed values, and metadata set around a
//! unit of work.
//!
//! Metadata reaches an LLM span four ways:
//!
//! - in the annotation: `#[llm_call(prompt_id = 5, feature = "summarize")]`;
//! - from the arguments: `#[llm_call(fields(user.id = user.id))]`, converted
//!   through [`AttributeValue`] (integers, floats, bools, strings, `Option`s
//!   of them, which record nothing when `None`, and slices, arrays or `Vec`s
//!   of them as OTel arrays; `%expr` records the `Display` text and `?expr`
//!   the `Debug` text of any value; a type that converts in none of these
//!   ways is a compile error at its expression);
//! - from the body, through [`current_call`](crate::current_call);
//! - around a unit of work: [`with_metadata`] and [`metadata_scope`] put
//!   entries into OpenTelemetry Baggage for everything inside, so every LLM
//!   span created there carries them — in spawned tasks that carry the
//!   context, and in other services that receive the W3C `baggage` header.
//!
//! Where the same key is set twice, the nearer one wins: the annotation over
//! the scope, an inner scope over an outer one.
//!
//! Values are bounded: from `fields(...)`, the body and workflows, a string
//! is cut at [`MAX_ATTRIBUTE_VALUE_BYTES`] and an array at
//! [`MAX_ARRAY_ELEMENTS`] ([`bounded_value`]); scope and baggage entries over
//! [`MAX_VALUE_BYTES`], or beyond [`MAX_ENTRIES_PER_SPAN`] per span, are
//! dropped and counted ([`dropped_entries`]).

mod bound;
mod scope;
mod value;

pub(crate) use bound::{
    bounded_model, bounded_str, bounded_strings, bounded_strings_with, entry_prefix,
};
pub use bound::{bounded_value, MAX_ARRAY_ELEMENTS, MAX_ATTRIBUTE_VALUE_BYTES, MAX_MODEL_BYTES};
pub(crate) use scope::scope_attributes;
pub use scope::{
    allow_baggage_keys, context_with_metadata, dropped_entries, metadata_scope, with_metadata,
    WithMetadata, MAX_ENTRIES_PER_SPAN, MAX_VALUE_BYTES,
};
#[doc(hidden)]
pub use value::StaticValue;
pub use value::{ArrayElement, AttributeValue, DebugValue, DisplayValue};
