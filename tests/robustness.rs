//! Bad input never panics: slo.yaml and data files mangled at random must give
//! an error (or a report), never a crash.

use crate::common::Rng;
use std::path::Path;

const PIECES: [&str; 24] = [
    "", " ", ":", "-", "{", "}", "[", "]", "\n", "'", "\"", "%", "0", "-1", "1e400", "NaN", "100%",
    "week", "month", "30d", "<", "requests", "é", "\u{0}",
];

/// Replaces, deletes or inserts a few characters, on character boundaries.
fn mangle(text: &str, rng: &mut Rng) -> String {
    let mut s: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.idx(4) {
        let at = rng.idx(s.len() + 1);
        match rng.idx(3) {
            0 if at < s.len() => {
                let end = (at + 1 + rng.idx(8)).min(s.len());
                s.drain(at..end);
            }
            _ => {
                let piece = PIECES[rng.idx(PIECES.len())];
                for (k, c) in piece.chars().enumerate() {
                    s.insert((at + k).min(s.len()), c);
                }
            }
        }
    }
    s.into_iter().collect()
}

#[test]
fn mangled_configs_never_panic() {
    let base =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("slo.yaml")).unwrap();
    let mut rng = Rng(0xC0FFEE);
    let mut errors = 0;
    for _ in 0..2_000 {
        let text = mangle(&base, &mut rng);
        let r = std::panic::catch_unwind(|| {
            slo::config::parse(Path::new("slo.yaml"), &text).map(|_| ())
        });
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                errors += 1;
                let msg = e.to_string();
                assert!(
                    msg.starts_with("slo.yaml"),
                    "the error names the file: {msg}"
                );
                assert_eq!(e.exit_code(), 2);
            }
            Err(_) => panic!("slo.yaml mangled into this panics:\n{text}"),
        }
    }
    assert!(
        errors > 500,
        "the mangling should break most files ({errors})"
    );
}

#[test]
fn mangled_data_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = "  requests: { namespace: N, name: R, stat: Sum }\n  errors_5xx: { namespace: N, name: E, stat: Sum }\n";
    let cfg = slo::config::parse(
        &dir.path().join("slo.yaml"),
        &format!("version: 1\nservice: s\nsource: {{ type: files, path: d }}\nmetrics:\n{metrics}slos:\n  - {{ name: a, objective: 99%, window: 1h, sli: {{ bad: errors_5xx, total: requests }} }}\n"),
    )
    .unwrap();
    let json = "{\"MetricDataResults\": [{\"Id\": \"requests\", \"Timestamps\": [\"2026-11-01T00:01:00+00:00\", \"2026-11-01T00:00:00+00:00\"], \"Values\": [10.0, 12.5], \"StatusCode\": \"Complete\"}, {\"Id\": \"errors_5xx\", \"Timestamps\": [\"2026-11-01T00:00:00Z\"], \"Values\": [1], \"StatusCode\": \"Complete\"}], \"Messages\": []}";
    let csv = "timestamp,metric,value\n2026-11-01T00:00:00Z,requests,10\n2026-11-01T00:01:00Z,errors_5xx,1\n";
    let mut rng = Rng(0xBADDA7A);
    std::fs::create_dir(dir.path().join("d")).unwrap();
    for round in 0..600 {
        let (name, base) = if round % 2 == 0 {
            ("x.json", json)
        } else {
            ("x.csv", csv)
        };
        let path = dir.path().join("d").join(name);
        let _ = std::fs::remove_file(dir.path().join("d/x.json"));
        let _ = std::fs::remove_file(dir.path().join("d/x.csv"));
        std::fs::write(&path, mangle(base, &mut rng)).unwrap();
        let opts = slo::source::LoadOptions::default();
        let r = std::panic::catch_unwind(|| {
            let needs = slo::compute::needs(
                &cfg,
                1_793_491_200 + 3600,
                slo::compute::Reach {
                    series_range: 7_200,
                    history: 1,
                },
            );
            slo::source::load(&cfg, &needs, &opts).and_then(|loaded| {
                slo::compute::evaluate(
                    &cfg,
                    &loaded.data,
                    &slo::compute::EvalOptions {
                        as_of: 1_793_491_200 + 3600,
                        as_of_requested: None,
                        series_range: 7_200,
                        series_step: 3_600,
                        history: 1,
                    },
                )
            })
        });
        match r {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => assert_eq!(e.exit_code(), 3, "{e}"),
            Err(_) => panic!(
                "this {name} panics:\n{}",
                std::fs::read_to_string(&path).unwrap()
            ),
        }
    }
}

trait Index {
    fn idx(&mut self, n: usize) -> usize;
}

impl Index for Rng {
    fn idx(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }
}
