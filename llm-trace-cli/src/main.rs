//! `llm-trace`: see the library's documentation and `llm-trace --help`.

use std::io::{self, BufWriter};
use std::process::ExitCode;

fn main() -> ExitCode {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let code = llm_trace_cli::run(std::env::args_os(), &mut out, &mut io::stderr());
    // A failed final flush is a closed pipe: nothing left to say.
    drop(out);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
