//! `*.csv`: `timestamp,metric,value` (any column order, a header of any
//! case, more columns allowed).
//!
//! Two readers, as for Parquet: [`direct`] reads the files exports write
//! (no quotes, one record a line) in blocks on every core; [`general`] (the
//! `csv` crate, RFC 4180) reads any other, and names what is wrong with a
//! file by its line. A file goes to the general reader whole, from the start,
//! when the direct one leaves it.

mod direct;
mod general;

use super::{Chunks, Wanted};
use crate::error::{Error, Result};
use std::io::{Read, Seek};
use std::path::Path;

/// Reads a CSV file.
pub(super) fn read_file(path: &Path, mut file: std::fs::File, names: &Wanted) -> Result<Chunks> {
    let why = match direct::read(&mut file, names) {
        Ok(chunks) => return Ok(chunks),
        Err(why) => why,
    };
    debug(path, &why);
    file.rewind()
        .map_err(|e| Error::data(format!("{}: {e}", path.display())))?;
    general::read(
        path,
        std::io::BufReader::with_capacity(1 << 20, file),
        names,
    )
}

/// Reads CSV bytes (the fuzz targets).
pub(super) fn read_bytes(path: &Path, bytes: &[u8], names: &Wanted) -> Result<Chunks> {
    let why = match direct::read(&mut &bytes[..], names) {
        Ok(chunks) => return Ok(chunks),
        Err(why) => why,
    };
    debug(path, &why);
    general::read(path, bytes, names)
}

/// Reads CSV with the direct reader alone (`Err` with its reason where it
/// leaves the file) or the general one alone: the tests compare them.
#[doc(hidden)]
pub fn read_with(path: &Path, bytes: &[u8], names: &Wanted, direct_only: bool) -> Result<Chunks> {
    if direct_only {
        direct::read(&mut &bytes[..], names).map_err(|why| {
            Error::data(format!(
                "{}: the direct reader leaves it: {}",
                path.display(),
                why.0
            ))
        })
    } else {
        general::read(path, bytes, names)
    }
}

fn debug(path: &Path, why: &super::assemble::Unsupported) {
    if std::env::var_os("SLO_DEBUG").is_some() {
        eprintln!(
            "debug: {}: the general reader reads it: {}",
            path.display(),
            why.0
        );
    }
}

/// What the direct reader reads from.
pub(super) trait Source: Read + Send {}
impl<T: Read + Send> Source for T {}
