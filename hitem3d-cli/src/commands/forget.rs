//! `hitem3d forget`: a person's answer to a submit whose outcome nobody knows.

use hitem3d_async::journal::{EntryId, EntryQuery};
use serde_json::json;

use crate::cli::ForgetArgs;
use crate::exit_code::{Exit, Failure};
use crate::report::Report;
use crate::session::{Connect, open_journal};

/// Runs `hitem3d forget`.
pub async fn run(args: &ForgetArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let journal = open_journal(how).await?;
    let id = EntryId(args.entry);
    let entries = journal.entries(EntryQuery::All).await?;
    let Some(entry) = entries.iter().find(|entry| entry.id == id) else {
        return Err(Failure::invalid(format!(
            "no journal entry {}: `hitem3d tasks --all` lists them",
            args.entry
        )));
    };
    journal.forget(id).await?;
    let task = entry
        .task_id
        .as_ref()
        .map(hitem3d_async::types::TaskId::as_str);
    report.emit(
        "forgotten",
        json!({"entry": args.entry, "task_id": task}),
        &format!(
            "Entry {} ({}, {}) removed from the journal.",
            args.entry,
            entry.label,
            task.unwrap_or("no task id")
        ),
    );
    Ok(Exit::Done)
}
