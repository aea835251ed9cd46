//! How Rust values become span attribute values.

use std::borrow::Cow;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use opentelemetry::{Array, StringValue, Value};

/// A value that can be recorded as a span attribute.
///
/// Integers, floats, bools, strings, `Option`s of them (`None` records
/// nothing) and slices, arrays or `Vec`s of them (OpenTelemetry arrays)
/// convert; `fields(...)`, `current_call().set_attribute(...)` and the
/// metadata scopes take any `AttributeValue`. Implement it for a type of
/// your own that has one natural attribute value:
///
/// ```
/// use llm_trace::metadata::AttributeValue;
/// use llm_trace::opentelemetry::Value;
///
/// pub enum Tier { Free, Pro }
///
/// impl AttributeValue for Tier {
///     fn to_value(&self) -> Option<Value> {
///         Some(match self {
///             Tier::Free => "free".into(),
///             Tier::Pro => "pro".into(),
///         })
///     }
/// }
///
/// assert_eq!(Tier::Pro.to_value(), Some(Value::from("pro")));
/// assert_eq!(None::<u32>.to_value(), None);
///
/// #[llm_trace::llm_call(provider = "openai", model = "gpt-4o-mini", fields(user.tier = tier))]
/// async fn answer(tier: Tier) -> String {
///     String::new()
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as a span attribute value",
    label = "not an attribute value",
    note = "integers, floats, bools, strings, `Option`s of them and slices or `Vec`s of them convert",
    note = "write `%expr` to record its `Display` text, or `?expr` for its `Debug` text"
)]
pub trait AttributeValue {
    /// The OpenTelemetry value, or `None` to record nothing.
    fn to_value(&self) -> Option<Value>;
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl AttributeValue for $t {
            #[inline]
            fn to_value(&self) -> Option<Value> {
                Some(Value::I64(i64::from(*self)))
            }
        }
    )*};
}
int_value!(i8, i16, i32, i64, u8, u16, u32);

// Wider unsigned integers are exact as long as they fit an i64; beyond that
// the decimal text keeps the value intact instead of wrapping it.
macro_rules! wide_int_value {
    ($($t:ty),*) => {$(
        impl AttributeValue for $t {
            #[inline]
            fn to_value(&self) -> Option<Value> {
                Some(match i64::try_from(*self) {
                    Ok(v) => Value::I64(v),
                    Err(_) => Value::String(self.to_string().into()),
                })
            }
        }
    )*};
}
wide_int_value!(u64, usize, isize, i128, u128);

impl AttributeValue for f64 {
    #[inline]
    fn to_value(&self) -> Option<Value> {
        Some(Value::F64(*self))
    }
}

impl AttributeValue for f32 {
    #[inline]
    fn to_value(&self) -> Option<Value> {
        Some(Value::F64(f64::from(*self)))
    }
}

impl AttributeValue for bool {
    #[inline]
    fn to_value(&self) -> Option<Value> {
        Some(Value::Bool(*self))
    }
}

impl AttributeValue for str {
    fn to_value(&self) -> Option<Value> {
        Some(Value::String(self.to_owned().into()))
    }
}

impl AttributeValue for String {
    fn to_value(&self) -> Option<Value> {
        self.as_str().to_value()
    }
}

impl AttributeValue for Cow<'_, str> {
    fn to_value(&self) -> Option<Value> {
        self.as_ref().to_value()
    }
}

impl AttributeValue for Value {
    fn to_value(&self) -> Option<Value> {
        Some(self.clone())
    }
}

impl AttributeValue for StringValue {
    fn to_value(&self) -> Option<Value> {
        Some(Value::String(self.clone()))
    }
}

impl<T: AttributeValue> AttributeValue for Option<T> {
    fn to_value(&self) -> Option<Value> {
        self.as_ref()?.to_value()
    }
}

macro_rules! pointer_value {
    ($($p:ty),*) => {$(
        impl<T: AttributeValue + ?Sized> AttributeValue for $p {
            #[inline]
            fn to_value(&self) -> Option<Value> {
                (**self).to_value()
            }
        }
    )*};
}
pointer_value!(&T, &mut T, Box<T>, Arc<T>, Rc<T>);

