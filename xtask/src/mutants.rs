//! `cargo xtask mutants`: mutation testing of the decision code with `cargo-mutants`. Too slow
//! for CI on two cores (each mutant rebuilds and reruns a suite), so it is run by hand.

use std::path::Path;

/// What is mutated, and which tests must catch it: the sans-IO core with its own suite, and
/// each client's transport (where failures are classified) with that client's suite.
const TARGETS: &[(&str, &[&str])] = &[
    ("hitem3d-core", &[]),
    ("hitem3d-async", &["hitem3d-async/src/reqwest_transport.rs"]),
    (
        "hitem3d-blocking",
        &["hitem3d-blocking/src/ureq_transport.rs"],
    ),
];

/// Runs cargo-mutants over the targets (installing it if missing); `extra` goes to each run,
/// e.g. `--file hitem3d-core/src/download.rs` or `--shard 1/4`.
pub fn run(root: &Path, extra: &[String]) -> Result<(), String> {
    crate::tools::ensure("mutants", "cargo-mutants")?;
    let mut survivors = Vec::new();
    for (package, files) in TARGETS {
        let restricted = extra.iter().any(|arg| arg == "--file" || arg == "-f");
        if restricted
            && !extra
                .iter()
                .any(|arg| arg.starts_with(&format!("{package}/")))
        {
            continue;
        }
        let output = root.join("target").join("mutants").join(package);
        std::fs::create_dir_all(&output)
            .map_err(|error| format!("creating {}: {error}", output.display()))?;
        let mut command = crate::cargo_command::cargo();
        command
            .current_dir(root)
            .args(["mutants", "--package", package, "--test-package", package])
            .arg("--output")
            .arg(&output);
        if !restricted {
            for file in *files {
                command.args(["--file", file]);
            }
        }
        command.args(extra);
        println!("==> cargo mutants for {package}");
        let status = command
            .status()
            .map_err(|error| format!("running cargo mutants: {error}"))?;
        // cargo-mutants exits 2 when mutants survived, 3 when some timed out.
        match status.code() {
            Some(0) => {}
            Some(2 | 3) => survivors.push(format!(
                "{package}: see target/mutants/{package}/mutants.out/missed.txt"
            )),
            _ => return Err(format!("cargo mutants failed for {package}: {status}")),
        }
    }
    if survivors.is_empty() {
        println!("every mutant was caught");
        Ok(())
    } else {
        Err(format!("mutants survived:\n  {}", survivors.join("\n  ")))
    }
}
