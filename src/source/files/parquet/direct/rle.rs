//! Parquet's RLE / bit-packing hybrid: the encoding of definition levels and
//! of dictionary indices. A run is either one value repeated (`header >> 1`
//! times) or groups of eight values packed at `bit_width` bits each.

use super::Unsupported;
use polars_parquet::parquet::encoding::bitpacked::Unpackable;

/// A decoder over `buf[pos..end]`, one run at a time. Every read is checked
/// against `end`; the buffer must hold 8 bytes of padding after `end` (the
/// unpacking reads whole words).
pub struct Rle {
    pos: usize,
    end: usize,
    bw: u32,
    run: Run,
    /// Values unpacked and not yet given, `out[unpacked..unpacked_len]`.
    out: [u32; 32],
    unpacked: usize,
    unpacked_len: usize,
    tail: [u8; 128],
}

/// What [`Rle::each`] gives.
pub enum Chunk<'a> {
    /// A value, this many times.
    Repeat(u32, usize),
    Values(&'a [u32]),
}

#[derive(Clone, Copy)]
enum Run {
    None,
    Repeat {
        value: u32,
        left: usize,
    },
    /// Values left, and the bit position of the next one.
    Packed {
        left: usize,
        bit: usize,
    },
}

/// Bytes of padding a buffer holds after the encoded bytes.
pub const PAD: usize = 8;

impl Rle {
    pub fn new(pos: usize, end: usize, bit_width: u32) -> Result<Rle, Unsupported> {
        if bit_width > 32 {
            return Err(Unsupported::new(format!("a bit width of {bit_width}")));
        }
        Ok(Rle {
            pos,
            end,
            bw: bit_width,
            run: Run::None,
            out: [0; 32],
            unpacked: 0,
            unpacked_len: 0,
            tail: [0; 128],
        })
    }

