//! One column chunk, page by page: the page headers, decompression, the
//! definition levels (which must say "no null") and the values, PLAIN or
//! dictionary-encoded. Anything else is [`Unsupported`], and the file goes
//! to the general reader.

use super::input::Input;
use super::meta::{Chunk, ColumnType, Kind, DOUBLE, FLOAT, INT32, INT64};
use super::rle::{Rle, PAD};
use super::Unsupported;
use crate::source::files::assemble::Coder;
use polars_parquet::parquet::compression::{decompress, Compression, DecompressionContext};

/// The largest page (compressed or not) the direct reader takes; the general
/// reader takes any other.
const MAX_PAGE: usize = 1 << 28;

/// Page types (parquet.thrift `PageType`).
const DATA_PAGE: i64 = 0;
const INDEX_PAGE: i64 = 1;
const DICTIONARY_PAGE: i64 = 2;
const DATA_PAGE_V2: i64 = 3;

/// Encodings (parquet.thrift `Encoding`).
const PLAIN: i64 = 0;
const PLAIN_DICTIONARY: i64 = 2;
const RLE: i64 = 3;
const RLE_DICTIONARY: i64 = 8;

#[derive(Default, Debug)]
struct Header {
    kind: Option<i64>,
    uncompressed: Option<i64>,
    compressed: Option<i64>,
    num_values: Option<i64>,
    encoding: Option<i64>,
    def_encoding: Option<i64>,
    num_nulls: Option<i64>,
    def_len: Option<i64>,
    rep_len: Option<i64>,
    v2_compressed: Option<bool>,
}

impl Header {
    fn event(&mut self, ev: super::super::super::footer::Event) {
        use super::super::super::footer::Event;
        match ev {
            Event::Int([1], v) => self.kind = Some(v),
            Event::Int([2], v) => self.uncompressed = Some(v),
            Event::Int([3], v) => self.compressed = Some(v),
            // data_page_header, dictionary_page_header, data_page_header_v2
            Event::Int([5 | 7 | 8, 1], v) => self.num_values = Some(v),
            Event::Int([5, 2] | [7, 2] | [8, 4], v) => self.encoding = Some(v),
            Event::Int([5, 3], v) => self.def_encoding = Some(v),
            Event::Int([8, 2], v) => self.num_nulls = Some(v),
            Event::Int([8, 5], v) => self.def_len = Some(v),
            Event::Int([8, 6], v) => self.rep_len = Some(v),
            Event::Bool([8, 7], b) => self.v2_compressed = Some(b),
            _ => {}
        }
    }
}

/// A size field of a page header: present, not negative, at most `MAX_PAGE`.
fn size(v: Option<i64>, what: &str) -> Result<usize, Unsupported> {
    match v {
        Some(v) if (0..=MAX_PAGE as i64).contains(&v) => Ok(v as usize),
        v => Err(Unsupported::new(format!("a page with {what} {v:?}"))),
    }
}

/// The dictionary of the chunk, decoded.
enum Dict {
    None,
    /// Seconds (timestamps) or values.
    I64(Vec<i64>),
    F64(Vec<f64>),
    /// The metric's code of each entry.
    Codes(Vec<u32>),
}

/// Where the current data page's values are.
#[allow(clippy::large_enum_variant)] // one a column reader, never moved
enum Values {
    Plain { at: usize, end: usize },
    Dict(Rle),
}

/// A reader's page buffers, kept from one column chunk to the next (a new
/// buffer would be zeroed before every page is read into it).
#[derive(Default)]
pub struct Buffers {
    raw: Vec<u8>,
    page: Vec<u8>,
}

pub struct ColumnReader<'a, I: Input + ?Sized> {
    input: &'a I,
    ty: ColumnType,
    pos: u64,
    end: u64,
    codec: Compression,
    ctx: DecompressionContext,
    /// Values not yet read in the chunk, and in the current page.
    chunk_left: u64,
    page_left: usize,
    raw: Vec<u8>,
    /// The current page, decompressed (its first `page_len` bytes), and at
    /// least [`PAD`] bytes more.
    page: Vec<u8>,
    page_len: usize,
    dict: Dict,
    values: Values,
}

