//! The footer as the direct reader needs it: the three columns' types and,
//! per row group, where their column chunks lie. Read with the same walker
//! that checks every footer ([`crate::source::files::footer`]), so it sees
//! the bytes as the check does.

use super::super::super::footer::{self, Event};
use super::Unsupported;

/// Physical types (parquet.thrift `Type`).
pub const INT32: i64 = 1;
pub const INT64: i64 = 2;
pub const FLOAT: i64 = 4;
pub const DOUBLE: i64 = 5;
pub const BYTE_ARRAY: i64 = 6;

/// How a column's values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// INT64 timestamps, divided by this to give seconds.
    Time { per_second: i64 },
    /// UTF-8 text (BYTE_ARRAY).
    Text,
    /// A number: DOUBLE, FLOAT, or a signed INT32/INT64.
    Number { physical: i64 },
}

/// One of the three columns.
#[derive(Debug, Clone, Copy)]
pub struct ColumnType {
    pub kind: Kind,
    /// OPTIONAL (definition levels of one bit precede the values).
    pub optional: bool,
}

/// A column chunk of one of the three columns in one row group.
#[derive(Debug, Clone, Copy)]
pub struct Chunk {
    /// Where its first page starts (the dictionary page, if any) and its
    /// compressed size.
    pub start: u64,
    pub size: u64,
    pub codec: i64,
    pub num_values: i64,
}

#[derive(Debug, Clone)]
pub struct RowGroup {
    pub rows: u64,
    /// timestamp, metric, value.
    pub chunks: [Chunk; 3],
    /// The one metric of every row, when the metric column's statistics say
    /// so exactly (min = max, both exact, no null).
    pub label: Option<Vec<u8>>,
}

#[derive(Debug)]
pub struct Meta {
    /// timestamp, metric, value.
    pub columns: [ColumnType; 3],
    pub row_groups: Vec<RowGroup>,
    /// The newest timestamp of the file, in seconds, when every row group's
    /// statistics say (a series' grid ends there: room for it is reserved
    /// once).
    pub newest: Option<i64>,
}

const NAMES: [&str; 3] = ["timestamp", "metric", "value"];

#[derive(Default, Debug)]
struct Element {
    name: Vec<u8>,
    physical: Option<i64>,
    repetition: Option<i64>,
    children: Option<i64>,
    converted: Option<i64>,
    /// The member of the LogicalType union that is set.
    logical: Option<i16>,
    time_unit: Option<i16>,
    signed: Option<bool>,
}

#[derive(Default, Debug)]
struct RawChunk {
    external: bool,
    physical: Option<i64>,
    path: Vec<Vec<u8>>,
    codec: Option<i64>,
    num_values: Option<i64>,
    compressed: Option<i64>,
    data: Option<i64>,
    dictionary: Option<i64>,
    /// Statistics: max_value, or the older max; min_value; null_count;
    /// whether max and min are exact (absent: they are).
    max: Option<Vec<u8>>,
    max_old: Option<Vec<u8>>,
    min: Option<Vec<u8>>,
    nulls: Option<i64>,
    inexact: bool,
}

#[derive(Default)]
struct Raw {
    schema: Vec<Element>,
    element: Element,
    groups: Vec<(Option<i64>, Vec<RawChunk>)>,
    group_rows: Option<i64>,
    group_chunks: Vec<RawChunk>,
    chunk: RawChunk,
}

