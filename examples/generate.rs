//! Writes the deterministic sample data (a development tool, not part of slo):
//!
//! ```sh
//! cargo run --release --example generate -- --dir examples/data          # the bundled sample
//! cargo run --release --example generate -- --dir /tmp/fleet --services 250 --days 35
//! ```
//!
//! Options: `--dir DIR` (required), `--services N` (0: the bundled sample),
//! `--days N` (35), `--end RFC3339` (2026-11-23T00:00:00Z), `--format
//! parquet|json|csv`, `--force` (replace files that are there).

#[path = "../tests/support/generate.rs"]
mod generate;

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut services, mut days) = (None, 0usize, 35i64);
    let (mut end, mut format, mut force) = (
        generate::SAMPLE_END.to_string(),
        "parquet".to_string(),
        false,
    );
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        match a.as_str() {
            "--dir" => dir = Some(std::path::PathBuf::from(value())),
            "--services" => services = value().parse().unwrap_or(usize::MAX),
            "--days" => days = value().parse().unwrap_or(0),
            "--end" => end = value(),
            "--format" => format = value(),
            "--force" => force = true,
            other => {
                eprintln!(
                    "error: unknown argument `{other}` (see the top of examples/generate.rs)"
                );
                return std::process::ExitCode::from(2);
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("error: --dir DIR is required");
        return std::process::ExitCode::from(2);
    };
    match generate::write(&dir, services, days, &end, &format, force) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(e.exit_code())
        }
    }
}
