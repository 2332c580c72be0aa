//! The general CSV reader: the `csv` crate (RFC 4180: quotes, any line
//! ends), a record at a time; its errors name the file and the line.

use super::super::values::{check_time, check_value, parse_timestamp};
use super::super::{Chunks, Wanted};
use crate::error::{Error, Result};
use crate::series::fmt_time;
use std::path::Path;

pub(super) fn read(path: &Path, input: impl std::io::Read, names: &Wanted) -> Result<Chunks> {
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
        let t = check_time(path, metric, t, names.limit)?;
        let v = check_value(path, metric, t, v)?;
        out.builder(metric, names).push(t, v);
    }
    Ok(out)
}
