//! A check of a Parquet file's footer before polars decodes it. polars'
//! decoder trusts the counts it reads there: a damaged 1.5 KB file that
//! declares a list of 2^33 schema elements, or 2^61 rows, makes it allocate
//! that much and abort the process (found by fuzzing; an abort cannot be
//! caught). This walks the footer's Thrift compact encoding without
//! allocating, refuses a count that the bytes left cannot hold, and bounds
//! the rows the file declares by its size.

use std::io::{Read, Seek, SeekFrom};

/// Rows a file may declare per byte of its size (a generous bound: pandas,
/// pyarrow and polars files hold about one row per byte or two), and at least.
const ROWS_PER_BYTE: u64 = 1024;
const MIN_ROWS: u64 = 1 << 20;
/// Nesting of Thrift structs and lists (the footer nests about six levels).
const MAX_DEPTH: usize = 32;

/// Checks the footer of the Parquet file `r` and rewinds it; the error says
/// what is wrong, for a message "not a readable Parquet file: ...".
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
    let mut meta = vec![0u8; meta_len as usize];
    r.seek(SeekFrom::End(-8 - meta_len as i64))
        .map_err(|e| e.to_string())?;
    r.read_exact(&mut meta).map_err(|e| e.to_string())?;
    r.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    let mut p = Reader {
        b: &meta,
        pos: 0,
        rows: None,
    };
    p.structure(0, true)?;
    let max_rows = MIN_ROWS.max(len.saturating_mul(ROWS_PER_BYTE));
    match p.rows {
        Some(n) if n < 0 => Err(format!("the footer declares {n} rows")),
        Some(n) if n as u64 > max_rows => Err(format!(
            "the footer declares {n} rows, more than a file of {len} bytes can hold"
        )),
        _ => Ok(()),
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    /// `FileMetaData.num_rows` (field 3 of the top-level struct).
    rows: Option<i64>,
}

impl Reader<'_> {
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

    fn structure(&mut self, depth: usize, top: bool) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("the footer nests too deep".into());
        }
        let mut id: i64 = 0;
        loop {
            let h = self.byte()?;
            let ty = h & 0x0f;
            if ty == 0 {
                return Ok(());
            }
            let delta = (h >> 4) as i64;
            id = if delta == 0 {
                self.zigzag()?
            } else {
                id + delta
            };
            if top && id == 3 && ty == 6 {
                self.rows = Some(self.zigzag()?);
                continue;
            }
            self.value(ty, depth)?;
        }
    }

    fn value(&mut self, ty: u8, depth: usize) -> Result<(), String> {
        match ty {
            1 | 2 => Ok(()), // a boolean field carries its value in its type
            3 => self.skip(1),
            4..=6 => self.varint().map(|_| ()),
            7 => self.skip(8),
            8 => {
                let n = self.varint()?;
                self.skip(n)
            }
            9 | 10 => {
                let h = self.byte()?;
                let elem = h & 0x0f;
                let short = (h >> 4) as u64;
                let n = if short == 15 { self.varint()? } else { short };
                let n = self.count(n, if elem == 7 { 8 } else { 1 })?;
                for _ in 0..n {
                    if elem == 1 || elem == 2 {
                        self.skip(1)?; // booleans in a list take a byte each
                    } else {
                        self.value(elem, depth + 1)?;
                    }
                }
                Ok(())
            }
            11 => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                let kv = self.byte()?;
                let n = self.count(n, 2)?;
                for _ in 0..n {
                    self.value(kv >> 4, depth + 1)?;
                    self.value(kv & 0x0f, depth + 1)?;
                }
                Ok(())
            }
            12 => self.structure(depth + 1, false),
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
    }
}
