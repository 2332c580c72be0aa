//! Exit codes and the one error type that maps onto them. Every error has a
//! message and may have a hint; one printer ([`std::fmt::Display`]) writes
//! both, as `main` shows them.

use std::path::PathBuf;

/// The exit codes of docs/interface.md: scripts rely on them.
pub mod exit {
    /// Success: the report was written, or every check passed.
    pub const OK: u8 = 0;
    /// `slo check`: an SLO failed one of the `--fail-on` conditions.
    pub const CHECK_FAILED: u8 = 1;
    /// Usage or configuration error: bad flags, bad slo.yaml, an `--out`
    /// folder that cannot be written.
    pub const CONFIG: u8 = 2;
    /// Data source error: unreachable, denied, malformed or invalid data, and
    /// a local cache of the source that cannot be written (a full disk).
    pub const DATA: u8 = 3;
}

/// What went wrong, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad command-line usage that clap could not catch.
    Usage,
    /// The data source failed or served bad data.
    Data,
    /// The source's local cache could not be written or locked.
    Cache,
    /// The report (stdout, `--out`, the step summary) could not be written.
    Output,
}

#[derive(Debug)]
pub enum Error {
    /// slo.yaml is unreadable or invalid. `line` is 1-based where known.
    Config {
        file: PathBuf,
        line: Option<usize>,
        message: String,
        hint: Option<String>,
    },
    /// Several errors of slo.yaml, in file order (`slo validate` reports
    /// them all at once); never empty, never nested.
    Configs(Vec<Error>),
    /// Every other error: its kind, what happened, and what to do about it.
    Other {
        kind: Kind,
        message: String,
        hint: Option<String>,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hint = match self {
            Error::Config {
                file,
                line,
                message,
                hint,
            } => {
                write!(f, "{}", file.display())?;
                if let Some(l) = line {
                    write!(f, ":{l}")?;
                }
                write!(f, ": {message}")?;
                hint
            }
            Error::Other { message, hint, .. } => {
                f.write_str(message)?;
                hint
            }
            Error::Configs(all) => {
                // main prefixes the first with "error: "; the others get it here.
                for (i, e) in all.iter().enumerate() {
                    if i > 0 {
                        f.write_str("\nerror: ")?;
                    }
                    write!(f, "{e}")?;
                }
                if all.len() > 1 {
                    write!(f, "\n{} errors", all.len())?;
                }
                &None
            }
        };
        if let Some(h) = hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config { .. } | Error::Configs(_) => exit::CONFIG,
            Error::Other { kind, .. } => match kind {
                Kind::Usage | Kind::Output => exit::CONFIG,
                Kind::Data | Kind::Cache => exit::DATA,
            },
        }
    }

    fn other(kind: Kind, message: impl Into<String>) -> Error {
        Error::Other {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Error {
        Error::other(Kind::Usage, message)
    }

    pub fn data(message: impl Into<String>) -> Error {
        Error::other(Kind::Data, message)
    }

    pub fn cache(message: impl Into<String>) -> Error {
        Error::other(Kind::Cache, message)
    }

    pub fn output(message: impl Into<String>) -> Error {
        Error::other(Kind::Output, message)
    }

    /// The same error with a hint (what to do about it).
    pub fn hint(mut self, text: impl Into<String>) -> Error {
        match &mut self {
            Error::Config { hint, .. } | Error::Other { hint, .. } => *hint = Some(text.into()),
            Error::Configs(all) => {
                if let Some(last) = all.pop() {
                    all.push(last.hint(text));
                }
            }
        }
        self
    }

    /// The same error as another kind (a write of the cache is a data-layer
    /// failure, although it goes through the same writer as the report).
    pub fn as_kind(self, new: Kind) -> Error {
        match self {
            Error::Other { message, hint, .. } => Error::Other {
                kind: new,
                message,
                hint,
            },
            config => config,
        }
    }

    /// The kind, `None` for a config error.
    pub fn kind(&self) -> Option<Kind> {
        match self {
            Error::Config { .. } | Error::Configs(_) => None,
            Error::Other { kind, .. } => Some(*kind),
        }
    }

    /// The message alone, without file, line or hint.
    pub fn message(&self) -> &str {
        match self {
            Error::Config { message, .. } | Error::Other { message, .. } => message,
            Error::Configs(all) => all.first().map_or("", |e| e.message()),
        }
    }
}

/// One error for `errors` (config errors, in file order): the error itself
/// when there is one, [`Error::Configs`] when there are more.
pub fn configs(mut errors: Vec<Error>) -> Option<Error> {
    let mut flat = Vec::new();
    for e in errors.drain(..) {
        match e {
            Error::Configs(inner) => flat.extend(inner),
            e => flat.push(e),
        }
    }
    flat.sort_by_key(|e| match e {
        Error::Config { line, .. } => line.unwrap_or(usize::MAX),
        _ => usize::MAX,
    });
    match flat.len() {
        0 => None,
        1 => flat.pop(),
        _ => Some(Error::Configs(flat)),
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_printer_and_the_documented_codes() {
        let e = Error::data("requests: 503").hint("retry later");
        assert_eq!(e.to_string(), "requests: 503\n  hint: retry later");
        assert_eq!(e.exit_code(), 3);
        assert_eq!(Error::cache("disk full").exit_code(), 3);
        assert_eq!(Error::output("--out x: denied").exit_code(), 2);
        assert_eq!(Error::usage("--as-of: bad").exit_code(), 2);
        let c = Error::Config {
            file: "slo.yaml".into(),
            line: Some(3),
            message: "slos: lists no SLO".into(),
            hint: None,
        };
        assert_eq!(c.to_string(), "slo.yaml:3: slos: lists no SLO");
        assert_eq!(c.exit_code(), 2);
    }
}