impl Raw {
    fn event(&mut self, ev: Event) {
        match ev {
            // schema[]: SchemaElement
            Event::Int([2, 1], v) => self.element.physical = Some(v),
            Event::Int([2, 3], v) => self.element.repetition = Some(v),
            Event::Bytes([2, 4], b) => self.element.name = b.to_vec(),
            Event::Int([2, 5], v) => self.element.children = Some(v),
            Event::Int([2, 6], v) => self.element.converted = Some(v),
            Event::End([2, 10, k]) => self.element.logical = Some(*k),
            Event::End([2, 10, 8, 2, u]) => self.element.time_unit = Some(*u),
            Event::Bool([2, 10, 10, 2], s) => self.element.signed = Some(s),
            Event::End([2]) => self.schema.push(std::mem::take(&mut self.element)),
            // row_groups[]: RowGroup { columns[]: ColumnChunk { meta_data } }
            Event::Int([4, 3], v) => self.group_rows = Some(v),
            Event::Bytes([4, 1, 1], _) => self.chunk.external = true,
            Event::Int([4, 1, 3, 1], v) => self.chunk.physical = Some(v),
            Event::Bytes([4, 1, 3, 3], b) => self.chunk.path.push(b.to_vec()),
            Event::Int([4, 1, 3, 4], v) => self.chunk.codec = Some(v),
            Event::Int([4, 1, 3, 5], v) => self.chunk.num_values = Some(v),
            Event::Int([4, 1, 3, 7], v) => self.chunk.compressed = Some(v),
            Event::Int([4, 1, 3, 9], v) => self.chunk.data = Some(v),
            Event::Int([4, 1, 3, 11], v) => self.chunk.dictionary = Some(v),
            Event::Bytes([4, 1, 3, 12, 5], b) => self.chunk.max = Some(b.to_vec()),
            Event::Bytes([4, 1, 3, 12, 1], b) => self.chunk.max_old = Some(b.to_vec()),
            Event::Bytes([4, 1, 3, 12, 6], b) => self.chunk.min = Some(b.to_vec()),
            Event::Int([4, 1, 3, 12, 3], v) => self.chunk.nulls = Some(v),
            Event::Bool([4, 1, 3, 12, 7 | 8], false) => self.chunk.inexact = true,
            Event::End([4, 1]) => self.group_chunks.push(std::mem::take(&mut self.chunk)),
            Event::End([4]) => {
                let chunks = std::mem::take(&mut self.group_chunks);
                self.groups.push((self.group_rows.take(), chunks));
            }
            _ => {}
        }
    }
}

/// Reads the footer bytes `meta` of a file of `len` bytes; `Unsupported`
/// when the file is not one the direct reader reads (the general reader then
/// does, or says what is wrong).
pub fn read(meta: &[u8], len: u64) -> Result<Meta, Unsupported> {
    let mut raw = Raw::default();
    footer::walk_footer(meta, &mut |ev| raw.event(ev)).map_err(Unsupported::new)?;
    let Some(root) = raw.schema.first() else {
        return Err(Unsupported::new("no schema"));
    };
    // Only flat files: the root's children are the columns, all leaves.
    let leaves = &raw.schema[1..];
    if root.children != Some(leaves.len() as i64) || leaves.iter().any(|e| e.children.is_some()) {
        return Err(Unsupported::new("a nested schema"));
    }
    let mut at = [usize::MAX; 3];
    let mut columns = Vec::with_capacity(3);
    for (c, name) in NAMES.iter().enumerate() {
        let Some(i) = leaves.iter().position(|e| e.name == name.as_bytes()) else {
            return Err(Unsupported::new(format!("no `{name}` column")));
        };
        at[c] = i;
        columns.push(column_type(c, &leaves[i])?);
    }
    let columns: [ColumnType; 3] = [columns[0], columns[1], columns[2]];
    let max_rows = footer::max_rows(len);
    let mut newest: Option<i64> = None;
    let mut every_newest = true;
    let mut sum: i64 = 0;
    let mut row_groups = Vec::with_capacity(raw.groups.len());
    for (rows, chunks) in &raw.groups {
        let rows = rows.ok_or_else(|| Unsupported::new("a row group without its row count"))?;
        sum = sum.saturating_add(rows);
        if rows < 0 || sum > max_rows || chunks.len() != leaves.len() {
            return Err(Unsupported::new("a row group that does not fit the file"));
        }
        let mut out = Vec::with_capacity(3);
        for (c, &i) in at.iter().enumerate() {
            let chunk = &chunks[i];
            if chunk.external
                || chunk.path.len() != 1
                || chunk.path[0] != NAMES[c].as_bytes()
                || chunk.physical != leaves[i].physical
            {
                return Err(Unsupported::new("a column chunk that is not its column's"));
            }
            let data = chunk.data.unwrap_or(-1);
            let start = match chunk.dictionary {
                Some(d) if d > 0 => d.min(data),
                _ => data,
            };
            let size = chunk.compressed.unwrap_or(-1);
            let num_values = chunk.num_values.unwrap_or(-1);
            if start < 4 || size < 0 || (start as u64).saturating_add(size as u64) > len {
                return Err(Unsupported::new("a column chunk outside the file"));
            }
            if num_values != rows {
                return Err(Unsupported::new(
                    "a column chunk whose values are not its rows",
                ));
            }
            out.push(Chunk {
                start: start as u64,
                size: size as u64,
                codec: chunk.codec.unwrap_or(-1),
                num_values,
            });
        }
        let max = chunks[at[0]]
            .max
            .as_ref()
            .or(chunks[at[0]].max_old.as_ref());
        match (
            max.and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok()),
            columns[0].kind,
        ) {
            (Some(b), Kind::Time { per_second }) if rows > 0 => {
                let t = i64::from_le_bytes(b).div_euclid(per_second);
                newest = Some(newest.map_or(t, |n| n.max(t)));
            }
            _ if rows > 0 => every_newest = false,
            _ => {}
        }
        let m = &chunks[at[1]];
        let label = match (&m.min, &m.max, m.nulls) {
            (Some(lo), Some(hi), Some(0)) if lo == hi && !m.inexact => Some(lo.clone()),
            _ => None,
        };
        row_groups.push(RowGroup {
            rows: rows as u64,
            chunks: [out[0], out[1], out[2]],
            label,
        });
    }
    Ok(Meta {
        columns,
        row_groups,
        newest: newest.filter(|_| every_newest),
    })
}

