//! A check of a Parquet file's footer before polars decodes it. polars'
//! decoder trusts the counts it reads there: a damaged 1.5 KB file that
//! declares a list of 2^33 schema elements, or 2^61 rows, makes it allocate
//! that much and abort the process (found by fuzzing; an abort cannot be
//! caught). This walks the footer's Thrift compact encoding without
//! allocating, refuses a count that the bytes left cannot hold, bounds the
//! rows the file declares by its size, and checks the header of every page
//! (a negative `num_values` there made polars reserve 2^61 bytes).

use std::io::{Read, Seek, SeekFrom};

/// Rows a file may declare per byte of its size (a generous bound: pandas,
/// pyarrow and polars files hold about one row per byte or two), and at least.
const ROWS_PER_BYTE: u64 = 1024;
const MIN_ROWS: u64 = 1 << 20;
/// Nesting of Thrift structs and lists (the footer nests about six levels).
const MAX_DEPTH: usize = 32;

/// Checks the footer of the Parquet file `r`, and the header of every page
/// it points to, then rewinds it; the error says what is wrong, for a message
/// "not a readable Parquet file: ...".
pub fn check<R: Read + Seek>(r: &mut R) -> Result<(), String> {
    let len = r.seek(SeekFrom::End(0)).map_err(|e| e.to_string())?;
    if len < 12 {
        return Err(format!("{len} bytes is too short for Parquet"));
    }
    let mut tail = [0u8; 8];
    r.seek(SeekFrom::End(-8)).map_err(|e| e.to_string())?;
    r.read_exact(&mut tail).map_err(|e| e.to_string())?;
    if &tail[4..] != b"PAR1" {
        return Err("no PAR1 magic at the end".into());
    }
    let meta_len = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]) as u64;
    if meta_len + 12 > len {
        return Err(format!(
            "the footer claims {meta_len} bytes of a {len}-byte file"
        ));
    }
    let meta_start = len - 8 - meta_len;
    let mut meta = vec![0u8; meta_len as usize];
    r.seek(SeekFrom::Start(meta_start))
        .map_err(|e| e.to_string())?;
    r.read_exact(&mut meta).map_err(|e| e.to_string())?;
    let mut footer = Footer::default();
    Walker::new(&meta).walk(&mut |ev| footer.event(ev))?;
    footer.finish_chunk();
    let max_rows = max_rows(len);
    let rows = footer.rows.unwrap_or(0);
    if !(0..=max_rows).contains(&rows) {
        return Err(format!(
            "the footer declares {rows} rows, which a file of {len} bytes cannot hold"
        ));
    }
    // Row groups too: polars reserves a row group's columns by its count
    // (fuzzing found one of 684 G rows in a 2 KB file, a 11 TB reservation).
    let mut sum: i64 = 0;
    for &n in &footer.group_rows {
        sum = sum.saturating_add(n);
        if n < 0 || sum > max_rows {
            return Err(format!(
                "a row group declares {n} rows, which a file of {len} bytes cannot hold"
            ));
        }
    }
    for c in &footer.chunks {
        pages(r, c, meta_start)?;
    }
    r.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    Ok(())
}

/// The largest page slo reads once decompressed.
const MAX_PAGE: i64 = 1 << 30;

