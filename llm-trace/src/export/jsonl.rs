//! The embedded default exporter: OTLP JSON-lines files.
//!
//! With no OTLP endpoint configured, spans and metrics are appended to local
//! files in the [OTLP file format] of the OpenTelemetry specification: one
//! `ExportTraceServiceRequest` (or `ExportMetricsServiceRequest`) per line,
//! encoded as [OTLP/JSON] by `opentelemetry-proto`'s own serde support. The
//! Collector's `otlpjsonfile` receiver reads these files, so what was recorded
//! on one machine can later be replayed into any backend.
//!
//! The specification requires a file to hold exactly one signal, so traces,
//! metrics and logs go to separate files ([`DEFAULT_PATH`], and
//! [`metrics_path`] and [`logs_path`] of it; the logs file holds the opt-in
//! content events of [`crate::content`] only).
//! Each file is size-bounded: past [`JsonlFile::with_max_bytes`] it is rotated
//! to `<path>.1`, `<path>.2`, ... and the oldest backup is dropped. No file
//! outgrows its bound: an export whose line would not fit in an empty file
//! is written as several lines (a line per group of spans, data points or
//! log records), and a single span, data point or log record too large for
//! the bound on its own is left out (spans so left out are counted as
//! failed by [`Telemetry::span_counts`](crate::Telemetry::span_counts)).
//! A file left ending in the middle of a line (a process killed while
//! writing) gets a newline before the next line, so only the cut line is
//! lost.
//!
//! The exporters write synchronously inside `export`. Install them behind
//! the SDK's `BatchSpanProcessor` and `PeriodicReader`, which call `export`
//! on their own threads, so the application's threads never touch the file.
//!
//! ```no_run
//! use std::sync::Arc;
//! use llm_trace::export::jsonl::{self, JsonlFile, JsonlMetricExporter, JsonlSpanExporter};
//! use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
//! use opentelemetry_sdk::trace::SdkTracerProvider;
//!
//! let traces = Arc::new(JsonlFile::new(jsonl::DEFAULT_PATH));
//! let metrics = Arc::new(JsonlFile::new(jsonl::metrics_path(jsonl::DEFAULT_PATH)));
//! let tracer_provider = SdkTracerProvider::builder()
//!     .with_batch_exporter(JsonlSpanExporter::new(traces))
//!     .build();
//! let meter_provider = SdkMeterProvider::builder()
//!     .with_reader(PeriodicReader::builder(JsonlMetricExporter::new(metrics)).build())
//!     .build();
//! ```
//!
//! [OTLP file format]: https://opentelemetry.io/docs/specs/otel/protocol/file-exporter/
//! [OTLP/JSON]: https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use opentelemetry::{otel_error, otel_info, otel_warn};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::metrics::v1::{metric, Metric};
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::logs::tonic::group_logs_by_resource_and_scope;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::logs::{LogBatch, LogExporter};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;

/// The traces file when none is configured, relative to the working directory.
pub const DEFAULT_PATH: &str = "llm-trace.jsonl";

/// The default size bound of one file.
pub const DEFAULT_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// The default number of rotated backups kept next to the current file.
pub const DEFAULT_BACKUPS: usize = 3;

/// The metrics file that goes with a traces file: `llm-trace.jsonl` →
/// `llm-trace.metrics.jsonl`.
///
/// A separate file because the OTLP file format allows one signal per file.
pub fn metrics_path(traces_path: impl AsRef<Path>) -> PathBuf {
    sibling(traces_path.as_ref(), ".metrics")
}

/// The logs file that goes with a traces file: `llm-trace.jsonl` →
/// `llm-trace.logs.jsonl`. It holds the `gen_ai.client.inference.operation.details`
/// events of [content capture](crate::content) (created only when one is
/// written).
pub fn logs_path(traces_path: impl AsRef<Path>) -> PathBuf {
    sibling(traces_path.as_ref(), ".logs")
}

fn sibling(path: &Path, infix: &str) -> PathBuf {
    let stem = path.file_stem().unwrap_or(path.as_os_str());
    let mut name = OsString::from(stem);
    name.push(infix);
    if let Some(ext) = path.extension() {
        name.push(".");
        name.push(ext);
    }
    path.with_file_name(name)
}

/// An append-only JSON-lines file with size-based rotation, shared by
/// exporters through an [`Arc`].
///
/// The file (and its parent directories) are created at the first write, so
/// building one never fails and a run that records nothing leaves no file.
/// A write that fails is reported once through OpenTelemetry's internal
/// logging (again only after a write has succeeded) and returned to the
/// caller every time; it never panics.
pub struct JsonlFile {
    path: PathBuf,
    max_bytes: u64,
    backups: usize,
    state: Mutex<State>,
    /// Whether an item too large for the bound was reported (once per file).
    warned_too_large: AtomicBool,
}

#[derive(Default)]
struct State {
    file: Option<File>,
    /// Whether the last write failed, so a lasting failure is logged once.
    failing: bool,
}

impl JsonlFile {
    /// A file at `path` with [`DEFAULT_MAX_BYTES`] and [`DEFAULT_BACKUPS`].
    pub fn new(path: impl Into<PathBuf>) -> Self {
        JsonlFile {
            path: path.into(),
            max_bytes: DEFAULT_MAX_BYTES,
            backups: DEFAULT_BACKUPS,
            state: Mutex::new(State::default()),
            warned_too_large: AtomicBool::new(false),
        }
    }

    /// Rotate before a line would take the file past `max_bytes`.
    ///
    /// A line (with its newline) longer than the bound is refused: no file
    /// grows past it. The exporters split an export into lines that fit and
    /// leave out only an item (span, data point, log record) that alone
    /// does not.
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Keep `backups` rotated files (`<path>.1` is the newest); `0` keeps
    /// none, so rotating starts the file over.
    pub fn with_backups(mut self, backups: usize) -> Self {
        self.backups = backups;
        self
    }