/// Converted types (parquet.thrift `ConvertedType`) the direct reader reads.
const UTF8: i64 = 0;
const ENUM: i64 = 4;
const TIMESTAMP_MILLIS: i64 = 9;
const TIMESTAMP_MICROS: i64 = 10;
const INT_32: i64 = 17;
const INT_64: i64 = 18;

fn column_type(c: usize, e: &Element) -> Result<ColumnType, Unsupported> {
    let optional = match e.repetition {
        Some(0) => false,
        Some(1) => true,
        _ => return Err(Unsupported::new("a repeated column")),
    };
    let physical = e.physical.unwrap_or(-1);
    let unsupported = || {
        Unsupported::new(format!(
            "column `{}`: physical type {physical}, converted {:?}, logical {:?}",
            NAMES[c], e.converted, e.logical
        ))
    };
    let kind = match c {
        // timestamp: INT64 with a TIMESTAMP type, in ms, µs or ns.
        0 => {
            let unit = match (e.logical, e.time_unit, e.converted) {
                (Some(8), Some(u), _) => u,
                (None, _, Some(TIMESTAMP_MILLIS)) => 1,
                (None, _, Some(TIMESTAMP_MICROS)) => 2,
                _ => return Err(unsupported()),
            };
            if physical != INT64 {
                return Err(unsupported());
            }
            Kind::Time {
                per_second: match unit {
                    1 => 1_000,
                    2 => 1_000_000,
                    3 => 1_000_000_000,
                    _ => return Err(unsupported()),
                },
            }
        }
        // metric: text (STRING, ENUM, or a plain BYTE_ARRAY).
        1 => {
            let text = matches!(e.logical, None | Some(1) | Some(4))
                && matches!(e.converted, None | Some(UTF8) | Some(ENUM));
            if physical != BYTE_ARRAY || !text {
                return Err(unsupported());
            }
            Kind::Text
        }
        // value: a float, or a signed integer.
        _ => {
            let plain = e.logical.is_none() && e.converted.is_none();
            let signed_int = (e.logical == Some(10) && e.signed == Some(true))
                || (e.logical.is_none() && matches!(e.converted, Some(INT_32 | INT_64)));
            match physical {
                FLOAT | DOUBLE if plain => {}
                INT32 | INT64 if plain || signed_int => {}
                _ => return Err(unsupported()),
            }
            Kind::Number { physical }
        }
    };
    Ok(ColumnType { kind, optional })
}
