//! The mock shares the data model with the clients and nothing of their logic: a mistake in
//! the client core cannot hide behind the same mistake in the mock.

use std::process::Command;

#[test]
fn the_mock_depends_on_the_types_but_not_on_the_client_core() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "--locked",
            "-p",
            "hitem3d-mock",
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
        crates.contains(&"hitem3d-types"),
        "the tree was read:\n{tree}"
    );
    for client_crate in ["hitem3d-core", "hitem3d-async", "hitem3d-blocking"] {
        assert!(
            !crates.contains(&client_crate),
            "the mock depends on {client_crate}:\n{tree}"
        );
    }
}
