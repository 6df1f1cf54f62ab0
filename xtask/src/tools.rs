//! Cargo subcommands the checks need, installed from crates.io where missing.

use std::process::Command;

/// Makes sure `cargo <subcommand>` runs, installing `package` with `cargo install --locked`
/// when it does not (the versions its own lock file names, so a new release of one of its
/// dependencies cannot break the check).
pub fn ensure(subcommand: &str, package: &str) -> Result<(), String> {
    if installed(subcommand) {
        return Ok(());
    }
    println!("==> installing {package}");
    let status = Command::new("cargo")
        .args(["install", "--locked", package])
        .status()
        .map_err(|error| format!("running cargo install: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo install --locked {package} failed ({status})"
        ))
    }
}

/// Whether `cargo <subcommand>` runs here.
pub fn installed(subcommand: &str) -> bool {
    Command::new("cargo")
        .args([subcommand, "--version"])
        .output()
        .is_ok_and(|output| output.status.success())
}
