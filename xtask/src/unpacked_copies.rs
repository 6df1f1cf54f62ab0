//! Cargo unpacks a registry crate once per registry, name and version, into
//! `$CARGO_HOME/registry/src/<registry>/<name>-<version>`, and takes that folder as it is ever
//! after. `cargo package --workspace` verifies each crate against the packages of the others
//! through a registry of files in the target folder, which cargo names by its path: a later
//! run from the same checkout, with changed code and the same version, would build against the
//! copies an earlier run unpacked. That is how CI once failed on code that was correct.

use std::path::{Path, PathBuf};

/// The folder cargo keeps its downloads and unpacked crates in.
pub fn cargo_home() -> Result<PathBuf, String> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Ok(PathBuf::from(home));
    }
    std::env::var_os("HOME")
        .map(|home| Path::new(&home).join(".cargo"))
        .ok_or_else(|| "neither CARGO_HOME nor HOME is set".to_owned())
}

/// Removes the unpacked copies of `crates` (name and version) that registries of local files
/// hold in `cargo_home`, and returns the folders removed. A registry on a server (crates.io
/// included) is left alone: its folder is named after the host, a file registry's starts with
/// `-`. Removing is always safe: cargo unpacks a copy again from the registry when it needs one.
pub fn remove(cargo_home: &Path, crates: &[(String, String)]) -> Result<Vec<PathBuf>, String> {
    let sources = cargo_home.join("registry").join("src");
    let registries = match std::fs::read_dir(&sources) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(format!("reading {}: {error}", sources.display())),
    };
    let mut removed = Vec::new();
    for registry in registries {
        let registry =
            registry.map_err(|error| format!("reading {}: {error}", sources.display()))?;
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for (name, version) in crates {
            let copy = registry.path().join(format!("{name}-{version}"));
            match std::fs::remove_dir_all(&copy) {
                Ok(()) => removed.push(copy),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(format!("removing {}: {error}", copy.display())),
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unpacked(home: &Path, registry: &str, name: &str) -> PathBuf {
        let copy = home.join("registry").join("src").join(registry).join(name);
        std::fs::create_dir_all(copy.join("src")).unwrap();
        std::fs::write(copy.join(".cargo-ok"), r#"{"v":1}"#).unwrap();
        copy
    }

    #[test]
    fn only_our_crates_at_our_version_in_file_registries_are_removed() {
        let home = tempfile::tempdir().unwrap();
        let stale = unpacked(home.path(), "-03d3f262e7fb8600", "hitem3d-core-0.1.0");
        let other_run = unpacked(home.path(), "-29c171a25e16d102", "hitem3d-core-0.1.0");
        let published = unpacked(
            home.path(),
            "index.crates.io-1949cf8c6b5b557f",
            "hitem3d-core-0.1.0",
        );
        let older = unpacked(home.path(), "-03d3f262e7fb8600", "hitem3d-core-0.0.9");
        let theirs = unpacked(home.path(), "-03d3f262e7fb8600", "serde-1.0.229");

        let crates = [("hitem3d-core".to_owned(), "0.1.0".to_owned())];
        let mut removed = remove(home.path(), &crates).unwrap();
        removed.sort();

        assert_eq!(removed, vec![stale.clone(), other_run.clone()]);
        assert!(!stale.exists() && !other_run.exists());
        assert!(published.exists() && older.exists() && theirs.exists());
    }

    #[test]
    fn a_cargo_home_that_never_unpacked_anything_is_fine() {
        let home = tempfile::tempdir().unwrap();
        let crates = [("hitem3d-core".to_owned(), "0.1.0".to_owned())];
        assert_eq!(remove(home.path(), &crates).unwrap(), Vec::<PathBuf>::new());
    }
}
