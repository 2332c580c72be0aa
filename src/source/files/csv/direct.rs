//! The direct CSV reader: the files time-ordered exports and dumps write (a
//! header, then one record a line, no quotes) read in blocks of lines on
//! every core, each worker turning its block into runs of one metric (see
//! [`super::super::assemble`]), this thread putting them together in order.
//!
//! It reads exactly what the general reader reads, and leaves to it every
//! file where that could differ: a quote anywhere, a blank line, a field
//! with space around it, a record with another number of fields, text that
//! is not UTF-8, a timestamp or value that does not parse, a value to report.

use super::super::assemble::{Assembly, Coder, Local, Part, Table, Unsupported, SKIP, UNREAD};
use super::super::values::TimeCache;
use super::super::Wanted;
use super::Source;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

/// Bytes read at once: a block is the whole lines among them.
const BLOCK: usize = 1 << 23;

/// Where the three columns are in a record, and how many fields it has.
#[derive(Clone, Copy)]
struct Layout {
    time: usize,
    metric: usize,
    value: usize,
    fields: usize,
}

type Msg = Result<Part, Unsupported>;

pub(super) fn read(input: &mut dyn Source, names: &Wanted) -> Result<super::Chunks, Unsupported> {
    let mut reader = Blocks::new(input);
    let first = reader
        .next()?
        .ok_or_else(|| Unsupported::new("an empty file"))?;
    let (layout, first) = header(first)?;
    let table = Mutex::new(Table::default());
    let mut assembly = Assembly::new((None, 0));
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .max(1);
    std::thread::scope(|scope| -> Result<(), Unsupported> {
        let mut to: Vec<SyncSender<Vec<u8>>> = Vec::with_capacity(workers);
        let mut from: Vec<Receiver<Msg>> = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (tx_block, rx_block) = sync_channel::<Vec<u8>>(1);
            let (tx_part, rx_part) = sync_channel::<Msg>(1);
            to.push(tx_block);
            from.push(rx_part);
            let table = &table;
            scope.spawn(move || {
                let mut coder = Local::new(table, names);
                let mut cache = TimeCache::default();
                for block in rx_block {
                    let part = parse(&block, layout, &mut coder, &mut cache, names.limit);
                    let failed = part.is_err();
                    if tx_part.send(part).is_err() || failed {
                        return;
                    }
                }
            });
        }
        // Block i goes to worker i % workers; before a worker gets its next
        // block, the part of its last one is taken (so parts come in order
        // and no worker waits on a full channel for long).
        let mut sent = 0usize;
        let mut taken = 0usize;
        let mut take = |taken: &mut usize| -> Result<(), Unsupported> {
            let part = from[*taken % workers]
                .recv()
                .map_err(|_| Unsupported::new("a worker stopped"))??;
            *taken += 1;
            assembly.take(part, &table)
        };
        let mut next = Some(first);
        while let Some(block) = next.take() {
            if sent >= workers {
                take(&mut taken)?;
            }
            to[sent % workers]
                .send(block)
                .map_err(|_| Unsupported::new("a worker stopped"))?;
            sent += 1;
            next = reader.next()?;
        }
        drop(to);
        while taken < sent {
            take(&mut taken)?;
        }
        Ok(())
    })?;
    assembly.finish(table)
}

/// Blocks of whole lines.
struct Blocks<'a> {
    input: &'a mut dyn Source,
    /// The start of a line that the last block cut.
    carry: Vec<u8>,
    done: bool,
}

impl<'a> Blocks<'a> {
    fn new(input: &'a mut dyn Source) -> Self {
        Blocks {
            input,
            carry: Vec::new(),
            done: false,
        }
    }

    /// The next block: whole lines (the last may lack its newline at the
    /// end of the file); `None` at the end.
    fn next(&mut self) -> Result<Option<Vec<u8>>, Unsupported> {
        if self.done {
            return Ok(None);
        }
        let mut buf = std::mem::take(&mut self.carry);
        loop {
            let at = buf.len();
            buf.resize(at + BLOCK, 0);
            let n = read_full(self.input, &mut buf[at..])?;
            buf.truncate(at + n);
            if n == 0 {
                self.done = true;
                return Ok((!buf.is_empty()).then_some(buf));
            }
            if let Some(last) = buf[at..].iter().rposition(|b| *b == b'\n') {
                self.carry = buf[at + last + 1..].to_vec();
                buf.truncate(at + last + 1);
                return Ok(Some(buf));
            }
            // No line end yet: a longer line; read on.
        }
    }
}

