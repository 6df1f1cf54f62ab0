//! `cargo xtask release-check`: what must hold before the crates are published, beyond what
//! `ci` checks on every change. Tools it needs are installed from crates.io where missing.

use std::path::Path;

use serde::Deserialize;

use crate::cargo_command::cargo;
use crate::ci::{Step, clippy_denying, run_cargo, run_steps};

/// The commit whose public API the crates are compared with: the last release's.
const BASELINE_PATH: &str = "release/semver-baseline";
/// Crates of the workspace that are never published.
const UNPUBLISHED: &[&str] = &["xtask", "hitem3d-bench"];

/// Runs every release check, stopping at the first failure.
pub fn run(root: &Path) -> Result<(), String> {
    let steps = vec![
        Step {
            name: "each published crate says what it is (metadata, README, docs.rs)",
            run: Box::new(published_crates_are_described),
        },
        Step {
            name: "the changelog has a section for the next release",
            run: Box::new(changelog_is_ready),
        },
        Step {
            name: "nothing newer than the declared rust-version (clippy incompatible_msrv)",
            run: clippy_denying("clippy::incompatible_msrv"),
        },
        Step {
            name: "licences, duplicate versions and sources (cargo-deny)",
            run: Box::new(|root| {
                crate::tools::ensure("deny", "cargo-deny")?;
                // The advisory database lives on GitHub, which CI does not reach.
                let checks = ["licenses", "bans", "sources"];
                let mut args = vec!["deny", "--workspace", "--locked", "check"];
                args.extend(checks);
                run_cargo(root, &args)
            }),
        },
        Step {
            name: "every feature of every crate builds on its own (cargo-hack)",
            run: Box::new(|root| {
                crate::tools::ensure("hack", "cargo-hack")?;
                let mut args = vec![
                    "hack",
                    "check",
                    "--workspace",
                    "--each-feature",
                    // A client without any TLS stack refuses to build, on purpose.
                    "--exclude-no-default-features",
                    // Without dev-dependencies, which would hide a missing feature of a
                    // dependency (cargo-hack puts the manifests back after).
                    "--no-dev-deps",
                ];
                for crate_name in UNPUBLISHED {
                    args.extend(["--exclude", crate_name]);
                }
                run_cargo(root, &args)
            }),
        },
        Step {
            name: "the public API keeps the version's promise (cargo-semver-checks)",
            run: Box::new(|root| {
                crate::tools::ensure("semver-checks", "cargo-semver-checks")?;
                let baseline = baseline(root)?;
                run_cargo(
                    root,
                    &["semver-checks", "--workspace", "--baseline-rev", &baseline],
                )
            }),
        },
        Step {
            name: "every published crate packages and builds from its package",
            run: Box::new(|root| {
                // Cargo takes a registry crate of the same version as unchanged and reuses its
                // build, so a package of ours rebuilt after a change would be checked against
                // a dependency's stale build: each run starts from an empty folder.
                let builds = root.join("target").join("package-check");
                match std::fs::remove_dir_all(&builds) {
                    Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                        return Err(format!("removing {}: {error}", builds.display()));
                    }
                    _ => {}
                }
                // Cargo also keeps the copies of our crates it unpacked to verify the others,
                // named by this folder's path and the version alone (see `unpacked_copies`).
                let ours: Vec<(String, String)> = workspace_packages(root)?
                    .into_iter()
                    .filter(|package| !UNPUBLISHED.contains(&package.name.as_str()))
                    .map(|package| (package.name, package.version))
                    .collect();
                for copy in
                    crate::unpacked_copies::remove(&crate::unpacked_copies::cargo_home()?, &ours)?
                {
                    println!("removed an earlier run's unpacked copy: {}", copy.display());
                }
                let target_dir = builds.to_string_lossy().into_owned();
                let mut args = vec![
                    "package",
                    "--workspace",
                    "--locked",
                    "--target-dir",
                    &target_dir,
                ];
                for crate_name in UNPUBLISHED {
                    args.extend(["--exclude", crate_name]);
                }
                run_cargo(root, &args)
            }),
        },
    ];
    run_steps(root, "release-check", &steps)
}