impl<'a, I: Input + ?Sized> ColumnReader<'a, I> {
    pub fn new(
        input: &'a I,
        ty: ColumnType,
        chunk: &Chunk,
        bufs: Buffers,
    ) -> Result<Self, Unsupported> {
        let codec = match chunk.codec {
            0 => Compression::Uncompressed,
            1 => Compression::Snappy,
            2 => Compression::Gzip,
            4 => Compression::Brotli,
            5 => Compression::Lz4,
            6 => Compression::Zstd,
            7 => Compression::Lz4Raw,
            c => return Err(Unsupported::new(format!("codec {c}"))),
        };
        Ok(ColumnReader {
            input,
            ty,
            pos: chunk.start,
            end: chunk.start + chunk.size,
            codec,
            ctx: DecompressionContext::Unset,
            chunk_left: chunk.num_values as u64,
            page_left: 0,
            raw: bufs.raw,
            page: bufs.page,
            page_len: 0,
            dict: Dict::None,
            values: Values::Plain { at: 0, end: 0 },
        })
    }

    /// The page buffers, for the next chunk.
    pub fn into_buffers(self) -> Buffers {
        Buffers {
            raw: self.raw,
            page: self.page,
        }
    }

    /// Reads the next page header; `(header, its length)`.
    fn header(&mut self) -> Result<(Header, usize), Unsupported> {
        let left = (self.end - self.pos) as usize;
        let mut want = left.min(256);
        loop {
            // (The first bytes of `raw`: its length stays what the largest
            // page made it, so nothing is zeroed again.)
            if self.raw.len() < want {
                self.raw.resize(want, 0);
            }
            let head = &mut self.raw[..want];
            self.input.read_at(self.pos, head)?;
            let mut h = Header::default();
            match super::super::super::footer::walk_page_header(head, &mut |ev| h.event(ev)) {
                Ok(len) => return Ok((h, len)),
                // A header with large statistics: read more of it.
                Err(_) if want < left && want < MAX_PAGE => want = (want * 16).min(left),
                Err(e) => return Err(Unsupported::new(e)),
            }
        }
    }

