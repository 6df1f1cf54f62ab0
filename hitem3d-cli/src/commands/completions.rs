//! `hitem3d completions`: a shell's completion script on stdout.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};

/// Prints the script for the shell.
pub fn run(args: &CompletionsArgs) -> ExitCode {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "hitem3d", &mut std::io::stdout());
    ExitCode::SUCCESS
}
