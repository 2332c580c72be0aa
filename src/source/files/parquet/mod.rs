//! `*.parquet`: `timestamp`, `metric`, `value` columns, as pandas, pyarrow,
//! polars, DuckDB, Spark or Athena write them.
//!
//! Two readers: [`direct`] reads the files users have (flat, PLAIN or
//! dictionary-encoded, any codec, any row order) page by page on every
//! core; [`general`] (polars) reads whatever else polars reads, and names
//! what is wrong with a file neither can read. A file goes to the general
//! reader whole, from the start, when the direct one leaves it.

mod direct;
mod general;
mod schema;
mod slots;

use super::{Chunks, Wanted};
use crate::error::Result;
use std::path::Path;

/// Which reader reads a file (the tests compare them).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The direct reader, else the general one: what slo does.
    Any,
    /// The direct reader alone: `Err` with its reason where it leaves the file.
    Direct,
    /// The general reader alone.
    General,
}

/// Reads a Parquet file.
pub(super) fn read_file(path: &Path, file: std::fs::File, names: &Wanted) -> Result<Chunks> {
    read_with(path, file, names, Reader::Any)
}

/// Reads Parquet bytes (the fuzz targets).
pub(super) fn read_bytes(path: &Path, bytes: &[u8], names: &Wanted) -> Result<Chunks> {
    read_with(
        path,
        std::io::Cursor::new(bytes.to_vec()),
        names,
        Reader::Any,
    )
}

/// Reads Parquet from `input` with the reader `how`.
#[doc(hidden)]
pub fn read_with<I>(path: &Path, input: I, names: &Wanted, how: Reader) -> Result<Chunks>
where
    I: polars::io::mmap::MmapBytesReader + AsInput,
{
    if how != Reader::General {
        // A panic in the direct reader is a bug of ours, not a bad file: the
        // general reader still reads the file.
        let why = match crate::guard::catch(|| direct::read(input.as_input(), names)) {
            Ok(Ok(chunks)) => return Ok(chunks),
            Ok(Err(direct::Unsupported(why))) => why,
            Err(panic) => format!("the direct reader failed: {panic}"),
        };
        if std::env::var_os("SLO_DEBUG").is_some() {
            eprintln!(
                "debug: {}: the general reader reads it: {why}",
                path.display()
            );
        }
        if how == Reader::Direct {
            return Err(crate::error::Error::data(format!(
                "{}: the direct reader leaves it: {why}",
                path.display()
            )));
        }
    }
    general::read(path, input, names)
}

/// What the direct reader reads from each kind of input.
#[doc(hidden)]
pub trait AsInput {
    fn as_input(&self) -> &(dyn direct::Input + '_);
}

impl AsInput for std::fs::File {
    fn as_input(&self) -> &(dyn direct::Input + '_) {
        self
    }
}

impl AsInput for std::io::Cursor<Vec<u8>> {
    fn as_input(&self) -> &(dyn direct::Input + '_) {
        self.get_ref()
    }
}
