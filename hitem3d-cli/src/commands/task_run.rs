//! Submit, wait and save, for the task kinds `generate` does not cover (reliefs and mesh
//! tasks): the journal records each, so `hitem3d resume` finishes them too.

use hitem3d_async::{GenerateOptions, NewTask, SavedFile};
use indicatif::HumanBytes;
use serde_json::json;

use crate::audience::Reader;
use crate::cli::OutputArgs;
use crate::exit_code::{Exit, Failure};
use crate::progress::Live;
use crate::report::Report;
use crate::session::{Connect, Session, connect};

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
    submit_wait_save(&session, task, stem, output, report).await?;
    Ok(Exit::Done)
}

/// Pays for `task`, waits for it and saves its file as `stem` in the output directory (the
/// extension is the result link's), reporting each step. A name the file could take that is
/// already used is refused before anything is paid.
pub async fn submit_wait_save(
    session: &Session,
    task: NewTask,
    stem: &str,
    output: &OutputArgs,
    report: Report,
) -> Result<SavedFile, Failure> {
    let label = task.label();
    let options = GenerateOptions::new(&output.output)
        .with_file_stem(stem)
        .with_overwrite(output.force);
    crate::stale_partials::remove_for(&options.predictable_paths(None, None), report);
    let mut live = Live::start(report, &format!("submitting the {label} task"));
    let generated = session
        .client
        .generate_with(task, options, |step| live.on_save_step(&step))
        .await;
    live.finish();
    let file = generated
        .map_err(|error| {
            session
                .failure(&error, Reader::CommandLine)
                .of_paid_step(&error)
        })?
        .model;
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
