//! The crate's promise: no async runtime anywhere in what it links. (With default features,
//! which need no download; `cargo xtask ci` checks the tree with every feature on.)

use std::process::Command;

/// Crates that would mean an async runtime (or a client built on one) comes along.
const FORBIDDEN_CRATES: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "async-executor",
    "reqwest",
    "hyper",
    "hyper-util",
];

/// The packages `hitem3d-blocking` links with its default features.
fn normal_dependencies() -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["tree", "--offline", "--locked", "-p", "hitem3d-blocking"])
        .args(["-e", "normal", "--prefix", "none", "--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn no_async_runtime_is_a_normal_dependency() {
    let crates = normal_dependencies();
    assert!(
        crates.iter().any(|name| name == "ureq") && crates.iter().any(|name| name == "http"),
        "the tree was read: {crates:?}"
    );
    let found: Vec<_> = FORBIDDEN_CRATES
        .iter()
        .filter(|name| crates.iter().any(|found| found == *name))
        .collect();
    assert!(
        found.is_empty(),
        "hitem3d-blocking must not bring a runtime, but depends on {found:?}"
    );
}
