//! `hitem3d resume`: finish what the journal holds, paying for nothing.

use hitem3d_async::journal::{EntryQuery, JournalEntry, Resumption};
use hitem3d_async::types::TaskId;
use hitem3d_async::{Client, GenerateOptions, SavedFile, TaskSource};
use serde_json::json;

use crate::cli::ResumeArgs;
use crate::exit_code::{Exit, Failure};
use crate::progress::Live;
use crate::report::Report;
use crate::session::{Connect, connect};

/// Runs `hitem3d resume`: each unfinished entry with a task is waited for and downloaded to
/// where its run wanted it; entries whose submit got no answer are listed, never resent.
pub async fn run(args: ResumeArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let how = Connect {
        overwrite: args.force,
        ..how.clone()
    };
    let session = connect(&how, report).await?;
    let unfinished = session.journal.entries(EntryQuery::Unfinished).await?;
    let chosen: Vec<JournalEntry> = if args.entries.is_empty() {
        unfinished
    } else {
        let all = session.journal.entries(EntryQuery::All).await?;
        let mut chosen = Vec::new();
        for wanted in &args.entries {
            let entry = all
                .iter()
                .find(|entry| entry.id.0 == *wanted)
                .ok_or_else(|| {
                    Failure::invalid(format!(
                        "no journal entry {wanted}: `hitem3d tasks --all` lists them"
                    ))
                })?;
            chosen.push(entry.clone());
        }
        chosen
    };
    if chosen.is_empty() {
        report.emit(
            "nothing_to_resume",
            json!({}),
            "Nothing to resume: the journal holds no unfinished task.",
        );
        return Ok(Exit::Done);
    }
    let mut worst = Exit::Done;
    for entry in chosen {
        let exit = match entry.resumption() {
            Resumption::Wait(task_id) => {
                match finish(&session.client, &entry, &task_id, &args, report).await {
                    Ok(files) => {
                        for file in files {
                            report.emit(
                                "saved",
                                json!({"entry": entry.id.0, "task_id": task_id.as_str(), "path": file.path.display().to_string(), "bytes": file.bytes()}),
                                &format!("entry {}: saved {}", entry.id.0, file.path.display()),
                            );
                        }
                        Exit::Done
                    }
                    Err(failure) => {
                        report.emit(
                            "failed",
                            json!({"entry": entry.id.0, "task_id": task_id.as_str(), "message": failure.message, "exit_code": failure.exit.code()}),
                            &format!("entry {}: {}", entry.id.0, failure.message),
                        );
                        failure.exit
                    }
                }
            }
            Resumption::Unknown => {
                report.emit(
                    "outcome_unknown",
                    json!({"entry": entry.id.0, "label": entry.label, "note": entry.note}),
                    &format!(
                        "entry {} ({}): its submit got no answer, so a task may exist and be \
                         charged; it is not sent again. Look for it in the service's console, \
                         then `hitem3d forget {}`",
                        entry.id.0, entry.label, entry.id.0
                    ),
                );
                Exit::OutcomeUnknown
            }
            Resumption::Done => {
                report.emit(
                    "already_saved",
                    json!({"entry": entry.id.0}),
                    &format!("entry {}: already saved", entry.id.0),
                );
                Exit::Done
            }
            _ => {
                report.emit(
                    "closed",
                    json!({"entry": entry.id.0, "note": entry.note}),
                    &format!(
                        "entry {}: {} (nothing to resume)",
                        entry.id.0,
                        entry.note.as_deref().unwrap_or("closed")
                    ),
                );
                Exit::Done
            }
        };
        worst = worst.worst(exit);
    }
    Ok(worst)
}

/// Waits for the entry's task and downloads its files where its run wanted them.
async fn finish(
    client: &Client,
    entry: &JournalEntry,
    task_id: &TaskId,
    args: &ResumeArgs,
    report: Report,
) -> Result<Vec<SavedFile>, Failure> {
    let (options, format) = entry
        .destination
        .as_deref()
        .and_then(GenerateOptions::from_journal_destination)
        .unwrap_or_else(|| (GenerateOptions::new(&args.output), None));
    let options = options.with_overwrite(args.force);
    let paths = options.predictable_paths(format.as_ref(), Some(task_id));
    crate::stale_partials::remove_for(&paths, report);
    let mut live = Live::start(
        report,
        &format!("entry {}: waiting for task {task_id}", entry.id.0),
    );
    let saved = client
        .generate_with(
            TaskSource::existing(task_id.clone(), format),
            options,
            |step| {
                live.on_save_step(&step);
            },
        )
        .await;
    live.finish();
    let saved = saved.map_err(|error| {
        let unknown = error.code() == Some(&hitem3d_async::types::ApiErrorCode::TaskNotFound);
        let mut failure = Failure::from(error);
        if unknown {
            // Resuming again would meet the same answer: say how the entry ends.
            failure.message.push_str(&format!(
                "\nthe service does not know this task, so resuming again will not help: \
                 `hitem3d forget {}` drops the entry, and the same generate with --again pays \
                 for a new task",
                entry.id.0
            ));
        }
        failure
    })?;
    Ok(std::iter::once(saved.model).chain(saved.cover).collect())
}
