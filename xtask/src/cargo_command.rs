//! The `cargo` every check starts, with the environment of a shell.

use std::process::Command;

/// Variables `cargo run` sets for the program it runs, here xtask's own: its manifest, package
/// and binary. Build scripts watch some of them (ring's `rerun-if-env-changed` names
/// `CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME` and the version parts), so a build started with them
/// still set redid ring's build script, and then rustls, reqwest and everything above them,
/// after the same build started from a shell (37 s of CI's test step).
const SET_BY_CARGO_RUN: [&str; 8] = [
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_MANIFEST_LINKS",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
    "OUT_DIR",
];

/// `cargo` (the one that runs xtask), without the variables `cargo run` set for xtask.
pub(crate) fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    without_run_env(&mut command);
    command
}

/// Removes from `command`'s environment what `cargo run` set for xtask.
pub(crate) fn without_run_env(command: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if name.starts_with("CARGO_PKG_") || SET_BY_CARGO_RUN.contains(&name) {
            command.env_remove(name);
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests run with the variables `cargo run` also sets (cargo sets them for test programs).
    #[test]
    fn the_variables_of_xtasks_own_package_are_not_passed_on() {
        assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
        assert!(std::env::var_os("CARGO_PKG_NAME").is_some());
        let command = cargo();
        let removed: Vec<_> = command
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .filter_map(|(name, _)| name.to_str())
            .collect();
        for name in [
            "CARGO_MANIFEST_DIR",
            "CARGO_PKG_NAME",
            "CARGO_PKG_VERSION_MAJOR",
        ] {
            assert!(removed.contains(&name), "{name} is passed on: {removed:?}");
        }
        for kept in ["CARGO", "CARGO_HOME", "PATH", "HOME"] {
            assert!(!removed.contains(&kept), "{kept} is removed");
        }
    }
}
