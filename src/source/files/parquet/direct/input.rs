//! Where the direct reader reads bytes from: a file (positioned reads, so
//! that every worker reads on its own), or bytes in memory (the fuzz
//! targets).

use super::Unsupported;

pub trait Input: Sync {
    fn len(&self) -> u64;
    /// Fills `buf` with the bytes at `pos`.
    fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<(), Unsupported>;
}

impl Input for std::fs::File {
    fn len(&self) -> u64 {
        self.metadata().map(|m| m.len()).unwrap_or(0)
    }

    #[cfg(unix)]
    fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<(), Unsupported> {
        use std::os::unix::fs::FileExt;
        self.read_exact_at(buf, pos)
            .map_err(|e| Unsupported::new(format!("reading at {pos}: {e}")))
    }

    #[cfg(windows)]
    fn read_at(&self, mut pos: u64, mut buf: &mut [u8]) -> Result<(), Unsupported> {
        use std::os::windows::fs::FileExt;
        while !buf.is_empty() {
            match self.seek_read(buf, pos) {
                Ok(0) => return Err(Unsupported::new(format!("the file ends before {pos}"))),
                Ok(n) => {
                    buf = &mut buf[n..];
                    pos += n as u64;
                }
                Err(e) => return Err(Unsupported::new(format!("reading at {pos}: {e}"))),
            }
        }
        Ok(())
    }
}

impl Input for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }

    fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<(), Unsupported> {
        let src = usize::try_from(pos)
            .ok()
            .and_then(|p| self.get(p..p.checked_add(buf.len())?))
            .ok_or_else(|| {
                Unsupported::new(format!("{} bytes at {pos} past the end", buf.len()))
            })?;
        buf.copy_from_slice(src);
        Ok(())
    }
}
