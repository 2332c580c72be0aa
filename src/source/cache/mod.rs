//! The fetch cache of every source that fetches: one Parquet file of points
//! and one JSON sidecar per query, under a folder per source. A source brings
//! its own [`Key`] (CloudWatch's is `cloudwatch::key::CacheKey`).
//!
//! Layout, under `--cache-dir` (default `.slo-cache/` beside slo.yaml):
//!
//! ```text
//! cloudwatch/RequestCount-60-3f0c1d2e4b5a6978.parquet   timestamp (datetime, UTC), value
//! cloudwatch/RequestCount-60-3f0c1d2e4b5a6978.json      the key in clear, and what was fetched
//! ```
//!
//! The file name ends with a 64-bit FNV-1a hash of the whole key (for
//! CloudWatch: namespace, metric name, sorted dimensions, statistic, period,
//! region, endpoint and profile). The sidecar
//! records the spans fetched: `complete` ones are never fetched again;
//! `tentative` ones (the newest [`REVISABLE`] seconds of a fetch, which
//! CloudWatch may still revise, or a result that came back `PartialData`) are
//! fetched again while CloudWatch serves them. Points of a span fetched again
//! replace the cached ones.
//!
//! Both files are written atomically (a temporary file, then a rename), the
//! Parquet file first: a crash between the two leaves a sidecar that claims
//! less than the Parquet file holds, never more.

use crate::error::{Error, Kind, Result};
use crate::series::fmt_time;
use crate::source::spans::{self, Spans};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Seconds before the fetch time that CloudWatch may still revise.
pub const REVISABLE: i64 = 15 * 60;

/// What tells two cached series of one source apart. The file name ends
/// with a 64-bit FNV-1a hash of [`Key::canonical`]; the sidecar holds the key
/// in clear and is checked against it on every read (a collision or an old
/// format reads as empty).
pub trait Key:
    Clone + PartialEq + std::fmt::Debug + Serialize + serde::de::DeserializeOwned
{
    /// The folder of the cache that this source's entries live in.
    const SOURCE: &'static str;

    /// An unambiguous text of the key (every field length-prefixed).
    fn canonical(&self) -> String;

    /// A readable start of the file name: the metric's name, the period.
    fn readable(&self) -> (&str, i64);

    fn hash(&self) -> u64 {
        fnv1a64(self.canonical().as_bytes())
    }

    /// The file name without extension: readable prefix, then the hash.
    fn stem(&self) -> String {
        let (name, period) = self.readable();
        let readable: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        format!("{readable}-{period}-{:016x}", self.hash())
    }
}

/// Writes `f` length-prefixed after `|`: the canonical form of a key field.
pub fn put_field(s: &mut String, f: &str) {
    s.push_str(&format!("|{}:{f}", f.len()));
}

/// 64-bit FNV-1a: stable across builds and platforms, unlike std's hasher.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// What the cache holds for one query at one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coverage {
    /// Fetched, and older than CloudWatch may still revise: never fetched again.
    pub complete: Spans,
    /// Fetched, but recent when fetched: fetched again while CloudWatch serves it.
    pub tentative: Spans,
}

impl Coverage {
    pub fn all(&self) -> Spans {
        spans::union(&self.complete, &self.tentative)
    }
}

/// One cached series: its key, what was fetched and the points (sorted by time).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry<K> {
    pub key: K,
    pub coverage: Coverage,
    pub points: Vec<(i64, f64)>,
}

impl<K: Key> Entry<K> {
    pub fn empty(key: K) -> Entry<K> {
        Entry {
            key,
            coverage: Coverage::default(),
            points: Vec::new(),
        }
    }

