//! The validated model of slo.yaml: what compute and the sources work from.
//! Every reference in it has been resolved and every value checked.

use crate::duration::Dur;
use crate::exact::Exact;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    /// The slo.yaml this came from.
    pub path: PathBuf,
    pub service: String,
    pub source: Source,
    /// In the order of slo.yaml.
    pub metrics: Vec<Metric>,
    pub slos: Vec<Slo>,
    /// The multiwindow alerts; `custom` when slo.yaml wrote them (used as written).
    pub alerts: Vec<AlertRule>,
    pub custom_alerts: bool,
    pub warning_below: Exact,
    /// Lookbacks of the `burn_rates` map.
    pub burn_lookbacks: Vec<Dur>,
    /// Lookback of the burn rate that forecasts exhaustion.
    pub forecast_lookback: Dur,
    /// slo.yaml's `as_of:`: a pinned time or `latest` (the end of the newest data).
    pub as_of: Option<AsOfSetting>,
    /// `notify:`: alert severity → the SNS topic ARNs exported alarms notify.
    pub notify: BTreeMap<String, Vec<String>>,
    /// The position of each metric in `metrics`, by name (built when first
    /// asked: a fleet's slo.yaml names thousands).
    pub metric_index: std::sync::OnceLock<std::collections::HashMap<String, usize>>,
}

impl Config {
    /// The metric named `name`.
    pub fn metric(&self, name: &str) -> Option<&Metric> {
        self.metrics.get(self.metric_position(name)?)
    }

    /// Where the metric named `name` is in `metrics`.
    fn metric_position(&self, name: &str) -> Option<usize> {
        let index = self.metric_index.get_or_init(|| {
            self.metrics
                .iter()
                .enumerate()
                .map(|(i, m)| (m.name.clone(), i))
                .collect()
        });
        index.get(name).copied()
    }

