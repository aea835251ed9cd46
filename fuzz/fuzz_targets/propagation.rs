//! Incoming `traceparent`, `tracestate` and `baggage` headers, one
//! `name: value` a line (`llm_trace_testkit::hostile::headers`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use llm_trace_testkit::hostile;

fuzz_target!(|data: &[u8]| {
    hostile::headers(&hostile::headers_from_text(data));
});
