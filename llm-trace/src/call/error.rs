//! The text of a failed call: the message of its error or panic (bounded
//! by [`crate::bound::bounded_text`] where it is recorded).

use std::any::Any;
use std::fmt;

/// The message of an `Err`, through whichever of `Display` or `Debug` its type has.
#[doc(hidden)]
pub enum ErrorMessage<'a> {
    Display(&'a dyn fmt::Display),
    Debug(&'a dyn fmt::Debug),
    None,
}

impl fmt::Display for ErrorMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorMessage::Display(e) => e.fmt(f),
            ErrorMessage::Debug(e) => e.fmt(f),
            ErrorMessage::None => Ok(()),
        }
    }
}

pub(super) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "Box<dyn Any>"
    }
}