    /// Records a fetch of `[a, b)`: the points returned replace the cached ones
    /// of that span; the span is complete up to `final_until` and tentative
    /// after it (all of it when CloudWatch answered `PartialData`).
    pub fn record(
        &mut self,
        a: i64,
        b: i64,
        mut pts: Vec<(i64, f64)>,
        final_until: i64,
        partial: bool,
    ) {
        pts.retain(|(t, _)| *t >= a && *t < b);
        self.points.retain(|(t, _)| *t < a || *t >= b);
        self.points.extend(pts);
        self.points.sort_by_key(|p| p.0);
        self.points.dedup_by_key(|p| p.0);
        let cut = if partial { a } else { final_until.clamp(a, b) };
        let cov = &mut self.coverage;
        cov.complete = spans::subtract(&cov.complete, &[(cut, b)]);
        cov.complete = spans::union(&cov.complete, &[(a, cut)]);
        cov.tentative = spans::subtract(&spans::union(&cov.tentative, &[(cut, b)]), &cov.complete);
    }

    /// The points with a time in `span`.
    pub fn points_in(&self, span: (i64, i64)) -> &[(i64, f64)] {
        let lo = self.points.partition_point(|p| p.0 < span.0);
        let hi = self.points.partition_point(|p| p.0 < span.1);
        &self.points[lo..hi]
    }
}

/// The sidecar as written: times in RFC 3339 for people reading it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(bound = "K: Key")]
struct Sidecar<K> {
    format: u32,
    key: K,
    hash: String,
    complete: Vec<(String, String)>,
    tentative: Vec<(String, String)>,
    points: usize,
    updated: String,
}

fn to_text(s: &Spans) -> Vec<(String, String)> {
    s.iter()
        .map(|(a, b)| (fmt_time(*a), fmt_time(*b)))
        .collect()
}

fn from_text(s: &[(String, String)]) -> Option<Spans> {
    let t = |x: &str| {
        chrono::DateTime::parse_from_rfc3339(x)
            .ok()
            .map(|d| d.timestamp())
    };
    s.iter()
        .map(|(a, b)| Some((t(a)?, t(b)?)))
        .collect::<Option<Vec<_>>>()
        .map(spans::normalize)
}

/// The cache directory of one source, locked for one run: runs
/// that share a cache take turns, so an entry's Parquet file and sidecar always
/// come from the same run.
pub struct Cache {
    pub dir: PathBuf,
    _lock: crate::report::output::DirLock,
}

impl Cache {
    /// Opens (creating it) and locks the cache under `root`; removes what
    /// killed runs left there.
    pub fn open(root: &Path, source: &str) -> Result<Cache> {
        let dir = root.join(source);
        std::fs::create_dir_all(&dir).map_err(|err| {
            Error::cache(format!(
                "{}: cannot create the cache directory: {err}",
                dir.display()
            ))
            .hint("pass --cache-dir DIR, a folder you can write to")
        })?;
        let lock = crate::report::output::lock_dir(&dir, &format!("the cache {}", dir.display()))
            .map_err(|e| e.as_kind(Kind::Cache))?;
        crate::report::output::clean_stale_temps(&dir, |_| true);
        Ok(Cache { dir, _lock: lock })
    }

    /// A file of the source's own beside an entry: `<stem>.<ext>`.
    pub fn side_path<K: Key>(&self, key: &K, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", key.stem()))
    }

    fn paths<K: Key>(&self, key: &K) -> (PathBuf, PathBuf) {
        let stem = key.stem();
        (
            self.dir.join(format!("{stem}.parquet")),
            self.dir.join(format!("{stem}.json")),
        )
    }

    /// The cached entry of `key`; empty when there is none. A damaged or
    /// foreign entry is reported and treated as empty (it is rewritten on the next fetch).
    pub fn load<K: Key>(&self, key: &K) -> Entry<K> {
        let (pq, js) = self.paths(key);
        let Ok(text) = std::fs::read(&js) else {
            return Entry::empty(key.clone());
        };
        let entry = std::fs::File::open(&pq)
            .map_err(|e| format!("{}: {e}", pq.display()))
            .and_then(|f| decode(key, &text, &pq, f));
        entry.unwrap_or_else(|why| {
            crate::warn(&format!(
                "{}: {why}; the cache entry is ignored",
                js.display()
            ));
            Entry::empty(key.clone())
        })
    }

