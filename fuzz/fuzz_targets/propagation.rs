//! Incoming `traceparent`, `tracestate` and `baggage` headers, one
//! `name: value` a line (`llm_trace_suite::hostile::headers`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use llm_trace_suite::hostile;

fuzz_target!(|data: &[u8]| {
    hostile::headers(&hostile::headers_from_text(data));
});
