//! One file per subcommand; this one holds what they share: loading slo.yaml
//! and the data, and settling the evaluation time T.

mod check;
mod fetch;
mod report;
mod validate;

use crate::cli::{Cli, Command, Common};
use crate::compute::{self, EvalOptions, Report};
use crate::error::{Error, Result};
use crate::model::{AsOfSetting, Config};
use crate::series::{fmt_time, DataSet};
use crate::source::{self, LoadOptions};

/// Runs a command; the `u8` is the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let c = &cli.common;
    match cli.command {
        Command::Report {
            format,
            chart_format,
        } => report::run(c, format, chart_format),
        Command::Check { format, fail_on } => check::run(c, format, &fail_on),
        Command::Validate => validate::run(c),
        Command::Fetch { format } => fetch::run(c, format),
        Command::Generate {
            services,
            days,
            end,
            format,
            dir,
        } => {
            crate::generate::write(&dir, services, days, &end, &format)?;
            Ok(crate::error::exit::OK)
        }
    }
}

/// The history series of a report: the windows ending at each hour of the last 7 days.
const SERIES_RANGE: i64 = 7 * 86_400;

/// What the source needs: the options, and T as known before the data (a
/// pinned time, or now) for sources that fetch a range.
fn load_options(c: &Common, cfg: &Config, pinned: Option<(i64, bool)>) -> LoadOptions {
    LoadOptions {
        offline: c.offline,
        quiet: c.quiet,
        cache_dir: c.cache_dir.clone(),
        as_of: Some(settle_as_of(cfg, pinned, &DataSet::new()).0),
        series_range: SERIES_RANGE,
        allow_coarser_slices: c.allow_coarser_slices,
    }
}

/// slo.yaml, the data and the evaluation: what `report` and `check` share.
pub fn evaluate(c: &Common) -> Result<(Config, Report)> {
    let cfg = crate::config::load(&c.config)?;
    // A bad --as-of is a usage error, found before any data is read.
    let pinned = match &c.as_of {
        Some(s) => Some(parse_as_of(s)?),
        None => None,
    };
    let data = source::load(&cfg, &load_options(c, &cfg, pinned))?;
    let (as_of, requested) = settle_as_of(&cfg, pinned, &data);
    let report = compute::evaluate(
        &cfg,
        &data,
        &EvalOptions {
            as_of,
            as_of_requested: requested,
            series_range: SERIES_RANGE,
            series_step: 3_600,
        },
    )?;
    Ok((cfg, report))
}

/// `(seconds, had a fraction of a second)`.
fn parse_as_of(s: &str) -> Result<(i64, bool)> {
    let t = crate::config::parse_time(s).map_err(|e| Error::Usage(format!("--as-of: {e}")))?;
    Ok((t.timestamp(), t.timestamp_subsec_nanos() != 0))
}

/// T: `--as-of`, else slo.yaml's `as_of`, else now; floored to the largest
/// period. The second value is the time asked for when flooring moved it.
pub fn settle_as_of(
    cfg: &Config,
    pinned: Option<(i64, bool)>,
    data: &DataSet,
) -> (i64, Option<String>) {
    let p = compute::largest_period(cfg);
    let floor = |t: i64| t - t.rem_euclid(p);
    let pinned = pinned.or(match &cfg.as_of {
        Some(AsOfSetting::At(t)) => Some((t.timestamp(), t.timestamp_subsec_nanos() != 0)),
        _ => None,
    });
    if let Some((t, fraction)) = pinned {
        let f = floor(t);
        let asked = (f != t || fraction).then(|| {
            if fraction {
                format!("{} and a fraction", fmt_time(t))
            } else {
                fmt_time(t)
            }
        });
        return (f, asked);
    }
    if cfg.as_of == Some(AsOfSetting::Latest) {
        let end = cfg
            .metrics
            .iter()
            .filter_map(|m| data.get(&m.name).and_then(|s| s.end(m.period)))
            .max();
        if let Some(end) = end {
            return (floor(end), None);
        }
    }
    (floor(chrono::Utc::now().timestamp()), None)
}