    /// The query metrics (not expressions) that `inputs` read, directly or
    /// through expressions, in slo.yaml order. The one walk of the
    /// expression graph outside validation.
    pub fn queries_of<'a, 'b>(
        &'a self,
        inputs: impl IntoIterator<Item = &'b str>,
    ) -> Vec<&'a Metric> {
        let mut want: Vec<usize> = Vec::new();
        let mut seen: std::collections::HashSet<usize> = std::collections::HashSet::new();
        let mut stack: Vec<String> = inputs.into_iter().map(String::from).collect();
        while let Some(name) = stack.pop() {
            let Some(i) = self.metric_position(&name) else {
                continue;
            };
            if !seen.insert(i) {
                continue;
            }
            match &self.metrics[i].kind {
                MetricKind::Expression { expr, .. } => stack.extend(expr.operands()),
                _ => want.push(i),
            }
        }
        want.sort_unstable();
        want.into_iter().map(|i| &self.metrics[i]).collect()
    }

    /// The query metrics that the SLOs read, in slo.yaml order.
    pub fn needed_queries(&self) -> Vec<&Metric> {
        self.queries_of(self.slos.iter().flat_map(|s| s.sli.inputs()))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum AsOfSetting {
    Latest,
    At(chrono::DateTime<chrono::Utc>),
}

#[derive(Debug, Clone)]
pub enum Source {
    Files {
        path: PathBuf,
    },
    CloudWatch {
        region: Option<String>,
        profile: Option<String>,
        endpoint_url: Option<String>,
    },
    Prometheus {
        /// slo.yaml's `url`; `None`: `PROMETHEUS_URL` at load time.
        url: Option<String>,
        bearer_token_env: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Metric {
    /// The CloudWatch query id: `[a-z][a-zA-Z0-9_]*`.
    pub name: String,
    /// Seconds; for an expression, the largest period of its operands.
    pub period: i64,
    pub kind: MetricKind,
    /// `allow_empty: true`: a series that may legitimately hold no point
    /// (no `missing-data` failure, no warning).
    pub allow_empty: bool,
}

#[derive(Debug, Clone)]
pub enum MetricKind {
    /// A CloudWatch query (the files source reads these metrics by name).
    Query(Query),
    /// A Prometheus series: a counter selector or a PromQL query.
    Prometheus(PromQuery),
    Expression {
        text: String,
        expr: Expr,
    },
}

impl MetricKind {
    /// A metric a source serves (not an expression).
    pub fn is_query(&self) -> bool {
        !matches!(self, MetricKind::Expression { .. })
    }
}

/// What a Prometheus metric reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PromQuery {
    /// A series selector: exact per-period increases from the raw samples.
    Counter { selector: String, period: i64 },
    /// A PromQL expression returning one series, at `step = period`.
    Query { expr: String, period: i64 },
}

impl PromQuery {
    pub fn period(&self) -> i64 {
        match self {
            PromQuery::Counter { period, .. } | PromQuery::Query { period, .. } => *period,
        }
    }

    /// The selector or the expression.
    pub fn text(&self) -> &str {
        match self {
            PromQuery::Counter { selector, .. } => selector,
            PromQuery::Query { expr, .. } => expr,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Query {
    pub namespace: String,
    pub name: String,
    pub dimensions: BTreeMap<String, String>,
    pub stat: String,
    pub period: i64,
}

/// A metric-math expression over other metrics (`requests - errors_5xx`).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Metric(String),
    Neg(Box<Expr>),
    Bin(Box<Expr>, BinOp, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    /// As written in slo.yaml, PromQL and CloudWatch metric math alike.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
}

impl Expr {
    /// The metric names it reads, each once, in order of appearance.
    pub fn operands(&self) -> Vec<String> {
        fn walk(e: &Expr, out: &mut Vec<String>) {
            match e {
                Expr::Num(_) => {}
                Expr::Metric(m) => {
                    if !out.contains(m) {
                        out.push(m.clone())
                    }
                }
                Expr::Neg(a) => walk(a, out),
                Expr::Bin(a, _, b) => {
                    walk(a, out);
                    walk(b, out)
                }
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }
}

#[derive(Debug, Clone)]
pub struct Slo {
    pub name: String,
    /// The window as JSON writes it: the duration as written (`4w`), `week` or `month`.
    pub window_label: String,
    pub objective: Exact,
    pub window: Window,
    /// The SLO's time zone (`timezone:`, UTC by default): its calendar
    /// periods and the days of `budget_by_day`.
    pub tz: chrono_tz::Tz,
    pub sli: Sli,
    /// The period of the SLI's metrics (they share one).
    pub period: i64,
    /// Free text from slo.yaml, shown in reports.
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarUnit {
    Week,
    Month,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Window {
    Rolling(Dur),
    Calendar {
        unit: CalendarUnit,
        tz: chrono_tz::Tz,
    },
}

impl Window {
    /// As JSON writes it: the duration as written (`30d`) or `week`/`month`.
    pub fn label(&self) -> String {
        match self {
            Window::Rolling(d) => d.to_string(),
            Window::Calendar { unit, .. } => match unit {
                CalendarUnit::Week => "week".into(),
                CalendarUnit::Month => "month".into(),
            },
        }
    }
}

#[derive(Debug, Clone)]
pub enum Sli {
    Ratio {
        good: Option<String>,
        bad: Option<String>,
        total: String,
    },
    TimeSlice {
        value: SliceValue,
        op: Op,
        threshold: Exact,
        missing: Missing,
    },
}

impl Sli {
    /// The metrics it reads directly.
    pub fn inputs(&self) -> Vec<&str> {
        match self {
            Sli::Ratio { good, bad, total } => good
                .iter()
                .chain(bad.iter())
                .map(String::as_str)
                .chain([total.as_str()])
                .collect(),
            Sli::TimeSlice { value, .. } => match value {
                SliceValue::Metric { metric, .. } => vec![metric.as_str()],
                SliceValue::Ratio { bad, total } => vec![bad.as_str(), total.as_str()],
            },
        }
    }
}

#[derive(Debug, Clone)]
pub enum SliceValue {
    Metric { metric: String, per_second: bool },
    Ratio { bad: String, total: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    pub fn holds(self, v: f64, threshold: f64) -> bool {
        match self {
            Op::Lt => v < threshold,
            Op::Le => v <= threshold,
            Op::Gt => v > threshold,
            Op::Ge => v >= threshold,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Ignore,
    Good,
    Bad,
}

#[derive(Debug, Clone)]
pub struct AlertRule {
    pub severity: String,
    pub long: Dur,
    pub short: Dur,
    /// The windows as reports write them: as written in slo.yaml, or scaled.
    pub long_text: String,
    pub short_text: String,
    pub burn_rate: Exact,
}
