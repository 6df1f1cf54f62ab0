//! The crate's two rules, enforced: no I/O, clock or sleep in its source, and no runtime or HTTP
//! client in its dependency tree.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Source text that would mean the core does I/O, reads a clock or blocks.
const FORBIDDEN_IN_SOURCE: &[&str] = &[
    "Instant::now",
    "SystemTime::now",
    "thread::sleep",
    "std::fs",
    "std::net",
    "std::io::stdin",
    "std::process",
    "std::env::var",
    "tokio",
    "reqwest",
    "ureq",
    "hyper",
    "rand::",
];

/// Crates that must never be a normal dependency of the core.
const FORBIDDEN_CRATES: &[&str] = &[
    "tokio",
    "reqwest",
    "ureq",
    "hyper",
    "hyper-util",
    "async-std",
    "mio",
    "socket2",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_source_never_does_io_reads_a_clock_or_sleeps() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 10, "found the sources");
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            for word in FORBIDDEN_IN_SOURCE {
                if line.contains(word) {
                    offences.push(format!("{}:{}: {word}", file.display(), number + 1));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "the core must stay sans-IO:\n{}",
        offences.join("\n")
    );
}

#[test]
fn no_runtime_or_http_client_is_a_normal_dependency() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "--locked",
            "-p",
            "hitem3d-core",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).unwrap();
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(
        crates.contains(&"http") && crates.contains(&"hitem3d-types"),
        "the tree was read:\n{tree}"
    );
    let found: Vec<&&str> = FORBIDDEN_CRATES
        .iter()
        .filter(|name| crates.contains(name))
        .collect();
    assert!(
        found.is_empty(),
        "hitem3d-core must stay sans-IO, but depends on {found:?}:\n{tree}"
    );
}

/// Text that would mean a job, the driver or the core itself calls a journal store rather
/// than asking for the call as I/O ([`hitem3d_core::Io::Journal`]).
const STORE_CALLS: &[&str] = &[
    "TaskJournal",
    "JournalStore",
    ".journal.",
    "journal()",
    ".run()",
    ".run_async(",
];

#[test]
fn jobs_reach_the_journal_only_as_io_the_front_end_runs() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src.join("job"), &mut files);
    rust_files(&src.join("machines"), &mut files);
    files.push(src.join("client").join("drive.rs"));
    assert!(files.len() > 10, "found the sources");
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            for word in STORE_CALLS {
                if line.contains(word) {
                    offences.push(format!("{}:{}: {word}", file.display(), number + 1));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "a job must ask for journal calls as Io::Journal:\n{}",
        offences.join("\n")
    );
}
