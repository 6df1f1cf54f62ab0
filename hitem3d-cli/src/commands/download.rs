//! `hitem3d download`: save a finished task's files.

use hitem3d_async::types::TaskId;
use hitem3d_async::{Client, ResultKind, SavedFile, WaitOutcome};
use indicatif::HumanBytes;
use serde_json::json;

use crate::cli::DownloadArgs;
use crate::exit_code::{Exit, Failure};
use crate::progress::Live;
use crate::report::Report;
use crate::session::{Connect, connect};

/// Runs `hitem3d download`: waits if the task is not done yet, then saves the model (and the
/// cover), never over an existing file unless `--force`.
pub async fn run(args: DownloadArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let task_id = TaskId::new(args.task_id.trim());
    let how = Connect {
        overwrite: args.output.force,
        ..how.clone()
    };
    let session = connect(&how, report).await?;
    let mut live = Live::start(report, &format!("asking for task {task_id}"));
    let outcome = session
        .client
        .wait_with(&task_id, |event| live.on_wait(event))
        .await;
    let saved = match outcome {
        Ok(outcome) => save(&session.client, &outcome, &args, &mut live).await,
        Err(error) => Err(error.into()),
    };
    live.finish();
    for file in saved? {
        report.emit(
            "saved",
            json!({"task_id": task_id.as_str(), "path": file.path.display().to_string(), "bytes": file.bytes()}),
            &format!("Saved {} ({})", file.path.display(), HumanBytes(file.bytes())),
        );
    }
    Ok(Exit::Done)
}

async fn save(
    client: &Client,
    outcome: &WaitOutcome,
    args: &DownloadArgs,
    live: &mut Live,
) -> Result<Vec<SavedFile>, Failure> {
    let dir = &args.output.output;
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|error| Failure::invalid(format!("cannot create {}: {error}", dir.display())))?;
    let mut kinds = vec![ResultKind::Model];
    if args.output.cover && outcome.result.cover_url.is_some() {
        kinds.push(ResultKind::Cover);
    }
    let mut result = outcome.result.clone();
    let mut saved = Vec::new();
    for kind in kinds {
        let name = match &args.name {
            Some(stem) => result.file_name_with_stem(stem, kind, None),
            None => result.file_name(kind, None),
        };
        let path = dir.join(name);
        if !args.output.force && tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Err(Failure::invalid(format!(
                "{} exists: give --force to replace it, or another --name or -o",
                path.display()
            )));
        }
        let file = client
            .download_with(&result, kind, &path, |progress| live.on_download(&progress))
            .await?;
        // A refreshed link serves the next file too.
        result = file.summary.result.clone();
        saved.push(file);
    }
    Ok(saved)
}
