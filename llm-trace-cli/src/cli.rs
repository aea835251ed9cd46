//! The command line: subcommands and their arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::filter::{Filter, TimeArg, Where};
use crate::format::Format;
use crate::report::SortBy;

/// Answers from llm-trace's exported traces: cost, latency, failures and
/// call chains, grouped by any attribute.
///
/// Reads the OTLP JSON-lines files that llm-trace's embedded default writes
/// (`llm-trace.jsonl` and its rotated parts), or any OTLP/JSON trace file.
#[derive(Debug, Parser)]
#[command(name = "llm-trace", version, max_term_width = 100)]
pub struct Cli {
    /// What to show.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// LLM calls grouped by attributes: calls, errors, tokens, cost, latency
    /// percentiles and time to first chunk per group.
    Report(ReportArgs),
    /// The slowest LLM calls.
    Slow(SlowArgs),
    /// Failed calls, tools, agents and workflows, newest first, with
    /// error.type and trace id.
    Errors(ErrorsArgs),
    /// One trace as a tree: workflow, agents, LLM calls and tools, with
    /// duration bars, tokens, cost and metadata.
    Trace(TraceArgs),
    /// Groups side by side, each against a baseline: tokens, latency, cost,
    /// error rate, evaluation scores.
    Compare(CompareArgs),
}

/// Which files to read.
#[derive(Debug, Args)]
pub struct Input {
    /// OTLP JSON-lines trace files, `-` for stdin [default: llm-trace.jsonl].
    /// Each file's rotated parts (<file>.3, .2, .1) are read before it.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// Read only the files named, not their rotated parts.
    #[arg(long)]
    pub no_rotated: bool,
}

/// Which calls to count.
#[derive(Debug, Args)]
pub struct Filters {
    /// Only calls that started at or after TIME: RFC 3339
    /// (2026-05-01T09:00:00Z) or a duration before now (90m, 2h, 7d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<TimeArg>,
    /// Only calls that started before TIME (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<TimeArg>,
    /// Only calls whose attribute KEY (of the span, or of its resource) is
    /// VALUE; `KEY!=VALUE` for the others. Repeatable; all must hold.
    #[arg(long = "where", value_name = "KEY=VALUE")]
    pub wheres: Vec<Where>,
}

impl Filters {
    /// The filter these arguments describe.
    pub fn filter(&self) -> Filter {
        Filter {
            since: self.since.map(TimeArg::unix_nanos),
            until: self.until.map(TimeArg::unix_nanos),
            wheres: self.wheres.clone(),
        }
    }
}

/// `llm-trace report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Group by these attribute keys (comma-separated or repeated)
    /// [default: gen_ai.provider.name,gen_ai.request.model].
    #[arg(long, value_name = "KEYS", value_delimiter = ',')]
    pub by: Vec<String>,
    /// Order of the groups.
    #[arg(long, value_enum, default_value_t)]
    pub sort: SortBy,
    /// Also write a self-contained HTML page with the table and charts to
    /// PATH. An existing PATH is replaced only with --force; a file that is
    /// read, or that holds OTLP/JSON lines, never is.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
    /// Replace the --html file if it exists (never a trace file).
    #[arg(long, requires = "html")]
    pub force: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Which calls to count.
    #[command(flatten)]
    pub filters: Filters,
    /// Which files to read.
    #[command(flatten)]
    pub input: Input,
}

/// `llm-trace slow`.
#[derive(Debug, Args)]
pub struct SlowArgs {
    /// How many calls to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
    /// Attribute keys to add as columns (comma-separated or repeated).
    #[arg(long, value_name = "KEYS", value_delimiter = ',')]
    pub show: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Which calls to count.
    #[command(flatten)]
    pub filters: Filters,
    /// Which files to read.
    #[command(flatten)]
    pub input: Input,
}

/// `llm-trace errors`.
#[derive(Debug, Args)]
pub struct ErrorsArgs {
    /// List at most N failures (the newest).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub limit: usize,
    /// Attribute keys to add as columns (comma-separated or repeated).
    #[arg(long, value_name = "KEYS", value_delimiter = ',')]
    pub show: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Which calls to count.
    #[command(flatten)]
    pub filters: Filters,
    /// Which files to read.
    #[command(flatten)]
    pub input: Input,
}

/// `llm-trace trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The trace id (32 hex digits), or its first digits (at least 4).
    #[arg(value_name = "TRACE_ID")]
    pub trace_id: String,
    /// Output format (csv: one row per span, in tree order).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Which files to read.
    #[command(flatten)]
    pub input: Input,
}

/// `llm-trace compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The attribute keys whose values are compared (comma-separated or
    /// repeated), e.g. gen_ai.request.temperature.
    #[arg(long, value_name = "KEYS", value_delimiter = ',', required = true)]
    pub by: Vec<String>,
    /// The group the others are compared with, by its values
    /// (comma-separated for several keys) [default: the first group].
    #[arg(long, value_name = "VALUES")]
    pub baseline: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Which calls to count.
    #[command(flatten)]
    pub filters: Filters,
    /// Which files to read.
    #[command(flatten)]
    pub input: Input,
}
