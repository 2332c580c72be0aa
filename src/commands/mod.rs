//! One file per subcommand; this one holds what they share: loading slo.yaml
//! and the data, and settling the evaluation time T.

mod check;
mod export;
mod fetch;
mod import;
mod init;
mod report;
mod validate;

use crate::cli::{Cli, Command, Common};
use crate::compute::{self, EvalOptions, Needs, Report};
use crate::error::{Error, Result};
use crate::model::Config;
use crate::series::DataSet;
use crate::source::{self, LoadOptions};

/// Runs a command; the `u8` is the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let g = &cli.global;
    match cli.command {
        Command::Report { format, eval } => report::run(&Common::with_eval(g, &eval), format),
        Command::Check {
            format,
            fail_on,
            eval,
        } => check::run(&Common::with_eval(g, &eval), format, &fail_on),
        Command::Validate => validate::run(&Common::new(g)),
        Command::Init(args) => init::run(g, &args),
        Command::Import {
            format,
            files,
            out,
            force,
        } => import::run(g, format, &files, out.as_deref(), force),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "slo", &mut out);
            crate::report::output::stdout(&out)?;
            Ok(crate::error::exit::OK)
        }
        Command::Schema => {
            crate::report::output::stdout(crate::config::SCHEMA.as_bytes())?;
            Ok(crate::error::exit::OK)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| Error::output(format!("the man page: {e}")))?;
            crate::report::output::stdout(&out)?;
            Ok(crate::error::exit::OK)
        }
        Command::Export { target, out, as_of } => {
            export::run(&Common::new(g), target, out.as_deref(), as_of.as_deref())
        }
        Command::Fetch { format, source } => fetch::run(&Common::with_source(g, &source), format),
    }
}

/// The history series: `(range, step)` in seconds, from `--series-range` and
/// `--series-step` (default: the windows ending at each hour of the last 7 days).
fn series(c: &Common) -> Result<(i64, i64)> {
    let parse = |flag: &str, v: &str| {
        crate::duration::Dur::parse(v)
            .map(|d| d.secs())
            .map_err(|e| Error::usage(format!("--{flag}: {e}")))
    };
    let (range, step) = (
        parse("series-range", &c.series_range)?,
        parse("series-step", &c.series_step)?,
    );
    if step > range {
        return Err(Error::usage(format!(
            "--series-step {} is longer than --series-range {}",
            c.series_step, c.series_range
        )));
    }
    if range / step > 10_000 {
        return Err(Error::usage(format!(
            "--series-range {} / --series-step {} is more than 10,000 points",
            c.series_range, c.series_step
        )));
    }
    Ok((range, step))
}

/// The source's options, from the command line.
fn load_options(c: &Common) -> LoadOptions {
    LoadOptions {
        offline: c.offline,
        quiet: c.quiet,
        cache_dir: c.cache_dir.clone(),
        allow_coarser_slices: c.allow_coarser_slices,
    }
}

/// What the evaluation will read: T as known before the data (`--as-of`,
/// slo.yaml's `as_of`, or now) and the planner's needs at that T.
fn plan(c: &Common, cfg: &Config, pinned: Option<(i64, u32)>) -> Result<Needs> {
    let t = compute::settle_t(cfg, pinned, &DataSet::new()).0;
    let reach = compute::Reach {
        series_range: series(c)?.0,
        history: c.history,
    };
    Ok(compute::needs(cfg, t, reach))
}

/// slo.yaml, the data and the evaluation: what `report` and `check` share.
pub fn evaluate(c: &Common) -> Result<Report> {
    evaluate_with(c, &crate::config::load(&c.config)?)
}

/// slo.yaml as this run reads it: only the SLOs `--slo` names (all without
/// it), and `--as-of latest` in place of slo.yaml's `as_of`. The second
/// value is the pinned T of `--as-of RFC3339` or `--as-of now`.
fn scoped(c: &Common, cfg: &Config) -> Result<(Config, Option<(i64, u32)>)> {
    let mut cfg = cfg.clone();
    if !c.slos.is_empty() {
        for name in &c.slos {
            if !cfg.slos.iter().any(|s| s.name == *name) {
                let names: Vec<&str> = cfg.slos.iter().map(|s| s.name.as_str()).collect();
                return Err(
                    Error::usage(format!("--slo `{name}`: slo.yaml has no such SLO"))
                        .hint(format!("the SLOs are: {}", names.join(", "))),
                );
            }
        }
        cfg.slos.retain(|s| c.slos.contains(&s.name));
    }
    // A bad --as-of is a usage error, found before any data is read.
    let pinned = match c.as_of.as_deref().map(str::trim) {
        None => None,
        Some("latest") => {
            cfg.as_of = Some(crate::model::AsOfSetting::Latest);
            None
        }
        Some("now") => {
            let now = chrono::Utc::now();
            Some((now.timestamp(), 0))
        }
        Some(s) => Some(parse_as_of(s)?),
    };
    Ok((cfg, pinned))
}

/// [`evaluate`] with slo.yaml already loaded.
pub fn evaluate_with(c: &Common, cfg: &Config) -> Result<Report> {
    let (cfg, pinned) = scoped(c, cfg)?;
    let cfg = &cfg;
    let (series_range, series_step) = series(c)?;
    let loaded = source::load(cfg, &plan(c, cfg, pinned)?, &load_options(c))?;
    let data = loaded.data;
    let (as_of, requested) = compute::settle_t(cfg, pinned, &data);
    for w in compute::coverage_warnings(cfg, &data, as_of) {
        crate::warn(&w);
    }
    let mut report = compute::evaluate(
        cfg,
        &data,
        &EvalOptions {
            as_of,
            as_of_requested: requested,
            series_range,
            series_step,
            history: c.history,
        },
    )?;
    report.unread_metrics = loaded.unread;
    Ok(report)
}

/// `(seconds, nanoseconds)` of an RFC 3339 time.
fn parse_as_of(s: &str) -> Result<(i64, u32)> {
    if matches!(s.trim(), "now" | "latest") {
        return Ok((chrono::Utc::now().timestamp(), 0));
    }
    let t = crate::config::parse_time(s).map_err(|e| Error::usage(format!("--as-of: {e}")))?;
    Ok((t.timestamp(), t.timestamp_subsec_nanos()))
}
