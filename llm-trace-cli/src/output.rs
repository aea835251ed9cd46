//! Writing a file the user named (`report --html PATH`) without ever
//! destroying data.
//!
//! A command reads OTLP JSON-lines files and may write a page. The page
//! never replaces a file the command reads, nor any file that holds
//! OTLP/JSON lines (traces, metrics or logs), even with `--force`: those
//! are the data the page is made from. Any other existing file is replaced
//! only with `--force`. The page is written to a temporary file in the
//! target's directory and renamed over the target, so an interrupted write
//! leaves the old file (or none), never half a page.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use crate::input::Source;

/// How much of an existing file is read to tell whether it holds OTLP/JSON.
const SNIFF_BYTES: u64 = 4096;

/// Why an output path is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The path names a file this command reads.
    Input(String),
    /// The file exists and holds OTLP/JSON lines.
    Otlp(String),
    /// The file exists and `--force` was not given.
    Exists(String),
    /// The path is a directory.
    Directory(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Input(path) => write!(
                f,
                "{path} is one of the files read; not overwriting it (--html takes the page's \
                 own path, e.g. --html report.html)"
            ),
            Refused::Otlp(path) => write!(
                f,
                "{path} holds OTLP/JSON lines; not overwriting it, even with --force (--html \
                 takes the page's own path, e.g. --html report.html)"
            ),
            Refused::Exists(path) => write!(f, "{path} exists; --force replaces it"),
            Refused::Directory(path) => write!(f, "{path} is a directory"),
        }
    }
}

impl std::error::Error for Refused {}

/// Whether `path` may be written by a command that reads `inputs`.
///
/// Refused: a directory; a file that is one of `inputs` (by identity, so a
/// link or another spelling of the same file is caught too); an existing
/// file that starts with an OTLP/JSON line; any other existing file unless
/// `force`.
pub fn check(path: &Path, inputs: &[Source], force: bool) -> Result<(), Refused> {
    let shown = || path.display().to_string();
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        // Nothing there (or a dangling link, which the rename replaces).
        Err(_) => return Ok(()),
    };
    if metadata.is_dir() {
        return Err(Refused::Directory(shown()));
    }
    for input in inputs {
        if let Source::File(input) = input {
            if same_file::is_same_file(path, input).unwrap_or(false) {
                return Err(Refused::Input(shown()));
            }
        }
    }
    if holds_otlp_json(path) {
        return Err(Refused::Otlp(shown()));
    }
    if !force {
        return Err(Refused::Exists(shown()));
    }
    Ok(())
}

/// Whether the file starts with an OTLP/JSON export request: a JSON object
/// whose first member is `resourceSpans`, `resourceMetrics` or
/// `resourceLogs` (or their `snake_case` spellings), as every line the
/// OTLP file exporter writes does. A file that cannot be read counts as
/// one: refusing is the safe answer.
pub fn holds_otlp_json(path: &Path) -> bool {
    let mut head = Vec::new();
    let read = File::open(path).and_then(|file| file.take(SNIFF_BYTES).read_to_end(&mut head));
    if read.is_err() {
        return true;
    }
    let mut rest = head.trim_ascii_start();
    let Some(after_brace) = rest.strip_prefix(b"{") else {
        return false;
    };
    rest = after_brace.trim_ascii_start();
    let Some(key) = rest.strip_prefix(b"\"") else {
        return false;
    };
    let Some(end) = key.iter().position(|&b| b == b'"') else {
        return false;
    };
    matches!(
        &key[..end],
        b"resourceSpans"
            | b"resource_spans"
            | b"resourceMetrics"
            | b"resource_metrics"
            | b"resourceLogs"
            | b"resource_logs"
    )
}

/// Writes `contents` to `path` through a temporary file in the same
/// directory, renamed over `path` once complete and synced. Without
/// `replace`, a file that appeared at `path` since [`check`] is kept and
/// the write fails (`AlreadyExists`).
pub fn write_atomically(path: &Path, contents: &[u8], replace: bool) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".llm-trace-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(contents)?;
    temp.as_file().sync_all()?;
    // On failure the temporary file is removed when `PersistError` drops.
    if replace {
        temp.persist(path).map_err(|e| e.error)?;
    } else {
        temp.persist_noclobber(path).map_err(|e| e.error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otlp_json_is_recognized_by_its_first_member() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        for text in [
            "{\"resourceSpans\":[]}\n",
            " \n{ \"resourceMetrics\" :[]}",
            "{\"resource_logs\":[]}",
            // A torn first line still holds OTLP/JSON.
            "{\"resourceSpans\":[{\"resource\":{\"attr",
        ] {
            assert!(holds_otlp_json(&file("otlp", text)), "{text}");
        }
        for text in [
            "",
            "<!doctype html>",
            "{\"name\":\"x\"}",
            "[{\"resourceSpans\":1}]",
        ] {
            assert!(!holds_otlp_json(&file("other", text)), "{text}");
        }
    }
}
