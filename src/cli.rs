//! The command line (clap derive): the doc comments are the help text.

use crate::report::charts::ChartFormat;
use crate::report::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Turn CloudWatch metrics into SLO reports: SLI, error budget, burn rates,
/// multiwindow alerts and the date the budget runs out.
///
/// Exit codes: 0 success, 1 a check failed, 2 usage or config error,
/// 3 data source error.
#[derive(Debug, Parser)]
#[command(name = "slo", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: Global,
}

/// Options every command takes, before or after its name.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// The SLO definitions.
    #[arg(long, global = true, default_value = "slo.yaml", value_name = "PATH")]
    pub config: PathBuf,
    /// No progress bars or summaries on stderr (warnings and errors still show).
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// Where the data comes from and which range is read: `fetch`, `report`, `check`.
#[derive(Debug, Args, Clone)]
pub struct SourceArgs {
    /// Pins the evaluation time T (RFC 3339, `now`, or `latest`: the end of
    /// the newest data); floored to the largest period.
    #[arg(long, value_name = "RFC3339|now|latest")]
    pub as_of: Option<String>,
    /// Only this SLO (repeatable): report, check or fetch a subset.
    #[arg(long = "slo", value_name = "NAME")]
    pub slos: Vec<String>,
    /// Where fetched series are cached [default: .slo-cache/ beside slo.yaml].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Time-slice SLOs may judge data older than CloudWatch keeps at their
    /// period by coarser slices (by default that is an error).
    #[arg(long)]
    pub allow_coarser_slices: bool,
    /// How far back the history series (charts, JSON `series`) reaches.
    #[arg(long, default_value = "7d", value_name = "DURATION")]
    pub series_range: String,
    /// How many earlier windows the report judges (JSON `history`): rolling
    /// windows at T - k·W, calendar windows as the previous whole periods.
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u16).range(0..=1000))]
    pub history: u16,
}

/// What `report` and `check` share: the source, the cache, the history series
/// and the report folder.
#[derive(Debug, Args, Clone)]
pub struct EvalArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Use the cache only; make no calls to the data source.
    #[arg(long)]
    pub offline: bool,
    /// The step of the history series: the SLI of the window ending at each step.
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub series_step: String,
    /// Writes report.md, report.json and the charts into this directory
    /// (only the files slo wrote there before are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Image format of the charts that --out writes.
    #[arg(long, value_enum, default_value_t = ChartFormat::Png)]
    pub chart_format: ChartFormat,
}

/// Every option of a command, as the commands read them.
#[derive(Debug, Clone)]
pub struct Common {
    pub config: PathBuf,
    pub quiet: bool,
    pub as_of: Option<String>,
    pub out: Option<PathBuf>,
    pub chart_format: ChartFormat,
    pub cache_dir: Option<PathBuf>,
    pub offline: bool,
    pub allow_coarser_slices: bool,
    pub series_range: String,
    pub series_step: String,
    pub history: usize,
    pub slos: Vec<String>,
}

impl Common {
    /// The options of a command that reads no data (`validate`).
    pub fn new(g: &Global) -> Common {
        Common {
            config: g.config.clone(),
            quiet: g.quiet,
            as_of: None,
            out: None,
            chart_format: ChartFormat::Png,
            cache_dir: None,
            offline: false,
            allow_coarser_slices: false,
            series_range: "7d".into(),
            series_step: "1h".into(),
            history: 4,
            slos: Vec::new(),
        }
    }

    pub fn with_source(g: &Global, s: &SourceArgs) -> Common {
        Common {
            as_of: s.as_of.clone(),
            cache_dir: s.cache_dir.clone(),
            allow_coarser_slices: s.allow_coarser_slices,
            series_range: s.series_range.clone(),
            history: s.history as usize,
            slos: s.slos.clone(),
            ..Common::new(g)
        }
    }

