//! `slos:`: objectives, rolling and calendar windows, ratio and time-slice SLIs.

use super::{raw, Validator};
use crate::error::Result;
use crate::model::*;
use raw::{RawSli, RawSlo};
use std::collections::HashMap;

impl Validator<'_> {
    fn metric_ref(
        &self,
        key: &str,
        name: &Option<String>,
        periods: &HashMap<&str, i64>,
    ) -> Result<Option<(String, i64)>> {
        match name {
            None => Ok(None),
            Some(n) => match periods.get(n.as_str()) {
                Some(p) => Ok(Some((n.clone(), *p))),
                None => Err(self.unknown_metric(key, n)),
            },
        }
    }

    pub(super) fn slo(&self, i: usize, s: RawSlo, periods: &HashMap<&str, i64>) -> Result<Slo> {
        let key = format!("slos[{i}]");
        if s.name.trim().is_empty() {
            return Err(self.err(&format!("{key}.name"), "must not be empty", None));
        }
        let objective = self.number(&format!("{key}.objective"), &s.objective)?;
        if !objective.lies_in_open_unit() {
            let percent = objective.text.trim_end().ends_with('%');
            let hint = if !percent && objective.value > 1.0 && objective.value < 100.0 {
                format!("write `{}%` for a percentage", objective.text)
            } else {
                "an objective lies strictly between 0 and 100 %: 100 % leaves no error budget"
                    .into()
            };
            return Err(self.err(
                &format!("{key}.objective"),
                format!("`{}` is not strictly between 0 % and 100 %", objective.text),
                Some(hint),
            ));
        }
        // The SLO's zone: its calendar periods and the days of `budget_by_day`.
        let tz = match &s.timezone {
            None => chrono_tz::UTC,
            Some(t) => t.parse::<chrono_tz::Tz>().map_err(|_| {
                self.err(
                    &format!("{key}.timezone"),
                    format!("`{t}` is not an IANA time zone"),
                    Some("e.g. UTC, Europe/Berlin, America/New_York".into()),
                )
            })?,
        };
        let window = match (&s.window, &s.calendar) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    &format!("{key}.calendar"),
                    "an SLO has either `window:` or `calendar:`, not both",
                    None,
                ))
            }
            (None, None) => {
                return Err(self.err(
                    &key,
                    format!(
                        "`{}` has no `window:` (e.g. 30d) or `calendar:` (week or month)",
                        s.name
                    ),
                    None,
                ))
            }
            (Some(w), None) => Window::Rolling(self.dur(&format!("{key}.window"), w)?),
            (None, Some(c)) => {
                let unit = match c.as_str() {
                    "week" => CalendarUnit::Week,
                    "month" => CalendarUnit::Month,
                    other => {
                        return Err(self.err(
                            &format!("{key}.calendar"),
                            format!("`{other}` is not a calendar period"),
                            Some("write `week` or `month`".into()),
                        ))
                    }
                };
                Window::Calendar { unit, tz }
            }
        };
        let (sli, period) = self.sli(&format!("{key}.sli"), s.sli, periods)?;
        let window_label = match (&s.window, &window) {
            (Some(w), Window::Rolling(_)) => w.trim().to_string(),
            _ => window.label(),
        };
        Ok(Slo {
            name: s.name,
            window_label,
            objective,
            window,
            tz,
            sli,
            period,
            description: s.description,
        })
    }

    fn same_period(&self, key: &str, refs: &[(String, i64)]) -> Result<i64> {
        let p = refs[0].1;
        if let Some((n, q)) = refs.iter().find(|(_, q)| *q != p) {
            return Err(self.err(
                key,
                format!("`{}` has a period of {p} s but `{n}` of {q} s", refs[0].0),
                Some("the metrics of one SLI must share a period".into()),
            ));
        }
        Ok(p)
    }

    fn sli(&self, key: &str, s: RawSli, periods: &HashMap<&str, i64>) -> Result<(Sli, i64)> {
        match (&s.timeslice, &s.good, &s.bad) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) | (Some(_), None, None) if s.total.is_some() || s.good.is_some() || s.bad.is_some() => {
                Err(self.err(
                    key,
                    "an SLI is either a ratio (`good` or `bad`, and `total`) or a `timeslice`, not both",
                    None,
                ))
            }
            (Some(ts), _, _) => self.timeslice(&format!("{key}.timeslice"), ts, periods),
            (None, Some(_), Some(_)) => Err(self.err(
                &format!("{key}.bad"),
                "a ratio SLI has `good` or `bad`, not both",
                None,
            )),
            (None, None, None) => Err(self.err(
                key,
                "an SLI needs `good` or `bad` with `total`, or a `timeslice`",
                None,
            )),
            (None, good, bad) => {
                let Some(total) = self.metric_ref(&format!("{key}.total"), &s.total, periods)? else {
                    return Err(self.err(
                        &format!("{key}.total"),
                        "missing `total`",
                        Some("a ratio SLI needs the metric of all events as `total`".into()),
                    ));
                };
                let g = self.metric_ref(&format!("{key}.good"), good, periods)?;
                let b = self.metric_ref(&format!("{key}.bad"), bad, periods)?;
                let first = g.clone().or(b.clone()).ok_or_else(|| {
                    self.err(key, "an SLI needs `good` or `bad`", None)
                })?;
                let field = if g.is_some() { "good" } else { "bad" };
                let p = self.same_period(&format!("{key}.{field}"), &[first, total.clone()])?;
                Ok((
                    Sli::Ratio {
                        good: g.map(|x| x.0),
                        bad: b.map(|x| x.0),
                        total: total.0,
                    },
                    p,
                ))
            }
        }
    }

    fn timeslice(
        &self,
        key: &str,
        ts: &raw::RawTimeslice,
        periods: &HashMap<&str, i64>,
    ) -> Result<(Sli, i64)> {
        let op = match ts.op.trim() {
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            other => {
                return Err(self.err(
                    &format!("{key}.op"),
                    format!("`{other}` is not a comparison"),
                    Some("write one of < <= > >= (quoted in YAML: \"<\")".into()),
                ))
            }
        };
        let threshold = self.number(&format!("{key}.threshold"), &ts.threshold)?;
        let missing = match ts.missing.as_deref().map(str::trim) {
            None | Some("ignore") => Missing::Ignore,
            Some("good") => Missing::Good,
            Some("bad") => Missing::Bad,
            Some(other) => {
                return Err(self.err(
                    &format!("{key}.missing"),
                    format!("`{other}` is not a policy for missing slices"),
                    Some("write ignore, good or bad".into()),
                ))
            }
        };
        let (value, period) = match (&ts.metric, &ts.ratio) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    key,
                    "a timeslice reads a `metric` or a `ratio`, not both",
                    None,
                ))
            }
            (None, None) => {
                return Err(self.err(key, "a timeslice needs a `metric` or a `ratio`", None))
            }
            (Some(m), None) => {
                let (name, p) = self
                    .metric_ref(&format!("{key}.metric"), &Some(m.clone()), periods)?
                    .ok_or_else(|| self.err(key, "missing metric", None))?;
                (
                    SliceValue::Metric {
                        metric: name,
                        per_second: ts.per_second.unwrap_or(false),
                    },
                    p,
                )
            }
            (None, Some(r)) => {
                if ts.per_second.is_some() {
                    return Err(self.err(
                        &format!("{key}.per_second"),
                        "`per_second` applies to a `metric`, not to a `ratio`",
                        None,
                    ));
                }
                let b = self
                    .metric_ref(&format!("{key}.ratio.bad"), &Some(r.bad.clone()), periods)?
                    .ok_or_else(|| self.err(key, "missing bad", None))?;
                let t = self
                    .metric_ref(
                        &format!("{key}.ratio.total"),
                        &Some(r.total.clone()),
                        periods,
                    )?
                    .ok_or_else(|| self.err(key, "missing total", None))?;
                let p = self.same_period(&format!("{key}.ratio.bad"), &[b.clone(), t.clone()])?;
                (
                    SliceValue::Ratio {
                        bad: b.0,
                        total: t.0,
                    },
                    p,
                )
            }
        };
        Ok((
            Sli::TimeSlice {
                value,
                op,
                threshold,
                missing,
            },
            period,
        ))
    }
}
