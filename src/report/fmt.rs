//! Numbers for people (JSON keeps full precision; only these are rounded).

use crate::compute::{SloReport, Status};

/// Digits with thousands separators: `676962762` → `676,962,762`.
pub fn thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `0.999` → `99.9%`, `0.99952` → `99.952%`: up to `max_decimals`, trailing zeros cut.
pub fn pct(x: f64, max_decimals: usize) -> String {
    let s = format!("{:.*}", max_decimals, x * 100.0);
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    format!("{s}%")
}

/// The SLI with two more decimals than its objective needs (at least three).
pub fn sli(slo: &SloReport) -> String {
    sli_value(slo, slo.sli)
}

/// The SLI decimals of an SLO: two more than its objective needs, at least three.
fn sli_decimals(slo: &SloReport) -> usize {
    let obj = pct(slo.objective, 6);
    let decimals = obj.split('.').nth(1).map(|d| d.len() - 1).unwrap_or(0) + 2;
    decimals.max(3)
}

/// An SLI of `slo` (this window's or an earlier one's) as the report shows it.
pub fn sli_value(slo: &SloReport, v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) => format!("{:.*}%", sli_decimals(slo), v * 100.0),
    }
}

/// This window's SLI against the previous window's, in percentage points:
/// `▲ 0.012 pp` (better), `▼ 0.250 pp` (worse), `= 0.000 pp`; `–` when
/// either has no data (or no history was asked for).
pub fn trend(slo: &SloReport) -> String {
    let prev = slo.history.first().and_then(|h| h.sli);
    match (slo.sli, prev) {
        (Some(now), Some(prev)) => {
            let d = sli_decimals(slo);
            let text = format!("{:.*}", d, ((now - prev) * 100.0).abs());
            let zero = text.bytes().all(|b| b == b'0' || b == b'.');
            let mark = if zero {
                "="
            } else if now > prev {
                "▲"
            } else {
                "▼"
            };
            format!("{mark} {text} pp")
        }
        _ => "–".into(),
    }
}

/// `62.3% (26.9 min)`, or `–` without data.
pub fn budget_left(slo: &SloReport) -> String {
    match (
        slo.error_budget.remaining_ratio,
        slo.error_budget.remaining_minutes,
    ) {
        (Some(r), Some(m)) => format!("{:.1}% ({})", r * 100.0, minutes(m)),
        _ => "–".into(),
    }
}

/// `26.9 min`, `3.2 h`, `-12.0 min`.
pub fn minutes(m: f64) -> String {
    if m.abs() >= 120.0 {
        format!("{:.1} h", m / 60.0)
    } else {
        format!("{m:.1} min")
    }
}

/// The highest burn rate and its lookback (the shortest of equals): `14.40× (1h)`.
pub fn worst_burn(slo: &SloReport) -> String {
    slo.burn_rates
        .iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .fold(None, |best: Option<(&String, f64)>, (k, v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((k, v)),
        })
        .map(|(k, v)| format!("{}× ({k})", burn(v)))
        .unwrap_or_else(|| "–".into())
}

/// The start of a clock hour, UTC: `2026-11-23 22:00`.
pub fn hour(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| t.to_string())
}

pub fn burn(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

pub fn opt_burn(v: Option<f64>) -> String {
    v.map(burn).unwrap_or_else(|| "–".into())
}

/// The firing alerts: `page (1h/5m)`; empty when none fires.
pub fn firing(slo: &SloReport) -> String {
    slo.alerts
        .iter()
        .filter(|a| a.firing)
        .map(|a| format!("{} ({}/{})", a.severity, a.long, a.short))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Warning => "warning",
        Status::Breached => "BREACHED",
        Status::NoData => "no data",
    }
}

/// Status marks that survive without colour.
pub fn status_icon(s: Status) -> &'static str {
    match s {
        Status::Ok => "✅",
        Status::Warning => "⚠️",
        Status::Breached => "❌",
        Status::NoData => "⬜",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(pct(0.999, 3), "99.9%");
        assert_eq!(pct(0.95, 3), "95%");
        assert_eq!(pct(0.99952, 3), "99.952%");
        assert_eq!(minutes(26.94), "26.9 min");
        assert_eq!(minutes(-300.0), "-5.0 h");
        assert_eq!(burn(14.4), "14.40");
    }
}