    /// Writes an entry: the Parquet file, then the sidecar, each atomically.
    pub fn store<K: Key>(&self, e: &Entry<K>) -> Result<()> {
        std::fs::create_dir_all(&self.dir).map_err(|err| {
            Error::cache(format!(
                "{}: cannot create the cache directory: {err}",
                self.dir.display()
            ))
        })?;
        let (pq, js) = self.paths(&e.key);
        let write = |path: &Path, bytes: &[u8]| {
            crate::report::output::write_atomic(path, bytes).map_err(|e| e.as_kind(Kind::Cache))
        };
        write(&pq, &write_points(&e.points)?)?;
        let side = Sidecar {
            format: 1,
            key: e.key.clone(),
            hash: format!("{:016x}", e.key.hash()),
            complete: to_text(&e.coverage.complete),
            tentative: to_text(&e.coverage.tentative),
            points: e.points.len(),
            updated: fmt_time(chrono::Utc::now().timestamp()),
        };
        let mut text = serde_json::to_vec_pretty(&side)
            .map_err(|err| Error::cache(format!("{}: {err}", js.display())))?;
        text.push(b'\n');
        write(&js, &text)
    }
}

fn write_points(points: &[(i64, f64)]) -> Result<Vec<u8>> {
    use polars::prelude::*;
    let err = |e: PolarsError| Error::cache(format!("cache: cannot encode Parquet: {e}"));
    let time = Series::new(
        "timestamp".into(),
        points.iter().map(|p| p.0 * 1000).collect::<Vec<i64>>(),
    )
    .cast(&DataType::Datetime(
        TimeUnit::Milliseconds,
        Some(TimeZone::UTC),
    ))
    .map_err(err)?;
    let value = Series::new(
        "value".into(),
        points.iter().map(|p| p.1).collect::<Vec<f64>>(),
    );
    let mut df = DataFrame::new_infer_height(vec![time.into(), value.into()]).map_err(err)?;
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(err)?;
    Ok(buf)
}

/// An entry from its sidecar's bytes and its Parquet file (`pq` names it):
/// what [`Cache::load`] reads, and the cache fuzz target's entry.
pub fn decode<K: Key>(
    key: &K,
    sidecar: &[u8],
    pq: &Path,
    points: impl polars::io::mmap::MmapBytesReader,
) -> std::result::Result<Entry<K>, String> {
    let side: Sidecar<K> =
        serde_json::from_slice(sidecar).map_err(|e| format!("not a cache sidecar: {e}"))?;
    if side.format != 1 || side.key != *key {
        return Err("written for another query (hash collision or an old format)".into());
    }
    let (Some(complete), Some(tentative)) = (from_text(&side.complete), from_text(&side.tentative))
    else {
        return Err("unreadable time spans".into());
    };
    Ok(Entry {
        key: key.clone(),
        coverage: Coverage {
            complete,
            tentative,
        },
        points: crate::guard::catch(|| read_points(pq, points))
            .unwrap_or_else(|why| Err(format!("{}: the decoder failed ({why})", pq.display())))?,
    })
}

