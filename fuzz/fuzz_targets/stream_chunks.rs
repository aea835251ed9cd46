//! Streamed responses: raw SSE / NDJSON bytes split at arbitrary points
//! (the first byte seeds the split points), and each provider's stream
//! chunks as JSON (`llm_trace_testkit::hostile::stream_bytes`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use llm_trace_testkit::hostile;

fuzz_target!(|data: &[u8]| {
    hostile::stream_bytes(data);
});
