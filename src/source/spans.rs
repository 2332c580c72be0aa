//! Half-open time spans `[a, b)` and their algebra: what a source needs, what
//! a cache holds, what is left to fetch.

/// Half-open time spans `[a, b)` in epoch seconds: sorted, disjoint, not empty.
pub type Spans = Vec<(i64, i64)>;

/// Sorts, drops empty spans and merges overlapping or touching ones.
pub fn normalize(mut v: Spans) -> Spans {
    v.retain(|(a, b)| a < b);
    v.sort_unstable();
    let mut out: Spans = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

pub fn union(a: &[(i64, i64)], b: &[(i64, i64)]) -> Spans {
    normalize(a.iter().chain(b).copied().collect())
}

pub fn intersect(a: &[(i64, i64)], b: &[(i64, i64)]) -> Spans {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        let lo = a[i].0.max(b[j].0);
        let hi = a[i].1.min(b[j].1);
        if lo < hi {
            out.push((lo, hi));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

pub fn subtract(a: &[(i64, i64)], b: &[(i64, i64)]) -> Spans {
    let mut out = Vec::new();
    let mut j = 0;
    for &(mut lo, hi) in a {
        while j < b.len() && b[j].1 <= lo {
            j += 1;
        }
        let mut k = j;
        while k < b.len() && b[k].0 < hi {
            if b[k].0 > lo {
                out.push((lo, b[k].0));
            }
            lo = lo.max(b[k].1);
            k += 1;
        }
        if lo < hi {
            out.push((lo, hi));
        }
    }
    out
}

/// The seconds the spans cover.
pub fn total(a: &[(i64, i64)]) -> i64 {
    a.iter().map(|(x, y)| y - x).sum()
}

pub fn contains(a: &[(i64, i64)], t: i64) -> bool {
    let i = a.partition_point(|s| s.1 <= t);
    i < a.len() && a[i].0 <= t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_algebra() {
        let a = normalize(vec![(5, 10), (0, 3), (3, 4), (20, 20)]);
        assert_eq!(a, vec![(0, 4), (5, 10)]);
        assert_eq!(
            subtract(&[(0, 10)], &[(2, 3), (5, 7)]),
            vec![(0, 2), (3, 5), (7, 10)]
        );
        assert_eq!(subtract(&[(0, 10)], &[(-5, 20)]), vec![]);
        assert_eq!(
            intersect(&[(0, 10), (20, 30)], &[(5, 25)]),
            vec![(5, 10), (20, 25)]
        );
        assert!(contains(&[(0, 10), (20, 30)], 20));
        assert!(!contains(&[(0, 10), (20, 30)], 10));
        assert_eq!(total(&[(0, 10), (20, 30)]), 20);
    }
}
