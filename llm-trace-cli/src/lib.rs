//! The `llm-trace` command: answers from the traces llm-trace exports.
//!
//! With the embedded default, an application instrumented with
//! `#[llm_call]` writes its spans to `llm-trace.jsonl` (OTLP/JSON, one
//! export request per line, rotated to `llm-trace.jsonl.1` .. `.3`). This
//! command reads those files — or any OTLP/JSON trace file, or stdin — one
//! line at a time and answers the questions teams trace LLM calls for:
//!
//! - `llm-trace report [--by KEYS]`: calls, errors, tokens, cost and latency
//!   percentiles per group of any attributes (`prompt_id`, `feature`, the
//!   model...); `--html out.html` adds a self-contained page with charts;
//! - `llm-trace slow`: the slowest calls;
//! - `llm-trace errors`: the failed calls, tools, agents and workflows;
//! - `llm-trace trace <trace-id>`: one call chain as a tree;
//! - `llm-trace compare --by KEY`: groups against a baseline.
//!
//! LLM calls are the spans whose `gen_ai.operation.name` is an inference or
//! embeddings operation and that name a `gen_ai.provider.name`. Latency
//! percentiles are exact (nearest rank, see [`stats`]).
//!
//! The binary is a thin wrapper around [`run`], which tests call directly.

#![warn(missing_docs)]

pub mod calls;
pub mod cli;
pub mod compare;
pub mod filter;
pub mod format;
pub mod html;
pub mod input;
pub mod keys;
pub mod otlp;
pub mod output;
pub mod report;
pub mod span;
pub mod stats;
pub mod trace;

use std::ffi::OsString;
use std::io::{self, Write};

use clap::error::ErrorKind;
use clap::Parser;

use cli::{Cli, Command, Input};
use input::Source;

/// Runs the command line `args` (the program name first), writing results
/// to `out` and diagnostics to `errors`; returns the exit code: 0 on
/// success (malformed lines are reported and skipped, not failures), 1 when
/// the files cannot be read or the answer does not exist (an unknown trace
/// id), 2 for a wrong command line.
pub fn run<I, T>(args: I, out: &mut dyn Write, errors: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = write!(out, "{text}");
                    0
                }
                _ => {
                    let _ = write!(errors, "{text}");
                    2
                }
            };
        }
    };
    match execute(cli.command, out, errors) {
        Ok(code) => code,
        // The reader went away (`llm-trace report | head`): not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            let _ = writeln!(errors, "llm-trace: {e}");
            1
        }
    }
}

fn sources(input: &Input) -> io::Result<Vec<Source>> {
    input::sources(&input.files, !input.no_rotated)
        .map_err(|e| io::Error::new(io::ErrorKind::NotFound, e))
}

fn execute(command: Command, out: &mut dyn Write, errors: &mut dyn Write) -> io::Result<i32> {
    match command {
        Command::Report(args) => {
            let sources = sources(&args.input)?;
            // Before the (long) read: a refused path fails at once.
            if let Some(path) = &args.html {
                if let Err(refused) = output::check(path, &sources, args.force) {
                    writeln!(errors, "llm-trace: {refused}")?;
                    return Ok(1);
                }
            }
            let by = if args.by.is_empty() {
                report::DEFAULT_BY.iter().map(|k| k.to_string()).collect()
            } else {
                args.by
            };
            let mut charts = html::Charts::default();
            let want_charts = args.html.is_some();
            let grouped = report::group(
                &sources,
                &args.filters.filter(),
                &by,
                args.sort,
                errors,
                |span| {
                    if want_charts {
                        charts.add(span);
                    }
                },
            )?;
            if let Some(path) = &args.html {
                let names: Vec<String> = sources.iter().map(ToString::to_string).collect();
                let inputs = if names.len() <= 4 {
                    names.join(", ")
                } else {
                    format!("{} files", names.len())
                };
                // Again just before writing: the file may have appeared or
                // changed while the traces were read.
                if let Err(refused) = output::check(path, &sources, args.force) {
                    writeln!(errors, "llm-trace: {refused}")?;
                    return Ok(1);
                }
                output::write_atomically(
                    path,
                    html::page(&grouped, &charts, &inputs).as_bytes(),
                    args.force,
                )
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
                writeln!(errors, "llm-trace: wrote {}", path.display())?;
            }
            report::write(out, &grouped, args.format)?;
        }
        Command::Slow(args) => {
            let sources = sources(&args.input)?;
            let slowest = calls::slowest(&sources, &args.filters.filter(), args.top, errors)?;
            calls::write_slowest(out, &slowest, &args.show, args.format)?;
        }
        Command::Errors(args) => {
            let sources = sources(&args.input)?;
            let failures = calls::failures(&sources, &args.filters.filter(), args.limit, errors)?;
            calls::write_failures(out, &failures, &args.show, args.format)?;
        }
        Command::Trace(args) => {
            let sources = sources(&args.input)?;
            match trace::find(&sources, &args.trace_id, errors) {
                Ok(found) => trace::write(out, &found, args.format)?,
                Err(trace::TraceError::Io(e)) => return Err(e),
                Err(e) => {
                    writeln!(errors, "llm-trace: {e}")?;
                    return Ok(1);
                }
            }
        }
        Command::Compare(args) => {
            let sources = sources(&args.input)?;
            let grouped = report::group(
                &sources,
                &args.filters.filter(),
                &args.by,
                report::SortBy::Key,
                errors,
                |_| {},
            )?;
            let baseline = match compare::baseline_index(&grouped, args.baseline.as_deref()) {
                Ok(i) => i,
                Err(e) => {
                    writeln!(errors, "llm-trace: {e}")?;
                    return Ok(1);
                }
            };
            compare::write(out, &grouped, baseline, args.format)?;
        }
    }
    out.flush()?;
    Ok(0)
}
