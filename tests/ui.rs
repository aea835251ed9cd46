//! Compile-fail tests: the exact errors `#[llm_call]` reports for wrong
//! input. Compiler output drifts between releases, so they run on stable only.
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test ui`.

#[rustversion::stable]
#[test]
fn ui() {
    // trybuild resolves these paths from the owning package's directory,
    // testkit/, where `tests/ui` is a link to the top-level `tests/ui`: the
    // compiler then names each file `tests/ui/<name>.rs`, as the `.stderr`
    // files expect.
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
