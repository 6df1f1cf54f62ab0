//! `hitem3d download`: save a finished task's files.

use hitem3d_async::types::TaskId;
use hitem3d_async::{GenerateOptions, TaskSource};
use indicatif::HumanBytes;
use serde_json::json;

use crate::cli::DownloadArgs;
use crate::exit_code::{Exit, Failure};
use crate::progress::Live;
use crate::report::Report;
use crate::session::{Connect, connect};

/// Runs `hitem3d download`: waits if the task is not done yet, then saves the model (and the
/// cover), never over an existing file unless `--force` (checked before anything is fetched).
pub async fn run(args: DownloadArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let task_id = TaskId::new(args.task_id.trim());
    let how = Connect {
        overwrite: args.output.force,
        ..how.clone()
    };
    crate::session::refuse_earlier_task_on_builtin_mock(&how, "download")?;
    let session = connect(&how, report).await?;
    let mut options = GenerateOptions::new(&args.output.output)
        .with_cover(args.output.cover)
        .with_overwrite(args.output.force);
    if let Some(stem) = &args.name {
        options = options.with_file_stem(stem);
    }
    crate::stale_partials::remove_for(&options.predictable_paths(None, Some(&task_id)), report);
    let mut live = Live::start(report, &format!("asking for task {task_id}"));
    let saved = session
        .client
        .generate_with(
            TaskSource::existing(task_id.clone(), None),
            options,
            |step| {
                live.on_save_step(&step);
            },
        )
        .await;
    live.finish();
    let saved = saved?;
    for file in std::iter::once(&saved.model).chain(saved.cover.as_ref()) {
        report.emit(
            "saved",
            json!({"task_id": task_id.as_str(), "path": file.path.display().to_string(), "bytes": file.bytes()}),
            &format!("Saved {} ({})", file.path.display(), HumanBytes(file.bytes())),
        );
    }
    Ok(Exit::Done)
}
