//! Response bodies, any bytes: every provider's raw-JSON facts and every
//! typed response type (`llm_trace_testkit::hostile::response_bytes`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    llm_trace_testkit::hostile::response_bytes(data);
});
