//! `hitem3d tasks`: what the journal holds.

use hitem3d_async::journal::{EntryQuery, JournalEntry, Resumption};
use serde_json::json;

use crate::cli::TasksArgs;
use crate::exit_code::{Exit, Failure};
use crate::report::Report;
use crate::session::{Connect, off_runtime, open_journal};

/// Runs `hitem3d tasks`: reads the journal only, and needs no connection.
pub async fn run(args: &TasksArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let journal = open_journal(how.journal.clone())?;
    let query = if args.all {
        EntryQuery::All
    } else {
        EntryQuery::Unfinished
    };
    let entries = off_runtime(&journal, move |journal| journal.entries(&query)).await?;
    if entries.is_empty() {
        report.text(if args.all {
            "The journal is empty."
        } else {
            "Nothing unfinished in the journal (`hitem3d tasks --all` lists everything)."
        });
        return Ok(Exit::Done);
    }
    report.text(&format!(
        "{:>5}  {:<12} {:<20} {:<40} {:>7}  {}",
        "ENTRY", "STATE", "KIND", "TASK", "CREDITS", "NEXT"
    ));
    for entry in &entries {
        report.emit("task", to_json(entry), &row(entry));
    }
    Ok(Exit::Done)
}

fn row(entry: &JournalEntry) -> String {
    format!(
        "{:>5}  {:<12} {:<20} {:<40} {:>7}  {}",
        entry.id.0,
        entry.state.as_str(),
        entry.label,
        entry.task_id.as_ref().map_or("-", |id| id.as_str()),
        entry
            .estimated_credits
            .map_or_else(|| "?".to_owned(), |credits| credits.to_string()),
        next_step(entry)
    )
}

/// What the user can do about an entry.
pub fn next_step(entry: &JournalEntry) -> String {
    match entry.resumption() {
        Resumption::Wait(_) => "hitem3d resume".to_owned(),
        Resumption::Unknown => format!(
            "outcome unknown: look for it in the console, then `hitem3d forget {}`",
            entry.id.0
        ),
        Resumption::Done => entry
            .files
            .iter()
            .map(|file| file.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        _ => entry.note.clone().unwrap_or_default(),
    }
}

fn to_json(entry: &JournalEntry) -> serde_json::Value {
    json!({
        "entry": entry.id.0,
        "state": entry.state.as_str(),
        "task_type": entry.task_type.name(),
        "label": entry.label,
        "task_id": entry.task_id.as_ref().map(hitem3d_async::types::TaskId::as_str),
        "estimated_credits": entry.estimated_credits,
        "files": entry.files.iter().map(|file| file.display().to_string()).collect::<Vec<_>>(),
        "note": entry.note,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
    })
}
