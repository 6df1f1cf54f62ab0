//! `cargo xtask ci`: every check a change must pass, in the order that fails fastest.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cargo_command::cargo;
use crate::{codegen, sample_images, tools};

/// Crates that would mean an async runtime reached the blocking client.
const RUNTIME_CRATES: &[&str] = &["tokio", "async-std", "smol", "reqwest", "hyper"];

/// Environment variables that would make the main job talk to the real service.
const CREDENTIAL_VARS: &[&str] = &[
    "HITEM3D_CLIENT_ID",
    "HITEM3D_CLIENT_SECRET",
    "HITEM3D_AK",
    "HITEM3D_SK",
    "HITEM3D_BASE_URL",
];

/// What a check runs, in the workspace root.
pub(crate) type Check = Box<dyn Fn(&Path) -> Result<(), String>>;

/// One check: a name for the report and what it runs.
pub(crate) struct Step {
    pub(crate) name: &'static str,
    pub(crate) run: Check,
}

/// A check that runs [`run_cargo`] with `args`.
pub(crate) fn cargo_step(args: &'static [&'static str]) -> Check {
    Box::new(move |root| run_cargo(root, args))
}

/// A check that runs clippy on every target of the workspace with `deny` lints as errors.
pub(crate) fn clippy_denying(deny: &'static str) -> Check {
    let args = [
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        deny,
    ];
    Box::new(move |root| run_cargo(root, &args))
}

/// Runs `cargo <args>` in the workspace, passing its output through.
pub(crate) fn run_cargo(root: &Path, args: &[&str]) -> Result<(), String> {
    let status = cargo()
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn steps() -> Vec<Step> {
    vec![
        Step {
            name: "format",
            run: cargo_step(&["fmt", "--all", "--check"]),
        },
        Step {
            name: "generated code is fresh",
            run: Box::new(|root| {
                let spec = root.join(codegen::SPEC_PATH);
                let changed = codegen::run(root, &spec, codegen::Mode::Check)?;
                if changed.is_empty() {
                    Ok(())
                } else {
                    Err(codegen::stale_message(&changed))
                }
            }),
        },
        Step {
            name: "sample pictures are fresh",
            run: Box::new(|root| sample_images::run(root, sample_images::Mode::Check).map(drop)),
        },
        Step {
            name: "clippy, all targets, warnings denied",
            run: clippy_denying("warnings"),
        },
        Step {
            name: "the whole test suite",
            run: Box::new(whole_suite),
        },
        Step {
            name: "client parity",
            // Selected in the workspace (only hitem3d-blocking has it), so it is built with the
            // suite's features; `-p` would rebuild its dependencies with their own (41 s).
            run: cargo_step(&["test", "--workspace", "--test", "parity", "--locked"]),
        },
        Step {
            name: "no runtime under hitem3d-blocking, any features",
            run: Box::new(no_runtime_in_blocking),
        },
        Step {
            name: "docs, warnings denied",
            run: Box::new(|root| {
                let status = cargo()
                    .args(["doc", "--workspace", "--no-deps", "--locked"])
                    .env("RUSTDOCFLAGS", "-D warnings")
                    .current_dir(root)
                    .status()
                    .map_err(|error| format!("cannot run cargo: {error}"))?;
                status
                    .success()
                    .then_some(())
                    .ok_or_else(|| format!("`cargo doc` failed ({status})"))
            }),
        },
        Step {
            name: "benches build and run small (no figure judged)",
            run: Box::new(|root| crate::bench::run(root, true)),
        },
        Step {
            name: "examples build",
            run: cargo_step(&["build", "--workspace", "--examples", "--locked"]),
        },
        Step {
            name: "the main job writes a GLB (on the built-in mock)",
            run: Box::new(main_job_writes_a_glb),
        },
    ]
}

/// Runs every step, stopping at the first failure.
pub fn run(root: &Path) -> Result<(), String> {
    run_steps(root, "ci", &steps())
}

/// Runs `steps` in order, stopping at the first failure; `what` names the run in its summary.
pub(crate) fn run_steps(root: &Path, what: &str, steps: &[Step]) -> Result<(), String> {
    let started = Instant::now();
    for (index, step) in steps.iter().enumerate() {
        println!("\n==> [{}] {}", index + 1, step.name);
        let began = Instant::now();
        (step.run)(root).map_err(|error| format!("step {:?} failed: {error}", step.name))?;
        println!("==> ok: {} ({:.0?})", step.name, began.elapsed());
    }
    println!("\n{what}: all checks passed in {:.0?}", started.elapsed());
    Ok(())
}

/// Every test. Under cargo-nextest where it is installed, which runs the test programs side by
/// side instead of one after another (105 s instead of 186 s here), then the doctests, which
/// it does not run; else `cargo test`, the README's command.
fn whole_suite(root: &Path) -> Result<(), String> {
    if !tools::installed("nextest") {
        return run_cargo(root, &["test", "--workspace", "--locked"]);
    }
    let every_test = [
        "nextest",
        "run",
        "--workspace",
        "--locked",
        "--no-fail-fast",
    ];
    run_cargo(root, &every_test)?;
    run_cargo(root, &["test", "--workspace", "--doc", "--locked"])
}

fn no_runtime_in_blocking(root: &Path) -> Result<(), String> {
    let output = cargo()
        .args([
            "tree",
            "--locked",
            "-p",
            "hitem3d-blocking",
            "--all-features",
        ])
        .args(["-e", "normal", "--prefix", "none", "--format", "{p}"])
        .current_dir(root)
        .output()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let tree = String::from_utf8_lossy(&output.stdout);
    let found: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| RUNTIME_CRATES.contains(name))
        .collect();
    if found.is_empty() {
        Ok(())
    } else {
        Err(format!("hitem3d-blocking depends on {found:?}"))
    }
}

/// The README's first command (`hitem3d generate`), with no credentials: it must leave a
/// well-formed GLB behind.
fn main_job_writes_a_glb(root: &Path) -> Result<(), String> {
    let out = root.join("target").join("xtask-ci").join("generate");
    if out.exists() {
        std::fs::remove_dir_all(&out)
            .map_err(|error| format!("clearing {}: {error}", out.display()))?;
    }
    let mut command = cargo();
    command
        .args([
            "run",
            "--locked",
            "--quiet",
            "-p",
            "hitem3d-cli",
            "--",
            "generate",
        ])
        .arg("--output")
        .arg(&out)
        .args(["--mock-speed", "2000"])
        .current_dir(root);
    for var in CREDENTIAL_VARS {
        command.env_remove(var);
    }
    let status = command
        .status()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if !status.success() {
        return Err(format!("`hitem3d generate` failed ({status})"));
    }
    let models: Vec<PathBuf> = std::fs::read_dir(&out)
        .map_err(|error| format!("reading {}: {error}", out.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "glb"))
        .collect();
    let [model] = models.as_slice() else {
        return Err(format!(
            "expected one .glb in {}, found {models:?}",
            out.display()
        ));
    };
    check_glb_header(model)
}

/// The GLB container header: magic, version 2, and a length that matches the file.
fn check_glb_header(path: &Path) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))?;
    let word = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let well_formed = bytes.starts_with(b"glTF")
        && word(4) == Some(2)
        && word(8).and_then(|len| usize::try_from(len).ok()) == Some(bytes.len());
    if well_formed {
        println!("{}: GLB 2.0, {} bytes", path.display(), bytes.len());
        Ok(())
    } else {
        Err(format!("{} is not a well-formed GLB", path.display()))
    }
}
