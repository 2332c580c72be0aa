//! Metric-math expressions, evaluated by slo itself for every source: an operand
//! with no point at `t` counts as 0 while another operand has one (CloudWatch's
//! `FILL(m, 0)`); where no operand has a point there is none. A non-finite result
//! (a division by zero) is no point, as in CloudWatch.

use crate::model::{BinOp, Config, Expr, MetricKind};
use crate::series::{DataSet, TimeSeries};
use std::collections::HashMap;

/// A series borrowed from the data set, or an expression's, computed here.
#[derive(Clone)]
pub enum SeriesRef<'a> {
    Data(&'a TimeSeries),
    Computed(std::rc::Rc<TimeSeries>),
}

impl std::ops::Deref for SeriesRef<'_> {
    type Target = TimeSeries;
    fn deref(&self) -> &TimeSeries {
        match self {
            SeriesRef::Data(s) => s,
            SeriesRef::Computed(s) => s,
        }
    }
}

impl AsRef<TimeSeries> for SeriesRef<'_> {
    fn as_ref(&self) -> &TimeSeries {
        self
    }
}

static EMPTY: TimeSeries = TimeSeries {
    ts: Vec::new(),
    vs: Vec::new(),
};

/// Resolves metric names to series, evaluating expressions once each.
pub struct Resolver<'a> {
    cfg: &'a Config,
    data: &'a DataSet,
    memo: HashMap<String, SeriesRef<'a>>,
}

impl<'a> Resolver<'a> {
    pub fn new(cfg: &'a Config, data: &'a DataSet) -> Self {
        Resolver {
            cfg,
            data,
            memo: HashMap::new(),
        }
    }

    /// The series of a metric; a query metric that the source did not return is empty.
    pub fn series(&mut self, name: &str) -> SeriesRef<'a> {
        if let Some(s) = self.memo.get(name) {
            return s.clone();
        }
        let metric = self.cfg.metrics.iter().find(|m| m.name == name);
        let s = match metric.map(|m| &m.kind) {
            Some(MetricKind::Expression { expr, .. }) => {
                let ops: Vec<(String, SeriesRef<'a>)> = expr
                    .operands()
                    .into_iter()
                    .map(|o| {
                        let s = self.series(&o);
                        (o, s)
                    })
                    .collect();
                SeriesRef::Computed(std::rc::Rc::new(evaluate(expr, &ops)))
            }
            _ => SeriesRef::Data(self.data.get(name).unwrap_or(&EMPTY)),
        };
        self.memo.insert(name.to_string(), s.clone());
        s
    }
}

/// Evaluates `expr` on the union of its operands' timestamps.
pub fn evaluate<S: AsRef<TimeSeries>>(expr: &Expr, operands: &[(String, S)]) -> TimeSeries {
    let ts = operands
        .iter()
        .fold(Vec::new(), |acc, (_, s)| union(&acc, &s.as_ref().ts));
    let aligned: HashMap<&str, Vec<f64>> = operands
        .iter()
        .map(|(name, s)| {
            let s = s.as_ref();
            let mut col = vec![0.0; ts.len()];
            let mut j = 0;
            for (t, v) in s.ts.iter().zip(&s.vs) {
                while ts[j] < *t {
                    j += 1;
                }
                col[j] = *v;
            }
            (name.as_str(), col)
        })
        .collect();
    let vals = eval(expr, &aligned, ts.len());
    let (mut ots, mut ovs) = (Vec::with_capacity(ts.len()), Vec::with_capacity(ts.len()));
    for (t, v) in ts.into_iter().zip(vals) {
        if v.is_finite() {
            ots.push(t);
            ovs.push(v);
        }
    }
    TimeSeries { ts: ots, vs: ovs }
}

/// The sorted union of two sorted, duplicate-free lists, in one pass.
fn union(a: &[i64], b: &[i64]) -> Vec<i64> {
    if a.is_empty() {
        return b.to_vec();
    }
    if a == b {
        return a.to_vec();
    }
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

fn eval(e: &Expr, cols: &HashMap<&str, Vec<f64>>, n: usize) -> Vec<f64> {
    match e {
        Expr::Num(x) => vec![*x; n],
        Expr::Metric(m) => cols
            .get(m.as_str())
            .cloned()
            .unwrap_or_else(|| vec![0.0; n]),
        Expr::Neg(a) => eval(a, cols, n).into_iter().map(|v| -v).collect(),
        Expr::Bin(a, op, b) => {
            let (x, y) = (eval(a, cols, n), eval(b, cols, n));
            x.into_iter()
                .zip(y)
                .map(|(x, y)| match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div => x / y,
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    fn s(pts: &[(i64, f64)]) -> Rc<TimeSeries> {
        Rc::new(TimeSeries::from_points(pts.to_vec()).unwrap())
    }

    #[test]
    fn fills_missing_operands_with_zero() {
        let e = Expr::Bin(
            Box::new(Expr::Metric("a".into())),
            BinOp::Sub,
            Box::new(Expr::Metric("b".into())),
        );
        let out = evaluate(
            &e,
            &[
                ("a".into(), s(&[(0, 10.0), (60, 20.0)])),
                ("b".into(), s(&[(60, 5.0), (120, 1.0)])),
            ],
        );
        assert_eq!(out.ts, vec![0, 60, 120]);
        assert_eq!(out.vs, vec![10.0, 15.0, -1.0]);
    }

    #[test]
    fn drops_division_by_zero() {
        let e = Expr::Bin(
            Box::new(Expr::Metric("a".into())),
            BinOp::Div,
            Box::new(Expr::Metric("b".into())),
        );
        let out = evaluate(
            &e,
            &[
                ("a".into(), s(&[(0, 1.0), (60, 2.0)])),
                ("b".into(), s(&[(60, 4.0)])),
            ],
        );
        assert_eq!(out.ts, vec![60]);
        assert_eq!(out.vs, vec![0.5]);
    }
}