    fn uleb(&mut self, buf: &[u8]) -> Result<u64, Unsupported> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            if self.pos >= self.end {
                return Err(Unsupported::new("a run header past the end"));
            }
            let b = buf[self.pos];
            self.pos += 1;
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Unsupported::new("a run header longer than 10 bytes"))
    }

    fn next_run(&mut self, buf: &[u8]) -> Result<(), Unsupported> {
        let h = self.uleb(buf)?;
        let count = usize::try_from(h >> 1).map_err(|_| Unsupported::new("a long run"))?;
        if h & 1 == 0 {
            let bytes = self.bw.div_ceil(8) as usize;
            if self.end - self.pos < bytes {
                return Err(Unsupported::new("a repeated value past the end"));
            }
            let mut value = 0u32;
            for i in 0..bytes {
                value |= (buf[self.pos + i] as u32) << (8 * i);
            }
            self.pos += bytes;
            if self.bw < 32 && value >> self.bw != 0 {
                return Err(Unsupported::new(
                    "a repeated value wider than its bit width",
                ));
            }
            self.run = Run::Repeat { value, left: count };
        } else {
            // `count` groups of eight values; the last group of a page may be
            // partly padding, so the run may end before its bytes do.
            let bytes = count
                .checked_mul(self.bw as usize)
                .filter(|b| *b <= self.end - self.pos)
                .ok_or_else(|| Unsupported::new("a packed run past the end"))?;
            self.run = Run::Packed {
                left: count
                    .checked_mul(8)
                    .ok_or_else(|| Unsupported::new("a long run"))?,
                bit: self.pos * 8,
            };
            self.pos += bytes;
        }
        Ok(())
    }

    /// Calls `f` for the next `n` values, a run (or a part of one) at a
    /// time: `Chunk::Repeat(v, k)`, `k` times `v`; `Chunk::Values`, values
    /// unpacked 32 at a time.
    pub fn each(
        &mut self,
        buf: &[u8],
        mut n: usize,
        f: &mut impl FnMut(Chunk),
    ) -> Result<(), Unsupported> {
        while n > 0 {
            if self.unpacked < self.unpacked_len {
                let k = (self.unpacked_len - self.unpacked).min(n);
                f(Chunk::Values(&self.out[self.unpacked..self.unpacked + k]));
                self.unpacked += k;
                n -= k;
                continue;
            }
            match &mut self.run {
                Run::None => self.next_run(buf)?,
                Run::Repeat { left: 0, .. } | Run::Packed { left: 0, .. } => self.next_run(buf)?,
                Run::Repeat { value, left } => {
                    let k = (*left).min(n);
                    f(Chunk::Repeat(*value, k));
                    *left -= k;
                    n -= k;
                }
                Run::Packed { left, bit } => {
                    // 32 values from 4 * bit_width bytes (a group of 32 starts
                    // on a byte); the last group of a run from padded bytes.
                    let bw = self.bw as usize;
                    let at = *bit / 8;
                    let bytes = 4 * bw;
                    let src = match buf.get(at..at + bytes) {
                        Some(s) if *left >= 32 => s,
                        _ => {
                            let have = buf.get(at..).map_or(&[][..], |b| &b[..b.len().min(bytes)]);
                            self.tail = [0; 128];
                            self.tail[..have.len()].copy_from_slice(have);
                            &self.tail[..bytes]
                        }
                    };
                    <u32 as Unpackable>::unpack(src, bw, &mut self.out);
                    let k = (*left).min(32);
                    *left -= k;
                    *bit += 32 * bw;
                    self.unpacked = 0;
                    self.unpacked_len = k;
                }
            }
        }
        Ok(())
    }

    /// Appends `dict[i]` for each of the next `n` indices `i` to `out`; an
    /// index past the dictionary is an error.
    pub fn map_into<T: Copy>(
        &mut self,
        buf: &[u8],
        n: usize,
        dict: &[T],
        out: &mut Vec<T>,
    ) -> Result<(), Unsupported> {
        out.reserve(n);
        let mut bad = false;
        self.each(buf, n, &mut |c| match c {
            Chunk::Repeat(v, k) => match dict.get(v as usize) {
                Some(x) => out.extend(std::iter::repeat_n(*x, k)),
                None => bad = true,
            },
            Chunk::Values(vs) => {
                for &v in vs {
                    match dict.get(v as usize) {
                        Some(x) => out.push(*x),
                        None => bad = true,
                    }
                }
            }
        })?;
        if bad {
            return Err(Unsupported::new("a dictionary index past its dictionary"));
        }
        Ok(())
    }

    /// Appends the next `n` values to `out`.
    #[cfg(test)]
    pub fn fill(&mut self, buf: &[u8], n: usize, out: &mut Vec<u32>) -> Result<(), Unsupported> {
        out.reserve(n);
        self.each(buf, n, &mut |c| match c {
            Chunk::Repeat(v, k) => out.extend(std::iter::repeat_n(v, k)),
            Chunk::Values(vs) => out.extend_from_slice(vs),
        })
    }

    /// Whether the next `n` values are all `value` (definition levels: no null).
    pub fn all_equal(&mut self, buf: &[u8], n: usize, value: u32) -> Result<bool, Unsupported> {
        let mut all = true;
        self.each(buf, n, &mut |c| match c {
            Chunk::Repeat(v, _) => all &= v == value,
            Chunk::Values(vs) => all &= vs.iter().all(|v| *v == value),
        })?;
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn padded(b: &[u8]) -> Vec<u8> {
        let mut v = b.to_vec();
        v.extend([0; PAD]);
        v
    }

    #[test]
    fn repeated_and_packed_runs() {
        // A run of 5 × 3 (bit width 2: one byte), then one packed group of
        // eight 2-bit values 0,1,2,3,0,1,2,3 (0b11100100 twice).
        let b = padded(&[5 << 1, 3, (1 << 1) | 1, 0b1110_0100, 0b1110_0100]);
        let mut r = Rle::new(0, b.len() - PAD, 2).unwrap();
        let mut out = Vec::new();
        r.fill(&b, 13, &mut out).unwrap();
        assert_eq!(out, [3, 3, 3, 3, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
        // Past the end: an error, never a panic.
        assert!(r.fill(&b, 1, &mut out).is_err());
        // Bit width 0: every value is 0.
        let b = padded(&[4 << 1]);
        let mut r = Rle::new(0, 1, 0).unwrap();
        assert!(r.all_equal(&b, 4, 0).unwrap());
        // A repeated value wider than the bit width, a packed run longer than the bytes.
        let b = padded(&[2 << 1, 9]);
        assert!(Rle::new(0, 2, 3)
            .unwrap()
            .fill(&b, 2, &mut Vec::new())
            .is_err());
        let b = padded(&[(9 << 1) | 1, 0xff]);
        assert!(Rle::new(0, 2, 1)
            .unwrap()
            .fill(&b, 2, &mut Vec::new())
            .is_err());
    }

    #[test]
    fn packed_values_of_every_width_round_trip() {
        for bw in 1..=32u32 {
            let mask = if bw == 32 { u32::MAX } else { (1 << bw) - 1 };
            let values: Vec<u32> = (0..24u32)
                .map(|i| i.wrapping_mul(0x9E37_79B9) & mask)
                .collect();
            // Pack LSB first, three groups of eight.
            let mut bits: Vec<bool> = Vec::new();
            for v in &values {
                for k in 0..bw {
                    bits.push(v >> k & 1 == 1);
                }
            }
            let mut bytes = vec![(3 << 1) | 1u8];
            for chunk in bits.chunks(8) {
                bytes.push(chunk.iter().enumerate().map(|(i, b)| (*b as u8) << i).sum());
            }
            let b = padded(&bytes);
            let mut out = Vec::new();
            Rle::new(0, bytes.len(), bw)
                .unwrap()
                .fill(&b, 24, &mut out)
                .unwrap();
            assert_eq!(out, values, "bit width {bw}");
        }
    }
}
