//! Hostile input never panics: property tests of every parser that reads
//! what comes from outside (provider bodies, W3C headers) and of the bounds
//! on what gets recorded. The properties themselves are in
//! `llm_trace_testkit::hostile`, shared with the cargo-fuzz targets in
//! `fuzz/`, whose seed corpus (`fuzz/corpus/`) seeds these tests too.
//!
//! Case counts are set per test to keep the whole binary within a few
//! seconds; `PROPTEST_CASES=100000 cargo test --test hostile` searches longer.

mod headers;
mod metadata;
mod providers;
mod streams;

use std::path::Path;

/// The files of one fuzz target's seed corpus, sorted by name.
pub fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    // The manifest directory is testkit/, a sibling of fuzz/.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a corpus entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("a corpus file"))
        })
        .collect();
    files.sort();
    files
}

/// Cases per property: `PROPTEST_CASES` when set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
