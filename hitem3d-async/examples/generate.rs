//! Turn a photo (or two to four views of an object) into a 3D model, with live progress.
//!
//! ```sh
//! cargo run --example generate                                 # the sample house, four views
//! cargo run --example generate -- chair.png --format stl -o models
//! cargo run --example generate -- front.jpg --back back.jpg --model hi3dv3.0 --face 500000
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

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use hitem3d_async::types::{Model, OutputFormat, RequestType, Resolution, TaskState, View};
use hitem3d_async::{
    GenerateOptions, GenerateProgress, Generated, Image, ResultKind, SubmitTask, WaitEvent,
};
use indicatif::{HumanBytes, ProgressBar, ProgressStyle};

/// Turn a photo, or two to four views of one object, into a 3D model with Hitem3D.
#[derive(Debug, Parser)]
#[command(
    after_help = "Without HITEM3D_CLIENT_ID and HITEM3D_CLIENT_SECRET set, runs on the \
                        built-in mock service. With no picture, uses the sample house in \
                        hitem3d-cli/images (all four views)."
)]
struct Args {
    /// The front view (required by the service whenever views are given).
    image: Option<PathBuf>,
    /// The back view.
    #[arg(long)]
    back: Option<PathBuf>,
    /// The left view.
    #[arg(long)]
    left: Option<PathBuf>,
    /// The right view.
    #[arg(long)]
    right: Option<PathBuf>,
    /// The model: hitem3dv1, hitem3dv1.5, hitem3dv2.0, hitem3dv2.1, hi3dv3.0,
    /// scene-portraitv1.5, scene-portraitv2.0, scene-portraitv2.1.
    #[arg(long, default_value = "hitem3dv2.1")]
    model: Model,
    /// The resolution, e.g. 1536fast, 1536pro, 2048quality (default: the model's).
    #[arg(long)]
    resolution: Option<Resolution>,
    /// geometry, texture (needs --mesh-url) or both.
    #[arg(long)]
    request_type: Option<RequestType>,
    /// The mesh to texture, with --request-type texture.
    #[arg(long)]
    mesh_url: Option<String>,
    /// The number of faces (default: the model's).
    #[arg(long)]
    face: Option<u32>,
    /// glb, obj, stl, fbx, usdz or 3mf.
    #[arg(long, default_value = "glb")]
    format: OutputFormat,
    /// The directory for the model (and cover).
    #[arg(long, short, default_value = "out")]
    output: PathBuf,
    /// The file name without extension (default: the task id). An existing file of that name
    /// stops the run before anything is paid for, unless --overwrite is given.
    #[arg(long)]
    name: Option<String>,
    /// Replace files already in the output directory.
    #[arg(long)]
    overwrite: bool,
    /// Download the cover picture too.
    #[arg(long)]
    cover: bool,
    /// How much faster than the real service the built-in mock runs.
    #[arg(long, default_value_t = 60.0)]
    mock_speed: f64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // Everything that can be checked locally is, before any request.
    let task = match task_from(&args) {
        Ok(task) => task,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let session = match support::connect(args.mock_speed).await {
        Ok(session) => session,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    match run(&session, task, &args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => support::fail(&error),
    }
}

/// The task the arguments describe, validated by the SDK.
fn task_from(args: &Args) -> Result<SubmitTask, String> {
    let views = [
        (View::Back, &args.back),
        (View::Left, &args.left),
        (View::Right, &args.right),
    ];
    let no_views_given = args.image.is_none() && views.iter().all(|(_, path)| path.is_none());
    let mut builder = SubmitTask::builder(args.model.clone()).format(args.format.clone());
    if no_views_given {
        for view in [View::Front, View::Back, View::Left, View::Right] {
            let picture = support::read_picture(&support::sample_picture(&view))?;
            builder = builder.view(view, Image::new(picture));
        }
    } else if views.iter().all(|(_, path)| path.is_none()) {
        let front = args.image.as_ref().expect("checked above");
        builder = builder.image(Image::new(support::read_picture(front)?));
    } else {
        if let Some(front) = &args.image {
            builder = builder.view(View::Front, Image::new(support::read_picture(front)?));
        }
        for (view, path) in views {
            if let Some(path) = path {
                builder = builder.view(view, Image::new(support::read_picture(path)?));
            }
        }
    }
    if let Some(resolution) = &args.resolution {
        builder = builder.resolution(resolution.clone());
    }
    if let Some(request_type) = &args.request_type {
        builder = builder.request_type(request_type.clone());
    }
    if let Some(mesh_url) = &args.mesh_url {
        builder = builder.mesh_url(mesh_url.clone());
    }
    if let Some(face) = args.face {
        builder = builder.face(face);
    }
    builder.build().map_err(|error| error.to_string())
}

async fn run(
    session: &support::Session,
    task: SubmitTask,
    args: &Args,
) -> Result<(), hitem3d_async::Error> {
    let client = &session.client;
    let model = task.model().clone();
    let resolution = task.resolution().cloned();
    let views = task.images().count();
    let before = client.balance().await?.total();
    let mut options = GenerateOptions::new(&args.output)
        .with_cover(args.cover)
        .with_overwrite(args.overwrite);
    if let Some(name) = &args.name {
        options = options.with_file_stem(name);
    }

    let started = Instant::now();
    let bar = ProgressBar::new_spinner();
    bar.set_style(spinner_style());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar.set_message(format!("submitting {views} view(s) to {model}"));
    let downloading = std::cell::Cell::new(None);
    let generating = client.generate_with(task, options, |step| show(&bar, &downloading, &step));
    // Ctrl-C or SIGTERM drops the generate future, which removes a half-written file; the
    // select ends (and drops it) before anything else happens.
    let generated = tokio::select! {
        generated = generating => Some(generated),
        () = interrupted() => None,
    };
    bar.finish_and_clear();
    let Some(generated) = generated else {
        eprintln!(
            "interrupted: no half-written file is left; a task already submitted goes on at the \
             service, and its id (printed above) is enough to download it later"
        );
        std::process::exit(130);
    };
    let generated = generated?;
    let after = client.balance().await?.total();

    report(&generated, &model, resolution.as_ref(), started.elapsed());
    match (before, after) {
        (Some(before), Some(after)) => println!(
            "  credits     {} spent ({before} → {after}){}",
            hitem3d_async::types::Credits(before.0 - after.0),
            if session.on_mock() { ", simulated" } else { "" }
        ),
        _ => println!("  credits     (the service did not report a balance)"),
    }
    Ok(())
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}").expect("a valid template")
}

fn bytes_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {msg} {bar:30} {bytes}/{total_bytes} ({bytes_per_sec})",
    )
    .expect("a valid template")
}

