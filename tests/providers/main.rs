//! What each provider's bodies and each client crate's types give: usage
//! fields, the OpenAI-compatible vendors, content in the conventions' model,
//! parity with the official instrumentations, the async-openai, claudius and
//! genai adapters, and the `error.type` of client errors.
//!
//! One binary: these tests change no process-wide setting (the spans they
//! export go to the shared in-memory capture of `llm_trace_testkit::capture`).

mod async_openai;
mod claudius;
mod client_errors;
mod compatible_providers;
mod content_providers;
mod genai;
mod parity;
mod usage_fields;
