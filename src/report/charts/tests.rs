//! Tests of the charts: decoded PNGs and parsed SVGs, pixels where the lines
//! must be, and the pure axis arithmetic behind each chart.

use super::*;
