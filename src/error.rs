//! Exit codes and the one error type that maps onto them.

use std::path::PathBuf;

/// The exit codes of interface.md: scripts rely on them.
pub mod exit {
    /// Success: the report was written, or every check passed.
    pub const OK: u8 = 0;
    /// `slo check`: an SLO failed one of the `--fail-on` conditions.
    pub const CHECK_FAILED: u8 = 1;
    /// Usage or configuration error: bad flags, bad slo.yaml.
    pub const CONFIG: u8 = 2;
    /// Data source error: unreachable, denied, malformed or invalid data.
    pub const DATA: u8 = 3;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// slo.yaml is unreadable or invalid. `line` is 1-based where known.
    #[error("{}{}: {message}{}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default(), hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
    Config {
        file: PathBuf,
        line: Option<usize>,
        message: String,
        hint: Option<String>,
    },
    /// Bad command-line usage that clap could not catch.
    #[error("{0}")]
    Usage(String),
    /// The data source failed or served bad data.
    #[error("{0}")]
    Data(String),
    /// Writing the report failed.
    #[error("{0}")]
    Output(String),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config { .. } | Error::Usage(_) => exit::CONFIG,
            Error::Data(_) => exit::DATA,
            // A report that cannot be written is an environment problem, like a bad flag.
            Error::Output(_) => exit::CONFIG,
        }
    }

    pub fn data(msg: impl Into<String>) -> Error {
        Error::Data(msg.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
