//! Submit, wait and save, for the task kinds `generate` does not cover (reliefs and mesh
//! tasks): the journal records each, so `hitem3d resume` finishes them too.

use hitem3d_async::{Client, NewTask, ResultKind, SavedFile};
use indicatif::HumanBytes;
use serde_json::json;

use crate::cli::OutputArgs;
use crate::exit_code::{Exit, Failure};
use crate::progress::Live;
use crate::report::Report;
use crate::session::{Connect, connect};

/// The end of `relief` and the mesh commands: connects (with `--force` for downloads), then
/// [`submit_wait_save`].
pub async fn run_task(
    task: NewTask,
    stem: &str,
    output: &OutputArgs,
    how: &Connect,
    report: Report,
) -> Result<Exit, Failure> {
    let how = Connect {
        overwrite: output.force,
        ..how.clone()
    };
    let session = connect(&how, report).await?;
    submit_wait_save(&session.client, task, stem, output, report).await?;
    Ok(Exit::Done)
}

/// Pays for `task`, waits for it and saves its file as `stem` in the output directory (the
/// extension is the result link's), reporting each step.
pub async fn submit_wait_save(
    client: &Client,
    task: NewTask,
    stem: &str,
    output: &OutputArgs,
    report: Report,
) -> Result<SavedFile, Failure> {
    let label = task.label();
    tokio::fs::create_dir_all(&output.output)
        .await
        .map_err(|error| {
            Failure::invalid(format!(
                "cannot create {}: {error}",
                output.output.display()
            ))
        })?;
    let mut live = Live::start(report, &format!("submitting the {label} task"));
    let saved = async {
        let task_id = client.submit(task).await?;
        live.on_generate(&hitem3d_async::GenerateProgress::Submitted {
            task_id: task_id.clone(),
        });
        let outcome = client
            .wait_with(&task_id, |event| live.on_wait(event))
            .await?;
        let name = outcome
            .result
            .file_name_with_stem(stem, ResultKind::Model, None);
        let path = output.output.join(name);
        if !output.force && tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Err(Failure::invalid(format!(
                "{} exists: give --force to replace it, or another --name or -o (task {task_id} \
                 is paid for: `hitem3d download {task_id}` saves it later)",
                path.display()
            )));
        }
        let file = client
            .download_with(&outcome.result, ResultKind::Model, &path, |progress| {
                live.on_download(&progress);
            })
            .await?;
        Ok::<_, Failure>(file)
    }
    .await;
    live.finish();
    let file = saved?;
    report.emit(
        "saved",
        json!({"task_id": file.summary.result.task_id.as_str(), "path": file.path.display().to_string(), "bytes": file.bytes()}),
        &format!(
            "Saved {} ({}, task {})",
            file.path.display(),
            HumanBytes(file.bytes()),
            file.summary.result.task_id
        ),
    );
    Ok(file)
}
