//! `cargo xtask codegen --check` as a user runs it: its exit status and what it prints.

use std::path::Path;
use std::process::Command;

fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

fn spec_text() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::fs::read_to_string(root.join("spec/hitem3d.toml")).unwrap()
}

#[test]
fn check_passes_on_the_checked_in_spec() {
    let output = xtask().args(["codegen", "--check"]).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn check_fails_and_names_the_fix_after_the_spec_is_edited() {
    let dir = tempfile::tempdir().unwrap();
    let edited = dir.path().join("hitem3d.toml");
    std::fs::write(
        &edited,
        spec_text().replace("\"512³ voxel grid", "\"512 voxel grid"),
    )
    .unwrap();

    let output = xtask()
        .args(["codegen", "--check", "--spec"])
        .arg(&edited)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("resolution.rs"), "{stderr}");
    assert!(stderr.contains("run `cargo xtask codegen`"), "{stderr}");
}

#[test]
fn unknown_options_are_refused() {
    let output = xtask().args(["codegen", "--chek"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}