/// The baseline commit: the first line of [`BASELINE_PATH`] that is not a comment.
fn baseline(root: &Path) -> Result<String, String> {
    let path = root.join(BASELINE_PATH);
    let text = std::fs::read_to_string(&path)
        .map_err(|error| format!("reading {}: {error}", path.display()))?;
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .ok_or_else(|| format!("{} names no commit", path.display()))
}

/// What `cargo metadata` says of a package, as far as a release needs.
#[derive(Deserialize)]
struct Package {
    name: String,
    version: String,
    description: Option<String>,
    license: Option<String>,
    repository: Option<String>,
    readme: Option<String>,
    rust_version: Option<String>,
    keywords: Vec<String>,
    categories: Vec<String>,
    /// `Some([])` when `publish = false`.
    publish: Option<Vec<String>>,
    manifest_path: String,
    metadata: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
}

fn workspace_packages(root: &Path) -> Result<Vec<Package>, String> {
    let output = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .current_dir(root)
        .output()
        .map_err(|error| format!("cannot run cargo metadata: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: Metadata = serde_json::from_slice(&output.stdout)
        .map_err(|error| format!("reading cargo metadata: {error}"))?;
    Ok(metadata.packages)
}

fn published_crates_are_described(root: &Path) -> Result<(), String> {
    let mut problems = Vec::new();
    for package in workspace_packages(root)? {
        let unpublished = package.publish.as_ref().is_some_and(Vec::is_empty);
        if UNPUBLISHED.contains(&package.name.as_str()) {
            if !unpublished {
                problems.push(format!("{}: needs `publish = false`", package.name));
            }
            continue;
        }
        if unpublished {
            problems.push(format!(
                "{}: `publish = false`, but not listed as unpublished in xtask",
                package.name
            ));
            continue;
        }
        problems.extend(
            missing_fields(&package)
                .into_iter()
                .map(|what| format!("{}: {what}", package.name)),
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// What `package` lacks to be published well.
fn missing_fields(package: &Package) -> Vec<String> {
    let mut missing = Vec::new();
    let empty = |field: &Option<String>| field.as_deref().is_none_or(str::is_empty);
    for (field, value) in [
        ("description", &package.description),
        ("license", &package.license),
        ("repository", &package.repository),
        ("rust-version", &package.rust_version),
    ] {
        if empty(value) {
            missing.push(format!("no `{field}`"));
        }
    }
    if !(1..=5).contains(&package.keywords.len()) {
        missing.push(format!(
            "{} keywords (crates.io takes 1 to 5)",
            package.keywords.len()
        ));
    }
    if package.categories.is_empty() {
        missing.push("no categories".to_owned());
    }
    let directory = Path::new(&package.manifest_path)
        .parent()
        .unwrap_or(Path::new("."));
    match &package.readme {
        Some(readme) if directory.join(readme).is_file() => {}
        Some(readme) => missing.push(format!("its readme {readme} does not exist")),
        None => missing.push("no `readme`".to_owned()),
    }
    let docs_rs = package
        .metadata
        .as_ref()
        .and_then(|metadata| metadata.get("docs").and_then(|docs| docs.get("rs")));
    if docs_rs.is_none() {
        missing.push("no `[package.metadata.docs.rs]`".to_owned());
    }
    if package.version.is_empty() {
        missing.push("no version".to_owned());
    }
    missing
}

/// The changelog has an `[Unreleased]` section, or one for the workspace's version.
fn changelog_is_ready(root: &Path) -> Result<(), String> {
    let path = root.join("CHANGELOG.md");
    let text = std::fs::read_to_string(&path)
        .map_err(|error| format!("reading {}: {error}", path.display()))?;
    let version = workspace_packages(root)?
        .into_iter()
        .find(|package| package.name == "hitem3d-core")
        .map(|package| package.version)
        .ok_or("no hitem3d-core in the workspace")?;
    let headings = ["## [Unreleased]".to_owned(), format!("## [{version}]")];
    if text.lines().any(|line| {
        headings
            .iter()
            .any(|heading| line.starts_with(heading.as_str()))
    }) {
        Ok(())
    } else {
        Err(format!(
            "CHANGELOG.md has no section headed `## [Unreleased]` or `## [{version}]`"
        ))
    }
}