/// One line of live progress: the task's state, then the download's bytes; `downloading` is
/// the file being fetched, so that the next one starts its bar from zero.
fn show(
    bar: &ProgressBar,
    downloading: &std::cell::Cell<Option<ResultKind>>,
    step: &GenerateProgress,
) {
    match step {
        GenerateProgress::Submitted { task_id } => {
            say(bar, format!("task {task_id} submitted"));
            bar.set_message("waiting for the service");
        }
        GenerateProgress::Waiting(event) => match event {
            WaitEvent::StateChanged { to, .. } => bar.set_message(describe(to, None)),
            WaitEvent::Progress { state, percent, .. } => {
                bar.set_message(describe(state, Some(*percent)));
            }
            WaitEvent::PollFailed { error, .. } => {
                say(bar, format!("a status check failed, retrying: {error}"));
            }
            _ => {}
        },
        GenerateProgress::Resumed { task_id } => {
            say(
                bar,
                format!("task {task_id} was already paid for: resuming it"),
            );
            bar.set_message("waiting for the service");
        }
        GenerateProgress::Downloading(progress) => {
            if downloading.get() != Some(progress.kind) {
                downloading.set(Some(progress.kind));
                bar.reset();
                bar.set_style(bytes_style());
                bar.set_length(progress.total.unwrap_or(0));
                bar.set_message(match progress.kind {
                    ResultKind::Model => "downloading the model",
                    _ => "downloading the cover",
                });
            }
            bar.set_position(progress.bytes);
        }
        // The summary at the end lists the files.
        GenerateProgress::Saved(_) => bar.set_style(spinner_style()),
        _ => {}
    }
}

/// A line above the progress bar, or on stderr when there is no terminal to draw it on.
fn say(bar: &ProgressBar, line: String) {
    if bar.is_hidden() {
        eprintln!("{line}");
    } else {
        bar.println(line);
    }
}

fn describe(state: &TaskState, percent: Option<f64>) -> String {
    let what = match state {
        TaskState::Created => "created",
        TaskState::Queueing => "queued at the service",
        TaskState::Processing => "generating",
        TaskState::Success => "done",
        TaskState::Failed => "failed",
        _ => "in an unknown state",
    };
    match percent {
        Some(percent) => format!("{what} ({percent:.0}%)"),
        None => what.to_owned(),
    }
}

fn report(generated: &Generated, model: &Model, resolution: Option<&Resolution>, took: Duration) {
    let path = &generated.model.path;
    let format = path
        .extension()
        .map_or_else(|| "?".to_owned(), |ext| ext.to_string_lossy().into_owned());
    println!("Saved {}", path.display());
    println!("  format      {format}");
    println!("  size        {}", HumanBytes(generated.model.bytes()));
    println!("  model       {model}");
    match resolution {
        Some(resolution) => println!("  resolution  {resolution}"),
        None => println!("  resolution  (the model's default)"),
    }
    println!("  task        {}", generated.task_id);
    if let Some(cover) = &generated.cover {
        println!("  cover       {}", cover.path.display());
    }
    println!("  took        {:.1} s", took.as_secs_f64());
}

/// Resolves on Ctrl-C, or on SIGTERM where there is one.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut terminate) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
