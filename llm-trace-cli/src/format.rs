//! How figures are written: for people (tables), for tools (JSON, CSV).

use std::io::{self, Write};

use comfy_table::{CellAlignment, ContentArrangement, Table};
use jiff::Timestamp;

/// The output format of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// An aligned table.
    #[default]
    Table,
    /// JSON (figures as numbers, durations in milliseconds, costs in USD).
    Json,
    /// CSV with a header row (the JSON field names).
    Csv,
}

/// `12345` → `12,345`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count, or `-` when nothing reported it.
pub fn opt_count(n: Option<u64>) -> String {
    n.map(count).unwrap_or_else(|| "-".into())
}

/// US dollars with four significant digits, at least two decimals and at
/// most eight: `$1234.57`, `$0.1235`, `$0.0001350`.
pub fn usd(amount: f64) -> String {
    if amount == 0.0 || !amount.is_finite() {
        return format!("${amount:.2}");
    }
    let magnitude = amount.abs().log10().floor() as i32;
    let decimals = (3 - magnitude).clamp(2, 8) as usize;
    format!("${amount:.decimals$}")
}

/// Nanoseconds as milliseconds (for JSON and CSV).
pub fn ms(nanos: u64) -> f64 {
    nanos as f64 / 1e6
}

/// Nanoseconds as milliseconds with one decimal: `812.3`.
pub fn ms_text(nanos: u64) -> String {
    format!("{:.1}", ms(nanos))
}

/// A duration for people: `850 µs`, `812.3 ms`, `12.41 s`.
pub fn duration(nanos: u64) -> String {
    if nanos < 1_000_000 {
        format!("{} µs", nanos / 1_000)
    } else if nanos < 10_000_000_000 {
        format!("{:.1} ms", ms(nanos))
    } else {
        format!("{:.2} s", nanos as f64 / 1e9)
    }
}

/// A fraction as a percentage with one decimal: `0.0123` → `1.2%`.
pub fn percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// A signed relative difference: `+12.5%`, `-3.0%`; `-` when either side
/// is missing or the baseline is zero.
pub fn relative(value: Option<f64>, baseline: Option<f64>) -> Option<f64> {
    match (value, baseline) {
        (Some(v), Some(b)) if b != 0.0 => Some((v - b) / b),
        _ => None,
    }
}

/// Nanoseconds since the epoch as an RFC 3339 UTC time with milliseconds.
pub fn time(nanos: u64) -> String {
    match Timestamp::from_nanosecond(i128::from(nanos)) {
        Ok(t) => format!("{t:.3}"),
        Err(_) => nanos.to_string(),
    }
}

/// No rules but a line under the header: tables that read well in a
/// terminal and paste cleanly into a ticket or a README.
const STYLE: &str = "     ──            ";

/// A plain table, header underlined (see [`STYLE`]); columns whose index
/// is in `right` are right-aligned (numbers).
pub fn table(headers: &[String], right: &[usize], rows: Vec<Vec<String>>) -> Table {
    let mut table = Table::new();
    table
        .load_preset(STYLE)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers);
    for row in rows {
        table.add_row(row);
    }
    for &i in right {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// Writes `table`, without the padding spaces at the ends of its lines.
pub fn write_table(out: &mut dyn Write, table: &Table) -> io::Result<()> {
    for line in table.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// A JSON object whose fields keep the order they were given in (a
/// `serde_json::Map` sorts them), so that `group` comes first and figures
/// read in the order of the table.
#[derive(Debug, Clone, Default)]
pub struct Record(pub Vec<(String, Field)>);

/// A field of a [`Record`].
#[derive(Debug, Clone)]
pub enum Field {
    /// Any JSON value.
    Json(serde_json::Value),
    /// A nested record.
    Record(Record),
    /// An array of records.
    Records(Vec<Record>),
}

impl Record {
    /// Adds a field.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Field>) -> Record {
        self.0.push((name.into(), value.into()));
        self
    }
}

macro_rules! json_fields {
    ($($t:ty),*) => {$(
        impl From<$t> for Field {
            fn from(value: $t) -> Field {
                Field::Json(value.into())
            }
        }
    )*};
}

json_fields!(
    serde_json::Value,
    String,
    &str,
    u64,
    f64,
    bool,
    Vec<String>,
    Vec<serde_json::Value>
);

impl From<Record> for Field {
    fn from(record: Record) -> Field {
        Field::Record(record)
    }
}

impl From<Vec<Record>> for Field {
    fn from(records: Vec<Record>) -> Field {
        Field::Records(records)
    }
}

impl serde::Serialize for Record {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl serde::Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Json(value) => value.serialize(serializer),
            Field::Record(record) => record.serialize(serializer),
            Field::Records(records) => records.serialize(serializer),
        }
    }
}

/// Writes `value` as pretty JSON followed by a newline.
pub fn write_json(out: &mut dyn Write, value: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// Writes a CSV header and rows.
pub fn write_csv(out: &mut dyn Write, header: &[String], rows: &[Vec<String>]) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row)?;
    }
    writer.flush()
}

/// A number as a CSV field: empty when absent.
pub fn csv_num<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(12_345_678), "12,345,678");
    }

    #[test]
    fn dollars_keep_four_significant_digits() {
        assert_eq!(usd(1234.5678), "$1234.57");
        assert_eq!(usd(12.345678), "$12.35");
        assert_eq!(usd(0.123456), "$0.1235");
        assert_eq!(usd(0.000135), "$0.0001350");
        assert_eq!(usd(0.0), "$0.00");
    }

    #[test]
    fn times_are_utc_with_milliseconds() {
        assert_eq!(time(1_795_750_967_827_934_999), "2026-11-27T03:42:47.827Z");
    }
}