fn read_points(
    path: &Path,
    mut file: impl polars::io::mmap::MmapBytesReader,
) -> std::result::Result<Vec<(i64, f64)>, String> {
    use polars::prelude::*;
    crate::source::files::footer::check(&mut file)
        .map_err(|why| format!("{}: not a readable Parquet file: {why}", path.display()))?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| format!("{}: not a readable Parquet file: {e}", path.display()))?;
    let bad = |e: PolarsError| format!("{}: {e}", path.display());
    let ts = df.column("timestamp").map_err(bad)?.to_physical_repr();
    let ts = ts.i64().map_err(bad)?;
    let vs = df.column("value").map_err(bad)?;
    let vs = vs.f64().map_err(bad)?;
    let mut out = Vec::with_capacity(ts.len());
    for (t, v) in ts.iter().zip(vs.iter()) {
        match (t, v) {
            (Some(t), Some(v)) => out.push((t.div_euclid(1000), v)),
            _ => return Err(format!("{}: a null timestamp or value", path.display())),
        }
    }
    out.sort_by_key(|p| p.0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::cloudwatch::key::CacheKey;

    fn key() -> CacheKey {
        CacheKey {
            namespace: "AWS/ApplicationELB".into(),
            name: "RequestCount".into(),
            dimensions: [("LoadBalancer".to_string(), "app/x/1".to_string())].into(),
            stat: "Sum".into(),
            period: 60,
            region: "us-west-2".into(),
            endpoint: String::new(),
            profile: "default".into(),
        }
    }

    #[test]
    fn fnv_matches_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn key_is_stable_and_tells_queries_apart() {
        let k = key();
        // A fixed value: the hash must not change between builds, or caches go stale.
        assert_eq!(k.stem(), "RequestCount-60-f6c71ecf2827e235");
        assert_eq!(k.hash(), fnv1a64(k.canonical().as_bytes()));
        let mut seen = std::collections::HashSet::new();
        seen.insert(k.hash());
        for f in 0..8 {
            let mut o = key();
            match f {
                0 => o.namespace.push('x'),
                1 => o.name.push('x'),
                2 => {
                    o.dimensions.insert("AZ".into(), "a".into());
                }
                3 => o.stat = "p95".into(),
                4 => o.period = 300,
                5 => o.region = "eu-west-1".into(),
                6 => o.endpoint = "http://127.0.0.1:1".into(),
                _ => o.profile = "prod".into(),
            }
            assert!(seen.insert(o.hash()), "field {f} does not change the hash");
        }
        // Field boundaries are unambiguous.
        let (mut a, mut b) = (key(), key());
        a.namespace = "ab".into();
        a.name = "c".into();
        b.namespace = "a".into();
        b.name = "bc".into();
        assert_ne!(a.hash(), b.hash());
    }

    #[test]
    fn record_merges_and_keeps_the_newest_tentative() {
        let mut e = Entry::empty(key());
        e.record(0, 600, (0..10).map(|i| (i * 60, 1.0)).collect(), 600, false);
        assert_eq!(e.coverage.complete, vec![(0, 600)]);
        assert!(e.coverage.tentative.is_empty());
        // A later fetch at a time when 900.. is still revisable.
        e.record(
            600,
            1200,
            (10..20).map(|i| (i * 60, 2.0)).collect(),
            900,
            false,
        );
        assert_eq!(e.coverage.complete, vec![(0, 900)]);
        assert_eq!(e.coverage.tentative, vec![(900, 1200)]);
        // Fetched again: the new points replace the old, one point vanished.
        e.record(
            900,
            1200,
            vec![(900, 3.0), (1020, 3.0), (1080, 3.0), (1140, 3.0)],
            1200,
            false,
        );
        assert_eq!(e.coverage.complete, vec![(0, 1200)]);
        assert!(e.coverage.tentative.is_empty());
        assert_eq!(e.points.len(), 19);
        assert_eq!(e.points_in((900, 1200)).len(), 4);
        assert_eq!(e.points_in((900, 960)), &[(900, 3.0)]);
        // PartialData: all tentative.
        e.record(1200, 1800, vec![(1200, 1.0), (5000, 9.0)], 1800, true);
        assert_eq!(e.coverage.tentative, vec![(1200, 1800)]);
        assert_eq!(e.points.last(), Some(&(1200, 1.0)));
    }

    #[test]
    fn store_and_load_round_trip() {
        let dir = std::env::temp_dir().join(format!("slo-cache-test-{}", std::process::id()));
        let c = Cache::open(&dir, CacheKey::SOURCE).unwrap();
        let mut e = Entry::empty(key());
        e.record(0, 3600, vec![(0, 1.5), (60, 0.0), (3540, 2e9)], 1800, false);
        c.store(&e).unwrap();
        assert_eq!(c.load(&key()), e);
        // Another key misses.
        let mut other = key();
        other.period = 300;
        assert_eq!(c.load(&other), Entry::empty(other));
        // A damaged sidecar is ignored.
        let (_, js) = c.paths(&key());
        std::fs::write(&js, b"{").unwrap();
        assert_eq!(c.load(&key()), Entry::empty(key()));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
