//! A saved model is on the disk before it takes its name: the client syncs the partial file
//! and only then renames it, so a power cut leaves either no file or the whole model, never an
//! empty one under the model's name.
//!
//! Nothing inside a process can see a sync, so the scenario runs itself again under `strace`
//! (the test binary, this one test) and reads the system calls it made.

use std::path::Path;
use std::process::Command;

use hitem3d_core::GenerateOptions;
use hitem3d_core::types::OutputFormat;

use super::{Sdk, client_for, fast_mock, out_dir, single_view};

/// Set in the traced copy of the test binary, to the folder it saves the model in.
const TRACED_OUTPUT: &str = "HITEM3D_TRACED_OUTPUT";

/// Set (to anything) where `strace` must be there: its absence then fails the test instead of
/// skipping it. `.ci/run` sets it.
pub const REQUIRE_STRACE: &str = "HITEM3D_REQUIRE_STRACE";

/// The scenario's test name in both clients' suites (the `scenarios!` macro names each test
/// after its scenario, at the top of the test crate).
const TEST_NAME: &str = "durable_a_saved_model_is_synced_before_it_takes_its_name";

/// The calls the check reads: syncs, and the renames or links that give a file its name.
const TRACED_CALLS: &str = "trace=fsync,fdatasync,rename,renameat,renameat2,link,linkat";

pub fn durable_a_saved_model_is_synced_before_it_takes_its_name<S: Sdk>() {
    if let Some(output) = std::env::var_os(TRACED_OUTPUT) {
        save_a_model::<S>(Path::new(&output));
        return;
    }
    if !strace_runs() {
        return;
    }
    let dir = out_dir();
    let output = dir.path().join("models");
    let trace = dir.path().join("trace.log");
    let status = Command::new("strace")
        // Every thread, file descriptors shown with their paths, no notes about signals.
        .args([
            "-f",
            "-qq",
            "-y",
            "-e",
            TRACED_CALLS,
            "-e",
            "signal=none",
            "-o",
        ])
        .arg(&trace)
        .arg(std::env::current_exe().expect("the test binary's path"))
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(TRACED_OUTPUT, &output)
        .status()
        .expect("strace runs");
    assert!(status.success(), "the traced run failed: {status}");

    let saved: Vec<_> = std::fs::read_dir(&output)
        .expect("the traced run made its folder")
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    let [model] = saved.as_slice() else {
        panic!("one model and nothing else saved: {saved:?}");
    };
    let trace = std::fs::read_to_string(&trace).expect("strace wrote its log");
    if let Err(why) = synced_before_named(&trace, model) {
        panic!("{why}\n--- the calls traced ---\n{trace}");
    }
}

/// The traced half: one model saved in `output` (the parent reads how).
fn save_a_model<S: Sdk>(output: &Path) {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    client
        .generate(single_view(OutputFormat::Glb), GenerateOptions::new(output))
        .expect("generate succeeds");
}

/// Whether `strace` can trace here; where it is missing or not allowed to trace, the test
/// says so and is skipped, unless [`REQUIRE_STRACE`] is set.
#[allow(clippy::print_stderr, reason = "a skipped test says why")]
fn strace_runs() -> bool {
    let works = Command::new("strace")
        .args(["-qq", "-e", "trace=none", "true"])
        .status()
        .is_ok_and(|status| status.success());
    if !works {
        assert!(
            std::env::var_os(REQUIRE_STRACE).is_none(),
            "strace is missing or cannot trace ({REQUIRE_STRACE} is set): install strace (Debian: strace)"
        );
        eprintln!("skipped: strace is missing or cannot trace here");
    }
    works
}

/// Checks, in an `strace -f -y` log, that the partial file renamed (or linked) to the name
/// `model` had a sync return before that rename began.
fn synced_before_named(trace: &str, model: &str) -> Result<(), String> {
    let lines: Vec<&str> = trace.lines().collect();
    let naming = lines
        .iter()
        .position(|line| {
            is_naming(line)
                && quoted(line)
                    .last()
                    .is_some_and(|to| ends_with_name(to, model))
        })
        .ok_or_else(|| format!("no rename or link to {model} traced"))?;
    let from = quoted(lines[naming])
        .first()
        .and_then(|from| from.rsplit('/').next())
        .ok_or_else(|| format!("the rename to {model} names no source"))?
        .to_owned();
    // A sync of the partial file, by any thread, whose result came back before the rename.
    let mut started = Vec::new();
    for line in &lines[..naming] {
        let pid = line.split_whitespace().next().unwrap_or_default();
        let call = line[pid.len()..].trim_start();
        let is_sync = call.starts_with("fsync(") || call.starts_with("fdatasync(");
        if is_sync && call.contains(&format!("/{from}>")) {
            if call.ends_with("= 0") {
                return Ok(());
            }
            started.push(pid);
        } else if call.starts_with("<... f") && started.contains(&pid) && call.ends_with("= 0") {
            return Ok(());
        }
    }
    Err(format!(
        "{from} was renamed to {model} without a sync of it first"
    ))
}

fn is_naming(line: &str) -> bool {
    ["rename(", "renameat(", "renameat2(", "link(", "linkat("]
        .iter()
        .any(|call| line.contains(&format!(" {call}")))
}

/// The quoted strings of a traced call, in order (paths here hold no quotes).
fn quoted(line: &str) -> Vec<&str> {
    line.split('"').skip(1).step_by(2).collect()
}

fn ends_with_name(path: &str, name: &str) -> bool {
    Path::new(path).file_name().is_some_and(|file| file == name)
}

#[cfg(test)]
mod tests {
    use super::synced_before_named;

    const RENAME: &str = r#"7 renameat2(AT_FDCWD</t>, "/t/m/.m.glbA1.part", AT_FDCWD</t>, "/t/m/m.glb", RENAME_NOREPLACE) = 0"#;

    #[test]
    fn a_sync_that_returned_before_the_rename_counts() {
        let trace = format!("9 fsync(5</t/m/.m.glbA1.part>) = 0\n{RENAME}\n");
        assert_eq!(synced_before_named(&trace, "m.glb"), Ok(()));
        let resumed = format!(
            "9 fsync(5</t/m/.m.glbA1.part> <unfinished ...>\n9 <... fsync resumed>) = 0\n{RENAME}\n"
        );
        assert_eq!(synced_before_named(&resumed, "m.glb"), Ok(()));
    }

    #[test]
    fn a_missing_late_or_other_files_sync_does_not() {
        assert!(synced_before_named(&format!("{RENAME}\n"), "m.glb").is_err());
        let late = format!("{RENAME}\n9 fsync(5</t/m/.m.glbA1.part>) = 0\n");
        assert!(synced_before_named(&late, "m.glb").is_err());
        let other = format!("9 fsync(5</t/m/journal.db>) = 0\n{RENAME}\n");
        assert!(synced_before_named(&other, "m.glb").is_err());
        let unfinished = format!("9 fsync(5</t/m/.m.glbA1.part> <unfinished ...>\n{RENAME}\n");
        assert!(synced_before_named(&unfinished, "m.glb").is_err());
        assert!(synced_before_named("", "m.glb").is_err());
    }
}
