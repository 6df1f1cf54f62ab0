//! The blocking client: no async runtime, the same calls as the async client. Turns one
//! picture into a model, printing the task's states as they change.
//!
//! ```sh
//! cargo run --example generate_blocking                 # the sample house's front view
//! cargo run --example generate_blocking -- chair.png
//! ```
//!
//! With `HITEM3D_CLIENT_ID` and `HITEM3D_CLIENT_SECRET` set it uses the real service (and
//! spends credits); without them, the built-in mock.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hitem3d_blocking::types::{Model, OutputFormat};
use hitem3d_blocking::{GenerateOptions, GenerateProgress, Image, SubmitTask, WaitEvent};

const USAGE: &str = "usage: generate_blocking [PICTURE]

Turns PICTURE (PNG, JPEG or WebP; default: the sample house's front) into a GLB in out/,
printing each state change. Without HITEM3D_CLIENT_ID and HITEM3D_CLIENT_SECRET it runs on
the built-in mock.";

fn main() -> ExitCode {
    let args = match support::plain_arguments(USAGE) {
        Ok(args) => args,
        Err(exit) => return exit,
    };
    let path = args.first().map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../hitem3d-cli/images/front.png"),
        PathBuf::from,
    );
    let picture = match std::fs::read(&path) {
        Ok(picture) => picture,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", path.display());
            return ExitCode::from(2);
        }
    };
    // Checked here, before anything is sent.
    let task = SubmitTask::builder(Model::Hitem3dV2_1)
        .image(Image::new(picture))
        .format(OutputFormat::Glb)
        .build();
    let task = match task {
        Ok(task) => task,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };

    // The real service with credentials; otherwise the mock, kept alive until the end.
    let (client, _mock) = match support::client_or_mock(120.0) {
        Ok(pair) => pair,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };

    // Ctrl-C or SIGTERM ends the process without running destructors: the handler removes
    // the half-written file itself. A task already submitted goes on at the service.
    let cleaner = client.clone();
    let handler = ctrlc::set_handler(move || {
        cleaner.remove_partial_files();
        eprintln!(
            "interrupted: no half-written file is left; a task already submitted goes on at the \
             service, and its id (printed above) is enough to download it later"
        );
        std::process::exit(130);
    });
    if let Err(error) = handler {
        eprintln!("warning: Ctrl-C will not clean up: {error}");
    }

    let result = client.generate_with(task, GenerateOptions::new("out"), |step| match step {
        GenerateProgress::Submitted { task_id } => println!("submitted {task_id}"),
        GenerateProgress::Waiting(WaitEvent::StateChanged { to, elapsed, .. }) => {
            println!("  {to} after {:.1} s", elapsed.as_secs_f64());
        }
        GenerateProgress::Saved(file) => {
            println!("saved {} ({} bytes)", file.path.display(), file.bytes());
        }
        _ => {}
    });
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            if let Some(task_id) = error.task_id() {
                eprintln!("task id: {task_id} (it may still finish; wait for it by id)");
            }
            ExitCode::FAILURE
        }
    }
}
