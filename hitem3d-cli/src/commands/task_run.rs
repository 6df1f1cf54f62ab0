//! Submit, wait and save, for the task kinds `generate` does not cover (reliefs and mesh
//! tasks): the journal records each, so `hitem3d resume` finishes them too.

use hitem3d_async::{Client, NewTask, ResultKind, SavedFile, possible_file_names};
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

/// Refuses, before anything is paid, a stem under which a file the task could make is
/// already saved: its link's extension, and so its file name, is known only once it is done.
async fn refuse_a_name_taken(stem: &str, output: &OutputArgs) -> Result<(), Failure> {
    for name in possible_file_names(stem, "", "bin") {
        let path = output.output.join(name);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Err(Failure::invalid(format!(
                "{} exists, and this task's result could be saved under that name: give --force \
                 to replace it, or another --name or -o (nothing was sent or paid)",
                path.display()
            )));
        }
    }
    Ok(())
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
    if !output.force {
        refuse_a_name_taken(stem, output).await?;
    }
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
            // Free before the submit: another run saved there meanwhile. The task is paid.
            return Err(Failure::other(format!(
                "{} appeared while the task ran: give --force to replace it, or another --name \
                 or -o (task {task_id} is paid for: `hitem3d download {task_id}` saves it \
                 without paying again)",
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
