//! A relief from one picture: created at `depth/create-task`, waited for at its own query
//! endpoint (the `depth_` task id says which), and saved as a printable STL.
//!
//! ```sh
//! cargo run --example relief                    # the sample house's front view
//! cargo run --example relief -- cat.png out.stl
//! ```
//!
//! With `HITEM3D_CLIENT_ID` and `HITEM3D_CLIENT_SECRET` set it uses the real service (and
//! spends about 10 credits); without them, the built-in mock.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hitem3d_blocking::types::{ReliefFormat, ReliefModel};
use hitem3d_blocking::{Image, ReliefTask, ResultKind, image_from_path};

const USAGE: &str = "usage: relief [PICTURE] [OUT.stl]

Turns a PNG, JPEG or WebP picture into a relief (a height-field mesh) and saves it as STL.
PICTURE defaults to the sample house; OUT.stl to relief.stl (never overwritten).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let picture_path = args.first().map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../hitem3d-cli/images/front.png"),
        PathBuf::from,
    );
    let out = PathBuf::from(args.get(1).map_or("relief.stl", String::as_str));

    let (client, _mock) = match support::client_or_mock(120.0) {
        Ok(pair) => pair,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    // The picture is read from disk as it is sent, and checked before anything is.
    let task = image_from_path(&picture_path)
        .map_err(|error| error.to_string())
        .and_then(|image: Image| {
            ReliefTask::builder(ReliefFormat::Stl)
                .image(image)
                .model(ReliefModel::Base)
                .height(2.0)
                .width_mm(80)
                .build()
                .map_err(|error| error.to_string())
        });
    let task = match task {
        Ok(task) => task,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };

    let saved = client.submit(task).and_then(|task_id| {
        println!("relief task {task_id} created; waiting for it");
        let outcome = client.wait(&task_id)?;
        client.download(&outcome.result, ResultKind::Model, &out)
    });
    match saved {
        Ok(saved) => {
            println!("saved {} ({} bytes)", saved.path.display(), saved.bytes());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
