//! Repository automation for hitem3d-rs, run as `cargo xtask <command>`.
//!
//! - `cargo xtask codegen [--check] [--spec <file>]`: regenerate the API tables in
//!   `hitem3d-types` from `spec/hitem3d.toml`; with `--check`, only report stale files and exit
//!   with status 1 if there are any.
//! - `cargo xtask sample-images [--check]`: redraw the examples' sample pictures.
//! - `cargo xtask ci`: every check a change must pass (see `ci.rs`).
//! - `cargo xtask bench [--smoke]`: every performance bench in one run (see `bench.rs`).
//! - `cargo xtask mutants [cargo-mutants options]`: mutation testing (see `mutants.rs`).
//! - `cargo xtask release-check`: what must hold before publishing (see `release_check.rs`).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool reports on the terminal"
)]

mod bench;
mod cargo_command;
mod ci;
mod codegen;
mod mutants;
mod release_check;
mod sample_images;
mod spec;
mod tools;
mod unpacked_copies;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  codegen [--check] [--spec <file>]
      Regenerate hitem3d-types/src/generated from spec/hitem3d.toml.
      --check  write nothing; exit 1 if any generated file is out of date
      --spec   read another spec file (for testing the generator)
  sample-images [--check]
      Redraw hitem3d-cli/images/{front,back,left,right}.png.
      --check  write nothing; exit 1 if any picture differs from what is drawn
  ci
      Format, generated code and pictures fresh, clippy -D warnings, the whole test suite,
      client parity, no runtime under hitem3d-blocking, docs with warnings denied, examples
      build, and the main job (the generate example on the built-in mock) writes a GLB.
  bench [--smoke]
      Every performance bench in one run, each printing its figures against its baseline
      (raw reqwest, raw ureq, a minimal hyper server, fixed polls, the concurrency bound).
      --smoke  build them all in the dev profile and run the quick ones small (CI)
  mutants [cargo-mutants options]
      Mutation testing of hitem3d-core and the clients' transports with cargo-mutants
      (installed if missing); reports in target/mutants. Slow: not part of ci. Options go to
      cargo mutants, e.g. --file hitem3d-core/src/download.rs or --shard 1/4.
  release-check
      What must hold before publishing: each published crate's metadata, README and docs.rs
      settings, a changelog section, nothing newer than rust-version, licences, duplicates
      and sources (cargo-deny), every feature alone (cargo-hack), the public API against
      release/semver-baseline (cargo-semver-checks), and cargo package. Tools are installed
      with cargo install --locked where missing.";

/// The workspace root: xtask lives one level below it.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => codegen_command(&args[1..]),
        Some("sample-images") => sample_images_command(&args[1..]),
        Some("ci") if args.len() == 1 => report(ci::run(&workspace_root())),
        Some("bench") if args.len() == 1 => report(bench::run(&workspace_root(), false)),
        Some("bench") if args[1..] == ["--smoke"] => report(bench::run(&workspace_root(), true)),
        Some("mutants") => report(mutants::run(&workspace_root(), &args[1..])),
        Some("release-check") if args.len() == 1 => report(release_check::run(&workspace_root())),
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("unknown command {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn codegen_command(args: &[String]) -> ExitCode {
    let root = workspace_root();
    let mut mode = codegen::Mode::Write;
    let mut spec = root.join(codegen::SPEC_PATH);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--check" => mode = codegen::Mode::Check,
            "--spec" => match rest.next() {
                Some(path) => spec = PathBuf::from(path),
                None => {
                    eprintln!("--spec needs a file\n\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("unknown codegen option {other:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }

    match codegen::run(&root, &spec, mode) {
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
        Ok(changed) if mode == codegen::Mode::Check && !changed.is_empty() => {
            eprintln!("{}", codegen::stale_message(&changed));
            ExitCode::FAILURE
        }
        Ok(changed) => {
            if changed.is_empty() {
                println!("generated code is up to date");
            }
            for path in changed {
                println!("updated {}", path.display());
            }
            ExitCode::SUCCESS
        }
    }
}

fn sample_images_command(args: &[String]) -> ExitCode {
    let mode = match args {
        [] => sample_images::Mode::Write,
        [flag] if flag == "--check" => sample_images::Mode::Check,
        _ => {
            eprintln!("unknown sample-images options {args:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match sample_images::run(&workspace_root(), mode) {
        Ok(written) => {
            for path in &written {
                println!("wrote {}", path.display());
            }
            if written.is_empty() {
                println!("sample pictures are up to date");
            }
            ExitCode::SUCCESS
        }
        Err(error) => report(Err(error)),
    }
}

fn report(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
