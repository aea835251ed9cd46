//! Reading one run back from the OTLP JSON-lines files of the embedded
//! default, as the examples do after `Telemetry::shutdown`.
//!
//! A run marks its resource with a `service.instance.id` of its own, so its
//! lines can be told apart from earlier runs' (the files are appended to),
//! from another process writing to the same file, and across a rotation.

use std::error::Error;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use llm_trace::export::jsonl::JsonlFile;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};
use serde::de::DeserializeOwned;

use crate::tree;

/// The resource attribute that tells runs apart.
pub const SERVICE_INSTANCE_ID: &str = "service.instance.id";

/// A random UUID (version 4), the form the conventions suggest for
/// `service.instance.id`.
pub fn new_instance_id() -> String {
    let random = u128::from_be_bytes(RandomIdGenerator::default().new_trace_id().to_bytes());
    let uuid = (random & !(0xf << 76) | (0x4 << 76)) & !(0b11 << 62) | (0b10 << 62);
    let hex = format!("{uuid:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The requests in the OTLP JSON-lines file at `path` that carry `run_id`,
/// oldest first. Reads the rotated backups (`<path>.1` is the newest) before
/// the file, in case it rotated during the run. Lines are only parsed if
/// they mention `run_id`, so earlier runs cost a substring search.
pub fn read_run<T: DeserializeOwned>(path: &Path, run_id: &str) -> Result<Vec<T>, Box<dyn Error>> {
    let file = JsonlFile::new(path);
    let mut paths: Vec<PathBuf> = (1..)
        .map(|n| file.backup_path(n))
        .take_while(|p| p.exists())
        .collect();
    paths.reverse();
    paths.push(path.to_owned());

    let mut requests = Vec::new();
    for path in paths {
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => return Err(format!("{}: {error}", path.display()).into()),
        };
        for (n, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
            if line.contains(run_id) {
                let request = serde_json::from_str(&line)
                    .map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
                requests.push(request);
            }
        }
    }
    Ok(requests)
}

/// Whether `resource` is the one of the run `run_id`.
pub fn is_this_run(resource: Option<&Resource>, run_id: &str) -> bool {
    resource.is_some_and(|r| {
        r.attributes.iter().any(|kv| {
            kv.key == SERVICE_INSTANCE_ID
                && matches!(
                    kv.value.as_ref().and_then(|v| v.value.as_ref()),
                    Some(any_value::Value::StringValue(s)) if s == run_id
                )
        })
    })
}

/// The spans of the run `run_id` in the traces file at `path`.
pub fn run_spans(path: &Path, run_id: &str) -> Result<Vec<tree::Span>, Box<dyn Error>> {
    let requests: Vec<ExportTraceServiceRequest> = read_run(path, run_id)?;
    Ok(requests
        .iter()
        .flat_map(|r| &r.resource_spans)
        .filter(|r| is_this_run(r.resource.as_ref(), run_id))
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .map(tree::Span::from)
        .collect())
}