    /// Moves to the next data page (reading a dictionary page on the way).
    fn next_page(&mut self, coder: &mut dyn Coder) -> Result<(), Unsupported> {
        loop {
            if self.pos >= self.end {
                return Err(Unsupported::new(
                    "a column chunk that ends before its values",
                ));
            }
            let (h, hlen) = self.header()?;
            let compressed = size(h.compressed, "compressed_page_size")?;
            let uncompressed = size(h.uncompressed, "uncompressed_page_size")?;
            let body = self.pos + hlen as u64;
            if body + compressed as u64 > self.end {
                return Err(Unsupported::new("a page that runs past its column chunk"));
            }
            self.pos = body + compressed as u64;
            let kind = h.kind.unwrap_or(-1);
            match kind {
                INDEX_PAGE => continue,
                DICTIONARY_PAGE => {
                    self.load(body, compressed, uncompressed, 0, true)?;
                    let n = size(h.num_values, "num_values")?;
                    if !matches!(h.encoding, Some(PLAIN | PLAIN_DICTIONARY)) {
                        return Err(Unsupported::new("a dictionary that is not PLAIN"));
                    }
                    self.dict = self.plain_dict(n, uncompressed, coder)?;
                }
                DATA_PAGE | DATA_PAGE_V2 => {
                    let n = size(h.num_values, "num_values")?;
                    if n as u64 > self.chunk_left {
                        return Err(Unsupported::new("a page with more values than its chunk"));
                    }
                    let v2 = kind == DATA_PAGE_V2;
                    // Levels: v1 keeps them inside the compressed body; v2 before it, raw.
                    let (levels, compress) = if v2 {
                        let rep = size(h.rep_len, "rep_levels_byte_length")?;
                        let def = size(h.def_len, "def_levels_byte_length")?;
                        if rep != 0 || h.num_nulls.unwrap_or(0) != 0 {
                            return Err(Unsupported::new("a page with nulls or repetitions"));
                        }
                        (def, h.v2_compressed.unwrap_or(true))
                    } else {
                        (0, true)
                    };
                    if levels > compressed || levels > uncompressed {
                        return Err(Unsupported::new("levels larger than their page"));
                    }
                    self.load(body, compressed, uncompressed, levels, compress)?;
                    let mut at = 0;
                    if self.ty.optional {
                        // Definition levels of one bit: all 1 (no null), or the
                        // general reader says which row is null.
                        let (start, len): (usize, usize) = if v2 {
                            (0, levels)
                        } else {
                            if h.def_encoding != Some(RLE) || self.page_len < 4 {
                                return Err(Unsupported::new("definition levels not RLE"));
                            }
                            let len = u32::from_le_bytes([
                                self.page[0],
                                self.page[1],
                                self.page[2],
                                self.page[3],
                            ]) as usize;
                            (4, len)
                        };
                        let end = start
                            .checked_add(len)
                            .filter(|e| *e <= self.page_len)
                            .ok_or_else(|| Unsupported::new("levels past their page"))?;
                        if !Rle::new(start, end, 1)?.all_equal(&self.page, n, 1)? {
                            return Err(Unsupported::new("a null"));
                        }
                        at = end;
                    } else if v2 {
                        at = levels;
                    }
                    let end = self.page_len;
                    self.values = match h.encoding {
                        Some(PLAIN) => Values::Plain { at, end },
                        Some(PLAIN_DICTIONARY | RLE_DICTIONARY) => {
                            if matches!(self.dict, Dict::None) || at >= end {
                                return Err(Unsupported::new(
                                    "dictionary indices without a dictionary",
                                ));
                            }
                            Values::Dict(Rle::new(at + 1, end, self.page[at] as u32)?)
                        }
                        e => return Err(Unsupported::new(format!("encoding {e:?}"))),
                    };
                    self.page_left = n;
                    self.chunk_left -= n as u64;
                    return Ok(());
                }
                k => return Err(Unsupported::new(format!("a page of type {k}"))),
            }
        }
    }

    /// Reads and decompresses a page body into `self.page` (plus padding):
    /// the first `raw_prefix` bytes are stored as they are (v2 levels).
    fn load(
        &mut self,
        at: u64,
        compressed: usize,
        uncompressed: usize,
        raw_prefix: usize,
        is_compressed: bool,
    ) -> Result<(), Unsupported> {
        // (Buffers are reused, not cleared: every byte read is written first;
        // the padding's bytes are never used, only read past.)
        if self.raw.len() < compressed {
            self.raw.resize(compressed, 0);
        }
        let raw = &mut self.raw[..compressed];
        self.input.read_at(at, raw)?;
        if self.page.len() < uncompressed + PAD {
            self.page.resize(uncompressed + PAD, 0);
        }
        self.page_len = uncompressed;
        if !is_compressed || self.codec == Compression::Uncompressed {
            if compressed != uncompressed {
                return Err(Unsupported::new("an uncompressed page of another size"));
            }
            self.page[..uncompressed].copy_from_slice(raw);
        } else {
            self.page[..raw_prefix].copy_from_slice(&raw[..raw_prefix]);
            decompress(
                self.codec,
                &raw[raw_prefix..],
                &mut self.page[raw_prefix..uncompressed],
                &mut self.ctx,
            )
            .map_err(|e| Unsupported::new(format!("decompression: {e}")))?;
        }
        Ok(())
    }