/// Walks the page headers of one column chunk: every count and size must be
/// non-negative, and every page must lie inside the chunk.
fn pages<R: Read + Seek>(r: &mut R, c: &Chunk, data_end: u64) -> Result<(), String> {
    let start = match (c.dictionary, c.data) {
        (Some(d), Some(p)) if d > 0 => d.min(p),
        (_, Some(p)) => p,
        _ => return Err("a column chunk without a data page offset".into()),
    };
    let size = c.size.unwrap_or(-1);
    if start < 4 || size < 0 || (start as u64).saturating_add(size as u64) > data_end {
        return Err(format!(
            "a column chunk at {start} of {size} bytes lies outside the data"
        ));
    }
    let end = start + size;
    let mut pos = start;
    // The data pages' values (not the dictionary's) add up to the chunk's
    // (polars sized a validity bitmap by what a page declares past the
    // chunk's end: a 2^61-byte reservation, found by fuzzing).
    let mut page_values: i64 = 0;
    let mut buf = Vec::new();
    while pos < end {
        let want = ((end - pos) as usize).min(1 << 20);
        buf.resize(want, 0);
        r.seek(SeekFrom::Start(pos as u64))
            .map_err(|e| e.to_string())?;
        r.read_exact(&mut buf).map_err(|e| e.to_string())?;
        let mut w = Walker::new(&buf);
        let mut compressed = None;
        let mut bad: Option<String> = None;
        w.walk_any(&mut |ev| {
            if let Event::Int([5 | 8, 1], v) = ev {
                page_values = page_values.saturating_add(v);
            }
            if let Event::Int(path, v) = ev {
                let field = match path {
                    [2] => "uncompressed_page_size",
                    [3] => "compressed_page_size",
                    [5, 1] | [7, 1] | [8, 1] => "num_values",
                    [8, 2] => "num_nulls",
                    [8, 3] => "num_rows",
                    [8, 5] | [8, 6] => "levels_byte_length",
                    _ => return,
                };
                if path == [3] {
                    compressed = Some(v);
                }
                if !(0..=MAX_PAGE).contains(&v) && bad.is_none() {
                    bad = Some(format!("a page header with {field} {v}"));
                }
            }
        })?;
        if let Some(b) = bad {
            return Err(b);
        }
        let header = w.pos as i64;
        let body = compressed.ok_or("a page header without its size")?;
        pos += header + body;
        if pos > end {
            return Err("a page runs past its column chunk".into());
        }
    }
    match c.values {
        Some(v) if v != page_values => Err(format!(
            "a column chunk of {v} values whose pages hold {page_values}"
        )),
        _ => Ok(()),
    }
}

/// A column chunk's place in the file.
#[derive(Default, Clone)]
struct Chunk {
    data: Option<i64>,
    dictionary: Option<i64>,
    size: Option<i64>,
    values: Option<i64>,
}

#[derive(Default)]
struct Footer {
    rows: Option<i64>,
    /// Each row group's num_rows (polars sizes a row group's columns by it).
    group_rows: Vec<i64>,
    chunks: Vec<Chunk>,
    current: Option<Chunk>,
}

impl Footer {
    fn event(&mut self, ev: Event) {
        match ev {
            Event::Int([3], v) => self.rows = Some(v),
            Event::Int([4, 3], v) => self.group_rows.push(v),
            // row_groups[].columns[].meta_data.{total_compressed_size,
            // data_page_offset, dictionary_page_offset}
            Event::Int([4, 1, 3, f], v) => {
                let c = self.current.get_or_insert_with(Chunk::default);
                match f {
                    5 => c.values = Some(v),
                    7 => c.size = Some(v),
                    9 => c.data = Some(v),
                    11 => c.dictionary = Some(v),
                    _ => {}
                }
            }
            Event::End([4, 1]) => self.finish_chunk(),
            _ => {}
        }
    }

    fn finish_chunk(&mut self) {
        if let Some(c) = self.current.take() {
            self.chunks.push(c);
        }
    }
}

/// The structs of the footer as polars reads them: by field id alone,
/// whatever type the field's header declares. A field read as another type
/// than the header says would make polars parse the bytes after it out of
/// step with this walker (fuzzing found a version field written as a list:
/// polars read a varint there and went on to reserve a list of 124 GB), so
/// the walker insists on the type polars reads for every field it reads,
/// and sees the footer as polars will.
#[derive(Clone, Copy, Debug)]
enum Ctx {
    FileMetaData,
    SchemaElement,
    LogicalType,
    DecimalType,
    TimeType,
    IntType,
    TimeUnit,
    RowGroup,
    SortingColumn,
    ColumnChunk,
    ColumnMetaData,
    Statistics,
    KeyValue,
    ColumnOrder,
    PageHeader,
    DataPageHeader,
    DictionaryPageHeader,
    DataPageHeaderV2,
    /// A struct polars skips (or reads no field of): any field goes.
    Other,
}

enum Want {
    Any,
    /// An integer, read as a zigzag varint (Thrift i16, i32 or i64).
    Varint,
    /// One byte (Thrift i8).
    Byte,
    Binary,
    Bool,
    /// A list polars skips element by element: of these element types.
    ListOf(&'static [u8]),
    /// A list of structs of that kind.
    List(Ctx),
    Struct(Ctx),
}

impl Want {
    fn name(&self) -> &'static str {
        match self {
            Want::Any => "any type",
            Want::Varint => "an integer",
            Want::Byte => "a byte",
            Want::Binary => "a string",
            Want::Bool => "a boolean",
            Want::ListOf(_) | Want::List(_) => "a list",
            Want::Struct(_) => "a struct",
        }
    }
}

