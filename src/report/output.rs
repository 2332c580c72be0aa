//! All the writing: stdout (a closed pipe ends quietly), and files written
//! atomically (a temporary file beside the target, then a rename).

use crate::error::{Error, Result};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes to stdout; a reader that went away (`slo report | head`) is not an error.
pub fn stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::output(format!("stdout: {e}"))),
    }
}

/// Writes `bytes` to `path` atomically: readers see the old file or the new one.
/// A file that is replaced keeps its permissions. The file is on disk when
/// this returns.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_as(path, bytes, true)
}

/// [`write_atomic`]; `sync`: on disk before the rename (else the caller
/// syncs, once for many files).
fn write_atomic_as(path: &Path, bytes: &[u8], sync: bool) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}{TMP_TAG}{}", std::process::id()));
    let res = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        if let Ok(meta) = std::fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        if sync {
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::output(format!("{}: cannot write: {e}", path.display()))
    })
}

/// What [`write_atomic`] puts between a file's name and the writer's PID.
const TMP_TAG: &str = ".tmp-";

/// The temporary files of [`write_atomic`] in `dir` whose target `owned`
/// accepts: `.NAME.tmp-PID`.
fn temp_files(dir: &Path, owned: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_str()?.to_string();
            let (target, pid) = n.strip_prefix('.')?.rsplit_once(TMP_TAG)?;
            (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) && owned(target))
                .then(|| e.path())
        })
        .collect()
}

/// An exclusive lock on a folder slo writes (the report folder, the cache):
/// runs that share it take turns. Released when dropped, or when the process
/// dies however it dies.
#[derive(Debug)]
pub struct DirLock {
    _file: std::fs::File,
}

/// Locks `dir` (which must exist), waiting for another run that holds it.
/// The lock is taken on the folder itself (flock on its descriptor), so no
/// lock file is left in a folder that is the user's. `what` names the folder
/// in messages (`--out reports`).
pub fn lock_dir(dir: &Path, what: &str) -> Result<DirLock> {
    let file = std::fs::File::open(dir).map_err(|e| {
        Error::output(format!("{what}: cannot open the folder: {e}"))
            .hint("check its permissions, or pass a folder you can write to")
    })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            crate::warn(&format!(
                "{what}: another slo run is writing there; waiting for it to finish"
            ));
            file.lock()
                .map_err(|e| Error::output(format!("{what}: cannot lock the folder: {e}")))?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(Error::output(format!(
                "{what}: cannot lock the folder: {e}"
            )))
        }
    }
    Ok(DirLock { _file: file })
}

/// Removes what killed runs left in `dir` (a folder slo holds the lock of):
/// temporary files of targets that `owned` accepts.
pub fn clean_stale_temps(dir: &Path, owned: impl Fn(&str) -> bool) {
    for t in temp_files(dir, owned) {
        let _ = std::fs::remove_file(t);
    }
}

/// Appends to a file (GITHUB_STEP_SUMMARY is appended to by every step).
pub fn append(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| Error::output(format!("{}: cannot append: {e}", path.display())))
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

/// The record of what slo wrote into a report folder: only these files are
/// ever replaced or removed there.
pub const MANIFEST: &str = ".slo-manifest.json";

#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    /// "slo": a manifest of this tool.
    written_by: String,
    files: Vec<String>,
}

/// Writes the report files into `dir` (created if missing), replacing only
/// the files an earlier run of slo wrote there and leaving every other file,
/// the folder's mode, owner and group untouched. Runs on the same folder take
/// turns (a lock); each file is replaced atomically; the manifest lists the
/// files before they are written, so a run that is killed midway leaves
/// nothing that the next run does not recognise and clean.
pub fn write_report_dir(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    write_report_dir_with(dir, &names, &|i| Ok(files[i].1.clone()))
}