/// Element types of array attributes: a slice, array or `Vec` of them is an
/// [`AttributeValue`].
///
/// ```
/// use llm_trace::metadata::AttributeValue;
/// use llm_trace::opentelemetry::{Array, Value};
///
/// let tags = vec!["billing", "urgent"];
/// assert_eq!(
///     tags.to_value(),
///     Some(Value::Array(Array::String(vec!["billing".into(), "urgent".into()]))),
/// );
/// assert_eq!([1_u32, 2].to_value(), Some(Value::Array(Array::I64(vec![1, 2]))));
/// ```
#[diagnostic::on_unimplemented(
    message = "a sequence of `{Self}` cannot be recorded as an array attribute",
    note = "arrays of integers, floats, bools or strings convert"
)]
pub trait ArrayElement: Sized {
    /// The OpenTelemetry array of `items`.
    fn to_array(items: &[Self]) -> Array;
}

macro_rules! int_element {
    ($($t:ty),*) => {$(
        impl ArrayElement for $t {
            fn to_array(items: &[Self]) -> Array {
                Array::I64(items.iter().map(|v| *v as i64).collect())
            }
        }
    )*};
}
int_element!(i8, i16, i32, i64, u8, u16, u32, isize);

impl ArrayElement for f64 {
    fn to_array(items: &[Self]) -> Array {
        Array::F64(items.to_vec())
    }
}

impl ArrayElement for f32 {
    fn to_array(items: &[Self]) -> Array {
        Array::F64(items.iter().map(|v| f64::from(*v)).collect())
    }
}

impl ArrayElement for bool {
    fn to_array(items: &[Self]) -> Array {
        Array::Bool(items.to_vec())
    }
}

macro_rules! str_element {
    ($($t:ty),*) => {$(
        impl ArrayElement for $t {
            fn to_array(items: &[Self]) -> Array {
                Array::String(items.iter().map(|s| StringValue::from(s.to_string())).collect())
            }
        }
    )*};
}
str_element!(String, &str, Cow<'_, str>, Box<str>, Arc<str>);

impl<T: ArrayElement> AttributeValue for [T] {
    fn to_value(&self) -> Option<Value> {
        Some(Value::Array(T::to_array(self)))
    }
}

impl<T: ArrayElement, const N: usize> AttributeValue for [T; N] {
    fn to_value(&self) -> Option<Value> {
        self.as_slice().to_value()
    }
}

impl<T: ArrayElement> AttributeValue for Vec<T> {
    fn to_value(&self) -> Option<Value> {
        self.as_slice().to_value()
    }
}

/// Records the `Display` text of a value (`%expr` in `fields(...)`).
pub struct DisplayValue<'a, T: ?Sized>(pub &'a T);

impl<T: fmt::Display + ?Sized> AttributeValue for DisplayValue<'_, T> {
    fn to_value(&self) -> Option<Value> {
        Some(Value::String(self.0.to_string().into()))
    }
}

/// Records the `Debug` text of a value (`?expr` in `fields(...)`).
pub struct DebugValue<'a, T: ?Sized>(pub &'a T);

impl<T: fmt::Debug + ?Sized> AttributeValue for DebugValue<'_, T> {
    fn to_value(&self) -> Option<Value> {
        Some(Value::String(format!("{:?}", self.0).into()))
    }
}

/// A literal metadata value written in the annotation; converting it does not allocate.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StaticValue {
    Str(&'static str),
    I64(i64),
    F64(f64),
    Bool(bool),
}

impl StaticValue {
    pub(crate) fn to_value(self) -> Value {
        match self {
            StaticValue::Str(s) => Value::String(StringValue::from(s)),
            StaticValue::I64(v) => Value::I64(v),
            StaticValue::F64(v) => Value::F64(v),
            StaticValue::Bool(v) => Value::Bool(v),
        }
    }
}
