//! Many pictures, one model each. Every `generate` call is started at once; the client lets
//! at most ten tasks (the account's limit, `ClientConfig::with_task_slots`) be unfinished at
//! the service and queues the rest, so no call fails for being one too many.
//!
//! ```sh
//! cargo run --example batch                       # 12 tasks from the sample pictures
//! cargo run --example batch -- photos/*.jpg --format stl --slots 4
//! ```
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program"
)]

mod support;

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use hitem3d_async::types::{Model, OutputFormat, View};
use hitem3d_async::{GenerateOptions, Image, SubmitTask};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::task::JoinSet;

/// Many pictures, one model each, several tasks at once. (`hitem3d batch` is the full tool:
/// it also resumes a batch run again without paying twice.)
#[derive(Debug, Parser)]
struct Args {
    /// The pictures [default: the sample house's views, three times].
    pictures: Vec<PathBuf>,
    /// glb, obj, stl, fbx, usdz or 3mf.
    #[arg(long, default_value = "glb")]
    format: OutputFormat,
    /// Tasks unfinished at the service at once (the account allows 10).
    #[arg(long, default_value_t = 10)]
    slots: usize,
    /// The directory for the models; existing files there are never replaced.
    #[arg(long, short, default_value = "out/batch")]
    output: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut paths = args.pictures.clone();
    if paths.is_empty() {
        let views = [View::Front, View::Back, View::Left, View::Right];
        paths = (0..3)
            .flat_map(|_| views.iter().map(support::sample_picture))
            .collect();
    }
    // Every task is built, and so checked, before the first one is sent; each file is named
    // after its picture, numbered when two pictures share a name.
    let mut tasks = Vec::new();
    let mut stems = HashSet::new();
    for path in &paths {
        let task = support::read_picture(path).and_then(|picture| {
            SubmitTask::builder(Model::Hitem3dV2_1)
                .image(Image::new(picture))
                .format(args.format.clone())
                .build()
                .map_err(|error| format!("{}: {error}", path.display()))
        });
        let base = path.file_stem().map_or_else(
            || "model".to_owned(),
            |stem| stem.to_string_lossy().into_owned(),
        );
        let mut stem = base.clone();
        for n in 2.. {
            if stems.insert(stem.clone()) {
                break;
            }
            stem = format!("{base}-{n}");
        }
        match task {
            Ok(task) => tasks.push((stem, task)),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        }
    }
    let session = match support::connect_with_slots(240.0, args.slots).await {
        Ok(session) => session,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };

    let bar = ProgressBar::new(tasks.len() as u64).with_style(
        ProgressStyle::with_template("[{elapsed_precise}] {bar:30} {pos}/{len} models {msg}")
            .expect("a valid template"),
    );
    let mut running = JoinSet::new();
    for (index, (stem, task)) in tasks.into_iter().enumerate() {
        let client = session.client.clone();
        let options = GenerateOptions::new(&args.output).with_file_stem(stem);
        running.spawn(async move { (index, client.generate(task, options).await) });
    }
    let mut failures = 0;
    while let Some(joined) = running.join_next().await {
        let (index, result) = joined.expect("a generate task does not panic");
        match result {
            Ok(generated) => say(
                &bar,
                format!(
                    "#{index:03} {} ({} bytes)",
                    generated.model.path.display(),
                    generated.model.bytes()
                ),
            ),
            Err(error) => {
                failures += 1;
                say(&bar, format!("#{index:03} failed: {error}"));
            }
        }
        bar.inc(1);
        bar.set_message(format!(
            "({} task slots free)",
            session.client.available_task_slots()
        ));
    }
    bar.finish();
    if let Some(mock) = &session.mock {
        println!(
            "the mock saw at most {} unfinished tasks at once",
            mock.peak_unfinished_tasks()
        );
    }
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A line above the progress bar, or on stdout when there is no terminal to draw it on.
fn say(bar: &ProgressBar, line: String) {
    if bar.is_hidden() {
        println!("{line}");
    } else {
        bar.println(line);
    }
}
