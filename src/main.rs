use clap::Parser;
use std::process::ExitCode;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = slo::cli::Cli::parse();
    match slo::commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", slo::text::escape(&e.to_string(), true));
            ExitCode::from(e.exit_code())
        }
    }
}
