//! `cw-emulator`: a local CloudWatch endpoint for slo's tests.
//!
//! It serves fakecloud's CloudWatch (PutMetricData, GetMetricData with
//! statistics and metric math, over the Smithy rpcv2Cbor protocol that
//! aws-sdk-cloudwatch speaks) on 127.0.0.1, behind a layer that injects faults
//! (throttling, 5xx, delays, paging, PartialData, Forbidden results) and counts
//! calls; see [`control`] for the `/_emulator/*` control API.
//!
//! Usage: `cw-emulator [--port N] [--exit-on-stdin-eof] [--region R]
//! [--account-id ID]`. Once ready it prints exactly one line,
//! `listening on 127.0.0.1:PORT`, to stdout; everything else goes to stderr.
//!
//! This is a test-only tool under AGPL-3.0-only (it links fakecloud); it is
//! never linked into slo.

mod aws;
mod control;
mod rewrite;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::routing::{any, get, post};
use axum::Router;
use fakecloud_cloudwatch::{CloudWatchAccounts, CloudWatchService, SharedCloudWatchState};
use fakecloud_core::dispatch::DispatchConfig;
use fakecloud_core::registry::ServiceRegistry;

/// State shared by every handler.
#[derive(Clone)]
pub struct AppState {
    /// fakecloud's services (just CloudWatch).
    pub registry: Arc<ServiceRegistry>,
    /// fakecloud's dispatcher settings (default region and account).
    pub dispatch_config: Arc<DispatchConfig>,
    /// CloudWatch's stored data, kept to clear it on reset.
    pub cloudwatch: SharedCloudWatchState,
    /// Faults and statistics.
    pub control: Arc<Mutex<control::Control>>,
}

/// Command-line options.
#[derive(Debug)]
struct Options {
    port: u16,
    exit_on_stdin_eof: bool,
    region: String,
    account_id: String,
}

const USAGE: &str =
    "usage: cw-emulator [--port N] [--exit-on-stdin-eof] [--region R] [--account-id ID]

  --port N             TCP port on 127.0.0.1 (default 0: the OS picks one)
  --exit-on-stdin-eof  exit when standard input is closed (for test harnesses)
  --region R           default region when a request names none (default us-east-1)
  --account-id ID      account id (default 123456789012)

Prints `listening on 127.0.0.1:PORT` on stdout when ready.
Control API: /_emulator/{health,faults,stats,reset} (see README.md).";

fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        port: 0,
        exit_on_stdin_eof: false,
        region: "us-east-1".to_string(),
        account_id: "123456789012".to_string(),
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--port" => {
                let v = value("--port")?;
                options.port = v.parse().map_err(|_| format!("bad --port {v:?}"))?;
            }
            "--region" => options.region = value("--region")?,
            "--account-id" => options.account_id = value("--account-id")?,
            "--exit-on-stdin-eof" => options.exit_on_stdin_eof = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

/// The whole HTTP application: control routes, then fakecloud as fallback.
fn app(options: &Options) -> Router {
    let cloudwatch: SharedCloudWatchState =
        Arc::new(parking_lot::RwLock::new(CloudWatchAccounts::new()));
    let mut registry = ServiceRegistry::new();
    registry.register(Arc::new(CloudWatchService::new(cloudwatch.clone())));
    let state = AppState {
        registry: Arc::new(registry),
        dispatch_config: Arc::new(DispatchConfig::new(
            options.region.clone(),
            options.account_id.clone(),
        )),
        cloudwatch,
        control: Arc::new(Mutex::new(control::Control::default())),
    };
    Router::new()
        .route("/_emulator/health", get(control::health))
        .route(
            "/_emulator/faults",
            get(control::get_faults)
                .post(control::set_faults)
                .delete(control::clear_faults),
        )
        .route(
            "/_emulator/stats",
            get(control::get_stats).delete(control::reset_stats),
        )
        .route("/_emulator/reset", post(control::reset_all))
        .route("/_emulator/{*rest}", any(control::not_found))
        .fallback(aws::handle)
        .with_state(state)
}

/// Exit the process once standard input reaches end of file (or fails).
fn exit_on_stdin_eof() {
    std::thread::spawn(|| {
        let mut stdin = std::io::stdin();
        let mut buf = [0u8; 4096];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => {
                    eprintln!("cw-emulator: stdin closed, exiting");
                    std::process::exit(0);
                }
                Ok(_) => {}
            }
        }
    });
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return;
        }
        Err(e) => {
            eprintln!("cw-emulator: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    if options.exit_on_stdin_eof {
        exit_on_stdin_eof();
    }
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "cw-emulator: cannot listen on 127.0.0.1:{}: {e}",
                options.port
            );
            std::process::exit(1);
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("cw-emulator: cannot read the listening address: {e}");
            std::process::exit(1);
        }
    };
    let app = app(&options);
    {
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "listening on {addr}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            eprintln!("cw-emulator: cannot write to stdout");
            std::process::exit(1);
        }
    }
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    if let Err(e) = axum::serve(listener, service).await {
        eprintln!("cw-emulator: server error: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_arguments() {
        let o = parse(&[]).unwrap();
        assert_eq!((o.port, o.exit_on_stdin_eof), (0, false));
        let o = parse(&[
            "--port",
            "4566",
            "--exit-on-stdin-eof",
            "--region=eu-west-1",
        ])
        .unwrap();
        assert_eq!(o.port, 4566);
        assert!(o.exit_on_stdin_eof);
        assert_eq!(o.region, "eu-west-1");
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }
}
