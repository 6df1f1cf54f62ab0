//! `hitem3d`: turn photos into 3D models with Hitem3D from the command line.
//!
//! Every command is a thin use of the SDK (`hitem3d-async`); tasks are recorded in the task
//! journal (`hitem3d-journal`) before they are paid for, so `hitem3d resume` and a re-run
//! finish what a crash or Ctrl-C left, without paying twice.

mod audience;
mod cli;
mod commands;
mod exit_code;
mod journal_access;
mod listed_values;
mod logs;
mod mcp;
mod mcp_answers;
mod mcp_arguments;
mod mcp_progress;
mod pictures;
mod progress;
mod queue_access;
mod report;
mod saved_before;
mod session;
mod stale_partials;
mod task_spec;
mod wording;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::exit_code::{Exit, Failure};
use crate::report::Report;
use crate::session::Connect;

fn main() -> ExitCode {
    let cli = cli::parse();
    let report = Report::new(cli.json);
    logs::start(cli.verbose);
    // These two need no runtime: the mock brings its own, completions print and end.
    match &cli.command {
        Command::Mock(args) => {
            // The global --json asks the mock for its JSON start-up line.
            let mut args = args.args.clone();
            if cli.json && !args.iter().any(|arg| arg == "--json") {
                args.push("--json".to_owned());
            }
            return hitem3d_mock::standalone::run("hitem3d mock", &args);
        }
        Command::Completions(args) => return commands::completions::run(args),
        _ => {}
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            report.error(&format!("cannot start the runtime: {error}"), 1);
            return ExitCode::FAILURE;
        }
    };
    // On the built-in mock the journal is in memory and the mock ends with the process: a task
    // does not outlive it, and nothing is kept to resume.
    let on_builtin_mock = session::builtin_mock_in_memory(cli.queue.is_some());
    let exit = runtime.block_on(async {
        tokio::select! {
            ended = run(cli, report) => ended,
            () = interrupted() => Err(Failure {
                message: if on_builtin_mock {
                    "interrupted: no partial file is left; the built-in mock's tasks end with \
                     this process and nothing was charged"
                } else {
                    "interrupted: no partial file is left; a task already submitted goes on at \
                     the service and stays in the journal (`hitem3d resume`)"
                }
                .to_owned(),
                exit: Exit::Interrupted,
            }),
        }
    });
    // The runtime is dropped here, after the command's future: downloads in progress have
    // removed their temporary files.
    drop(runtime);
    match exit {
        Ok(exit) => exit.into(),
        Err(failure) => {
            report.error(&failure.message, failure.exit.code());
            failure.exit.into()
        }
    }
}

/// Runs the command; `Ok` carries the exit code of a command that reports partial failure
/// itself (a batch).
async fn run(cli: Cli, report: Report) -> Result<Exit, Failure> {
    let queue = cli
        .queue
        .as_deref()
        .filter(|url| !url.trim().is_empty())
        .map(str::parse)
        .transpose()
        .map_err(|error: hitem3d_postgres::DatabaseUrlError| {
            Failure::invalid(format!("--queue (or HITEM3D_QUEUE): {error}"))
        })?;
    let connect = Connect {
        journal: cli.journal.clone(),
        queue,
        mock_speed: cli.mock_speed,
        slots: None,
        overwrite: false,
        poll_every: cli.poll_every,
        works_queue: false,
    };
    match cli.command {
        Command::Generate(args) => commands::generate::run(args, &connect, report).await,
        Command::Submit(args) => commands::submit::run(args, &connect, report).await,
        Command::Status(args) => commands::status::run(args, &connect, report).await,
        Command::Wait(args) => commands::wait::run(args, &connect, report).await,
        Command::Download(args) => commands::download::run(args, &connect, report).await,
        Command::Balance => commands::balance::run(&connect, report).await,
        Command::Estimate(args) => commands::estimate::run(&args, report),
        Command::Batch(args) => commands::batch::run(args, &connect, report).await,
        Command::Worker(args) => commands::worker::run(args, &connect, report).await,
        Command::Tasks(args) => commands::tasks::run(&args, &connect, report).await,
        Command::Resume(args) => commands::resume::run(args, &connect, report).await,
        Command::Forget(args) => commands::forget::run(&args, &connect, report).await,
        Command::Relief(args) => commands::relief::run(args, &connect, report).await,
        Command::Split(args) => commands::mesh::split(args, &connect, report).await,
        Command::Segment(args) => commands::mesh::segment(args, &connect, report).await,
        Command::Multicolor(args) => commands::mesh::multicolor(args, &connect, report).await,
        Command::Upload(args) => commands::mesh::upload(&args, &connect, report).await,
        Command::Mcp => mcp::run(&connect, report).await,
        Command::Mock(_) | Command::Completions(_) => Ok(Exit::Done),
    }
}

/// Resolves on Ctrl-C, or on SIGTERM or SIGHUP where there are such.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        // A closed terminal (SIGHUP) ends the run as Ctrl-C and SIGTERM do: files cleaned up,
        // the task left in the journal.
        let (Ok(mut terminate), Ok(mut hang_up)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
            _ = hang_up.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
