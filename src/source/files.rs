//! The files source: what `aws cloudwatch get-metric-data` prints (`*.json`),
//! `*.csv` with `timestamp,metric,value`, and `*.parquet` with the same columns.
//! A directory is read whole (its files in name order); every bad value is
//! reported with its file, metric and timestamp.

use crate::error::{Error, Result};
use crate::model::Metric;
use crate::series::{fmt_time, DataSet, TimeSeries};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// One metric's points from one file, in file order: `(timestamps, values)`.
type Columns = (Vec<i64>, Vec<f64>);

/// What one file holds: the points of each needed metric, and the row count
/// of every label that slo.yaml does not name.
#[derive(Default)]
pub struct Chunks {
    pub series: HashMap<String, Columns>,
    pub unread: HashMap<String, u64>,
}

/// How a reader treats the rows of each label.
pub struct Wanted<'a> {
    /// Every metric name of slo.yaml: `true` where an SLO reads it.
    names: HashMap<&'a str, bool>,
    /// The latest timestamp a point may have: a day after now.
    limit: i64,
}

impl<'a> Wanted<'a> {
    pub fn new(cfg_names: impl IntoIterator<Item = &'a str>, needed: &[&'a str], now: i64) -> Self {
        let mut names: HashMap<&str, bool> = cfg_names.into_iter().map(|n| (n, false)).collect();
        for n in needed {
            names.insert(n, true);
        }
        Wanted {
            names,
            limit: now + FUTURE_SLACK,
        }
    }

    /// `Some(true)`: read it; `Some(false)`: a metric of slo.yaml that no SLO
    /// reads; `None`: a label slo.yaml does not name.
    #[inline]
    fn get(&self, label: &str) -> Option<bool> {
        self.names.get(label).copied()
    }

    /// Counts a row (or `n` rows) of `label` if slo.yaml does not name it;
    /// `true` when the rows are to be read.
    #[inline]
    fn keep(&self, label: &str, n: u64, unread: &mut HashMap<String, u64>) -> bool {
        match self.get(label) {
            Some(read) => read,
            None => {
                match unread.get_mut(label) {
                    Some(c) => *c += n,
                    None => {
                        unread.insert(label.to_string(), n);
                    }
                }
                false
            }
        }
    }
}

/// A point this far after the current time is not a measurement (clock skew
/// of a day is allowed; a year 9999 is a typo or a unit error).
const FUTURE_SLACK: i64 = 86_400;

/// Reads every data file under `path` (in parallel) and returns the needed
/// metrics' series, and the labels (with row counts) that slo.yaml does not name.
pub fn load(
    path: &Path,
    cfg_names: &[&str],
    needed: &[&Metric],
) -> Result<(DataSet, BTreeMap<String, u64>)> {
    let files = data_files(path)?;
    let names: Vec<&str> = needed.iter().map(|m| m.name.as_str()).collect();
    let wanted = Wanted::new(
        cfg_names.iter().copied(),
        &names,
        chrono::Utc::now().timestamp(),
    );
    let read = read_all(&files, &wanted)?;
    // Per metric: (file index, columns) in file order.
    let mut found: HashMap<String, Vec<(usize, Columns)>> = HashMap::new();
    let mut unread: BTreeMap<String, u64> = BTreeMap::new();
    for (i, chunks) in read.into_iter().enumerate() {
        for (metric, cols) in chunks.series {
            found.entry(metric).or_default().push((i, cols));
        }
        for (label, n) in chunks.unread {
            *unread.entry(label).or_default() += n;
        }
    }
    let mut out = DataSet::new();
    for name in names {
        let chunks = found.remove(name).unwrap_or_default();
        let duplicate = |files_: &[usize], t: i64| {
            let list: std::collections::BTreeSet<String> = files_
                .iter()
                .map(|i| files[*i].display().to_string())
                .collect();
            Error::data(format!(
                "{}: metric `{name}` has two points at {}",
                list.into_iter().collect::<Vec<_>>().join(" and "),
                fmt_time(t)
            ))
        };
        let origin: Vec<usize> = chunks.iter().map(|c| c.0).collect();
        let mut series = TimeSeries::default();
        for (i, (ts, vs)) in chunks {
            let s = TimeSeries::from_columns(ts, vs).map_err(|t| duplicate(&[i], t))?;
            series = series.merge(s).map_err(|t| duplicate(&origin, t))?;
        }
        out.insert(name.to_string(), series);
    }
    Ok((out, unread))
}

