//! L5 of the runtime: one instrumented call. The generated code of
//! `#[llm_call]` calls only this module (through `__private`).
//!
//! - [`site`]: what the macro knows at compile time (`CallSite`), the
//!   attribute scratch buffer, `fields(...)`;
//! - [`lifecycle`]: `Call` — start (in named steps), record, finish;
//! - [`attributes`]: request and response facts as the conventions'
//!   attributes;
//! - [`future`]: the `Instrumented` and `Run` futures around a body;
//! - [`stream`]: the wrapper that keeps a streamed call's span open;
//! - [`current`]: the running call, reached from inside its body;
//! - [`probe`]: the autoref probes that read a return value of any type;
//! - [`error`]: the text of an error or a panic;
//! - [`glue`]: the typed helpers of the generated code.

mod attributes;
pub(crate) mod current;
mod error;
mod future;
pub(crate) mod glue;
mod lifecycle;
pub(crate) mod probe;
mod site;
mod stream;

pub use error::ErrorMessage;
pub use future::{Instrumented, Run};
pub(crate) use glue::NoProvider;
pub use lifecycle::Call;
pub(crate) use lifecycle::StreamTiming;
pub use site::{CallSite, Fields};
pub use stream::InstrumentedStream;