    pub fn with_eval(g: &Global, e: &EvalArgs) -> Common {
        Common {
            offline: e.offline,
            series_step: e.series_step.clone(),
            out: e.out.clone(),
            chart_format: e.chart_format,
            ..Common::with_source(g, &e.source)
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compute every SLO and write the report (table, Markdown or JSON).
    Report {
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[command(flatten)]
        eval: EvalArgs,
    },
    /// The CI gate: exit 1 when an SLO fails a --fail-on condition.
    Check {
        /// Output format on stdout: a line per SLO, or the JSON report with a verdict.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// Comma list of breached, warning (warning or worse), no-data,
        /// missing-data (a metric with no point at all), alert, alert:SEVERITY.
        #[arg(
            long,
            default_value = "breached,alert,missing-data",
            value_name = "LIST"
        )]
        fail_on: String,
        #[command(flatten)]
        eval: EvalArgs,
    },
    /// Parse and check slo.yaml; touches no data source.
    Validate,
    /// Write a starting slo.yaml (at --config): a commented template, or with
    /// --alb, --target-group or --api-gateway the usual four SLOs over that
    /// resource's CloudWatch metrics. An existing file is kept unless --force.
    Init(InitArgs),
    /// Write the burn-rate alerts of slo.yaml for the system that pages.
    Export {
        /// What to write.
        #[arg(value_enum)]
        target: crate::export::Target,
        /// Writes this file (atomically) instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// The time whose windows the alerts use (a calendar month's alert
        /// windows follow its length) [default: now].
        #[arg(long, value_name = "RFC3339")]
        as_of: Option<String>,
    },
    /// Write slo.yaml (at --config, or --out) from other tools' SLO documents:
    /// `slo import openslo slos.yaml ...`. An existing file is kept unless --force.
    Import {
        /// The format of the files.
        #[arg(value_enum)]
        format: ImportFormat,
        /// The files (all their documents are read together).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Write here instead of --config's path; `-` for stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script (`slo completions bash > /etc/bash_completion.d/slo`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page, roff (`slo man > /usr/local/share/man/man1/slo.1`).
    Man,
    /// Print the JSON Schema of slo.yaml, for editors (`slo schema > slo.schema.json`,
    /// then `# yaml-language-server: $schema=./slo.schema.json` atop slo.yaml).
    Schema,
    /// Pull the series from the configured source into the local cache.
    Fetch {
        /// `json` prints what was fetched (calls, datapoints, queries) on stdout.
        #[arg(long, value_enum, default_value_t = FetchFormat::Text)]
        format: FetchFormat,
        #[command(flatten)]
        source: SourceArgs,
    },
}

/// `slo init`: what slo.yaml is written for.
#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    /// An Application Load Balancer: its name (`my-alb`) or its LoadBalancer
    /// dimension (`app/my-alb/50dc6c495c0c9188`).
    #[arg(long, value_name = "NAME", group = "resource")]
    pub alb: Option<String>,
    /// An ALB target group: its name or its TargetGroup dimension.
    #[arg(long, value_name = "NAME", group = "resource")]
    pub target_group: Option<String>,
    /// An API Gateway REST API: its ApiName.
    #[arg(long, value_name = "NAME", group = "resource")]
    pub api_gateway: Option<String>,
    /// The service name in slo.yaml [default: the resource's name, else my-service].
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// AWS region to ask (else AWS_REGION or the profile's); written to slo.yaml.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// AWS profile (else AWS_PROFILE); written to slo.yaml.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// A CloudWatch endpoint (a local emulator, a VPC endpoint); written to slo.yaml.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// What `slo import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// OpenSLO v1 documents (SLO, SLI, DataSource, AlertPolicy, ...) with
    /// CloudWatch metric sources, as Nobl9 writes them.
    Openslo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FetchFormat {
    /// A summary line on stderr.
    Text,
    /// The summary as JSON on stdout.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Markdown,
}