/// Reads the files on one plain thread per core, each taking the next file.
/// (Not a rayon pool: polars decodes Parquet on its own pool, and a rayon worker
/// that waits on another pool steals more of its own work meanwhile, so the
/// reads would nest and every file's frame would stay alive at once.)
fn read_all(files: &[PathBuf], names: &Wanted) -> Result<Vec<Chunks>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(files.len())
        .max(1);
    let mut slots: Vec<Option<Result<Chunks>>> = (0..files.len()).map(|_| None).collect();
    let results: Vec<Vec<(usize, Result<Chunks>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(f) = files.get(i) else { break };
                        let r = read_file(f, names);
                        let failed = r.is_err();
                        mine.push((i, r));
                        if failed {
                            // Stop the others early: no file after this one is needed.
                            next.store(files.len(), Ordering::Relaxed);
                            break;
                        }
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    for (i, r) in results.into_iter().flatten() {
        slots[i] = Some(r);
    }
    // The first error in file order wins, so the message does not depend on timing.
    let mut out = Vec::with_capacity(files.len());
    for (i, slot) in slots.into_iter().enumerate() {
        match slot {
            Some(r) => out.push(r?),
            None => {
                return Err(Error::data(format!(
                    "{}: not read (another file failed first)",
                    files[i].display()
                )))
            }
        }
    }
    Ok(out)
}

/// Copies one metric's rows, timestamps in units of `1 / DIV` seconds.
fn copy_run<const DIV: i64>(
    rows: impl Iterator<Item = (i64, f64)>,
    tcol: &mut Vec<i64>,
    vcol: &mut Vec<f64>,
    path: &Path,
    metric: &str,
    limit: i64,
) -> Result<()> {
    for (t, v) in rows {
        let t = t.div_euclid(DIV);
        tcol.push(check_time(path, metric, t, limit)?);
        vcol.push(check_value(path, metric, t, v)?);
    }
    Ok(())
}

fn data_files(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::data(format!(
            "{}: cannot read the data source: {e}",
            path.display()
        ))
    })?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Error::data(format!("{}: {e}", path.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && kind(p).is_some())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::data(format!(
            "{}: no *.json, *.csv or *.parquet data file in this directory",
            path.display()
        )));
    }
    Ok(files)
}

#[derive(Clone, Copy)]
enum Kind {
    Json,
    Csv,
    Parquet,
}

fn kind(p: &Path) -> Option<Kind> {
    match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "json" => Some(Kind::Json),
        "csv" => Some(Kind::Csv),
        "parquet" => Some(Kind::Parquet),
        _ => None,
    }
}

/// Reads one file, keeping the metrics `names` reads.
pub fn read_file(path: &Path, names: &Wanted) -> Result<Chunks> {
    match kind(path) {
        Some(Kind::Json) => {
            let bytes =
                std::fs::read(path).map_err(|e| Error::data(format!("{}: {e}", path.display())))?;
            read_json(path, &bytes, names)
        }
        Some(Kind::Csv) => {
            let f = std::fs::File::open(path)
                .map_err(|e| Error::data(format!("{}: {e}", path.display())))?;
            read_csv(path, std::io::BufReader::with_capacity(1 << 20, f), names)
        }
        Some(Kind::Parquet) => {
            let f = std::fs::File::open(path)
                .map_err(|e| Error::data(format!("{}: {e}", path.display())))?;
            read_parquet(path, f, names)
        }
        None => Err(Error::data(format!(
            "{}: not a data file (use .json, .csv or .parquet)",
            path.display()
        ))),
    }
}

/// Reads the bytes of a data file named `path` (its extension picks the
/// format) without touching the disk: the fuzz targets' entry.
pub fn read_bytes(path: &Path, bytes: &[u8], names: &Wanted) -> Result<Chunks> {
    match kind(path) {
        Some(Kind::Json) => read_json(path, bytes, names),
        Some(Kind::Csv) => read_csv(path, bytes, names),
        Some(Kind::Parquet) => read_parquet(path, std::io::Cursor::new(bytes.to_vec()), names),
        None => Err(Error::data(format!(
            "{}: not a data file (use .json, .csv or .parquet)",
            path.display()
        ))),
    }
}

