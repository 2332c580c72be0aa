//! Where series come from: data files, CloudWatch or Prometheus. A
//! source is a [`DataSource`], opened from slo.yaml's `source:`; it serves the
//! planner's [`Needs`] with the raw series of the query metrics the SLOs read.
//! Expressions are evaluated afterwards by compute, the same way for every
//! source. What every source shares lives here: the one summary printer, the
//! warnings about data that slo.yaml does not read or that holds nothing, and
//! the cache ([`cache`]) that a fetching source keeps its series in.
//!
//! A new source is a module with a type that implements [`DataSource`], an
//! arm in [`open`], and its `source:` shape in config; nothing else changes.

pub mod cache;
pub mod cloudwatch;
pub mod files;
pub mod prometheus;
pub mod spans;

use crate::compute::Needs;
use crate::error::Result;
use crate::model::{self, Config};
use crate::series::DataSet;
use std::collections::BTreeMap;

/// A place series come from.
pub trait DataSource {
    /// The series of every query metric in `needs` (more is allowed: compute
    /// reads only what it needs), the labels the data holds that slo.yaml does
    /// not name, and what the source did.
    fn load(&self, cfg: &Config, needs: &Needs, opts: &LoadOptions) -> Result<Loaded>;

    /// Why a needed metric may have come back without a point, for the warning.
    fn empty_reason(&self) -> &'static str;
}

/// The source that slo.yaml's `source:` names.
pub fn open(source: &model::Source) -> Box<dyn DataSource> {
    match source {
        model::Source::Files { path } => Box::new(files::Files { path: path.clone() }),
        model::Source::CloudWatch {
            region,
            profile,
            endpoint_url,
        } => Box::new(cloudwatch::CloudWatch {
            settings: cloudwatch::client::Settings {
                region: region.clone(),
                profile: profile.clone(),
                endpoint_url: endpoint_url.clone(),
            },
        }),
        model::Source::Prometheus {
            url,
            bearer_token_env,
        } => Box::new(prometheus::Prometheus {
            url: url.clone(),
            bearer_token_env: bearer_token_env.clone(),
        }),
    }
}

/// The cache directory of a fetching source: `--cache-dir`, else
/// `.slo-cache/` beside slo.yaml.
pub fn cache_root(cfg: &Config, opts: &LoadOptions) -> std::path::PathBuf {
    opts.cache_dir.clone().unwrap_or_else(|| {
        cfg.path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."))
            .join(".slo-cache")
    })
}

/// What a source did, for people (stderr) and for `slo fetch --format json`.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// The summary line, then notes.
    pub line: String,
    pub notes: Vec<String>,
    /// Whether `report` and `check` print it too (a fetching source that made calls).
    pub worth_telling: bool,
    /// `slo fetch --format json`.
    pub json: serde_json::Value,
}

impl Summary {
    /// The one printer of summaries.
    pub fn print(&self) {
        eprintln!("{}", self.line);
        for n in &self.notes {
            eprintln!("  note: {n}");
        }
    }
}

/// What a source returned: the series of the needed queries, and the labels
/// of the data that slo.yaml does not name, with their row counts.
#[derive(Debug, Default)]
pub struct Loaded {
    pub data: DataSet,
    pub unread: BTreeMap<String, u64>,
    pub summary: Summary,
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
    /// Time-slice SLIs may read coarser slices where CloudWatch no longer keeps their period.
    pub allow_coarser_slices: bool,
}

/// Loads what `needs` asks for from the configured source, prints its
/// summary when it has news, and says what it returned that slo.yaml does
/// not read or that holds nothing.
pub fn load(cfg: &Config, needs: &Needs, opts: &LoadOptions) -> Result<Loaded> {
    let source = open(&cfg.source);
    let loaded = source.load(cfg, needs, opts)?;
    if !opts.quiet && loaded.summary.worth_telling {
        loaded.summary.print();
    }
    warn_unread_and_empty(cfg, &loaded, source.empty_reason());
    Ok(loaded)
}

/// `slo fetch`: [`load`], with the summary printed whatever it says.
pub fn fetch(cfg: &Config, needs: &Needs, opts: &LoadOptions) -> Result<Loaded> {
    let source = open(&cfg.source);
    let loaded = source.load(cfg, needs, opts)?;
    if !opts.quiet {
        loaded.summary.print();
    }
    warn_unread_and_empty(cfg, &loaded, source.empty_reason());
    Ok(loaded)
}

fn warn_unread_and_empty(cfg: &Config, loaded: &Loaded, empty_reason: &str) {
    if !loaded.unread.is_empty() {
        crate::warn(&format!(
            "the data holds metrics that slo.yaml does not name; their rows are not read: {}",
            fmt_unread(&loaded.unread)
        ));
    }
    for m in cfg.needed_queries() {
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
        crate::warn(&format!(
            "metric `{}` has no point at all in the data: {empty_reason}{hint} (set `allow_empty: true` on it in slo.yaml if it may be empty)",
            m.name
        ));
    }
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
