//! Two to four views of one object make a better model than one photo. The front view is
//! required; the SDK sends the views in the order the service expects, whatever order you add
//! them in, and refuses a set without a front before anything is sent.
//!
//! ```sh
//! cargo run --example multi_view                  # the sample house's four views
//! cargo run --example multi_view -- front.png back.png left.png right.png
//! ```
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program"
)]

mod support;

use std::path::PathBuf;
use std::process::ExitCode;

use hitem3d_async::types::{Model, OutputFormat, View};
use hitem3d_async::{GenerateOptions, Image, SubmitTask};

const VIEWS: [View; 4] = [View::Front, View::Back, View::Left, View::Right];

const USAGE: &str = "usage: multi_view [FRONT [BACK [LEFT [RIGHT]]]]

Sends two to four views of one object (default: the sample house's four) and saves the model
and its cover in out/.";

#[tokio::main]
async fn main() -> ExitCode {
    let args = match support::plain_arguments(USAGE) {
        Ok(args) => args,
        Err(exit) => return exit,
    };
    let paths: Vec<PathBuf> = match args.into_iter().map(PathBuf::from).collect::<Vec<_>>() {
        given if given.is_empty() => VIEWS.iter().map(support::sample_picture).collect(),
        given => given,
    };
    if paths.len() > VIEWS.len() {
        eprintln!("error: at most four views: front, back, left, right");
        return ExitCode::from(2);
    }
    let mut builder = SubmitTask::builder(Model::Hitem3dV2_1).format(OutputFormat::Glb);
    for (view, path) in VIEWS.iter().cloned().zip(&paths) {
        match support::read_picture(path) {
            Ok(picture) => builder = builder.view(view, Image::new(picture)),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        }
    }
    let task = match builder.build() {
        Ok(task) => task,
        Err(error) => return support::fail(&error.into()),
    };
    let session = match support::connect(120.0).await {
        Ok(session) => session,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    if let Some(mask) = task.view_mask() {
        // front, back, left, right: 1 where a view is sent.
        println!("sending {} views (multi_images_bit {mask})", paths.len());
    }
    let options = GenerateOptions::new("out")
        .with_file_stem("multi-view")
        .with_cover(true);
    match session.client.generate(task, options).await {
        Ok(generated) => {
            println!("model: {}", generated.model.path.display());
            if let Some(cover) = generated.cover {
                println!("cover: {}", cover.path.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => support::fail(&error),
    }
}