/// A value must be finite and not negative: every statistic slo reads is a count,
/// a rate or a duration.
#[inline]
fn check_value(path: &Path, metric: &str, t: i64, v: f64) -> Result<f64> {
    if v >= 0.0 && v.is_finite() {
        return Ok(v);
    }
    Err(bad_value(path, metric, t, v))
}

/// A timestamp must not lie more than a day after now.
#[inline]
fn check_time(path: &Path, metric: &str, t: i64, limit: i64) -> Result<i64> {
    if t <= limit {
        return Ok(t);
    }
    Err(future_time(path, metric, t))
}

#[cold]
fn future_time(path: &Path, metric: &str, t: i64) -> Error {
    Error::data(format!(
        "{}: metric `{metric}` has a point at {}, more than a day after the current time \
         (a typo, or timestamps in another unit?)",
        path.display(),
        fmt_time(t)
    ))
}

#[cold]
fn bad_value(path: &Path, metric: &str, t: i64, v: f64) -> Error {
    let what = if v.is_finite() {
        "negative"
    } else {
        "not a finite number"
    };
    Error::data(format!(
        "{}: metric `{metric}` at {}: value {v} is {what}",
        path.display(),
        fmt_time(t)
    ))
}

/// Parses an RFC 3339 timestamp to epoch seconds; the common
/// `YYYY-MM-DDTHH:MM:SS(Z|+00:00)` takes a fast path.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && b[13] == b':'
        && b[16] == b':'
    {
        // Bytes, not a str slice: byte 19 may fall inside a multi-byte
        // character (found by fuzzing: `2026-11-01T00:00:0Ч,...` panicked).
        let tail = &b[19..];
        if tail == b"Z" || tail == b"+00:00" || tail == b"z" {
            let num = |r: std::ops::Range<usize>| -> Option<i64> {
                let mut n = 0i64;
                for &c in &b[r] {
                    if !c.is_ascii_digit() {
                        return None;
                    }
                    n = n * 10 + (c - b'0') as i64;
                }
                Some(n)
            };
            let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
            let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
            if (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && sec < 60 {
                let date = chrono::NaiveDate::from_ymd_opt(y as i32, mo as u32, d as u32)?;
                let days = date
                    .signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?)
                    .num_days();
                return Some(days * 86_400 + h * 3600 + mi * 60 + sec);
            }
            return None;
        }
    }
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|d| d.timestamp())
}

#[derive(Deserialize)]
struct CliOutput<'a> {
    #[serde(rename = "MetricDataResults", borrow)]
    results: Vec<CliResult<'a>>,
    #[serde(rename = "Messages", default)]
    messages: Vec<CliMessage>,
}

#[derive(Deserialize)]
struct CliResult<'a> {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "Timestamps", borrow, default)]
    timestamps: Vec<Cow<'a, str>>,
    #[serde(rename = "Values", default)]
    values: Vec<f64>,
    #[serde(rename = "StatusCode", default)]
    status: Option<String>,
    #[serde(rename = "Messages", default)]
    messages: Vec<CliMessage>,
}

#[derive(Deserialize)]
struct CliMessage {
    #[serde(rename = "Code", default)]
    code: Option<String>,
    #[serde(rename = "Value", default)]
    value: Option<String>,
}

fn read_json(path: &Path, bytes: &[u8], names: &Wanted) -> Result<Chunks> {
    let doc: CliOutput = match serde_json::from_slice(bytes) {
        Ok(d) => d,
        Err(e) => return Err(explain_json(path, bytes, e)),
    };
    for m in &doc.messages {
        crate::warn(&format!(
            "{}: CloudWatch message {}: {}",
            path.display(),
            m.code.as_deref().unwrap_or("-"),
            m.value.as_deref().unwrap_or("")
        ));
    }
    let mut out = Chunks::default();
    for r in doc.results {
        if !names.keep(&r.id, r.values.len() as u64, &mut out.unread) {
            continue;
        }
        if r.timestamps.len() != r.values.len() {
            return Err(Error::data(format!(
                "{}: metric `{}` has {} timestamps but {} values",
                path.display(),
                r.id,
                r.timestamps.len(),
                r.values.len()
            )));
        }
        match r.status.as_deref() {
            None | Some("Complete") => {}
            Some(s) => crate::warn(&format!(
                "{}: metric `{}` has StatusCode {s}: its series may be incomplete",
                path.display(),
                r.id
            )),
        }
        for m in &r.messages {
            crate::warn(&format!(
                "{}: metric `{}`: {} {}",
                path.display(),
                r.id,
                m.code.as_deref().unwrap_or("-"),
                m.value.as_deref().unwrap_or("")
            ));
        }
        let (tcol, vcol) = out.series.entry(r.id.clone()).or_default();
        tcol.reserve(r.values.len());
        vcol.reserve(r.values.len());
        for (ts, v) in r.timestamps.iter().zip(r.values) {
            let t = parse_timestamp(ts).ok_or_else(|| {
                Error::data(format!(
                    "{}: metric `{}`: `{ts}` is not an RFC 3339 timestamp",
                    path.display(),
                    r.id
                ))
            })?;
            tcol.push(check_time(path, &r.id, t, names.limit)?);
            vcol.push(check_value(path, &r.id, t, v)?);
        }
    }
    Ok(out)
}

