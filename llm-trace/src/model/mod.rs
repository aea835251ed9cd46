//! L1 of the runtime: data only. The values that providers build and the
//! call, content capture, cost and metrics read — token usage, request and
//! response facts, message parts and the output accumulator. Nothing here
//! imports a module above `bound`, `metadata` and `semconv`.

mod accumulate;
mod info;
pub(crate) mod message;
pub(crate) mod value;

pub use accumulate::OutputAccumulator;
pub use info::{RequestInfo, ResponseInfo, ToolCall, Usage, MAX_PLAUSIBLE_TOKENS};
pub(crate) use message::modality;
pub use message::{
    normalize_finish_reason, InputMessage, OutputMessage, Part, RequestContent, ToolDefinition,
};
