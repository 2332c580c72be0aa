//! Replays every input the fuzzers keep (`fuzz/corpus/TARGET/*`, seeds and
//! what coverage-guided runs found) and every crash they found
//! (`fuzz/regressions/TARGET/*`) through the same entry points as the fuzz
//! targets: none may panic. `cargo +nightly fuzz run TARGET` (README) adds to
//! the corpus; this test keeps what it found fixed.

use std::path::PathBuf;

type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 6] = [
    ("config", slo::fuzzing::config),
    ("expression", slo::fuzzing::expression),
    ("json", slo::fuzzing::json),
    ("csv", slo::fuzzing::csv),
    ("parquet", slo::fuzzing::parquet),
    ("cache", slo::fuzzing::cache),
];

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn every_fuzz_input_replays_without_a_panic() {
    let mut total = 0;
    for (target, run) in TARGETS {
        let corpus = inputs("corpus", target);
        assert!(
            corpus.len() >= 3,
            "fuzz/corpus/{target} holds {} inputs",
            corpus.len()
        );
        for path in corpus.iter().chain(inputs("regressions", target).iter()) {
            let bytes = std::fs::read(path).unwrap();
            let r = std::panic::catch_unwind(|| run(&bytes));
            assert!(r.is_ok(), "{target}: {} panics", path.display());
            total += 1;
        }
    }
    assert!(total >= 18, "{total} inputs");
}
