//! Which rows go where: batches of whole row groups, the slot of each row
//! (a metric's buffers, or a count of unread rows), kept small per batch, and
//! the hash that finds a metric's slot by name.

use std::hash::Hasher;

/// The Fx hash (rustc's): a multiply and a rotate per word. Metric names are
/// looked up once per row of a time-ordered file; SipHash's protection
/// against chosen keys is not needed for a map that lives one file long.
#[derive(Default)]
pub(super) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Rows decoded at once: consecutive row groups are read together until they
/// hold this many, so memory holds one batch of decoded columns, not the file.
pub(super) const BATCH_ROWS: usize = 1 << 20;

/// `(first row, rows)` of each batch of whole row groups.
pub(super) fn batches(row_groups: impl IntoIterator<Item = usize>) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    for n in row_groups {
        match out.last_mut() {
            Some(last) if last.1 < BATCH_ROWS => last.1 += n,
            _ => out.push((at, n)),
        }
        at += n;
    }
    out.retain(|b| b.1 > 0);
    out
}

/// The period `p` of a batch whose rows repeat one sequence of slots
/// (`slots[i] == slots[i - p]` for every row), when `1 < p <= len / 2`:
/// a time-ordered export. `None` for any other order.
pub(super) fn cycle(slots: &[u32]) -> Option<usize> {
    let first = *slots.first()?;
    let p = slots.iter().skip(1).position(|k| *k == first)? + 1;
    if p < 2 || p > slots.len() / 2 {
        return None;
    }
    slots[p..]
        .iter()
        .zip(slots)
        .all(|(a, b)| a == b)
        .then_some(p)
}

/// The slot of every row of one batch, kept small: a time-ordered batch is
/// one period of its cycle (2,000 entries for 2.88 M rows), a batch grouped
/// by metric its runs; only a batch in no order holds a slot per row.
pub(super) enum BatchSlots {
    Cycle(Vec<u32>),
    Runs(Vec<(u32, u32)>),
    Plain(Vec<u32>),
}

impl BatchSlots {
    pub(super) fn new(slots: &[u32]) -> BatchSlots {
        if let Some(p) = cycle(slots) {
            return BatchSlots::Cycle(slots[..p].to_vec());
        }
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for &k in slots {
            match runs.last_mut() {
                Some((last, n)) if *last == k && *n < u32::MAX => *n += 1,
                _ => {
                    runs.push((k, 1));
                    // Runs cost 8 bytes each: no better than 4 bytes a row.
                    if runs.len() * 2 > slots.len() {
                        return BatchSlots::Plain(slots.to_vec());
                    }
                }
            }
        }
        BatchSlots::Runs(runs)
    }

    /// Every row's slot, in row order.
    pub(super) fn rows(&self, rows: usize) -> Box<dyn Iterator<Item = u32> + '_> {
        match self {
            BatchSlots::Cycle(seq) => Box::new(seq.iter().copied().cycle().take(rows)),
            BatchSlots::Runs(runs) => Box::new(
                runs.iter()
                    .flat_map(|&(k, n)| std::iter::repeat_n(k, n as usize)),
            ),
            BatchSlots::Plain(v) => Box::new(v.iter().copied()),
        }
    }

    pub(super) fn all_skipped(&self) -> bool {
        match self {
            BatchSlots::Cycle(v) | BatchSlots::Plain(v) => v.iter().all(|k| *k == SKIP),
            BatchSlots::Runs(r) => r.iter().all(|(k, _)| *k == SKIP),
        }
    }
}

/// Where a label's rows go: a metric's buffers, or a count of unread rows.
#[derive(Clone, Copy)]
pub(super) enum Slot {
    Read(u32),
    Skip,
    Unread(u32),
}

/// A row whose metric is not read.
pub(super) const SKIP: u32 = u32::MAX;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeating_sequence_of_metrics_is_a_cycle() {
        assert_eq!(cycle(&[0, 1, 2, 0, 1, 2, 0]), Some(3));
        assert_eq!(cycle(&[0, 1, 0, 1]), Some(2));
        // A run of one metric, a broken cycle, too short to repeat.
        assert_eq!(cycle(&[0, 0, 0, 0]), None);
        assert_eq!(cycle(&[0, 1, 2, 0, 2, 1]), None);
        assert_eq!(cycle(&[0, 1, 2, 0, 1]), None);
        assert_eq!(cycle(&[]), None);
        // Rows of an unread metric (SKIP) take part like any other.
        assert_eq!(cycle(&[0, SKIP, 0, SKIP]), Some(2));
    }

    #[test]
    fn batch_slots_keep_every_row_in_little_memory() {
        let by_time: Vec<u32> = (0..3000).map(|i| [0, SKIP, 2][i % 3]).collect();
        let grouped: Vec<u32> = (0..3000).map(|i| (i / 1000) as u32).collect();
        let scattered: Vec<u32> = (0..3000u32)
            .map(|i| i.wrapping_mul(2_654_435_761) % 7)
            .collect();
        for (rows, kind) in [
            (&by_time, "cycle"),
            (&grouped, "runs"),
            (&scattered, "plain"),
        ] {
            let b = BatchSlots::new(rows);
            let got = match &b {
                BatchSlots::Cycle(v) => ("cycle", v.len()),
                BatchSlots::Runs(r) => ("runs", r.len()),
                BatchSlots::Plain(v) => ("plain", v.len()),
            };
            assert_eq!(got.0, kind);
            assert!(got.0 == "plain" || got.1 <= 3, "{got:?}");
            assert_eq!(b.rows(rows.len()).collect::<Vec<_>>(), *rows, "{kind}");
            assert!(!b.all_skipped());
        }
        assert!(BatchSlots::new(&[SKIP; 10]).all_skipped());
    }

    #[test]
    fn row_groups_are_read_in_batches_of_whole_groups() {
        assert_eq!(batches([10, 20, 30]), vec![(0, 60)]);
        let big = BATCH_ROWS;
        assert_eq!(
            batches([big, 5, big - 5, 7, 0]),
            vec![(0, big), (big, big), (2 * big, 7)]
        );
        assert!(batches([0, 0]).is_empty());
        assert!(batches([]).is_empty());
    }
}
