//! Where series come from: data files or CloudWatch. A source returns the raw
//! series of the CloudWatch queries that the SLOs read; expressions are
//! evaluated afterwards by compute, the same way for every source.

pub mod cloudwatch;
pub mod files;

use crate::error::Result;
use crate::model::{Config, Metric, MetricKind, Source};
use crate::series::DataSet;
use std::collections::{BTreeMap, HashSet};

/// The query metrics (not expressions) that `inputs` read, directly or
/// through expressions, in slo.yaml order.
pub fn queries_of<'a, 'b>(
    cfg: &'a Config,
    inputs: impl IntoIterator<Item = &'b str>,
) -> Vec<&'a Metric> {
    let mut want: HashSet<String> = HashSet::new();
    let mut stack: Vec<String> = inputs.into_iter().map(String::from).collect();
    while let Some(name) = stack.pop() {
        if !want.insert(name.clone()) {
            continue;
        }
        if let Some(Metric {
            kind: MetricKind::Expression { expr, .. },
            ..
        }) = cfg.metrics.iter().find(|m| m.name == name)
        {
            stack.extend(expr.operands());
        }
    }
    cfg.metrics
        .iter()
        .filter(|m| matches!(m.kind, MetricKind::Query(_)) && want.contains(&m.name))
        .collect()
}

/// The query metrics (not expressions) that the SLOs read, directly or through
/// expressions, in slo.yaml order.
pub fn needed_queries(cfg: &Config) -> Vec<&Metric> {
    queries_of(cfg, cfg.slos.iter().flat_map(|s| s.sli.inputs()))
}

/// What a source returned: the series of the needed queries, and the labels
/// of the data that slo.yaml does not name, with their row counts.
#[derive(Debug, Default)]
pub struct Loaded {
    pub data: DataSet,
    pub unread: BTreeMap<String, u64>,
}

/// The labels of `unread` most likely meant by `name`, best first: the same
/// but for case or punctuation, then a few typos away. At most three.
pub fn likely_culprits<'a>(name: &str, unread: &'a BTreeMap<String, u64>) -> Vec<&'a str> {
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let want = fold(name);
    let mut scored: Vec<(usize, &str)> = unread
        .keys()
        .filter_map(|label| {
            let d = if label.eq_ignore_ascii_case(name) {
                0
            } else if fold(label) == want {
                1
            } else {
                let d = edit_distance(&fold(label), &want);
                if d > 2.max(want.chars().count() / 3) {
                    return None;
                }
                d + 1
            };
            Some((d, label.as_str()))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, l)| l).collect()
}

/// Levenshtein distance (labels are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// `` `Errors` (1,440 rows), `foo` (3 rows) ``: at most ten, then a count.
pub fn fmt_unread(unread: &BTreeMap<String, u64>) -> String {
    let mut list: Vec<(&String, &u64)> = unread.iter().collect();
    list.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut parts: Vec<String> = list
        .iter()
        .take(10)
        .map(|(l, n)| {
            format!(
                "`{l}` ({} row{})",
                crate::report::fmt::thousands(&n.to_string()),
                if **n == 1 { "" } else { "s" }
            )
        })
        .collect();
    if list.len() > 10 {
        parts.push(format!("and {} more", list.len() - 10));
    }
    parts.join(", ")
}

/// Options of the commands that read data.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub offline: bool,
    pub quiet: bool,
    pub cache_dir: Option<std::path::PathBuf>,
    /// T, epoch seconds, for sources that fetch a range (CloudWatch); None: now.
    pub as_of: Option<i64>,
    /// Seconds of the report's history series before T (its windows are read too).
    pub series_range: i64,
    /// Time-slice SLIs may read coarser slices where CloudWatch no longer keeps their period.
    pub allow_coarser_slices: bool,
}

/// Loads the series of every needed query from the configured source, and
/// says what it returned that slo.yaml does not read or that holds nothing.
pub fn load(cfg: &Config, opts: &LoadOptions) -> Result<Loaded> {
    let needed = needed_queries(cfg);
    let loaded = match &cfg.source {
        Source::Files { path } => {
            let names: Vec<&str> = cfg.metrics.iter().map(|m| m.name.as_str()).collect();
            let (data, unread) = files::load(path, &names, &needed)?;
            Loaded { data, unread }
        }
        Source::CloudWatch { .. } => Loaded {
            data: cloudwatch::load(cfg, opts)?,
            unread: BTreeMap::new(),
        },
    };
    if !loaded.unread.is_empty() {
        crate::warn(&format!(
            "the data holds metrics that slo.yaml does not name; their rows are not read: {}",
            fmt_unread(&loaded.unread)
        ));
    }
    for m in &needed {
        if m.allow_empty || loaded.data.get(&m.name).is_some_and(|s| !s.is_empty()) {
            continue;
        }
        let culprits = likely_culprits(&m.name, &loaded.unread);
        let hint = if culprits.is_empty() {
            String::new()
        } else {
            format!(
                "; did you mean {}?",
                culprits
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        };
        let whence = match &cfg.source {
            Source::CloudWatch { .. } => {
                "CloudWatch returned no datapoint for it (check its namespace, name, dimensions and stat)"
            }
            Source::Files { .. } => "no data file holds a point of it",
        };
        crate::warn(&format!(
            "metric `{}` has no point at all in the data: {whence}{hint} (set `allow_empty: true` on it in slo.yaml if it may be empty)",
            m.name
        ));
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn culprits_are_ranked_by_likeness() {
        let unread: BTreeMap<String, u64> = [
            ("Errors", 10),
            ("errors-5xx", 3),
            ("latency", 1),
            ("requests_total", 4),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(likely_culprits("errors", &unread), vec!["Errors"]);
        assert_eq!(
            likely_culprits("errors_5xx", &unread),
            vec!["errors-5xx", "Errors"]
        );
        assert_eq!(likely_culprits("latncy", &unread), vec!["latency"]);
        assert!(likely_culprits("throughput", &unread).is_empty());
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(
            fmt_unread(&unread),
            "`Errors` (10 rows), `requests_total` (4 rows), `errors-5xx` (3 rows), `latency` (1 row)"
        );
    }
}