impl Ctx {
    fn field(self, id: i16) -> Want {
        use Ctx::*;
        use Want::{Binary, Bool, Byte, List, ListOf, Struct, Varint};
        match (self, id) {
            (FileMetaData, 1 | 3) => Varint,
            (FileMetaData, 2) => List(SchemaElement),
            (FileMetaData, 4) => List(RowGroup),
            (FileMetaData, 5) => List(KeyValue),
            (FileMetaData, 6) => Binary,
            (FileMetaData, 7) => List(ColumnOrder),
            (SchemaElement, 1..=3 | 5..=9) => Varint,
            (SchemaElement, 4) => Binary,
            (SchemaElement, 10) => Struct(LogicalType),
            (LogicalType, 5) => Struct(DecimalType),
            (LogicalType, 8 | 9) => Struct(TimeType),
            (LogicalType, 10) => Struct(IntType),
            (LogicalType, 1..=15) => Struct(Other),
            (DecimalType, 1 | 2) => Varint,
            (TimeType, 1) => Bool,
            (TimeType, 2) => Struct(TimeUnit),
            (IntType, 1) => Byte,
            (IntType, 2) => Bool,
            (TimeUnit, 1..=3) => Struct(Other),
            (RowGroup, 1) => List(ColumnChunk),
            (RowGroup, 2 | 3 | 5..=7) => Varint,
            (RowGroup, 4) => List(SortingColumn),
            (SortingColumn, 1) => Varint,
            (SortingColumn, 2 | 3) => Bool,
            (ColumnChunk, 1) => Binary,
            (ColumnChunk, 2 | 4..=7) => Varint,
            (ColumnChunk, 3) => Struct(ColumnMetaData),
            // type, encodings (skipped as varints), path_in_schema (as strings)
            (ColumnMetaData, 1 | 4..=7 | 9..=11 | 14 | 15) => Varint,
            (ColumnMetaData, 2) => ListOf(&[4, 5, 6]),
            (ColumnMetaData, 3) => ListOf(&[8]),
            (ColumnMetaData, 12) => Struct(Statistics),
            (Statistics, 1 | 2 | 5 | 6) => Binary,
            (Statistics, 3 | 4) => Varint,
            (Statistics, 7 | 8) => Bool,
            (KeyValue, 1 | 2) => Binary,
            (ColumnOrder, 1 | 2) => Struct(Other),
            // Page headers: a count written as another type put polars out
            // of step (fuzzing: a num_values written as a boolean, then a
            // 2^61-byte validity bitmap).
            (PageHeader, 1..=4) => Varint,
            (PageHeader, 5) => Struct(DataPageHeader),
            (PageHeader, 7) => Struct(DictionaryPageHeader),
            (PageHeader, 8) => Struct(DataPageHeaderV2),
            (PageHeader, 6) => Struct(Other),
            (DataPageHeader, 1..=4) => Varint,
            (DataPageHeader, 5) => Struct(Statistics),
            (DictionaryPageHeader, 1 | 2) => Varint,
            (DictionaryPageHeader, 3) => Bool,
            (DataPageHeaderV2, 1..=6) => Varint,
            (DataPageHeaderV2, 7) => Bool,
            (DataPageHeaderV2, 8) => Struct(Statistics),
            _ => Want::Any,
        }
    }
}

/// What the walker reports: an integer, a string or a boolean field at a
/// path of field ids (list elements add none), or the end of a struct at a
/// path.
pub(super) enum Event<'p, 'b> {
    Int(&'p [i16], i64),
    Bytes(&'p [i16], &'b [u8]),
    Bool(&'p [i16], bool),
    End(&'p [i16]),
}

/// Walks a footer (`FileMetaData`, the bytes before the length and `PAR1`),
/// checking it as [`check`] does, and reports its fields.
pub(super) fn walk_footer<'b>(
    meta: &'b [u8],
    f: &mut dyn FnMut(Event<'_, 'b>),
) -> Result<(), String> {
    Walker::new(meta).walk(f)
}

/// Walks the page header at the start of `buf`: its fields, and how many
/// bytes it takes.
pub(super) fn walk_page_header<'b>(
    buf: &'b [u8],
    f: &mut dyn FnMut(Event<'_, 'b>),
) -> Result<usize, String> {
    let mut w = Walker::new(buf);
    w.walk_any(f)?;
    Ok(w.pos)
}

/// The bounds [`check`] puts on a file of `len` bytes: the rows it may declare.
pub(super) fn max_rows(len: u64) -> i64 {
    MIN_ROWS.max(len.saturating_mul(ROWS_PER_BYTE)) as i64
}

struct Walker<'a> {
    b: &'a [u8],
    pos: usize,
    path: Vec<i16>,
}