/// serde_json's error says line and column; this finds the metric and the
/// timestamp of a bad value when the document is otherwise well formed.
fn explain_json(path: &Path, bytes: &[u8], e: serde_json::Error) -> Error {
    let generic = Error::data(format!(
        "{}: not the JSON of `aws cloudwatch get-metric-data`: {e}",
        path.display()
    ));
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return generic;
    };
    let Some(results) = doc.get("MetricDataResults").and_then(|r| r.as_array()) else {
        return Error::data(format!(
            "{}: no `MetricDataResults` list: not the JSON of `aws cloudwatch get-metric-data`",
            path.display()
        ));
    };
    for r in results {
        let id = r.get("Id").and_then(|i| i.as_str()).unwrap_or("?");
        let ts = r.get("Timestamps").and_then(|t| t.as_array());
        if let Some(vals) = r.get("Values").and_then(|v| v.as_array()) {
            for (i, v) in vals.iter().enumerate() {
                if !v.is_number() {
                    let at = ts
                        .and_then(|t| t.get(i))
                        .and_then(|t| t.as_str())
                        .unwrap_or("an unknown time");
                    return Error::data(format!(
                        "{}: metric `{id}` at {at}: value {v} is not a number",
                        path.display()
                    ));
                }
            }
        }
    }
    generic
}

fn read_csv(path: &Path, input: impl std::io::Read, names: &Wanted) -> Result<Chunks> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(input);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::data(format!("{}: {e}", path.display())))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let col = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            Error::data(format!(
                "{}: the header has no `{name}` column (expected timestamp,metric,value; found {})",
                path.display(),
                header.join(",")
            ))
        })
    };
    let (ct, cm, cv) = (col("timestamp")?, col("metric")?, col("value")?);
    let mut out = Chunks::default();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(Error::data(format!("{}: {e}", path.display()))),
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let metric = record.get(cm).unwrap_or("");
        if !names.keep(metric, 1, &mut out.unread) {
            continue;
        }
        let ts = record.get(ct).unwrap_or("");
        let t = parse_timestamp(ts).ok_or_else(|| {
            Error::data(format!(
                "{}:{line}: metric `{metric}`: `{ts}` is not an RFC 3339 timestamp",
                path.display()
            ))
        })?;
        let raw = record.get(cv).unwrap_or("");
        let v: f64 = raw.parse().map_err(|_| {
            Error::data(format!(
                "{}:{line}: metric `{metric}` at {}: value `{raw}` is not a number",
                path.display(),
                fmt_time(t)
            ))
        })?;
        let (tcol, vcol) = out.series.entry(metric.to_string()).or_default();
        tcol.push(check_time(path, metric, t, names.limit)?);
        vcol.push(check_value(path, metric, t, v)?);
    }
    Ok(out)
}

/// The unit of an integer `timestamp` column, from its magnitude: epoch
/// seconds, milliseconds, microseconds or nanoseconds (pandas' `int64` view of
/// a datetime). Every time from 1973 to 5138 has one reading only.
fn integer_unit(max_abs: i64) -> i64 {
    const E11: i64 = 100_000_000_000;
    if max_abs < E11 {
        1
    } else if max_abs < E11 * 1_000 {
        1_000
    } else if max_abs < E11 * 1_000_000 {
        1_000_000
    } else {
        1_000_000_000
    }
}

