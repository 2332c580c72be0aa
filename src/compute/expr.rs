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

static EMPTY: TimeSeries = TimeSeries::empty();

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
        let metric = self.cfg.metric(name);
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
    if let Some(s) = evaluate_on_grid(expr, operands) {
        return s;
    }
    let lists: Vec<(Vec<i64>, Vec<f64>)> = operands
        .iter()
        .map(|(_, s)| (s.as_ref().times(), s.as_ref().values()))
        .collect();
    let ts = lists
        .iter()
        .fold(Vec::new(), |acc, (ts, _)| union(&acc, ts));
    let aligned: HashMap<&str, Vec<f64>> = operands
        .iter()
        .zip(&lists)
        .map(|((name, _), (sts, svs))| {
            let mut col = vec![0.0; ts.len()];
            let mut j = 0;
            for (t, v) in sts.iter().zip(svs) {
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
    TimeSeries::from_columns(ots, ovs).unwrap_or_default()
}

/// [`evaluate`] when every operand is a grid of one step on one grid: the
/// union of their slots is a grid too, and the result is one (a slot no
/// operand holds, or a non-finite result, is a gap).
fn evaluate_on_grid<S: AsRef<TimeSeries>>(
    expr: &Expr,
    operands: &[(String, S)],
) -> Option<TimeSeries> {
    let grids: Vec<crate::series::Grid> = operands
        .iter()
        .map(|(_, s)| s.as_ref().grid())
        .collect::<Option<_>>()?;
    let first = grids.first()?;
    let step = first.step;
    if grids
        .iter()
        .any(|g| g.step != step || (g.start - first.start).rem_euclid(step) != 0)
    {
        return None;
    }
    let start = grids.iter().map(|g| g.start).min()?;
    let end = grids
        .iter()
        .map(|g| g.start + g.vs.len() as i64 * step)
        .max()?;
    let n = ((end - start) / step) as usize;
    let mut present = vec![false; n];
    let aligned: HashMap<&str, Vec<f64>> = operands
        .iter()
        .zip(&grids)
        .map(|((name, _), g)| {
            let mut col = vec![0.0; n];
            let at = ((g.start - start) / step) as usize;
            for (i, v) in g.vs.iter().enumerate() {
                if !v.is_nan() {
                    col[at + i] = *v;
                    present[at + i] = true;
                }
            }
            (name.as_str(), col)
        })
        .collect();
    let vals = eval(expr, &aligned, n);
    let mut b = crate::series::SeriesBuilder::new(step);
    b.reserve(n);
    for (i, (v, p)) in vals.into_iter().zip(present).enumerate() {
        if p && v.is_finite() {
            b.push(start + i as i64 * step, v);
        }
    }
    b.finish().ok()
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
        assert_eq!(out.times(), vec![0, 60, 120]);
        assert_eq!(out.values(), vec![10.0, 15.0, -1.0]);
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
        assert_eq!(out.times(), vec![60]);
        assert_eq!(out.values(), vec![0.5]);
    }

    #[test]
    fn grids_give_what_lists_give() {
        // a - b / c over operands with gaps, a zero divisor and other starts.
        let e = crate::config::expr::parse("a - b / c").unwrap();
        let a: Vec<(i64, f64)> = (0..50)
            .filter(|k| k % 7 != 3)
            .map(|k| (k * 60, k as f64))
            .collect();
        let b: Vec<(i64, f64)> = (10..70)
            .filter(|k| k % 5 != 0)
            .map(|k| (k * 60, 2.0 * k as f64))
            .collect();
        let c: Vec<(i64, f64)> = (5..40).map(|k| (k * 60, (k % 4) as f64)).collect();
        let lists = [("a", &a), ("b", &b), ("c", &c)].map(|(n, p)| (n.to_string(), s(p)));
        let grids = [("a", &a), ("b", &b), ("c", &c)]
            .map(|(n, p)| (n.to_string(), Rc::new((*s(p)).clone().compact(60))));
        assert!(grids.iter().all(|(_, g)| g.grid().is_some()));
        let want = evaluate(&e, &lists);
        let got = evaluate(&e, &grids);
        assert!(got.grid().is_some(), "a grid in, a grid out");
        assert_eq!(got, want);
        // Where c is 0 or missing the quotient is not finite: no point.
        assert_eq!(want.len(), 27);
    }
}
