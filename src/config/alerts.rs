//! `alerts:`: multiwindow burn-rate alerts (the defaults are
//! sre-workbook-30d.yaml beside this file, kept as data).

use super::{raw, Validator};
use crate::error::Result;
use crate::model::*;

impl Validator<'_> {
    pub(super) fn alerts(&self, key: &str, list: Vec<raw::RawAlert>) -> Result<Vec<AlertRule>> {
        let mut out = Vec::new();
        for (i, a) in list.into_iter().enumerate() {
            let k = format!("{key}[{i}]");
            if a.severity.trim().is_empty() {
                return Err(self.err(&format!("{k}.severity"), "must not be empty", None));
            }
            let long = self.dur(&format!("{k}.long"), &a.long)?;
            let short = self.dur(&format!("{k}.short"), &a.short)?;
            if short > long {
                return Err(self.err(
                    &format!("{k}.short"),
                    format!("the short window ({short}) is longer than the long one ({long})"),
                    None,
                ));
            }
            let burn_rate = self.number(&format!("{k}.burn_rate"), &a.burn_rate)?;
            if burn_rate.value <= 0.0 {
                return Err(self.err(
                    &format!("{k}.burn_rate"),
                    format!("`{}` must be positive", burn_rate.text),
                    None,
                ));
            }
            out.push(AlertRule {
                severity: a.severity,
                long,
                short,
                long_text: a.long.trim().to_string(),
                short_text: a.short.trim().to_string(),
                burn_rate,
            });
        }
        Ok(out)
    }
}