/// Refuses, from the schema alone, column types that the reader cannot take,
/// naming the column, its type and what to write instead.
fn check_parquet_schema(path: &Path, schema: &polars::prelude::ArrowSchema) -> Result<()> {
    use polars::prelude::ArrowDataType as A;
    let bad = |m: String| Error::data(format!("{}: {m}", path.display()));
    for (name, field) in schema.iter() {
        let dt = &field.dtype;
        let inner = match dt {
            A::Dictionary(_, v, _) => v.as_ref(),
            other => other,
        };
        let ok = match name.as_str() {
            "metric" => matches!(inner, A::Utf8 | A::LargeUtf8 | A::Utf8View),
            "value" => matches!(
                inner,
                A::Int8
                    | A::Int16
                    | A::Int32
                    | A::Int64
                    | A::UInt8
                    | A::UInt16
                    | A::UInt32
                    | A::UInt64
                    | A::Float16
                    | A::Float32
                    | A::Float64
            ),
            "timestamp" => matches!(
                inner,
                A::Timestamp(..)
                    | A::Utf8
                    | A::LargeUtf8
                    | A::Utf8View
                    | A::Int32
                    | A::Int64
                    | A::UInt32
                    | A::UInt64
            ),
            _ => true,
        };
        if !ok {
            let want = match name.as_str() {
                "metric" => "text (a string or a categorical of strings)",
                "value" => "an integer or floating-point number (cast decimals to float64)",
                _ => "a timestamp, RFC 3339 text, or integer epoch seconds, milliseconds, microseconds or nanoseconds",
            };
            return Err(bad(format!(
                "the `{name}` column has the Parquet/Arrow type {dt:?}; it must be {want}"
            )));
        }
    }
    Ok(())
}

/// Reads a Parquet file; a damaged file that makes the decoder panic is a
/// data error like any other unreadable file.
fn read_parquet(
    path: &Path,
    input: impl polars::io::mmap::MmapBytesReader,
    names: &Wanted,
) -> Result<Chunks> {
    crate::guard::catch(|| read_parquet_unguarded(path, input, names)).unwrap_or_else(|why| {
        Err(Error::data(format!(
            "{}: not a readable Parquet file: the decoder failed ({why})",
            path.display()
        )))
    })
}

