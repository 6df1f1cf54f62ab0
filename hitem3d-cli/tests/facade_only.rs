//! The command line, the examples and the README use the clients' own paths: everything a
//! user needs is re-exported there, and `hitem3d_core` is an implementation layer.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn no_user_facing_code_reaches_into_the_core() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = vec![root.join("README.md")];
    for dir in [
        "hitem3d-cli/src",
        "hitem3d-cli/tests",
        "hitem3d-async/examples",
        "hitem3d-blocking/examples",
    ] {
        rust_files(&root.join(dir), &mut files);
    }
    let needle = ["hitem3d", "_core::"].concat();
    let offenders: Vec<String> = files
        .iter()
        .filter(|path| std::fs::read_to_string(path).unwrap().contains(&needle))
        .map(|path| path.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "{needle} in {offenders:#?}");
}
