//! The compile-time off switch: with llm-trace's `off` feature,
//! `#[llm_call]` expands to the function as written, so the annotated call
//! costs what the un-instrumented one does. A recording SDK is installed,
//! as in an application that traces other things.
//!
//! `cargo bench --bench compiled_out --features off -- --warm-up-time 1 --measurement-time 3`
//! (the `off` feature of this package turns on llm-trace's).

mod common;

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use common::{bench_variant, install_discarding, record_one, uninstrumented, with_llm_call};
use criterion::Criterion;
use opentelemetry_sdk::trace::Sampler;

fn main() {
    const {
        assert!(
            !llm_trace::switch::COMPILED_IN,
            "built without the `off` feature"
        )
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    assert!(record_one(&rt, Sampler::AlwaysOn, None, with_llm_call).is_empty());

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let (provider, _exporter) = install_discarding(Sampler::AlwaysOn);
    let counts: [AtomicU64; 2] = Default::default();
    let mut group = criterion.benchmark_group("compiled_out");
    bench_variant(
        &mut group,
        &rt,
        "uninstrumented",
        uninstrumented,
        &counts[0],
        None,
    );
    bench_variant(
        &mut group,
        &rt,
        "llm_call_compiled_out",
        with_llm_call,
        &counts[1],
        None,
    );
    group.finish();
    eprintln!("\ncompiled_out, interleaved:");
    common::interleave(
        &rt,
        &[
            &common::chunk_timer(uninstrumented, None),
            &common::chunk_timer(with_llm_call, None),
        ],
        1000,
        &[("compiled out: llm_call / uninstrumented", 1, 0)],
    );
    provider.shutdown().expect("tracer provider shutdown");
    criterion.final_summary();
    common::print_ratios(&[(
        "compiled out: llm_call / uninstrumented",
        "compiled_out",
        "llm_call_compiled_out",
        "uninstrumented",
    )]);
}