/// Reads until `buf` is full or the input ends.
fn read_full(input: &mut dyn Source, buf: &mut [u8]) -> Result<usize, Unsupported> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Unsupported::new(format!("reading: {e}"))),
        }
    }
    Ok(n)
}

/// The header's layout, and the first block without the header.
fn header(mut block: Vec<u8>) -> Result<(Layout, Vec<u8>), Unsupported> {
    let end = block
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(block.len());
    let line = strip_cr(&block[..end]);
    if line.starts_with(b"\xEF\xBB\xBF") || line.contains(&b'"') {
        return Err(Unsupported::new(
            "a header with a byte-order mark or quotes",
        ));
    }
    let text = std::str::from_utf8(line).map_err(|_| Unsupported::new("a header not in UTF-8"))?;
    let cols: Vec<String> = text
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let at = |name: &str| {
        cols.iter()
            .position(|h| h == name)
            .ok_or_else(|| Unsupported::new(format!("no `{name}` column")))
    };
    let layout = Layout {
        time: at("timestamp")?,
        metric: at("metric")?,
        value: at("value")?,
        fields: cols.len(),
    };
    block.drain(..(end + 1).min(block.len()));
    Ok((layout, block))
}

#[inline]
fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A field the general reader would trim: white space at either end.
#[inline]
fn padded(f: &str) -> bool {
    f.starts_with(char::is_whitespace) || f.ends_with(char::is_whitespace)
}

/// Parses a block of whole lines into a part.
fn parse(
    block: &[u8],
    layout: Layout,
    coder: &mut Local,
    times: &mut TimeCache,
    limit: i64,
) -> Result<Part, Unsupported> {
    let text = std::str::from_utf8(block).map_err(|_| Unsupported::new("text not in UTF-8"))?;
    if block.contains(&b'"') {
        return Err(Unsupported::new("a quote"));
    }
    let rows = block.iter().filter(|b| **b == b'\n').count() + 1;
    let (mut codes, mut t, mut v) = (
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
    );
    let mut last_metric: (&str, u32) = ("", SKIP);
    let mut fields: [&str; 8] = [""; 8];
    let wide = layout.fields > fields.len();
    // A carriage return ends a record for the general reader wherever it
    // is; here only right before a newline.
    let cr = block.contains(&b'\r');
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if cr && line.contains('\r') {
            return Err(Unsupported::new("a carriage return inside a line"));
        }
        if line.is_empty() {
            if lines.peek().is_none() {
                break; // the newline that ends the block
            }
            return Err(Unsupported::new("a blank line"));
        }
        // The fields, split at every comma (no quotes here).
        let mut n = 0;
        for f in line.split(',') {
            if n < fields.len() {
                fields[n] = f;
            }
            n += 1;
        }
        if n != layout.fields || wide {
            return Err(Unsupported::new("a record with another number of fields"));
        }
        let metric = fields[layout.metric];
        let code = if metric == last_metric.0 && !metric.is_empty() {
            last_metric.1
        } else {
            if padded(metric) {
                return Err(Unsupported::new("a field with space around it"));
            }
            let c = coder.code(metric.as_bytes())?;
            last_metric = (metric, c);
            c
        };
        codes.push(code);
        if code & UNREAD != 0 {
            // Neither read nor checked, as the general reader does.
            t.push(0);
            v.push(0.0);
            continue;
        }
        let (ts, raw) = (fields[layout.time], fields[layout.value]);
        if padded(ts) || padded(raw) {
            return Err(Unsupported::new("a field with space around it"));
        }
        let time = times
            .parse(ts)
            .ok_or_else(|| Unsupported::new("a timestamp to report"))?;
        let value: f64 = raw
            .parse()
            .map_err(|_| Unsupported::new("a value to report"))?;
        t.push(time);
        v.push(value);
    }
    let mut part = Part::new(codes.len(), (None, 0));
    part.last = true;
    part.add_checked((&codes, &t, &v), coder, limit)?;
    Ok(part)
}
