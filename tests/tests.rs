//! The one integration-test binary (it links polars once): modules by theme.
#![allow(clippy::unwrap_used)]

mod action;
mod cli;
mod cloudwatch;
mod common;
mod edges;
mod export;
mod fuzz_corpus;
#[path = "support/generate.rs"]
mod generate;
mod math;
mod openslo;
#[path = "support/prometheus.rs"]
mod prom_server;
mod prometheus;
mod readers;
mod reference;
mod robustness;
mod scale;
mod schema;
mod snapshots;
mod spent;
