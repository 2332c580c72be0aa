//! A real Prometheus for tests and benchmarks: Debian's `prometheus` and
//! `promtool` (installed by `tools/install-prometheus.sh` when missing),
//! a TSDB built from OpenMetrics text, the server on 127.0.0.1.

#![allow(dead_code)] // each includer uses a part
#![allow(clippy::unwrap_used)] // test support: a failure is a panic

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::OnceLock;

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `prometheus` and `promtool` on PATH, installed once if missing (as root,
/// with apt-get: what `.ci/run` does).
pub fn tools() -> Result<(), String> {
    static OK: OnceLock<Result<(), String>> = OnceLock::new();
    OK.get_or_init(|| {
        let have = |b: &str| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if have("promtool") && have("prometheus") {
            return Ok(());
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/install-prometheus.sh");
        let out = std::process::Command::new("bash")
            .arg(&script)
            .output()
            .map_err(|e| format!("{}: {e}", script.display()))?;
        if have("promtool") && have("prometheus") {
            Ok(())
        } else {
            Err(format!(
                "prometheus is not installed and {} failed: {}",
                script.display(),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    })
    .clone()
}

/// A Prometheus server over a TSDB built from OpenMetrics text.
pub struct Server {
    child: Option<Child>,
    data: PathBuf,
    pub port: u16,
    _dir: tempfile::TempDir,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// `None` (the test skips) when Prometheus cannot be had outside CI.
    pub fn start(openmetrics: &str) -> Option<Server> {
        if let Err(e) = tools() {
            assert!(!in_ci(), "Prometheus is required under CI=true: {e}");
            eprintln!("skipping: {e}");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let om = dir.path().join("data.om");
        std::fs::write(&om, openmetrics).unwrap();
        let data = dir.path().join("tsdb");
        let out = std::process::Command::new("promtool")
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(&om)
            .arg(&data)
            .arg("--max-block-duration=4380h")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut s = Server {
            child: None,
            data,
            port: free_port(),
            _dir: dir,
        };
        s.spawn();
        Some(s)
    }

    pub fn spawn(&mut self) {
        let cfg = self.data.parent().unwrap().join("prometheus.yml");
        std::fs::write(&cfg, "global: {}\n").unwrap();
        let child = std::process::Command::new("prometheus")
            .arg(format!("--config.file={}", cfg.display()))
            .arg(format!("--storage.tsdb.path={}", self.data.display()))
            .arg("--storage.tsdb.retention.time=100y")
            .arg(format!("--web.listen-address=127.0.0.1:{}", self.port))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus");
        self.child = Some(child);
        for _ in 0..300 {
            if get(self.port, "/-/ready").is_some_and(|r| r.contains(" 200 OK")) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("prometheus did not get ready on port {}", self.port);
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A plain HTTP/1.0 GET, the whole answer as text.
pub fn get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}