    /// Where the current file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The size bound of each file, in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Where the `n`th newest rotated file is (`n` from 1).
    pub fn backup_path(&self, n: usize) -> PathBuf {
        let mut name = OsString::from(self.path.as_os_str());
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    /// Appends `line` and a `\n` in one write, rotating first if the file
    /// would outgrow its bound. A `line` containing a newline is refused
    /// (`InvalidInput`): it would turn into two malformed lines; so is a
    /// line longer than the bound (`InvalidInput`).
    pub fn append_line(&self, line: &[u8]) -> io::Result<()> {
        if line.contains(&b'\n') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a JSON-lines record cannot contain a newline",
            ));
        }
        let mut record = Vec::with_capacity(line.len() + 1);
        record.extend_from_slice(line);
        record.push(b'\n');
        self.append_record(&record)
    }

    /// Appends `record`, which ends with its only newline.
    fn append_record(&self, record: &[u8]) -> io::Result<()> {
        let len = record.len() as u64;
        if len > self.max_bytes {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a line of {len} bytes does not fit in the file's bound of {} bytes",
                    self.max_bytes
                ),
            ));
        }
        let mut state = self.lock();
        let result = self.append_locked(&mut state, record);
        match &result {
            Err(err) if !state.failing => {
                state.failing = true;
                otel_error!(
                    name: "JsonlFile.WriteFailed",
                    path = self.path.display().to_string(),
                    error = err.to_string(),
                    message = "telemetry is being dropped until a write succeeds"
                );
            }
            Ok(()) if state.failing => {
                state.failing = false;
                otel_info!(
                    name: "JsonlFile.WriteResumed",
                    path = self.path.display().to_string()
                );
            }
            _ => {}
        }
        result
    }

    /// Syncs and closes the current file; the next write reopens it.
    pub fn close(&self) -> io::Result<()> {
        let mut state = self.lock();
        match state.file.take() {
            Some(file) => file.sync_all(),
            None => Ok(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave `State` inconsistent:
        // the file is reopened and measured at the next write.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn append_locked(&self, state: &mut State, record: &[u8]) -> io::Result<()> {
        let len = record.len() as u64;
        let (mut file, size) = match state.file.take() {
            Some(file) => match self.current_size(&file)? {
                Some(size) => (file, size),
                None => self.open()?,
            },
            None => self.open()?,
        };
        if size > 0 && size.saturating_add(len) > self.max_bytes {
            drop(file);
            self.rotate()?;
            (file, _) = self.open()?;
        }
        // On error the file is dropped, so the next write reopens it (and
        // ends a part of this line that was written with a newline).
        file.write_all(record)?;
        state.file = Some(file);
        Ok(())
    }

    /// The size of `file` as it is now (other processes may append to the
    /// same path), or `None` when the path no longer names it (another
    /// process rotated it away), so the path is reopened.
    fn current_size(&self, file: &File) -> io::Result<Option<u64>> {
        let metadata = file.metadata()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            match fs::metadata(&self.path) {
                Ok(named) if named.dev() == metadata.dev() && named.ino() == metadata.ino() => {}
                _ => return Ok(None),
            }
        }
        Ok(Some(metadata.len()))
    }

    /// Opens (creating) the file for appending and returns it with its size.
    /// A file that does not end with a newline (its last line was cut short
    /// by a crash or a failed write) gets one first, so the next line is not
    /// glued to the cut one.
    fn open(&self) -> io::Result<(File, u64)> {
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)?;
        }
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        let mut file = match options.clone().read(true).open(&self.path) {
            Ok(file) => file,
            // A file that may be written but not read: appended to as it is.
            Err(err) if err.kind() == io::ErrorKind::PermissionDenied => {
                let file = options.open(&self.path)?;
                let size = file.metadata()?.len();
                return Ok((file, size));
            }
            Err(err) => return Err(err),
        };
        let mut size = file.metadata()?.len();
        if size > 0 {
            let mut last = [0u8];
            file.seek(SeekFrom::Start(size - 1))?;
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                // Appended at the end whatever the read position (O_APPEND).
                file.write_all(b"\n")?;
                size += 1;
            }
        }
        Ok((file, size))
    }

    fn rotate(&self) -> io::Result<()> {
        if self.backups == 0 {
            return ignore_not_found(fs::remove_file(&self.path));
        }
        ignore_not_found(fs::remove_file(self.backup_path(self.backups)))?;
        for n in (1..self.backups).rev() {
            ignore_not_found(fs::rename(self.backup_path(n), self.backup_path(n + 1)))?;
        }
        ignore_not_found(fs::rename(&self.path, self.backup_path(1)))
    }
}

impl fmt::Debug for JsonlFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonlFile")
            .field("path", &self.path)
            .field("max_bytes", &self.max_bytes)
            .field("backups", &self.backups)
            .finish_non_exhaustive()
    }
}

