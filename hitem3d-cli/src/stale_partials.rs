//! Partial files a killed run left behind (SIGKILL, a power cut: no handler ran), removed by
//! the next run that saves a file of the same name. The process writing a partial file holds
//! a lock on it until it is renamed; one nobody holds belongs to no live process.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use hitem3d_async::PartialLocation;
use serde_json::json;

use crate::report::Report;

/// A partial file younger than this is left alone even when no one holds it: its writer may
/// have created it and not yet taken the lock (a moment, between two calls).
const SETTLED_AFTER: Duration = Duration::from_secs(10);

/// Removes the stale partial files of each of `paths` (the files a command is about to save)
/// and says which it removed.
pub fn remove_for(paths: &[PathBuf], report: Report) {
    let removed = remove_quietly(paths);
    if removed.is_empty() {
        return;
    }
    let names: Vec<String> = removed
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    report.note(&format!(
        "removed {} partial file{} an interrupted run left: {}",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        names.join(", ")
    ));
    report.emit("stale_partials_removed", json!({ "paths": names }), "");
}

/// Removes the stale partial files of each of `paths`; the ones removed. For the MCP server,
/// whose standard output is the protocol.
pub fn remove_quietly(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths.iter().flat_map(|path| stale_of(path)).collect()
}

/// The partial files of `path` no process holds, removed.
fn stale_of(path: &Path) -> Vec<PathBuf> {
    let Ok(location) = PartialLocation::for_path(path) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&location.dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|candidate| is_partial_of(&location, candidate))
        .filter(|candidate| removed_if_stale(candidate))
        .collect()
}

/// `.chair.glb.<random>.part` for `chair.glb`: the name the SDK gives its partial files.
fn is_partial_of(location: &PartialLocation, candidate: &Path) -> bool {
    candidate
        .file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| name.strip_prefix(location.prefix.as_str()))
        .and_then(|rest| rest.strip_suffix(location.suffix))
        .is_some_and(|random| {
            !random.is_empty() && random.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

/// Removes `candidate` when it is an old file no process holds, holding it meanwhile.
fn removed_if_stale(candidate: &Path) -> bool {
    let Ok(file) = File::open(candidate) else {
        return false;
    };
    let settled = file
        .metadata()
        .and_then(|metadata| metadata.modified())
        .is_ok_and(|modified| {
            SystemTime::now()
                .duration_since(modified)
                .is_ok_and(|age| age >= SETTLED_AFTER)
        });
    settled && file.try_lock().is_ok() && std::fs::remove_file(candidate).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aged(path: &Path) -> File {
        let file = File::create(path).unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        file.set_modified(old).unwrap();
        file
    }

    #[test]
    fn only_old_unheld_partials_of_the_same_name_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("chair.glb");
        let stale = dir.path().join(".chair.glb.a1B2c3.part");
        let held = dir.path().join(".chair.glb.x9y8z7.part");
        let fresh = dir.path().join(".chair.glb.q1w2e3.part");
        let other = dir.path().join(".table.glb.a1B2c3.part");
        let users = dir.path().join(".chair.glb.my notes.part");
        drop(aged(&stale));
        let holder = aged(&held);
        holder.try_lock().unwrap();
        File::create(&fresh).unwrap();
        drop(aged(&other));
        drop(aged(&users));

        assert_eq!(stale_of(&model), std::slice::from_ref(&stale));
        assert!(!stale.exists());
        for kept in [&held, &fresh, &other, &users] {
            assert!(kept.exists(), "{} kept", kept.display());
        }
        drop(holder);
        assert_eq!(stale_of(&model), [held]);
    }
}
