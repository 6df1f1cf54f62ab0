//! `cargo xtask bench [--smoke]`: every performance bench in one run, each printing its rows
//! against its baseline (issue 16). With `--smoke` (CI): the benches built in the dev profile
//! and the quick ones run small, to show they still work; no figure is judged.

use std::path::Path;
use std::process::Command;

use crate::cargo_command::{cargo, without_run_env};

/// A bench target, what it measures, and whether the smoke runs it.
struct Bench {
    package: &'static str,
    name: &'static str,
    measures: &'static str,
    /// Heavy ones (hundreds of megabytes moved) are only built by the smoke.
    in_smoke: bool,
    /// Run a second time pinned to one core, where its times are steadier (see the bench).
    also_pinned: bool,
}

const BENCHES: [Bench; 9] = [
    Bench {
        package: "hitem3d-core",
        name: "polling",
        measures: "queries and detection delay of the learning waiter, in virtual time",
        in_smoke: true,
        also_pinned: false,
    },
    Bench {
        package: "hitem3d-bench",
        name: "per_call",
        measures: "one query vs raw ureq and raw reqwest",
        in_smoke: true,
        also_pinned: true,
    },
    Bench {
        package: "hitem3d-bench",
        name: "upload_memory",
        measures: "peak memory of a 4 x 19.9 MB submit",
        in_smoke: false,
        also_pinned: false,
    },
    Bench {
        package: "hitem3d-bench",
        name: "download_speed",
        measures: "a 256 MiB download vs curl -o",
        in_smoke: true,
        also_pinned: false,
    },
    Bench {
        package: "hitem3d-async",
        name: "slots_at_scale",
        measures: "1,000 tasks through 10 slots vs the concurrency bound",
        in_smoke: true,
        also_pinned: false,
    },
    Bench {
        package: "hitem3d-bench",
        name: "fleet",
        measures: "1, 4 and 16 workers on one PostgreSQL queue vs the concurrency bound",
        in_smoke: true,
        also_pinned: false,
    },
    Bench {
        package: "hitem3d-mock",
        name: "versus_hyper",
        measures: "the mock vs a minimal hyper server",
        in_smoke: true,
        also_pinned: false,
    },
    Bench {
        package: "hitem3d-mock",
        name: "serving",
        measures: "mock memory under uploads, latency under load",
        in_smoke: false,
        also_pinned: false,
    },
    Bench {
        package: "hitem3d-mock",
        name: "soak",
        measures: "mock memory over an hour of mixed traffic, compressed",
        in_smoke: true,
        also_pinned: false,
    },
];

fn run_cargo(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("{what} failed ({status})"))
}

/// Runs every bench (or, with `smoke`, builds them all and runs the quick ones small).
pub fn run(root: &Path, smoke: bool) -> Result<(), String> {
    let profile: &[&str] = if smoke { &["--profile", "dev"] } else { &[] };
    run_cargo(
        cargo()
            .args(["bench", "--workspace", "--benches", "--no-run", "--locked"])
            .args(profile)
            .current_dir(root),
        "building the benches",
    )?;
    for bench in BENCHES.iter().filter(|bench| !smoke || bench.in_smoke) {
        println!(
            "\n==> {} / {}: {}",
            bench.package, bench.name, bench.measures
        );
        // Each bench is named once in the workspace. Selected with `--workspace`, it is built
        // with the features of the build above; `-p` would resolve them for its package alone
        // and rebuild rustls, reqwest and their dependents for every bench (41 s of the smoke).
        let mut command = cargo();
        command
            .args(["bench", "--locked", "--workspace", "--bench", bench.name])
            .args(profile)
            .current_dir(root);
        if smoke {
            // Each bench reads it and runs small.
            command.env("HITEM3D_BENCH_SMOKE", "1");
        }
        run_cargo(&mut command, &format!("bench {}", bench.name))?;
        if bench.also_pinned && !smoke && taskset_works() {
            println!("\n==> {} / {}, pinned to core 0", bench.package, bench.name);
            let cargo_path = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            let mut pinned = Command::new("taskset");
            without_run_env(&mut pinned);
            pinned
                .args(["-c", "0", &cargo_path, "bench", "--locked", "--workspace"])
                .args(["--bench", bench.name])
                .current_dir(root);
            run_cargo(&mut pinned, &format!("bench {} pinned", bench.name))?;
        }
    }
    Ok(())
}

/// Whether `taskset` (util-linux) is here to pin a bench to one core.
fn taskset_works() -> bool {
    Command::new("taskset")
        .args(["-c", "0", "true"])
        .status()
        .is_ok_and(|status| status.success())
}