impl<'a> Walker<'a> {
    fn new(b: &'a [u8]) -> Self {
        Walker {
            b,
            pos: 0,
            path: Vec::new(),
        }
    }

    /// Walks a footer (`FileMetaData`).
    fn walk(&mut self, f: &mut dyn FnMut(Event<'_, 'a>)) -> Result<(), String> {
        self.structure(Ctx::FileMetaData, f)
    }

    /// Walks a page header, each field polars reads of the type it reads.
    fn walk_any(&mut self, f: &mut dyn FnMut(Event<'_, 'a>)) -> Result<(), String> {
        self.structure(Ctx::PageHeader, f)
    }

    fn left(&self) -> usize {
        self.b.len() - self.pos
    }

    fn byte(&mut self) -> Result<u8, String> {
        let c = *self.b.get(self.pos).ok_or("the footer ends early")?;
        self.pos += 1;
        Ok(c)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let c = self.byte()?;
            v |= ((c & 0x7f) as u64).checked_shl(shift).unwrap_or(0);
            if c & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("a varint longer than 10 bytes".into())
    }

    fn zigzag(&mut self) -> Result<i64, String> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn skip(&mut self, n: u64) -> Result<(), String> {
        if n > self.left() as u64 {
            return Err(format!(
                "a field of {n} bytes where {} are left",
                self.left()
            ));
        }
        self.pos += n as usize;
        Ok(())
    }

    /// A count of elements, each at least `min` bytes: no more than fit.
    fn count(&mut self, n: u64, min: u64) -> Result<u64, String> {
        if n.saturating_mul(min) > self.left() as u64 {
            return Err(format!(
                "a list of {n} elements in the {} bytes left",
                self.left()
            ));
        }
        Ok(n)
    }

    fn structure(&mut self, ctx: Ctx, f: &mut dyn FnMut(Event<'_, 'a>)) -> Result<(), String> {
        if self.path.len() > MAX_DEPTH {
            return Err("the footer nests too deep".into());
        }
        let mut id: i64 = 0;
        loop {
            let h = self.byte()?;
            let ty = h & 0x0f;
            if ty == 0 {
                f(Event::End(&self.path));
                return Ok(());
            }
            let delta = (h >> 4) as i64;
            id = if delta == 0 {
                self.zigzag()?
            } else {
                id + delta
            };
            let id16 = i16::try_from(id).map_err(|_| format!("a field id {id}"))?;
            self.path.push(id16);
            let r = match (ctx.field(id16), ty) {
                (Want::List(elem), 9) => self.list(Some(elem), f),
                (Want::ListOf(types), 9) => self.list_of(types, f),
                (Want::Struct(child), 12) => self.structure(child, f),
                (Want::Any | Want::Varint, 4..=6) => {
                    self.zigzag().map(|v| f(Event::Int(&self.path, v)))
                }
                (Want::Byte, 3) | (Want::Binary, 8) | (Want::Bool, 1 | 2) | (Want::Any, _) => {
                    self.value(ty, f)
                }
                (want, _) => Err(format!(
                    "field {id16} has Thrift type {ty} where {} is expected",
                    want.name()
                )),
            };
            self.path.pop();
            r?;
        }
    }

