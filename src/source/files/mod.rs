//! The files source: what `aws cloudwatch get-metric-data` prints (`*.json`),
//! `*.csv` with `timestamp,metric,value`, and `*.parquet` with the same columns.
//! A directory is read whole (its files in name order); every bad value is
//! reported with its file, metric and timestamp.

mod assemble;
mod csv;
pub mod footer;
mod json;
mod parquet;
mod values;

#[doc(hidden)]
pub use csv::read_with as read_csv_with;
#[doc(hidden)]
pub use parquet::{read_with as read_parquet_with, Reader as ParquetReader};
pub use values::parse_timestamp;

use crate::error::{Error, Result};
use crate::model::Metric;
use crate::series::{fmt_time, DataSet, SeriesBuilder, TimeSeries};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The files source: a data file, or a directory of them.
pub struct Files {
    pub path: PathBuf,
}

impl super::DataSource for Files {
    fn load(
        &self,
        cfg: &crate::model::Config,
        _needs: &crate::compute::Needs,
        _opts: &super::LoadOptions,
    ) -> Result<super::Loaded> {
        let names: Vec<&str> = cfg.metrics.iter().map(|m| m.name.as_str()).collect();
        let (data, unread) = load(&self.path, &names, &cfg.needed_queries())?;
        let points: usize = data.values().map(|s| s.len()).sum();
        let summary = super::Summary {
            // Files are their own cache: `slo fetch` checks that they read, and says so.
            line: format!(
                "source is files ({}): nothing to fetch; {} series, {points} points read",
                self.path.display(),
                data.len()
            ),
            notes: Vec::new(),
            worth_telling: false,
            json: serde_json::json!({
                "source": "files",
                "path": self.path,
                "series": data.len(),
                "points": points,
                "calls": 0,
            }),
        };
        Ok(super::Loaded {
            data,
            unread,
            summary,
        })
    }

    fn empty_reason(&self) -> &'static str {
        "no data file holds a point of it"
    }
}

/// What one file holds: the points of each needed metric, and the row count
/// of every label that slo.yaml does not name.
#[derive(Default)]
pub struct Chunks {
    pub series: HashMap<String, SeriesBuilder>,
    pub unread: HashMap<String, u64>,
}

impl Chunks {
    /// The builder of a metric that `names` reads (created on first use).
    #[inline]
    fn builder(&mut self, metric: &str, names: &Wanted) -> &mut SeriesBuilder {
        if !self.series.contains_key(metric) {
            // The name is copied once per metric, not once per row.
            self.series
                .insert(metric.to_string(), SeriesBuilder::new(names.period(metric)));
        }
        self.series
            .get_mut(metric)
            .expect("inserted above when missing")
    }
}

/// How a reader treats the rows of each label.
pub struct Wanted<'a> {
    /// Every metric name of slo.yaml: its period where an SLO reads it.
    names: HashMap<&'a str, Option<i64>>,
    /// The latest timestamp a point may have: a day after now.
    limit: i64,
}

impl<'a> Wanted<'a> {
    /// `needed`: the metrics to read, with their periods.
    pub fn new(
        cfg_names: impl IntoIterator<Item = &'a str>,
        needed: &[(&'a str, i64)],
        now: i64,
    ) -> Self {
        let mut names: HashMap<&str, Option<i64>> =
            cfg_names.into_iter().map(|n| (n, None)).collect();
        for (n, period) in needed {
            names.insert(n, Some(*period));
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
        self.names.get(label).map(|p| p.is_some())
    }

    /// The period of a metric to read (0 when unknown: its points are kept as a list).
    fn period(&self, label: &str) -> i64 {
        self.names.get(label).copied().flatten().unwrap_or(0)
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
    let names: Vec<(&str, i64)> = needed.iter().map(|m| (m.name.as_str(), m.period)).collect();
    let wanted = Wanted::new(
        cfg_names.iter().copied(),
        &names,
        chrono::Utc::now().timestamp(),
    );
    let read = read_all(&files, &wanted)?;
    // Per metric: (file index, points) in file order.
    let mut found: HashMap<String, Vec<(usize, SeriesBuilder)>> = HashMap::new();
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
    for (name, _) in names {
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
        for (i, points) in chunks {
            let s = points.finish().map_err(|t| duplicate(&[i], t))?;
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
            json::read(path, &bytes, names)
        }
        Some(Kind::Csv) => {
            let f = std::fs::File::open(path)
                .map_err(|e| Error::data(format!("{}: {e}", path.display())))?;
            csv::read_file(path, f, names)
        }
        Some(Kind::Parquet) => {
            let f = std::fs::File::open(path)
                .map_err(|e| Error::data(format!("{}: {e}", path.display())))?;
            parquet::read_file(path, f, names)
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
        Some(Kind::Json) => json::read(path, bytes, names),
        Some(Kind::Csv) => csv::read_bytes(path, bytes, names),
        Some(Kind::Parquet) => parquet::read_bytes(path, bytes, names),
        None => Err(Error::data(format!(
            "{}: not a data file (use .json, .csv or .parquet)",
            path.display()
        ))),
    }
}