    /// A dictionary page's `n` PLAIN entries, in the form this column reads.
    fn plain_dict(&self, n: usize, len: usize, coder: &mut dyn Coder) -> Result<Dict, Unsupported> {
        let p = &self.page[..len];
        let short = || Unsupported::new("a dictionary shorter than its entries");
        Ok(match self.ty.kind {
            Kind::Text => {
                let mut codes = Vec::with_capacity(n.min(len / 4));
                let mut at = 0;
                for _ in 0..n {
                    let (text, next) = byte_array(p, at).ok_or_else(short)?;
                    codes.push(coder.code(text)?);
                    at = next;
                }
                Dict::Codes(codes)
            }
            Kind::Time { per_second } => {
                let raw = p
                    .get(..n.checked_mul(8).ok_or_else(short)?)
                    .ok_or_else(short)?;
                Dict::I64(
                    raw.chunks_exact(8)
                        .map(|c| i64_le(c).div_euclid(per_second))
                        .collect(),
                )
            }
            Kind::Number { physical } => {
                let width = width(physical);
                let raw = p
                    .get(..n.checked_mul(width).ok_or_else(short)?)
                    .ok_or_else(short)?;
                Dict::F64(
                    raw.chunks_exact(width)
                        .map(|c| number(physical, c))
                        .collect(),
                )
            }
        })
    }

    /// Runs `f(self, k)` over the next `n` values, a page's worth at a time.
    fn pages(
        &mut self,
        mut n: usize,
        coder: &mut dyn Coder,
        f: &mut dyn FnMut(&mut Self, usize) -> Result<(), Unsupported>,
    ) -> Result<(), Unsupported> {
        while n > 0 {
            if self.page_left == 0 {
                self.next_page(coder)?;
                continue;
            }
            let k = self.page_left.min(n);
            f(self, k)?;
            self.page_left -= k;
            n -= k;
        }
        Ok(())
    }

    /// The next `n` timestamps, in seconds.
    pub fn times(&mut self, n: usize, out: &mut Vec<i64>) -> Result<(), Unsupported> {
        let Kind::Time { per_second } = self.ty.kind else {
            return Err(Unsupported::new("not a time column"));
        };
        out.clear();
        out.reserve(n);
        self.pages(n, &mut NoText, &mut |r, k| {
            match &mut r.values {
                Values::Plain { at, end } => {
                    let bytes = k * 8;
                    let raw = r.page.get(*at..*at + bytes).filter(|_| *at + bytes <= *end);
                    let raw = raw.ok_or_else(|| Unsupported::new("values past their page"))?;
                    // (Division by a constant compiles to a multiplication.)
                    let times = raw.chunks_exact(8).map(i64_le);
                    match per_second {
                        1_000 => out.extend(times.map(|t| t.div_euclid(1_000))),
                        1_000_000 => out.extend(times.map(|t| t.div_euclid(1_000_000))),
                        _ => out.extend(times.map(|t| t.div_euclid(per_second))),
                    }
                    *at += bytes;
                }
                Values::Dict(rle) => {
                    let Dict::I64(dict) = &r.dict else {
                        return Err(Unsupported::new("a dictionary of another type"));
                    };
                    rle.map_into(&r.page, k, dict, out)?;
                }
            }
            Ok(())
        })
    }

    /// The next `n` values, as f64.
    pub fn numbers(&mut self, n: usize, out: &mut Vec<f64>) -> Result<(), Unsupported> {
        let Kind::Number { physical } = self.ty.kind else {
            return Err(Unsupported::new("not a number column"));
        };
        out.clear();
        out.reserve(n);
        self.pages(n, &mut NoText, &mut |r, k| {
            match &mut r.values {
                Values::Plain { at, end } => {
                    let width = width(physical);
                    let bytes = k * width;
                    let raw = r.page.get(*at..*at + bytes).filter(|_| *at + bytes <= *end);
                    let raw = raw.ok_or_else(|| Unsupported::new("values past their page"))?;
                    if physical == DOUBLE {
                        out.extend(raw.chunks_exact(8).map(f64_le));
                    } else {
                        out.extend(raw.chunks_exact(width).map(|c| number(physical, c)));
                    }
                    *at += bytes;
                }
                Values::Dict(rle) => {
                    let Dict::F64(dict) = &r.dict else {
                        return Err(Unsupported::new("a dictionary of another type"));
                    };
                    rle.map_into(&r.page, k, dict, out)?;
                }
            }
            Ok(())
        })
    }

