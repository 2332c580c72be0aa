//! The JSON report: the contract of docs/interface.md (numbers in full f64 precision).

use super::Renderer;
use crate::compute::Report;

pub struct Json;

impl Renderer for Json {
    fn render(&self, report: &Report) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(report).unwrap_or_else(|e| {
            format!("{{\"error\": \"cannot serialise the report: {e}\"}}").into_bytes()
        });
        out.push(b'\n');
        out
    }
}
