//! All the writing: stdout (a closed pipe ends quietly), and files written
//! atomically (a temporary file beside the target, then a rename).

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes to stdout; a reader that went away (`slo report | head`) is not an error.
pub fn stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Output(format!("stdout: {e}"))),
    }
}

/// Writes `bytes` to `path` atomically: readers see the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let res = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::Output(format!("{}: cannot write: {e}", path.display()))
    })
}

/// Appends to a file (GITHUB_STEP_SUMMARY is appended to by every step).
pub fn append(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| Error::Output(format!("{}: cannot append: {e}", path.display())))
}

/// A file name made from an SLO name: lowercase ASCII letters, digits, `-` and
/// `_` only, so it is safe for file systems and URLs and never leaves `--out`.
pub fn safe_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "slo".into()
    } else {
        s.chars().take(80).collect()
    }
}

/// Writes a set of files into `dir` as one unit: they are written to a fresh
/// sibling directory, which then replaces `dir`, so a reader never sees a mix
/// of two runs. Files in `dir` that this run does not write are removed.
pub fn replace_dir(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    // A folder that holds anything but report files and plain files is not a
    // report folder: swapping it would delete what it holds.
    if dir.exists() {
        if !dir.is_dir() {
            return Err(Error::Output(format!(
                "--out {}: not a directory (pass the folder the report goes into)",
                dir.display()
            )));
        }
        let canonical = dir
            .canonicalize()
            .map_err(|e| Error::Output(format!("{}: {e}", dir.display())))?;
        let sub = std::fs::read_dir(&canonical)
            .map_err(|e| Error::Output(format!("{}: {e}", dir.display())))?
            .flatten()
            .find(|e| e.path().is_dir());
        if let Some(sub) = sub {
            return Err(Error::Output(format!(
                "--out {}: the folder holds a directory ({}); a report folder is replaced as a whole, \
                 so pass an empty or report-only folder (e.g. reports/)",
                dir.display(),
                sub.file_name().to_string_lossy()
            )));
        }
        return swap_dir(&canonical, files);
    }
    swap_dir(dir, files)
}

fn swap_dir(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|e| Error::Output(format!("{}: cannot create: {e}", parent.display())))?;
    let base = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("reports");
    let stage: PathBuf = parent.join(format!(".{base}.new-{}", std::process::id()));
    let old: PathBuf = parent.join(format!(".{base}.old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&stage);
    let fail = |what: &Path, e: std::io::Error| Error::Output(format!("{}: {e}", what.display()));
    std::fs::create_dir_all(&stage).map_err(|e| fail(&stage, e))?;
    // Keep what the directory holds that is not a report file (.gitignore, notes).
    if dir.is_dir() {
        for entry in std::fs::read_dir(dir).map_err(|e| fail(dir, e))?.flatten() {
            let n = entry.file_name().to_string_lossy().to_string();
            let is_report = n.starts_with("report.") || n.ends_with(".png") || n.ends_with(".svg");
            if !is_report && entry.path().is_file() {
                std::fs::copy(entry.path(), stage.join(&n)).map_err(|e| fail(&entry.path(), e))?;
            }
        }
    }
    for (name, bytes) in files {
        debug_assert!(!name.contains('/') && !name.contains(".."));
        let p = stage.join(name);
        std::fs::write(&p, bytes).map_err(|e| fail(&p, e))?;
    }
    if dir.exists() {
        std::fs::rename(dir, &old).map_err(|e| fail(dir, e))?;
    }
    if let Err(e) = std::fs::rename(&stage, dir) {
        let _ = std::fs::rename(&old, dir);
        return Err(fail(dir, e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape() {
        assert_eq!(safe_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_name("Latency p95 (7d)"), "latency-p95-7d");
        assert_eq!(safe_name("..."), "slo");
        assert_eq!(safe_name("é|ü"), "slo");
    }

    #[test]
    fn replace_dir_swaps_whole_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("reports");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join(".gitignore"), "*\n").unwrap();
        std::fs::write(dir.join("old-slo.png"), "x").unwrap();
        replace_dir(&dir, &[("report.md".into(), b"# new".to_vec())]).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("report.md")).unwrap(),
            "# new"
        );
        assert!(dir.join(".gitignore").exists());
        assert!(!dir.join("old-slo.png").exists());
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no staging directory left behind");
    }

    #[test]
    fn replace_dir_never_deletes_a_folder_with_subfolders() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("src")).unwrap();
        std::fs::write(tmp.path().join("src/main.rs"), "fn main() {}").unwrap();
        let err = replace_dir(tmp.path(), &[("report.md".into(), b"x".to_vec())]).unwrap_err();
        assert!(err.to_string().contains("holds a directory (src)"), "{err}");
        assert!(tmp.path().join("src/main.rs").exists());
        let file = tmp.path().join("report.md");
        std::fs::write(&file, "keep").unwrap();
        assert!(replace_dir(&file, &[]).is_err());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
    }
}