/// [`write_report_dir`] for files made while they are written: `produce(i)`
/// makes the bytes of `names[i]` (on every core), and one thread writes each
/// as it comes (files in one folder are created one after another anyway;
/// two writers only wait on each other), so memory holds a few files, not
/// the report. The files are synced to disk once, together, before the
/// manifest that lists them is.
pub fn write_report_dir_with(
    dir: &Path,
    names: &[String],
    produce: &(dyn Fn(usize) -> Result<Vec<u8>> + Sync),
) -> Result<()> {
    let what = format!("--out {}", dir.display());
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => {
            return Err(Error::output(format!("{what}: not a directory"))
                .hint("pass the folder the report goes into, e.g. --out reports"))
        }
        Ok(_) => {}
        Err(_) => std::fs::create_dir_all(dir).map_err(|e| {
            Error::output(format!("{what}: cannot create the folder: {e}"))
                .hint("create it first, or pass a folder you can write to")
        })?,
    }
    let _lock = lock_dir(dir, &what)?;
    clean_legacy_staging(dir);
    let before = read_manifest(dir);
    let now: BTreeSet<String> = names.iter().cloned().collect();
    let ours = |n: &str| n == MANIFEST || before.contains(n) || now.contains(n);
    clean_stale_temps(dir, ours);

    // A file slo is about to write that it did not write before is the user's.
    let foreign: Vec<&str> = names
        .iter()
        .map(|n| n.as_str())
        .filter(|n| !before.contains(*n) && std::fs::symlink_metadata(dir.join(n)).is_ok())
        .collect();
    if !foreign.is_empty() {
        let them = if foreign.len() == 1 { "it" } else { "them" };
        return Err(Error::output(format!(
            "{what}: {} already there and slo did not write {them}; nothing was written",
            list(&foreign),
        ))
        .hint(format!(
            "move {them} away, or pass another folder (slo replaces only the files it \
             wrote, listed in {MANIFEST})"
        )));
    }

    let both: BTreeSet<String> = before.union(&now).cloned().collect();
    write_manifest(dir, &both)?;
    // Made on every core, written by one thread in the order they come; the
    // first error in report order is the one shown.
    use rayon::prelude::*;
    let mut errors: Vec<Option<Error>> = (0..names.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Result<Vec<u8>>)>(4);
        let writer = scope.spawn(move || {
            let mut failed: Vec<(usize, Error)> = Vec::new();
            for (i, made) in rx {
                let done = made.and_then(|bytes| {
                    debug_assert!(!names[i].contains('/') && !names[i].contains(".."));
                    write_atomic_as(&dir.join(&names[i]), &bytes, false)
                });
                if let Err(e) = done {
                    failed.push((i, e));
                }
            }
            failed
        });
        (0..names.len()).into_par_iter().for_each_with(tx, |tx, i| {
            let _ = tx.send((i, produce(i)));
        });
        if let Ok(failed) = writer.join() {
            for (i, e) in failed {
                errors[i] = Some(e);
            }
        }
    });
    if let Some(e) = errors.into_iter().flatten().next() {
        return Err(e);
    }
    sync_folder(dir);
    for stale in before.difference(&now) {
        let p = dir.join(stale);
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_file()) {
            let _ = std::fs::remove_file(&p);
        }
    }
    write_manifest(dir, &now)
}

/// Puts what was written in `dir` on disk: the file system's pending writes
/// in one call where the system has one (Linux `syncfs`), the folder itself
/// elsewhere. Best effort: the files are complete either way; this only
/// makes them survive a power cut.
fn sync_folder(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        #[cfg(target_os = "linux")]
        let _ = rustix::fs::syncfs(&d);
        #[cfg(not(target_os = "linux"))]
        let _ = d.sync_all();
    }
}

fn list(names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().take(5).map(|n| format!("`{n}`")).collect();
    let more = names.len().saturating_sub(5);
    let mut s = shown.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s.push_str(if names.len() == 1 { " is" } else { " are" });
    s
}

/// The files the manifest of `dir` lists (names without a path only); none
/// when there is no manifest or it is not slo's.
fn read_manifest(dir: &Path) -> BTreeSet<String> {
    let Ok(bytes) = std::fs::read(dir.join(MANIFEST)) else {
        return legacy_report(dir);
    };
    match serde_json::from_slice::<Manifest>(&bytes) {
        Ok(m) if m.written_by == "slo" => {
            m.files.into_iter().filter(|n| is_plain_name(n)).collect()
        }
        _ => {
            crate::warn(&format!(
                "{}: not a manifest of slo; no file there is treated as slo's",
                dir.join(MANIFEST).display()
            ));
            BTreeSet::new()
        }
    }
}