    /// A list; `structs`: its elements must be structs of that kind (polars
    /// reads them as such whatever the header says).
    fn list(
        &mut self,
        structs: Option<Ctx>,
        f: &mut dyn FnMut(Event<'_, 'a>),
    ) -> Result<(), String> {
        let h = self.byte()?;
        let elem = h & 0x0f;
        let short = (h >> 4) as u64;
        let n = if short == 15 { self.varint()? } else { short };
        let n = self.count(n, if elem == 7 { 8 } else { 1 })?;
        if let Some(ctx) = structs {
            if elem != 12 && n > 0 {
                return Err(format!(
                    "a list of Thrift type {elem} where structs are expected"
                ));
            }
            for _ in 0..n {
                self.structure(ctx, f)?;
            }
            return Ok(());
        }
        for _ in 0..n {
            if elem == 1 || elem == 2 {
                self.skip(1)?; // booleans in a list take a byte each
            } else {
                self.value(elem, f)?;
            }
        }
        Ok(())
    }

    /// A list polars skips element by element, reading each as one of `types`.
    fn list_of(&mut self, types: &[u8], f: &mut dyn FnMut(Event<'_, 'a>)) -> Result<(), String> {
        let save = self.pos;
        let h = self.byte()?;
        let elem = h & 0x0f;
        let short = h >> 4;
        self.pos = save;
        if !(short == 0 || types.contains(&elem)) {
            return Err(format!(
                "a list of Thrift type {elem} where type {} is expected",
                types[0]
            ));
        }
        self.list(None, f)
    }

    fn value(&mut self, ty: u8, f: &mut dyn FnMut(Event<'_, 'a>)) -> Result<(), String> {
        match ty {
            // A boolean field carries its value in its type.
            1 | 2 => {
                f(Event::Bool(&self.path, ty == 1));
                Ok(())
            }
            3 => self.skip(1),
            4..=6 => self.varint().map(|_| ()),
            7 => self.skip(8),
            8 => {
                let n = self.varint()?;
                let at = self.pos;
                self.skip(n)?;
                f(Event::Bytes(&self.path, &self.b[at..self.pos]));
                Ok(())
            }
            9 | 10 => self.list(None, f),
            11 => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                let kv = self.byte()?;
                let n = self.count(n, 2)?;
                for _ in 0..n {
                    self.value(kv >> 4, f)?;
                    self.value(kv & 0x0f, f)?;
                }
                Ok(())
            }
            12 => self.structure(Ctx::Other, f),
            other => Err(format!("an unknown Thrift type {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn file(meta: &[u8]) -> Cursor<Vec<u8>> {
        let mut v = b"PAR1".to_vec();
        v.extend_from_slice(meta);
        v.extend_from_slice(&(meta.len() as u32).to_le_bytes());
        v.extend_from_slice(b"PAR1");
        Cursor::new(v)
    }

    #[test]
    fn real_files_pass_and_lying_counts_do_not() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for f in [
            "examples/data/alb.parquet",
            "tests/fixtures/data/epoch-nanos.parquet",
        ] {
            let mut r = std::fs::File::open(dir.join(f)).unwrap();
            assert_eq!(check(&mut r), Ok(()), "{f}");
            assert_eq!(r.stream_position().unwrap(), 0, "rewound");
        }
        // field 2 (delta 2), a list (9) of 2^40 structs (0xFC: long size, type 12)
        let lying = [0x29, 0xFC, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x00];
        assert!(check(&mut file(&lying)).unwrap_err().contains("a list of"));
        // field 3 (i64) num_rows = 2^61 (zigzag varint)
        let mut rows = vec![0x36];
        let mut v: u64 = 1 << 62; // zigzag of 2^61
        while v >= 0x80 {
            rows.push((v as u8) | 0x80);
            v >>= 7;
        }
        rows.push(v as u8);
        rows.push(0);
        assert!(check(&mut file(&rows)).unwrap_err().contains("rows"));
        assert!(check(&mut Cursor::new(b"PAR1PAR1".to_vec())).is_err());
        assert!(check(&mut file(&[0x18, 0xff, 0xff, 0xff, 0x0f])).is_err());
        // A page header with a negative num_values (found by fuzzing).
        let bytes =
            std::fs::read(dir.join("fuzz/regressions/parquet/negative-num-values")).unwrap();
        let e = check(&mut Cursor::new(bytes)).unwrap_err();
        assert!(e.contains("a page header with"), "{e}");
        // The schema (field 2) declared an i64: polars would read a list there.
        let e = check(&mut file(&[0x26, 0x02, 0x00])).unwrap_err();
        assert!(
            e.contains("field 2 has Thrift type 6 where a list is expected"),
            "{e}"
        );
    }
}
