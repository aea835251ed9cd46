//! `report --html PATH` never destroys data: not the files it reads, not any
//! file of OTLP/JSON lines, not an existing file without `--force`; the page
//! replaces a file by rename, never by writing over it in place.

use std::path::Path;
use std::process::{Command, Output};

/// One OTLP/JSON line holding one chat call.
const LINE: &str = r#"{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"llm-trace"},"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","parentSpanId":"","name":"chat gpt-4o-mini","kind":3,"startTimeUnixNano":"1777593600000000000","endTimeUnixNano":"1777593600001000000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}}],"status":{"code":0}}]}]}]}"#;

/// Runs the binary in `dir`.
fn binary(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_llm-trace"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The command of the issue: the trace file named the way most commands
/// take a file. It is the default input, so it is refused as the page's
/// path, with or without --force, and stays as it was.
#[test]
fn report_html_naming_the_trace_file_leaves_it_intact() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("llm-trace.jsonl");
    let text = format!("{LINE}\n{LINE}\n");
    std::fs::write(&traces, &text).unwrap();

    for (args, shown) in [
        (
            &["report", "--html", "llm-trace.jsonl"][..],
            "llm-trace.jsonl",
        ),
        (
            &["report", "--html", "llm-trace.jsonl", "--force"],
            "llm-trace.jsonl",
        ),
        (
            &["report", "--force", "--html", "./llm-trace.jsonl"],
            "./llm-trace.jsonl",
        ),
    ] {
        let output = binary(dir.path(), args);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(
            stderr(&output),
            format!(
                "llm-trace: {shown} is one of the files read; not overwriting it (--html \
                 takes the page's own path, e.g. --html report.html)\n"
            ),
            "{args:?}"
        );
        assert!(output.stdout.is_empty(), "nothing reported when refused");
        assert_eq!(std::fs::read_to_string(&traces).unwrap(), text, "{args:?}");
    }
    assert_eq!(
        names(dir.path()),
        ["llm-trace.jsonl"],
        "no page, no temporary file"
    );
}

/// A file of OTLP/JSON lines that is not read this time (another run's
/// traces, a metrics file, a rotated part read with --no-rotated) is not
/// overwritten either, even with --force.
#[test]
fn a_file_of_otlp_json_lines_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("llm-trace.jsonl"), format!("{LINE}\n")).unwrap();
    let metrics = "{\"resourceMetrics\":[]}\n";
    std::fs::write(dir.path().join("llm-trace.metrics.jsonl"), metrics).unwrap();
    let rotated = format!("{LINE}\n");
    std::fs::write(dir.path().join("llm-trace.jsonl.1"), &rotated).unwrap();

    let output = binary(
        dir.path(),
        &["report", "--force", "--html", "llm-trace.metrics.jsonl"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "llm-trace: llm-trace.metrics.jsonl holds OTLP/JSON lines; not overwriting it, even \
         with --force (--html takes the page's own path, e.g. --html report.html)\n"
    );
    let output = binary(
        dir.path(),
        &[
            "report",
            "--no-rotated",
            "--force",
            "--html",
            "llm-trace.jsonl.1",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("holds OTLP/JSON lines"));

    assert_eq!(
        std::fs::read_to_string(dir.path().join("llm-trace.metrics.jsonl")).unwrap(),
        metrics
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("llm-trace.jsonl.1")).unwrap(),
        rotated
    );
}

/// An existing page is kept without --force; with it, the new page
/// replaces the old by rename: a hard link to the old file still holds the
/// old bytes (a write in place would have changed them), and no temporary
/// file is left behind.
#[test]
fn an_existing_page_is_replaced_only_with_force_and_by_rename() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("llm-trace.jsonl"), format!("{LINE}\n")).unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, "old page").unwrap();
    std::fs::hard_link(&page, dir.path().join("old.html")).unwrap();

    let output = binary(dir.path(), &["report", "--html", "report.html"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "llm-trace: report.html exists; --force replaces it\n"
    );
    assert_eq!(std::fs::read_to_string(&page).unwrap(), "old page");

    let output = binary(dir.path(), &["report", "--html", "report.html", "--force"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "llm-trace: wrote report.html\n");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..80]);
    assert!(html.contains("gpt-4o-mini"));
    assert!(html.trim_end().ends_with("</html>"), "a whole page");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("old.html")).unwrap(),
        "old page",
        "the old file was replaced, not written over"
    );
    assert_eq!(
        names(dir.path()),
        ["llm-trace.jsonl", "old.html", "report.html"],
        "no temporary file is left"
    );
    // The table still goes to stdout.
    assert!(String::from_utf8_lossy(&output.stdout).contains("gpt-4o-mini"));
}

/// A new path needs no --force; --force without --html is a usage error.
#[test]
fn a_new_page_is_written_and_force_needs_html() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("llm-trace.jsonl"), format!("{LINE}\n")).unwrap();
    let output = binary(dir.path(), &["report", "--html", "new.html"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(std::fs::read_to_string(dir.path().join("new.html"))
        .unwrap()
        .starts_with("<!DOCTYPE html>"));

    let output = binary(dir.path(), &["report", "--force"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--html"), "{}", stderr(&output));
}