fn ignore_not_found(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Writes `request` as one line, or as several when one line would not fit
/// in the file's bound; returns how many items (spans, data points, log
/// records) were left out because a line of that item alone does not fit.
/// Every other failure becomes an export error.
fn write_request<R: Divisible>(
    file: &JsonlFile,
    request: R,
    items: &str,
) -> Result<u64, OTelSdkError> {
    // Room for the line's newline.
    let limit = file.max_bytes().saturating_sub(1);
    if let Some(line) = encode(&request, limit)? {
        return append(file, line);
    }
    // Too large for one line: lines of as many items as fit. A request's
    // line is never longer than the lines of its items one by one put
    // together (their resource and scope are written once instead of once
    // each), so a group whose single-item lines fit in the bound fits too.
    let mut left_out = 0;
    let mut group: Option<(R, u64)> = None;
    for one in request.into_items() {
        let Some(line) = encode(&one, limit)? else {
            left_out += 1;
            continue;
        };
        let size = line.len() as u64;
        match &mut group {
            Some((lines, total)) if *total + size <= limit => {
                lines.push(one);
                *total += size;
            }
            _ => {
                if let Some((lines, _)) = group.replace((one, size)) {
                    write_group(file, lines, limit)?;
                }
            }
        }
    }
    if let Some((lines, _)) = group {
        write_group(file, lines, limit)?;
    }
    if left_out > 0 && !file.warned_too_large.swap(true, Ordering::Relaxed) {
        otel_warn!(
            name: "llm_trace.file_item_too_large",
            path = file.path().display().to_string(),
            max_bytes = file.max_bytes(),
            left_out = left_out,
            items = items.to_owned(),
            message = "an item alone is larger than the file's bound and was left out; \
                       left-out spans are counted as failed in Telemetry::span_counts() \
                       (reported once per file)"
        );
    }
    Ok(left_out)
}

/// Writes a group of items whose single-item lines fit in `limit` together.
fn write_group<R: Divisible>(file: &JsonlFile, group: R, limit: u64) -> Result<(), OTelSdkError> {
    match encode(&group, limit)? {
        Some(line) => append(file, line).map(drop),
        // Not expected (see `write_request`); each item on its own line
        // still fits.
        None => {
            for one in group.into_items() {
                if let Some(line) = encode(&one, limit)? {
                    append(file, line)?;
                }
            }
            Ok(())
        }
    }
}

fn append(file: &JsonlFile, mut line: Vec<u8>) -> Result<u64, OTelSdkError> {
    line.push(b'\n');
    file.append_record(&line).map_err(|err| {
        OTelSdkError::InternalFailure(format!("writing {}: {err}", file.path().display()))
    })?;
    Ok(0)
}

/// The OTLP/JSON line of `request` without its newline, or `None` when it
/// is longer than `limit` bytes (found without writing more than that).
fn encode<T: serde::Serialize>(request: &T, limit: u64) -> Result<Option<Vec<u8>>, OTelSdkError> {
    let encoding =
        |err: serde_json::Error| OTelSdkError::InternalFailure(format!("OTLP/JSON: {err}"));
    let mut out = Bounded {
        bytes: Vec::new(),
        limit,
        over: false,
    };
    if let Err(err) = serde_json::to_writer(&mut out, request) {
        return if out.over {
            Ok(None)
        } else {
            Err(encoding(err))
        };
    }
    let mut line = out.bytes;
    // Rare (see `strip_nulls`), so the common line is serialized only once.
    // Removing members only makes the line shorter.
    if line.windows(6).any(|w| w == b"\":null") {
        let mut value: serde_json::Value = serde_json::from_slice(&line).map_err(encoding)?;
        strip_nulls(&mut value);
        line = serde_json::to_vec(&value).map_err(encoding)?;
    }
    Ok(Some(line))
}

/// A buffer that refuses to grow past `limit`: a 2 GB request stops being
/// serialized at the bound.
struct Bounded {
    bytes: Vec<u8>,
    limit: u64,
    over: bool,
}

impl Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if (self.bytes.len() + buf.len()) as u64 > self.limit {
            self.over = true;
            return Err(io::Error::other("longer than the file's bound"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// An export request that can be cut into requests of one item each (a
/// span, a metric data point, a log record) and put back together, so that
/// a request too large for one line is written as several.
trait Divisible: serde::Serialize + Sized {
    /// Requests of one item each, in order, each with its resource and
    /// scope (and metric).
    fn into_items(self) -> Vec<Self>;
    /// Appends the item of `one` (from [`Divisible::into_items`]), under the
    /// last resource and scope (and metric) when it has the same ones.
    fn push(&mut self, one: Self);
}

/// Pushes `item` onto `list`, or merges it into the last element when
/// `merge` takes it (returning `None`).
fn push_or_merge<T>(list: &mut Vec<T>, item: T, merge: impl FnOnce(&mut T, T) -> Option<T>) {
    let rest = match list.last_mut() {
        Some(last) => merge(last, item),
        None => Some(item),
    };
    if let Some(item) = rest {
        list.push(item);
    }
}

/// Each element of the list `$field` of `$parent`, in a copy of the parent
/// holding only that element.
macro_rules! singles {
    ($parent:expr, $field:ident) => {{
        let mut parent = $parent;
        let children = std::mem::take(&mut parent.$field);
        children.into_iter().map(move |child| {
            let mut one = parent.clone();
            one.$field = vec![child];
            one
        })
    }};
}

impl Divisible for ExportTraceServiceRequest {
    fn into_items(self) -> Vec<Self> {
        let mut items = Vec::new();
        for mut resource in self.resource_spans {
            for mut scope in std::mem::take(&mut resource.scope_spans) {
                for item in std::mem::take(&mut scope.spans) {
                    let mut scope = scope.clone();
                    scope.spans = vec![item];
                    let mut resource = resource.clone();
                    resource.scope_spans = vec![scope];
                    items.push(ExportTraceServiceRequest {
                        resource_spans: vec![resource],
                    });
                }
            }
        }
        items
    }

    fn push(&mut self, one: Self) {
        for rs in one.resource_spans {
            push_or_merge(&mut self.resource_spans, rs, |last, rs| {
                if last.resource != rs.resource || last.schema_url != rs.schema_url {
                    return Some(rs);
                }
                for scope in rs.scope_spans {
                    push_or_merge(&mut last.scope_spans, scope, |last, scope| {
                        if last.scope != scope.scope || last.schema_url != scope.schema_url {
                            return Some(scope);
                        }
                        last.spans.extend(scope.spans);
                        None
                    });
                }
                None
            });
        }
    }
}

impl Divisible for ExportLogsServiceRequest {
    fn into_items(self) -> Vec<Self> {
        let mut items = Vec::new();
        for mut resource in self.resource_logs {
            for mut scope in std::mem::take(&mut resource.scope_logs) {
                for item in std::mem::take(&mut scope.log_records) {
                    let mut scope = scope.clone();
                    scope.log_records = vec![item];
                    let mut resource = resource.clone();
                    resource.scope_logs = vec![scope];
                    items.push(ExportLogsServiceRequest {
                        resource_logs: vec![resource],
                    });
                }
            }
        }
        items
    }

    fn push(&mut self, one: Self) {
        for rl in one.resource_logs {
            push_or_merge(&mut self.resource_logs, rl, |last, rl| {
                if last.resource != rl.resource || last.schema_url != rl.schema_url {
                    return Some(rl);
                }
                for scope in rl.scope_logs {
                    push_or_merge(&mut last.scope_logs, scope, |last, scope| {
                        if last.scope != scope.scope || last.schema_url != scope.schema_url {
                            return Some(scope);
                        }
                        last.log_records.extend(scope.log_records);
                        None
                    });
                }
                None
            });
        }
    }
}

impl Divisible for ExportMetricsServiceRequest {
    fn into_items(self) -> Vec<Self> {
        let mut items = Vec::new();
        for mut resource in self.resource_metrics {
            for mut scope in std::mem::take(&mut resource.scope_metrics) {
                for metric in std::mem::take(&mut scope.metrics) {
                    for point in metric_points(metric) {
                        let mut scope = scope.clone();
                        scope.metrics = vec![point];
                        let mut resource = resource.clone();
                        resource.scope_metrics = vec![scope];
                        items.push(ExportMetricsServiceRequest {
                            resource_metrics: vec![resource],
                        });
                    }
                }
            }
        }
        items
    }

    fn push(&mut self, one: Self) {
        for rm in one.resource_metrics {
            push_or_merge(&mut self.resource_metrics, rm, |last, rm| {
                if last.resource != rm.resource || last.schema_url != rm.schema_url {
                    return Some(rm);
                }
                for scope in rm.scope_metrics {
                    push_or_merge(&mut last.scope_metrics, scope, |last, scope| {
                        if last.scope != scope.scope || last.schema_url != scope.schema_url {
                            return Some(scope);
                        }
                        for metric in scope.metrics {
                            push_or_merge(&mut last.metrics, metric, merge_metric);
                        }
                        None
                    });
                }
                None
            });
        }
    }
}

/// The metric once per data point.
fn metric_points(mut metric: Metric) -> Vec<Metric> {
    let data: Vec<metric::Data> = match metric.data.take() {
        None => return Vec::new(),
        Some(metric::Data::Gauge(d)) => singles!(d, data_points).map(metric::Data::Gauge).collect(),
        Some(metric::Data::Sum(d)) => singles!(d, data_points).map(metric::Data::Sum).collect(),
        Some(metric::Data::Histogram(d)) => singles!(d, data_points)
            .map(metric::Data::Histogram)
            .collect(),
        Some(metric::Data::ExponentialHistogram(d)) => singles!(d, data_points)
            .map(metric::Data::ExponentialHistogram)
            .collect(),
        Some(metric::Data::Summary(d)) => singles!(d, data_points)
            .map(metric::Data::Summary)
            .collect(),
    };
    data.into_iter()
        .map(|data| {
            let mut one = metric.clone();
            one.data = Some(data);
            one
        })
        .collect()
}

/// Merges the data points of `metric` into `last` when both are the same
/// metric (name, description, unit, metadata, kind and temporality).
fn merge_metric(last: &mut Metric, mut metric: Metric) -> Option<Metric> {
    use metric::Data;
    if last.name != metric.name
        || last.description != metric.description
        || last.unit != metric.unit
        || last.metadata != metric.metadata
    {
        return Some(metric);
    }
    match (last.data.as_mut(), metric.data.take()) {
        (Some(Data::Gauge(a)), Some(Data::Gauge(b))) => a.data_points.extend(b.data_points),
        (Some(Data::Sum(a)), Some(Data::Sum(b)))
            if a.aggregation_temporality == b.aggregation_temporality
                && a.is_monotonic == b.is_monotonic =>
        {
            a.data_points.extend(b.data_points)
        }
        (Some(Data::Histogram(a)), Some(Data::Histogram(b)))
            if a.aggregation_temporality == b.aggregation_temporality =>
        {
            a.data_points.extend(b.data_points)
        }
        (Some(Data::ExponentialHistogram(a)), Some(Data::ExponentialHistogram(b)))
            if a.aggregation_temporality == b.aggregation_temporality =>
        {
            a.data_points.extend(b.data_points)
        }
        (Some(Data::Summary(a)), Some(Data::Summary(b))) => a.data_points.extend(b.data_points),
        (_, data) => {
            metric.data = data;
            return Some(metric);
        }
    }
    None
}

/// Removes `null` object members.
///
/// opentelemetry-proto's serde writes `null` for an absent optional double
/// (histogram `min`/`max` when min/max recording is off) and serde_json
/// writes it for NaN and infinities (proto3 JSON wants `"NaN"`, `"Infinity"`).
/// The Collector's OTLP/JSON reader rejects the whole line on a `null` where
/// it expects a number; without the member the field is simply absent, which
/// is what OTLP/JSON means by an unset field.
fn strip_nulls(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(members) => {
            members.retain(|_, member| !member.is_null());
            members.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Writes each batch of spans as one `ExportTraceServiceRequest` line.
#[derive(Debug)]
pub struct JsonlSpanExporter {
    file: Arc<JsonlFile>,
    resource: ResourceAttributesWithSchema,
    is_shutdown: AtomicBool,
    left_out: Arc<AtomicU64>,
}

impl JsonlSpanExporter {
    /// An exporter appending to `file`. The resource is the one the tracer
    /// provider passes in (`SpanExporter::set_resource`).
    pub fn new(file: Arc<JsonlFile>) -> Self {
        JsonlSpanExporter {
            file,
            resource: ResourceAttributesWithSchema::default(),
            is_shutdown: AtomicBool::new(false),
            left_out: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The file this exporter appends to.
    pub fn file(&self) -> &Arc<JsonlFile> {
        &self.file
    }

    /// Spans left out so far because one alone is larger than the file's
    /// bound. Their batch's export still succeeds (the other spans are
    /// written), so a processor counts them as exported; subtract them.
    pub fn spans_left_out(&self) -> u64 {
        self.left_out.load(Ordering::Relaxed)
    }

    /// The counter behind [`spans_left_out`](Self::spans_left_out), shared
    /// with the [`Telemetry`](crate::Telemetry) guard.
    pub(crate) fn left_out_counter(&self) -> Arc<AtomicU64> {
        self.left_out.clone()
    }

    fn write(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        if self.is_shutdown.load(Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        if batch.is_empty() {
            return Ok(());
        }
        let request = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(batch, &self.resource),
        };
        let left_out = write_request(&self.file, request, "spans")?;
        // Counted before `export` returns, so `Telemetry::span_counts` moves
        // them from exported to failed once the batch is counted.
        self.left_out.fetch_add(left_out, Ordering::Relaxed);
        Ok(())
    }
}

impl SpanExporter for JsonlSpanExporter {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        // The processor's thread is already off the application's path, and a
        // local append does not benefit from being polled: do it now.
        std::future::ready(self.write(batch))
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        if self.is_shutdown.swap(true, Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        self.file
            .close()
            .map_err(|err| OTelSdkError::InternalFailure(err.to_string()))
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
    }
}

/// Writes each collection of metrics as one `ExportMetricsServiceRequest`
/// line.
#[derive(Debug)]
pub struct JsonlMetricExporter {
    file: Arc<JsonlFile>,
    temporality: Temporality,
    is_shutdown: AtomicBool,
}

impl JsonlMetricExporter {
    /// An exporter appending to `file` with cumulative temporality: each line
    /// then holds totals since start, so the newest line alone is the answer
    /// and a lost or rotated-away line loses nothing.
    pub fn new(file: Arc<JsonlFile>) -> Self {
        JsonlMetricExporter {
            file,
            temporality: Temporality::Cumulative,
            is_shutdown: AtomicBool::new(false),
        }
    }

    /// Asks the reader for another temporality (e.g. `Delta`).
    pub fn with_temporality(mut self, temporality: Temporality) -> Self {
        self.temporality = temporality;
        self
    }

    /// The file this exporter appends to.
    pub fn file(&self) -> &Arc<JsonlFile> {
        &self.file
    }

    fn write(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        if self.is_shutdown.load(Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        if metrics.scope_metrics().next().is_none() {
            return Ok(());
        }
        write_request(
            &self.file,
            ExportMetricsServiceRequest::from(metrics),
            "metric data points",
        )
        .map(drop)
    }
}

impl PushMetricExporter for JsonlMetricExporter {
    fn export(
        &self,
        metrics: &ResourceMetrics,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        std::future::ready(self.write(metrics))
    }

    fn force_flush(&self) -> OTelSdkResult {
        // Every export is written through to the OS: nothing is buffered here.
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        if self.is_shutdown.swap(true, Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        self.file
            .close()
            .map_err(|err| OTelSdkError::InternalFailure(err.to_string()))
    }

    fn temporality(&self) -> Temporality {
        self.temporality
    }
}

/// Writes each batch of log records as one `ExportLogsServiceRequest` line.
#[derive(Debug)]
pub struct JsonlLogExporter {
    file: Arc<JsonlFile>,
    resource: ResourceAttributesWithSchema,
    is_shutdown: AtomicBool,
}

impl JsonlLogExporter {
    /// An exporter appending to `file`. The resource is the one the logger
    /// provider passes in (`LogExporter::set_resource`).
    pub fn new(file: Arc<JsonlFile>) -> Self {
        JsonlLogExporter {
            file,
            resource: ResourceAttributesWithSchema::default(),
            is_shutdown: AtomicBool::new(false),
        }
    }

    /// The file this exporter appends to.
    pub fn file(&self) -> &Arc<JsonlFile> {
        &self.file
    }

    fn write(&self, batch: &LogBatch<'_>) -> OTelSdkResult {
        if self.is_shutdown.load(Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        if batch.iter().next().is_none() {
            return Ok(());
        }
        let request = ExportLogsServiceRequest {
            resource_logs: group_logs_by_resource_and_scope(batch, &self.resource),
        };
        write_request(&self.file, request, "log records").map(drop)
    }
}

impl LogExporter for JsonlLogExporter {
    fn export(
        &self,
        batch: LogBatch<'_>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        std::future::ready(self.write(&batch))
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        if self.is_shutdown.swap(true, Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        self.file
            .close()
            .map_err(|err| OTelSdkError::InternalFailure(err.to_string()))
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::atomic::AtomicUsize;
    use std::time::{SystemTime, UNIX_EPOCH};

    use opentelemetry::metrics::MeterProvider as _;
    use opentelemetry::trace::{
        Span as _, SpanContext, SpanId, SpanKind, Status, TraceContextExt as _, TraceFlags,
        TraceId, TraceState, Tracer as _, TracerProvider as _,
    };
    use opentelemetry::{Array, Context, InstrumentationScope, KeyValue, StringValue};
    use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
    use opentelemetry_sdk::trace::{SdkTracerProvider, SpanEvents, SpanLinks};
    use serde_json::{json, Value};

    /// A directory of its own per test, removed at the end.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(test: &str) -> Self {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "llm-trace-jsonl-{}-{test}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn join(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn lines(path: &Path) -> Vec<String> {
        fs::read_to_string(path)
            .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()))
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn only_line(path: &Path) -> Value {
        let lines = lines(path);
        assert_eq!(lines.len(), 1, "expected one line, got {lines:#?}");
        serde_json::from_str(&lines[0]).unwrap()
    }

    fn attribute<'a>(attributes: &'a Value, key: &str) -> &'a Value {
        attributes
            .as_array()
            .and_then(|kvs| kvs.iter().find(|kv| kv["key"] == key))
            .map(|kv| &kv["value"])
            .unwrap_or_else(|| panic!("no attribute {key} in {attributes}"))
    }

    const START: u64 = 1_700_000_000_123_456_789;

    fn at(nanos: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_nanos(nanos)
    }

    fn resource() -> Resource {
        Resource::builder_empty()
            .with_service_name("jsonl-test")
            .build()
    }

    fn tracer_provider(file: &Arc<JsonlFile>) -> SdkTracerProvider {
        SdkTracerProvider::builder()
            .with_batch_exporter(JsonlSpanExporter::new(file.clone()))
            .with_resource(resource())
            .build()
    }

    /// A finished span with fixed ids, for calling an exporter directly.
    fn span_data(name: &'static str) -> SpanData {
        SpanData {
            span_context: SpanContext::new(
                TraceId::from_bytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
                SpanId::from_bytes([0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18]),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::from_bytes([0, 0, 0, 0, 0, 0, 0, 0xff]),
            parent_span_is_remote: false,
            span_kind: SpanKind::Client,
            name: name.into(),
            start_time: at(START),
            end_time: at(START + 2_000_000),
            attributes: vec![KeyValue::new("app.prompt_id", 5)],
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: InstrumentationScope::builder("llm-trace").build(),
        }
    }

    #[test]
    fn a_span_batch_is_one_otlp_json_trace_request_line() {
        let dir = TempDir::new("span");
        let file = Arc::new(JsonlFile::new(dir.join("llm-trace.jsonl")));
        let provider = tracer_provider(&file);
        let tracer = provider.tracer("llm-trace");
        let mut span = tracer
            .span_builder("chat gpt-4o-mini")
            .with_kind(SpanKind::Client)
            .with_start_time(at(START))
            .with_attributes([
                KeyValue::new("app.feature", "summarize"),
                KeyValue::new("app.tokens", 42_i64),
                KeyValue::new("app.temperature", 0.5),
                KeyValue::new("app.stream", true),
                KeyValue::new(
                    "app.reasons",
                    opentelemetry::Value::Array(Array::String(vec![StringValue::from("stop")])),
                ),
            ])
            .start(&tracer);
        let ids = span.span_context().clone();
        span.set_status(Status::error("rate limited"));
        span.end_with_timestamp(at(START + 1_500_000_000));
        provider.force_flush().unwrap();

        let request = only_line(file.path());
        let resource_spans = &request["resourceSpans"][0];
        assert_eq!(
            attribute(&resource_spans["resource"]["attributes"], "service.name"),
            &json!({"stringValue": "jsonl-test"})
        );
        let scope_spans = &resource_spans["scopeSpans"][0];
        assert_eq!(scope_spans["scope"]["name"], "llm-trace");
        let span = &scope_spans["spans"][0];
        assert_eq!(span["name"], "chat gpt-4o-mini");
        assert_eq!(span["traceId"], ids.trace_id().to_string());
        assert_eq!(span["spanId"], ids.span_id().to_string());
        assert_eq!(span["parentSpanId"], "");
        assert_eq!(span["kind"], 3, "SPAN_KIND_CLIENT, as an integer");
        assert_eq!(span["startTimeUnixNano"], "1700000000123456789");
        assert_eq!(span["endTimeUnixNano"], "1700000001623456789");
        assert_eq!(
            span["status"],
            json!({"code": 2, "message": "rate limited"})
        );
        let attributes = &span["attributes"];
        assert_eq!(
            attribute(attributes, "app.feature"),
            &json!({"stringValue": "summarize"})
        );
        assert_eq!(
            attribute(attributes, "app.tokens"),
            &json!({"intValue": "42"})
        );
        assert_eq!(
            attribute(attributes, "app.temperature"),
            &json!({"doubleValue": 0.5})
        );
        assert_eq!(
            attribute(attributes, "app.stream"),
            &json!({"boolValue": true})
        );
        assert_eq!(
            attribute(attributes, "app.reasons"),
            &json!({"arrayValue": {"values": [{"stringValue": "stop"}]}})
        );
        provider.shutdown().unwrap();
    }

    #[tokio::test]
    async fn ids_are_lowercase_hex_not_base64() {
        let dir = TempDir::new("hex");
        let mut exporter = JsonlSpanExporter::new(Arc::new(JsonlFile::new(dir.join("t.jsonl"))));
        exporter.set_resource(&resource());
        exporter.export(vec![span_data("hex")]).await.unwrap();

        let request = only_line(exporter.file().path());
        let span = &request["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!(span["traceId"], "0102030405060708090a0b0c0d0e0f10");
        assert_eq!(span["spanId"], "a1b2c3d4e5f60718");
        assert_eq!(span["parentSpanId"], "00000000000000ff");
    }

    #[tokio::test]
    async fn a_line_deserializes_back_into_the_proto_request() {
        let dir = TempDir::new("roundtrip");
        let mut exporter = JsonlSpanExporter::new(Arc::new(JsonlFile::new(dir.join("t.jsonl"))));
        exporter.set_resource(&resource());
        exporter
            .export(vec![span_data("round trip")])
            .await
            .unwrap();

        let line = &lines(exporter.file().path())[0];
        let request: ExportTraceServiceRequest = serde_json::from_str(line).unwrap();
        let span = &request.resource_spans[0].scope_spans[0].spans[0];
        assert_eq!(span.name, "round trip");
        assert_eq!(span.trace_id, (1..=16).collect::<Vec<u8>>());
        assert_eq!(span.start_time_unix_nano, START);
        assert_eq!(
            span.attributes[0].value.as_ref().unwrap().value,
            Some(opentelemetry_proto::tonic::common::v1::any_value::Value::IntValue(5))
        );
        // Nothing is lost or changed by the trip through the proto type.
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::from_str::<Value>(line).unwrap()
        );
    }

    #[test]
    fn a_child_span_carries_its_parent_id() {
        let dir = TempDir::new("parent");
        let file = Arc::new(JsonlFile::new(dir.join("t.jsonl")));
        let provider = tracer_provider(&file);
        let tracer = provider.tracer("llm-trace");
        let parent = tracer.start("parent");
        let parent_id = parent.span_context().span_id();
        let cx = Context::current_with_span(parent);
        tracer.start_with_context("child", &cx).end();
        cx.span().end();
        provider.force_flush().unwrap();

        let request = only_line(file.path());
        let spans = request["resourceSpans"][0]["scopeSpans"][0]["spans"]
            .as_array()
            .unwrap();
        let child = spans.iter().find(|s| s["name"] == "child").unwrap();
        assert_eq!(child["parentSpanId"], parent_id.to_string());
        provider.shutdown().unwrap();
    }

    #[test]
    fn each_export_call_appends_its_own_line() {
        let dir = TempDir::new("lines");
        let file = Arc::new(JsonlFile::new(dir.join("t.jsonl")));
        let provider = tracer_provider(&file);
        let tracer = provider.tracer("llm-trace");
        tracer.start("first").end();
        provider.force_flush().unwrap();
        tracer.start("second").end();
        provider.force_flush().unwrap();

        let names: Vec<Value> = lines(file.path())
            .iter()
            .map(|line| {
                let request: Value = serde_json::from_str(line).unwrap();
                request["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"].clone()
            })
            .collect();
        assert_eq!(names, [json!("first"), json!("second")]);
        provider.shutdown().unwrap();
    }

    #[test]
    fn a_histogram_collection_is_one_otlp_json_metrics_request_line() {
        let dir = TempDir::new("metrics");
        let file = Arc::new(JsonlFile::new(dir.join("llm-trace.metrics.jsonl")));
        let reader = PeriodicReader::builder(JsonlMetricExporter::new(file.clone()))
            .with_interval(Duration::from_secs(3600))
            .build();
        let provider = SdkMeterProvider::builder()
            .with_reader(reader)
            .with_resource(resource())
            .build();
        let histogram = provider
            .meter("llm-trace")
            .u64_histogram("app.token.usage")
            .with_unit("{token}")
            .with_boundaries(vec![1.0, 4.0, 16.0, 64.0, 256.0, 1024.0])
            .build();
        let input = [KeyValue::new("app.token.type", "input")];
        histogram.record(100, &input);
        histogram.record(250, &input);
        provider.force_flush().unwrap();

        let line = &lines(file.path())[0];
        let request: Value = serde_json::from_str(line).unwrap();
        let resource_metrics = &request["resourceMetrics"][0];
        assert_eq!(
            attribute(&resource_metrics["resource"]["attributes"], "service.name"),
            &json!({"stringValue": "jsonl-test"})
        );
        let scope_metrics = &resource_metrics["scopeMetrics"][0];
        assert_eq!(scope_metrics["scope"]["name"], "llm-trace");
        let metric = &scope_metrics["metrics"][0];
        assert_eq!(metric["name"], "app.token.usage");
        assert_eq!(metric["unit"], "{token}");
        let histogram = &metric["histogram"];
        assert_eq!(histogram["aggregationTemporality"], 2, "CUMULATIVE");
        let point = &histogram["dataPoints"][0];
        assert_eq!(
            attribute(&point["attributes"], "app.token.type"),
            &json!({"stringValue": "input"})
        );
        assert_eq!(point["count"], "2");
        assert_eq!(point["sum"], 350.0);
        assert_eq!(point["min"], 100.0);
        assert_eq!(point["max"], 250.0);
        assert_eq!(
            point["explicitBounds"],
            json!([1.0, 4.0, 16.0, 64.0, 256.0, 1024.0])
        );
        assert_eq!(
            point["bucketCounts"],
            json!(["0", "0", "0", "0", "2", "0", "0"])
        );
        let start: u64 = point["startTimeUnixNano"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let time: u64 = point["timeUnixNano"].as_str().unwrap().parse().unwrap();
        assert!(0 < start && start <= time, "{start} .. {time}");

        let decoded: ExportMetricsServiceRequest = serde_json::from_str(line).unwrap();
        assert_eq!(serde_json::to_value(&decoded).unwrap(), request);
        provider.shutdown().unwrap();
    }

    #[test]
    fn metrics_are_cumulative_by_default() {
        let exporter = JsonlMetricExporter::new(Arc::new(JsonlFile::new("unused.jsonl")));
        assert_eq!(exporter.temporality(), Temporality::Cumulative);
        let exporter = exporter.with_temporality(Temporality::Delta);
        assert_eq!(exporter.temporality(), Temporality::Delta);
    }

    #[test]
    fn rotation_keeps_the_newest_backups_and_drops_the_oldest() {
        let dir = TempDir::new("rotate");
        // 40-byte records, 2 per file.
        let file = JsonlFile::new(dir.join("t.jsonl"))
            .with_max_bytes(100)
            .with_backups(2);
        let record = |n: usize| format!("{n:039}");
        for n in 1..=7 {
            file.append_line(record(n).as_bytes()).unwrap();
        }

        assert_eq!(lines(file.path()), [record(7)]);
        assert_eq!(lines(&file.backup_path(1)), [record(5), record(6)]);
        assert_eq!(lines(&file.backup_path(2)), [record(3), record(4)]);
        assert!(!file.backup_path(3).exists(), "records 1 and 2 are dropped");
    }

    #[test]
    fn every_file_stays_under_the_bound_across_span_exports() {
        let dir = TempDir::new("bound");
        let max_bytes = 2_000;
        let file = Arc::new(
            JsonlFile::new(dir.join("t.jsonl"))
                .with_max_bytes(max_bytes)
                .with_backups(2),
        );
        let provider = tracer_provider(&file);
        let tracer = provider.tracer("llm-trace");
        for n in 0..20 {
            tracer.start(format!("span {n}")).end();
            provider.force_flush().unwrap();
        }

        let files = [
            file.path().to_owned(),
            file.backup_path(1),
            file.backup_path(2),
        ];
        let mut kept = 0;
        for path in &files {
            let size = fs::metadata(path).unwrap().len();
            assert!(size <= max_bytes, "{} is {size} bytes", path.display());
            for line in lines(path) {
                serde_json::from_str::<ExportTraceServiceRequest>(&line).unwrap();
                kept += 1;
            }
        }
        assert!(!file.backup_path(3).exists());
        assert!(kept < 20, "the oldest exports were dropped, kept {kept}");
        assert!(fs::read_to_string(file.path()).unwrap().contains("span 19"));
        provider.shutdown().unwrap();
    }

    #[test]
    fn a_line_longer_than_the_bound_is_refused() {
        let dir = TempDir::new("oversize");
        let file = JsonlFile::new(dir.join("t.jsonl"))
            .with_max_bytes(10)
            .with_backups(1);
        file.append_line(b"small").unwrap();
        let err = file.append_line(b"far longer than ten bytes").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(
            err.to_string(),
            "a line of 26 bytes does not fit in the file's bound of 10 bytes"
        );
        // Nine bytes and the newline fit exactly.
        file.append_line(b"123456789").unwrap();

        assert_eq!(lines(file.path()), ["123456789"]);
        assert_eq!(lines(&file.backup_path(1)), ["small"]);
    }

    /// A span with an attribute of `bytes` bytes.
    fn padded_span(name: &'static str, n: u64, bytes: usize) -> SpanData {
        let mut span = span_data(name);
        span.attributes
            .push(KeyValue::new("app.pad", "x".repeat(bytes)));
        span.attributes.push(KeyValue::new("app.n", n as i64));
        span
    }

    /// The spans of every line of `path`, by their `app.n`; panics on a
    /// line that is not an OTLP/JSON trace request.
    fn span_numbers(path: &Path) -> Vec<i64> {
        let mut numbers = Vec::new();
        for line in lines(path) {
            let request: ExportTraceServiceRequest = serde_json::from_str(&line)
                .unwrap_or_else(|err| panic!("{}: {err}: {:.80}", path.display(), line));
            for rs in request.resource_spans {
                for ss in rs.scope_spans {
                    for span in ss.spans {
                        let n = span.attributes.iter().find(|kv| kv.key == "app.n");
                        match n.and_then(|kv| kv.value.as_ref()?.value.clone()) {
                            Some(
                                opentelemetry_proto::tonic::common::v1::any_value::Value::IntValue(
                                    n,
                                ),
                            ) => numbers.push(n),
                            other => panic!("no app.n: {other:?}"),
                        }
                    }
                }
            }
        }
        numbers
    }

    /// The current file and its backups that exist, oldest first.
    fn all_files(file: &JsonlFile) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = (1..)
            .map(|n| file.backup_path(n))
            .take_while(|p| p.exists())
            .collect();
        paths.reverse();
        paths.push(file.path().to_owned());
        paths
    }

    /// A process killed mid-write leaves a line without its newline; the
    /// next process's first batch must not be glued to it.
    #[tokio::test]
    async fn a_line_cut_short_by_a_crash_does_not_swallow_the_next_runs_first_batch() {
        let dir = TempDir::new("torn");
        let path = dir.join("llm-trace.jsonl");
        // The previous run: one whole line, then a line cut short.
        let previous = JsonlSpanExporter::new(Arc::new(JsonlFile::new(&path)));
        previous
            .export(vec![padded_span("earlier", 1000, 10)])
            .await
            .unwrap();
        let whole = fs::read(&path).unwrap();
        let mut torn = whole.clone();
        torn.extend_from_slice(&whole[..whole.len() / 2]);
        fs::write(&path, &torn).unwrap();

        // This run: 200 spans in batches of 64.
        let exporter = JsonlSpanExporter::new(Arc::new(JsonlFile::new(&path)));
        let spans: Vec<SpanData> = (0..200).map(|n| padded_span("now", n, 10)).collect();
        for batch in spans.chunks(64) {
            exporter.export(batch.to_vec()).await.unwrap();
        }

        let text = fs::read_to_string(&path).unwrap();
        let all: Vec<&str> = text.lines().collect();
        assert_eq!(
            all.len(),
            1 + 1 + 4,
            "the earlier line, the cut one, 4 batches"
        );
        assert!(
            serde_json::from_str::<Value>(all[1]).is_err(),
            "the cut line"
        );
        let readable: Vec<i64> = all
            .iter()
            .filter_map(|line| serde_json::from_str::<ExportTraceServiceRequest>(line).ok())
            .flat_map(|r| r.resource_spans)
            .flat_map(|rs| rs.scope_spans)
            .flat_map(|ss| ss.spans)
            .map(
                |span| match span.attributes[2].value.as_ref().unwrap().value {
                    Some(opentelemetry_proto::tonic::common::v1::any_value::Value::IntValue(n)) => {
                        n
                    }
                    _ => panic!("app.n"),
                },
            )
            .collect();
        let mut expected = vec![1000];
        expected.extend(0..200);
        assert_eq!(readable, expected, "every span of this run is readable");
        assert_eq!(exporter.spans_left_out(), 0);
    }

    /// Batches whose line is far larger than the bound (500 spans of 1 KiB
    /// against 64 KiB) are written as several lines: no file outgrows the
    /// bound and no span is lost but to rotation.
    #[tokio::test]
    async fn batches_larger_than_the_bound_are_split_and_no_file_outgrows_it() {
        let dir = TempDir::new("split");
        let max_bytes = 64 * 1024;
        let file = Arc::new(
            JsonlFile::new(dir.join("t.jsonl"))
                .with_max_bytes(max_bytes)
                .with_backups(1000),
        );
        let exporter = JsonlSpanExporter::new(file.clone());
        let spans: Vec<SpanData> = (0..2000).map(|n| padded_span("big", n, 1024)).collect();
        for batch in spans.chunks(500) {
            exporter.export(batch.to_vec()).await.unwrap();
        }

        let mut numbers = Vec::new();
        let paths = all_files(&file);
        for path in &paths {
            let size = fs::metadata(path).unwrap().len();
            assert!(size <= max_bytes, "{} is {size} bytes", path.display());
            numbers.extend(span_numbers(path));
        }
        assert_eq!(
            numbers,
            (0..2000).collect::<Vec<_>>(),
            "every span, in order"
        );
        // 2000 spans of ~1.3 KiB need at least 40 files of 64 KiB; the
        // lines share their resource and scope, so far fewer than 2000 lines.
        assert!(paths.len() >= 40, "{} files", paths.len());
        let line_count: usize = paths.iter().map(|p| lines(p).len()).sum();
        assert!(line_count < 100, "{line_count} lines");
        assert_eq!(exporter.spans_left_out(), 0);
    }

    /// A span larger than the bound on its own is left out and counted as
    /// failed; the others of its batch are written and counted exported.
    #[test]
    fn a_span_larger_than_the_bound_is_left_out_and_counted_as_failed() {
        let dir = TempDir::new("huge");
        let path = dir.join("llm-trace.jsonl");
        let max_bytes = 64 * 1024;
        let telemetry = crate::export::builder()
            .env_vars(std::iter::empty::<(String, String)>())
            .file(&path)
            .file_max_bytes(max_bytes)
            .metrics(false)
            .logs(false)
            .without_global_install()
            .init()
            .unwrap();
        let tracer = telemetry.tracer_provider().unwrap().tracer("llm-trace");
        for n in 0..10_i64 {
            let pad = if n == 4 { 100 * 1024 } else { 100 };
            tracer
                .span_builder("call")
                .with_attributes([
                    KeyValue::new("app.pad", "x".repeat(pad)),
                    KeyValue::new("app.n", n),
                ])
                .start(&tracer)
                .end();
        }
        telemetry.force_flush().unwrap();

        let counts = telemetry.span_counts();
        assert_eq!(
            (
                counts.exported,
                counts.failed,
                counts.dropped,
                counts.queued
            ),
            (9, 1, 0, 0)
        );
        let mut numbers = span_numbers(&path);
        numbers.sort();
        assert_eq!(numbers, [0, 1, 2, 3, 5, 6, 7, 8, 9]);
        assert!(fs::metadata(&path).unwrap().len() <= max_bytes);
        telemetry.shutdown().unwrap();
    }

    /// Two writers of one path (two processes of one application) each see
    /// what the other appended and what it rotated away: no file outgrows
    /// the bound, no line is lost or cut.
    #[test]
    fn two_writers_of_one_path_keep_every_file_within_the_bound() {
        let dir = TempDir::new("two");
        let path = dir.join("t.jsonl");
        let max_bytes = 16 * 1024;
        let writer = || {
            JsonlFile::new(&path)
                .with_max_bytes(max_bytes)
                .with_backups(1000)
        };
        let (a, b) = (writer(), writer());
        for n in 0..200 {
            let line = format!("{{\"n\":{n},\"pad\":\"{:1000}\"}}", "");
            if n % 2 == 0 { &a } else { &b }
                .append_line(line.as_bytes())
                .unwrap();
        }

        let mut numbers = Vec::new();
        for path in all_files(&a) {
            let size = fs::metadata(&path).unwrap().len();
            assert!(size <= max_bytes, "{} is {size} bytes", path.display());
            for line in lines(&path) {
                let value: Value = serde_json::from_str(&line).unwrap();
                numbers.push(value["n"].as_u64().unwrap());
            }
        }
        numbers.sort();
        assert_eq!(numbers, (0..200).collect::<Vec<_>>());
    }

    /// A metrics collection larger than the bound is written as several
    /// lines of whole data points; a data point larger than the bound alone
    /// is left out.
    #[test]
    fn a_metrics_collection_larger_than_the_bound_is_split_by_data_point() {
        let dir = TempDir::new("metrics-split");
        let max_bytes = 64 * 1024;
        let file = Arc::new(
            JsonlFile::new(dir.join("m.jsonl"))
                .with_max_bytes(max_bytes)
                .with_backups(100),
        );
        let reader = PeriodicReader::builder(JsonlMetricExporter::new(file.clone()))
            .with_interval(Duration::from_secs(3600))
            .build();
        let provider = SdkMeterProvider::builder().with_reader(reader).build();
        let counter = provider.meter("llm-trace").u64_counter("app.calls").build();
        for n in 0..200_u64 {
            counter.add(n + 1, &[KeyValue::new("app.key", format!("{n:01000}"))]);
        }
        counter.add(7, &[KeyValue::new("app.key", "h".repeat(100 * 1024))]);
        provider.force_flush().unwrap();

        let mut points = Vec::new();
        let paths = all_files(&file);
        for path in &paths {
            assert!(fs::metadata(path).unwrap().len() <= max_bytes);
            for line in lines(path) {
                let request: ExportMetricsServiceRequest = serde_json::from_str(&line).unwrap();
                for rm in request.resource_metrics {
                    for sm in rm.scope_metrics {
                        for metric in sm.metrics {
                            assert_eq!(metric.name, "app.calls");
                            let Some(metric::Data::Sum(sum)) = metric.data else {
                                panic!("a sum");
                            };
                            assert!(sum.is_monotonic);
                            assert_eq!(sum.aggregation_temporality, 2, "cumulative");
                            for point in sum.data_points {
                                match point.value {
                                    Some(opentelemetry_proto::tonic::metrics::v1::number_data_point::Value::AsInt(v)) => points.push(v),
                                    other => panic!("{other:?}"),
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(lines(file.path()).len() + paths.len() > 2, "several lines");
        points.sort();
        assert_eq!(
            points,
            (1..=200).collect::<Vec<i64>>(),
            "all but the huge point"
        );
        provider.shutdown().unwrap();
    }

    /// Cutting a request into items and putting them back gives the request
    /// again, for all three signals.
    #[test]
    fn requests_cut_into_items_go_back_together() {
        use opentelemetry_proto::tonic::common::v1::InstrumentationScope as Scope;
        use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
        use opentelemetry_proto::tonic::metrics::v1::{
            Gauge, Histogram, HistogramDataPoint, NumberDataPoint, ResourceMetrics, ScopeMetrics,
        };
        use opentelemetry_proto::tonic::resource::v1::Resource as ProtoResource;
        use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

        fn round_trip<R: Divisible + Clone + PartialEq + fmt::Debug>(request: R, items: usize) {
            let singles = request.clone().into_items();
            assert_eq!(singles.len(), items);
            let mut back: Option<R> = None;
            for one in singles {
                match &mut back {
                    Some(back) => back.push(one),
                    None => back = Some(one),
                }
            }
            assert_eq!(back.unwrap(), request);
        }
        let resource = |name: &str| {
            Some(ProtoResource {
                attributes: vec![opentelemetry_proto::tonic::common::v1::KeyValue {
                    key: "service.name".into(),
                    value: Some(opentelemetry_proto::tonic::common::v1::AnyValue {
                        value: Some(
                            opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(
                                name.into(),
                            ),
                        ),
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            })
        };
        let scope = |name: &str| {
            Some(Scope {
                name: name.into(),
                ..Default::default()
            })
        };

        let span = |name: &str| Span {
            name: name.into(),
            ..Default::default()
        };
        round_trip(
            ExportTraceServiceRequest {
                resource_spans: vec![
                    ResourceSpans {
                        resource: resource("a"),
                        scope_spans: vec![
                            ScopeSpans {
                                scope: scope("s1"),
                                spans: vec![span("1"), span("2")],
                                ..Default::default()
                            },
                            ScopeSpans {
                                scope: scope("s2"),
                                spans: vec![span("3")],
                                ..Default::default()
                            },
                        ],
                        ..Default::default()
                    },
                    ResourceSpans {
                        resource: resource("b"),
                        scope_spans: vec![ScopeSpans {
                            scope: scope("s1"),
                            spans: vec![span("4"), span("5")],
                            ..Default::default()
                        }],
                        ..Default::default()
                    },
                ],
            },
            5,
        );

        let record = |n: u64| LogRecord {
            time_unix_nano: n,
            ..Default::default()
        };
        round_trip(
            ExportLogsServiceRequest {
                resource_logs: vec![ResourceLogs {
                    resource: resource("a"),
                    scope_logs: vec![
                        ScopeLogs {
                            scope: scope("s1"),
                            log_records: vec![record(1), record(2), record(3)],
                            ..Default::default()
                        },
                        ScopeLogs {
                            scope: scope("s2"),
                            log_records: vec![record(4)],
                            ..Default::default()
                        },
                    ],
                    ..Default::default()
                }],
            },
            4,
        );

        let number = |n: u64| NumberDataPoint {
            time_unix_nano: n,
            ..Default::default()
        };
        let gauge = |name: &str, points: Vec<NumberDataPoint>| Metric {
            name: name.into(),
            data: Some(metric::Data::Gauge(Gauge {
                data_points: points,
            })),
            ..Default::default()
        };
        round_trip(
            ExportMetricsServiceRequest {
                resource_metrics: vec![ResourceMetrics {
                    resource: resource("a"),
                    scope_metrics: vec![ScopeMetrics {
                        scope: scope("s1"),
                        metrics: vec![
                            gauge("g1", vec![number(1), number(2)]),
                            Metric {
                                name: "h".into(),
                                data: Some(metric::Data::Histogram(Histogram {
                                    data_points: vec![
                                        HistogramDataPoint::default(),
                                        HistogramDataPoint {
                                            count: 3,
                                            ..Default::default()
                                        },
                                    ],
                                    aggregation_temporality: 1,
                                })),
                                ..Default::default()
                            },
                            gauge("g2", vec![number(3)]),
                        ],
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            },
            5,
        );
    }

    #[test]
    fn an_existing_file_is_appended_to_and_counts_toward_the_bound() {
        let dir = TempDir::new("existing");
        let path = dir.join("t.jsonl");
        fs::write(&path, "earlier run\n").unwrap();
        let file = JsonlFile::new(&path).with_max_bytes(25).with_backups(1);
        file.append_line(b"this run").unwrap();
        file.append_line(b"this run again").unwrap();

        assert_eq!(lines(&file.backup_path(1)), ["earlier run", "this run"]);
        assert_eq!(lines(&path), ["this run again"]);
    }

    #[test]
    fn a_record_with_a_newline_is_refused() {
        let dir = TempDir::new("newline");
        let file = JsonlFile::new(dir.join("t.jsonl"));
        let err = file.append_line(b"{}\n{}").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(!file.path().exists());
    }

    #[test]
    fn with_no_backups_rotation_starts_the_file_over() {
        let dir = TempDir::new("nobackups");
        let file = JsonlFile::new(dir.join("t.jsonl"))
            .with_max_bytes(10)
            .with_backups(0);
        file.append_line(b"one").unwrap();
        file.append_line(b"two").unwrap();
        file.append_line(b"three").unwrap();

        assert_eq!(lines(file.path()), ["three"]);
        assert!(!file.backup_path(1).exists());
    }

    #[test]
    fn concurrent_writers_never_interleave_lines() {
        let dir = TempDir::new("threads");
        let file = Arc::new(
            JsonlFile::new(dir.join("t.jsonl"))
                .with_max_bytes(4_000)
                .with_backups(1_000),
        );
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let file = file.clone();
                std::thread::spawn(move || {
                    for n in 0..50 {
                        let line = format!("{{\"thread\":{t},\"n\":{n},\"pad\":\"{:64}\"}}", "");
                        file.append_line(line.as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }

        let mut count = 0;
        let mut paths = vec![file.path().to_owned()];
        paths.extend(
            (1..)
                .map(|n| file.backup_path(n))
                .take_while(|p| p.exists()),
        );
        for path in paths {
            for line in lines(&path) {
                serde_json::from_str::<Value>(&line).unwrap();
                count += 1;
            }
        }
        assert_eq!(count, 8 * 50);
    }

    #[tokio::test]
    async fn a_write_to_an_unwritable_path_is_an_export_error_not_a_panic() {
        let dir = TempDir::new("unwritable");
        // A regular file where a directory should be: fails even for root.
        let blocker = dir.join("not-a-directory");
        fs::write(&blocker, "").unwrap();
        let file = Arc::new(JsonlFile::new(blocker.join("t.jsonl")));

        assert!(file.append_line(b"{}").is_err());
        let exporter = JsonlSpanExporter::new(file.clone());
        match exporter.export(vec![span_data("lost")]).await {
            Err(OTelSdkError::InternalFailure(message)) => {
                assert!(message.contains("not-a-directory"), "{message}")
            }
            other => panic!("expected an internal failure, got {other:?}"),
        }
        let metrics = JsonlMetricExporter::new(file.clone());
        let reader = PeriodicReader::builder(metrics).build();
        let provider = SdkMeterProvider::builder().with_reader(reader).build();
        provider.meter("m").u64_counter("c").build().add(1, &[]);
        assert!(provider.force_flush().is_err());
        let _ = provider.shutdown();
    }

    #[test]
    fn writing_resumes_once_the_path_is_writable_again() {
        let dir = TempDir::new("resume");
        let blocker = dir.join("later-a-directory");
        fs::write(&blocker, "").unwrap();
        let file = JsonlFile::new(blocker.join("t.jsonl"));
        assert!(file.append_line(b"lost").is_err());

        fs::remove_file(&blocker).unwrap();
        file.append_line(b"kept").unwrap();
        assert_eq!(lines(file.path()), ["kept"]);
    }

    #[tokio::test]
    async fn export_after_shutdown_is_rejected() {
        let dir = TempDir::new("shutdown");
        let exporter = JsonlSpanExporter::new(Arc::new(JsonlFile::new(dir.join("t.jsonl"))));
        exporter.shutdown().unwrap();
        assert!(matches!(
            exporter.export(vec![span_data("late")]).await,
            Err(OTelSdkError::AlreadyShutdown)
        ));
        assert!(!exporter.file().path().exists());
    }

    #[test]
    fn metrics_path_sits_next_to_the_traces_file() {
        assert_eq!(
            metrics_path(DEFAULT_PATH),
            Path::new("llm-trace.metrics.jsonl")
        );
        assert_eq!(
            metrics_path("out/a.b.jsonl"),
            Path::new("out/a.b.metrics.jsonl")
        );
        assert_eq!(metrics_path("traces"), Path::new("traces.metrics"));
    }

    #[tokio::test]
    async fn a_non_finite_attribute_leaves_an_empty_value_not_null() {
        let dir = TempDir::new("nan");
        let exporter = JsonlSpanExporter::new(Arc::new(JsonlFile::new(dir.join("t.jsonl"))));
        let mut span = span_data("nan");
        span.attributes.push(KeyValue::new("app.score", f64::NAN));
        exporter.export(vec![span]).await.unwrap();

        let line = &lines(exporter.file().path())[0];
        assert!(!line.contains("null"), "{line}");
        let request: Value = serde_json::from_str(line).unwrap();
        let span = &request["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!(attribute(&span["attributes"], "app.score"), &json!({}));
        assert_eq!(
            attribute(&span["attributes"], "app.prompt_id"),
            &json!({"intValue": "5"})
        );
        serde_json::from_str::<ExportTraceServiceRequest>(line).unwrap();
    }

    #[test]
    fn a_histogram_without_min_and_max_omits_them_rather_than_writing_null() {
        use opentelemetry_sdk::metrics::{Aggregation, Instrument, Stream};

        let dir = TempDir::new("minmax");
        let file = Arc::new(JsonlFile::new(dir.join("m.jsonl")));
        let reader = PeriodicReader::builder(JsonlMetricExporter::new(file.clone())).build();
        let provider = SdkMeterProvider::builder()
            .with_reader(reader)
            .with_view(|_: &Instrument| {
                Stream::builder()
                    .with_aggregation(Aggregation::ExplicitBucketHistogram {
                        boundaries: vec![1.0],
                        record_min_max: false,
                    })
                    .build()
                    .ok()
            })
            .build();
        provider
            .meter("llm-trace")
            .f64_histogram("app.duration")
            .build()
            .record(2.5, &[]);
        provider.force_flush().unwrap();

        let line = &lines(file.path())[0];
        assert!(!line.contains("null"), "{line}");
        let request: Value = serde_json::from_str(line).unwrap();
        let point = &request["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["histogram"]
            ["dataPoints"][0];
        assert_eq!(point["sum"], 2.5);
        assert!(point.get("min").is_none() && point.get("max").is_none());
        let decoded: ExportMetricsServiceRequest = serde_json::from_str(line).unwrap();
        let opentelemetry_proto::tonic::metrics::v1::metric::Data::Histogram(histogram) =
            decoded.resource_metrics[0].scope_metrics[0].metrics[0]
                .data
                .clone()
                .unwrap()
        else {
            panic!("not a histogram");
        };
        assert_eq!(histogram.data_points[0].min, None);
        provider.shutdown().unwrap();
    }
}
