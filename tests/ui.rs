//! Compile-fail tests: the exact errors `#[llm_call]` reports for wrong
//! input. Compiler output drifts between releases, so they run on stable only.
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test ui`.

#[rustversion::stable]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