/// A folder written by a slo that kept no manifest: its report.json is a slo
/// report, and report.md names the charts. Those files are slo's.
fn legacy_report(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let is_report = std::fs::read(dir.join("report.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| {
            ["service", "as_of", "slos"]
                .iter()
                .all(|k| v.get(k).is_some())
        });
    if !is_report {
        return out;
    }
    out.insert("report.json".to_string());
    if let Ok(md) = std::fs::read_to_string(dir.join("report.md")) {
        out.insert("report.md".to_string());
        for part in md.split("](").skip(1) {
            if let Some(name) = part.split(')').next() {
                if is_plain_name(name) && (name.ends_with(".png") || name.ends_with(".svg")) {
                    out.insert(name.to_string());
                }
            }
        }
    }
    out
}

/// A file name inside the folder: no path, not hidden, not `.`/`..`.
fn is_plain_name(n: &str) -> bool {
    !n.is_empty() && !n.starts_with('.') && !n.contains(['/', '\\', '\0'])
}

fn write_manifest(dir: &Path, files: &BTreeSet<String>) -> Result<()> {
    let m = Manifest {
        written_by: "slo".into(),
        files: files.iter().cloned().collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&m)
        .map_err(|e| Error::output(format!("{}: {e}", dir.join(MANIFEST).display())))?;
    bytes.push(b'\n');
    write_atomic(&dir.join(MANIFEST), &bytes)
}

/// Earlier versions of slo staged a whole folder beside it
/// (`.reports.new-PID`, `.reports.old-PID`); a run that was killed left them.
/// Those of processes that no longer run are removed.
fn clean_legacy_staging(dir: &Path) {
    let proc_fs = Path::new("/proc/self");
    if !proc_fs.exists() {
        return; // no way to tell a dead process from a live one
    }
    let (Some(parent), Some(base)) = (
        dir.canonicalize()
            .ok()
            .and_then(|d| d.parent().map(Path::to_path_buf)),
        dir.canonicalize()
            .ok()
            .and_then(|d| d.file_name().and_then(|n| n.to_str()).map(String::from)),
    ) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(&parent) else {
        return;
    };
    for e in entries.flatten() {
        let Some(n) = e.file_name().to_str().map(String::from) else {
            continue;
        };
        let Some(rest) = n.strip_prefix(&format!(".{base}.")) else {
            continue;
        };
        let Some(pid) = rest
            .strip_prefix("new-")
            .or_else(|| rest.strip_prefix("old-"))
        else {
            continue;
        };
        let alive = Path::new("/proc").join(pid).exists();
        if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) && !alive {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
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
    fn report_dir_replaces_only_what_slo_wrote() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("reports");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join(".gitignore"), "*\n").unwrap();
        std::fs::write(dir.join("logo.png"), "user").unwrap();
        let run = |files: &[(&str, &str)]| {
            let files: Vec<(String, Vec<u8>)> = files
                .iter()
                .map(|(n, b)| (n.to_string(), b.as_bytes().to_vec()))
                .collect();
            write_report_dir(&dir, &files)
        };
        run(&[("report.md", "one"), ("a.png", "a")]).unwrap();
        run(&[("report.md", "two"), ("b.png", "b")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("report.md")).unwrap(),
            "two"
        );
        assert!(!dir.join("a.png").exists(), "slo's stale chart is removed");
        assert_eq!(
            std::fs::read_to_string(dir.join("logo.png")).unwrap(),
            "user"
        );
        assert!(dir.join(".gitignore").exists());
        // A user's file where slo would write: refused, nothing written.
        let err = run(&[("report.md", "three"), ("logo.png", "x")]).unwrap_err();
        assert!(
            err.to_string().contains("`logo.png` is already there"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("report.md")).unwrap(),
            "two"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("logo.png")).unwrap(),
            "user"
        );
        let file = tmp.path().join("file");
        std::fs::write(&file, "keep").unwrap();
        assert!(write_report_dir(&file, &[]).is_err());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
    }

    #[test]
    fn stale_temps_are_recognised_by_name_and_target() {
        let tmp = tempfile::tempdir().unwrap();
        for n in [
            ".report.md.tmp-123",
            ".user.txt.tmp-9",
            ".report.md.tmp-x",
            "report.md",
        ] {
            std::fs::write(tmp.path().join(n), "").unwrap();
        }
        clean_stale_temps(tmp.path(), |t| t == "report.md");
        let mut left: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        left.sort();
        assert_eq!(left, [".report.md.tmp-x", ".user.txt.tmp-9", "report.md"]);
    }
}