fn read_parquet_unguarded(
    path: &Path,
    input: impl polars::io::mmap::MmapBytesReader,
    names: &Wanted,
) -> Result<Chunks> {
    use polars::prelude::*;
    let bad = |m: String| Error::data(format!("{}: {m}", path.display()));
    let mut reader = ParquetReader::new(input);
    let schema = reader
        .schema()
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
    check_parquet_schema(path, &schema)?;
    let missing: Vec<&str> = ["timestamp", "metric", "value"]
        .into_iter()
        .filter(|c| schema.get(c).is_none())
        .collect();
    if let Some(name) = missing.first() {
        return Err(bad(format!(
            "no `{name}` column (expected timestamp, metric, value; found {})",
            schema
                .iter_names()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let df = reader
        .with_columns(Some(vec![
            "timestamp".into(),
            "metric".into(),
            "value".into(),
        ]))
        .finish()
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
    let column = |name: &str| {
        df.column(name)
            .map_err(|_| bad(format!("no `{name}` column")))
    };
    let metric = column("metric")?;
    let metric = match metric.dtype() {
        DataType::String => metric.clone(),
        _ => metric
            .cast(&DataType::String)
            .map_err(|e| bad(format!("the `metric` column: {e}")))?,
    };
    let metric = metric
        .str()
        .map_err(|_| bad("the `metric` column is not text".into()))?
        .clone();
    let tcol = column("timestamp")?;
    // Timestamps as epoch seconds: a datetime column is divided per run below;
    // text is parsed up front.
    let (phys, div): (Int64Chunked, i64) = match tcol.dtype() {
        DataType::Datetime(unit, _) => (
            tcol.to_physical_repr()
                .i64()
                .map_err(|e| bad(e.to_string()))?
                .clone(),
            match unit {
                TimeUnit::Milliseconds => 1_000,
                TimeUnit::Microseconds => 1_000_000,
                TimeUnit::Nanoseconds => 1_000_000_000,
            },
        ),
        DataType::String => {
            let parsed: Vec<Option<i64>> = tcol
                .str()
                .map_err(|e| bad(e.to_string()))?
                .iter()
                .enumerate()
                .map(|(i, s)| match s {
                    None => Ok(None),
                    Some(s) => parse_timestamp(s)
                        .map(Some)
                        .ok_or_else(|| bad(format!("row {i}: `{s}` is not an RFC 3339 timestamp"))),
                })
                .collect::<Result<_>>()?;
            (parsed.into_iter().collect(), 1)
        }
        dt if dt.is_integer() => {
            let ints = tcol
                .cast(&DataType::Int64)
                .map_err(|e| bad(format!("the `timestamp` column: {e}")))?
                .i64()
                .map_err(|e| bad(e.to_string()))?
                .clone();
            let max_abs = ints
                .iter()
                .flatten()
                .map(|t| t.saturating_abs())
                .max()
                .unwrap_or(0);
            (ints, integer_unit(max_abs))
        }
        dt => {
            return Err(bad(format!(
                "the `timestamp` column has type {dt}; use a datetime, RFC 3339 text or integer epoch time"
            )))
        }
    };
    let vcol = column("value")?;
    if !vcol.dtype().is_primitive_numeric() {
        return Err(bad(format!(
            "the `value` column has type {}; it must be numeric",
            vcol.dtype()
        )));
    }
    let values = vcol
        .cast(&DataType::Float64)
        .map_err(|e| bad(e.to_string()))?;
    let values = values.f64().map_err(|e| bad(e.to_string()))?.clone();
    // Rows of one metric usually stand together: find the runs, then copy
    // each kept run's columns at once.
    let mut out = Chunks::default();
    let mut names_iter = metric.iter().enumerate().peekable();
    while let Some((start, m)) = names_iter.next() {
        let Some(m) = m else {
            return Err(bad(format!("row {start}: the metric is null")));
        };
        let mut end = start + 1;
        while let Some((_, Some(next))) = names_iter.peek() {
            if *next != m {
                break;
            }
            names_iter.next();
            end += 1;
        }
        let len = end - start;
        if !names.keep(m, len as u64, &mut out.unread) {
            continue;
        }
        let ts = phys.slice(start as i64, len);
        let vs = values.slice(start as i64, len);
        let (tcol, vcol) = out.series.entry(m.to_string()).or_default();
        tcol.reserve(len);
        vcol.reserve(len);
        let limit = names.limit;
        if ts.null_count() == 0 && vs.null_count() == 0 {
            // The division by a constant compiles to a multiplication.
            let rows = ts.into_no_null_iter().zip(vs.into_no_null_iter());
            match div {
                1 => copy_run::<1>(rows, tcol, vcol, path, m, limit)?,
                1_000 => copy_run::<1_000>(rows, tcol, vcol, path, m, limit)?,
                1_000_000 => copy_run::<1_000_000>(rows, tcol, vcol, path, m, limit)?,
                _ => copy_run::<1_000_000_000>(rows, tcol, vcol, path, m, limit)?,
            }
        } else {
            for (k, (t, v)) in ts.iter().zip(vs.iter()).enumerate() {
                let Some(t) = t.map(|t| t.div_euclid(div)) else {
                    return Err(bad(format!(
                        "row {}: metric `{m}` has a null timestamp",
                        start + k
                    )));
                };
                let Some(v) = v else {
                    return Err(bad(format!(
                        "metric `{m}` at {}: the value is null",
                        fmt_time(t)
                    )));
                };
                tcol.push(check_time(path, m, t, limit)?);
                vcol.push(check_value(path, m, t, v)?);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:01:00Z"), Some(60));
        assert_eq!(
            parse_timestamp("2026-11-01T00:00:00+00:00"),
            Some(1_793_491_200)
        );
        assert_eq!(
            parse_timestamp("2026-11-01T01:00:00+01:00"),
            Some(1_793_491_200)
        );
        assert_eq!(
            parse_timestamp("2026-11-01T00:00:00.000Z"),
            Some(1_793_491_200)
        );
        assert_eq!(parse_timestamp("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_timestamp("2026-02-30T00:00:00Z"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
        // A multi-byte character where the seconds end: no panic, no time.
        assert_eq!(parse_timestamp("2026-11-01T00:00:0Ч,requests"), None);
        assert_eq!(parse_timestamp("2026-11-01T00:00:0ЦZ"), None);
    }

    #[test]
    fn integer_timestamps_take_their_unit_from_their_size() {
        let t = 1_793_491_200i64; // 2026-11-01
        assert_eq!(integer_unit(t), 1);
        assert_eq!(integer_unit(t * 1_000), 1_000);
        assert_eq!(integer_unit(t * 1_000_000), 1_000_000);
        assert_eq!(integer_unit(t * 1_000_000_000), 1_000_000_000);
        assert_eq!(integer_unit(0), 1);
    }
}