    /// The next `n` metric codes (`coder` gives each distinct text its code).
    pub fn codes(
        &mut self,
        n: usize,
        coder: &mut dyn Coder,
        out: &mut Vec<u32>,
    ) -> Result<(), Unsupported> {
        if self.ty.kind != Kind::Text {
            return Err(Unsupported::new("not a text column"));
        }
        out.clear();
        out.reserve(n);
        let mut last: Option<(usize, usize, u32)> = None;
        // (The closure needs the coder while `pages` needs it for dictionaries:
        // dictionaries arrive between calls of the closure, so one is passed
        // through a cell.)
        let coder = std::cell::RefCell::new(coder);
        let mut dict_coder = Forward(&coder);
        self.pages(n, &mut dict_coder, &mut |r, k| {
            match &mut r.values {
                Values::Plain { at, end } => {
                    let page = &r.page[..*end];
                    for _ in 0..k {
                        let (text, next) = byte_array(page, *at)
                            .ok_or_else(|| Unsupported::new("text past its page"))?;
                        // Rows of one metric in a run: one comparison, no lookup.
                        let code = match last {
                            Some((s, e, c)) if &page[s..e] == text => c,
                            _ => coder.borrow_mut().code(text)?,
                        };
                        last = Some((next - text.len(), next, code));
                        out.push(code);
                        *at = next;
                    }
                    last = None;
                }
                Values::Dict(rle) => {
                    let Dict::Codes(dict) = &r.dict else {
                        return Err(Unsupported::new("a dictionary of another type"));
                    };
                    rle.map_into(&r.page, k, dict, out)?;
                }
            }
            Ok(())
        })
    }
}

/// The coder of a column that holds no text.
struct NoText;

impl Coder for NoText {
    fn code(&mut self, _: &[u8]) -> Result<u32, Unsupported> {
        Err(Unsupported::new("text in a column of numbers"))
    }
}

struct Forward<'c, 'd>(&'c std::cell::RefCell<&'d mut dyn Coder>);

impl Coder for Forward<'_, '_> {
    fn code(&mut self, text: &[u8]) -> Result<u32, Unsupported> {
        self.0.borrow_mut().code(text)
    }
}

/// Eight bytes, little-endian (a chunk of `chunks_exact(8)`: one load).
#[inline(always)]
fn i64_le(c: &[u8]) -> i64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(c);
    i64::from_le_bytes(b)
}

#[inline(always)]
fn f64_le(c: &[u8]) -> f64 {
    f64::from_bits(i64_le(c) as u64)
}

fn width(physical: i64) -> usize {
    match physical {
        INT32 | FLOAT => 4,
        _ => 8,
    }
}

/// A PLAIN number of `physical` type, as f64 (as polars casts it).
#[inline]
fn number(physical: i64, c: &[u8]) -> f64 {
    match physical {
        INT32 => i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64,
        FLOAT => f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64,
        INT64 => i64_le(c) as f64,
        _ => f64_le(c),
    }
}

/// A PLAIN BYTE_ARRAY at `at`: its bytes, and where the next one starts.
#[inline]
fn byte_array(p: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let len = u32::from_le_bytes(p.get(at..at + 4)?.try_into().ok()?) as usize;
    let start = at + 4;
    let end = start.checked_add(len)?;
    Some((p.get(start..end)?, end))
}
