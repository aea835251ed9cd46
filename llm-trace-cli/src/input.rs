//! Reading spans from OTLP JSON-lines files and stdin, one line at a time.
//!
//! Memory holds one line (one export batch) at a time, whatever the size
//! of the files. A line that is not an OTLP/JSON trace request is reported
//! with its file and line number and skipped; lines of a metrics or logs
//! file (`llm-trace.metrics.jsonl`) are skipped with one notice per file.

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::otlp::ExportRequest;
use crate::span::{self, Span};

/// The traces file of llm-trace's embedded default, read when no file is named.
pub const DEFAULT_PATH: &str = "llm-trace.jsonl";

/// How many rotated backups (`<path>.1` ..) the embedded default keeps.
pub const ROTATED_PARTS: usize = 3;

/// Malformed lines reported one by one per source; the rest are counted.
const REPORTED_PER_SOURCE: usize = 10;

/// Where spans are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input (`-`).
    Stdin,
    /// A file.
    File(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Stdin => f.write_str("<stdin>"),
            Source::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The sources for the command-line arguments `paths`, in reading order.
///
/// No paths means [`DEFAULT_PATH`]. With `rotated`, each file's rotated
/// parts that exist are read before it, oldest first (`<path>.3`, `.2`,
/// `.1`, then `<path>`), as the embedded default writes them. A file named
/// twice (or as a part and by itself) is read once.
pub fn sources(paths: &[String], rotated: bool) -> Result<Vec<Source>, String> {
    let default = [DEFAULT_PATH.to_owned()];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut seen = HashSet::new();
    let mut sources = Vec::new();
    for path in paths {
        if path == "-" {
            if !sources.contains(&Source::Stdin) {
                sources.push(Source::Stdin);
            }
            continue;
        }
        let path = PathBuf::from(path);
        // Anything readable but a directory: files, and pipes such as
        // `<(zcat old.jsonl.gz)`.
        if path.is_dir() || !path.exists() {
            return Err(if path.is_dir() {
                format!("{}: a directory, not a file", path.display())
            } else if paths == default {
                format!(
                    "{DEFAULT_PATH}: no such file (run a program that calls llm_trace::init(), \
                     or name the files to read)"
                )
            } else {
                format!("{}: no such file", path.display())
            });
        }
        let mut parts: Vec<PathBuf> = if rotated {
            (1..=ROTATED_PARTS)
                .rev()
                .map(|n| rotated_part(&path, n))
                .filter(|p| p.is_file())
                .collect()
        } else {
            Vec::new()
        };
        parts.push(path);
        for part in parts {
            let identity = part.canonicalize().unwrap_or_else(|_| part.clone());
            if seen.insert(identity) {
                sources.push(Source::File(part));
            }
        }
    }
    Ok(sources)
}

/// `<path>.<n>`: the `n`th newest rotated part of `path`.
pub fn rotated_part(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

/// What reading found, for the summary line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReadStats {
    /// Sources read.
    pub sources: usize,
    /// Non-empty lines read.
    pub lines: u64,
    /// Spans decoded.
    pub spans: u64,
    /// Lines that were not OTLP/JSON and were skipped.
    pub malformed: u64,
    /// Metrics or logs lines, skipped.
    pub other_signals: u64,
}

/// Reads every span of `sources`, handing each to `each`.
///
/// With `needle`, a line is decoded only if it contains those bytes, in
/// lower or upper case (a trace id): finding one trace does not parse the
/// whole file. Malformed
/// lines are reported on `errors` and skipped; an I/O error (a file that
/// cannot be opened or read) ends the reading and is returned.
pub fn read_spans(
    sources: &[Source],
    needle: Option<&[u8]>,
    errors: &mut dyn Write,
    mut each: impl FnMut(Span),
) -> io::Result<ReadStats> {
    let mut stats = ReadStats::default();
    // Ids are case-insensitive hex in OTLP/JSON: look for both spellings.
    let finders: Vec<memchr::memmem::Finder<'static>> = needle
        .map(|n| {
            let mut spellings = vec![n.to_ascii_lowercase(), n.to_ascii_uppercase()];
            spellings.dedup();
            spellings
                .into_iter()
                .map(|s| memchr::memmem::Finder::new(&s).into_owned())
                .collect()
        })
        .unwrap_or_default();
    let mut line = Vec::new();
    for source in sources {
        stats.sources += 1;
        let mut reader: Box<dyn BufRead> = match source {
            Source::Stdin => Box::new(io::stdin().lock()),
            Source::File(path) => Box::new(BufReader::with_capacity(
                1 << 16,
                File::open(path).map_err(|e| with_source(source, e))?,
            )),
        };
        let mut line_number = 0u64;
        let mut malformed = 0u64;
        let mut other_signals = 0u64;
        loop {
            line.clear();
            if reader
                .read_until(b'\n', &mut line)
                .map_err(|e| with_source(source, e))?
                == 0
            {
                break;
            }
            line_number += 1;
            // A line cut short ends inside a string: without its newline the
            // error says so ("EOF while parsing") rather than "control character".
            while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                line.pop();
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            stats.lines += 1;
            if !finders.is_empty() && finders.iter().all(|f| f.find(&line).is_none()) {
                continue;
            }
            let request: ExportRequest = match serde_json::from_slice(&line) {
                Ok(request) => request,
                Err(error) => {
                    malformed += 1;
                    if malformed <= REPORTED_PER_SOURCE as u64 {
                        let _ = writeln!(
                            errors,
                            "llm-trace: {source}:{line_number}: not an OTLP/JSON trace line, skipped: {error}"
                        );
                    }
                    continue;
                }
            };
            let Some(resource_spans) = request.resource_spans else {
                if request.resource_metrics.is_some() || request.resource_logs.is_some() {
                    other_signals += 1;
                } else {
                    malformed += 1;
                    if malformed <= REPORTED_PER_SOURCE as u64 {
                        let _ = writeln!(
                            errors,
                            "llm-trace: {source}:{line_number}: no resourceSpans, skipped"
                        );
                    }
                }
                continue;
            };
            for resource_spans in resource_spans {
                let resource = Rc::new(span::attributes(
                    resource_spans.resource.unwrap_or_default().attributes,
                ));
                for scope in resource_spans.scope_spans {
                    for s in scope.spans {
                        stats.spans += 1;
                        each(Span::from_otlp(s, Rc::clone(&resource)));
                    }
                }
            }
        }
        if malformed > REPORTED_PER_SOURCE as u64 {
            let _ = writeln!(
                errors,
                "llm-trace: {source}: {} more malformed lines skipped",
                malformed - REPORTED_PER_SOURCE as u64
            );
        }
        if other_signals > 0 {
            let _ = writeln!(
                errors,
                "llm-trace: {source}: {other_signals} metrics or logs lines skipped (spans only are read)"
            );
        }
        stats.malformed += malformed;
        stats.other_signals += other_signals;
    }
    Ok(stats)
}

fn with_source(source: &Source, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{source}: {error}"))
}
