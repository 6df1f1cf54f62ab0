//! `hitem3d forget`: a person's answer to a submit whose outcome nobody knows.

use hitem3d_async::journal::{EntryId, EntryQuery, ItemState, JournalEntry, PutBack};
use hitem3d_async::types::TaskId;
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
    let task = entry.task_id.as_ref().map(TaskId::as_str);
    if args.again {
        let queue = journal.queue();
        let decision = queue.put_back(id).await?;
        return put_back(entry, &decision, report);
    }
    journal.forget(id).await?;
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

/// Reports what `--again` did; nothing changed unless the input is pending again.
fn put_back(entry: &JournalEntry, decision: &PutBack, report: Report) -> Result<Exit, Failure> {
    let id = entry.id.0;
    let refused = match decision {
        PutBack::Pending => {
            report.emit(
                "queued_again",
                json!({"entry": id, "label": entry.label, "credits_returned": entry.estimated_credits}),
                &format!(
                    "Entry {id} ({}) removed from the journal and its input queued again: the \
                     next worker on this queue submits it, paying again.",
                    entry.label
                ),
            );
            return Ok(Exit::Done);
        }
        PutBack::NoEntry => format!("no journal entry {id}: `hitem3d tasks --all` lists them"),
        PutBack::NotUnknown(state) => format!(
            "entry {id} is {state}, not an outcome nobody knows, so it is not queued again; \
             `hitem3d tasks --all` shows what to do with it"
        ),
        PutBack::NotQueued => format!(
            "entry {id} was not begun by a worker, so there is no queued input to put back: \
             `hitem3d forget {id}`, then the same `hitem3d generate` with --again pays for a \
             new task"
        ),
        PutBack::NotWaiting(ItemState::Claimed) => format!(
            "a worker holds entry {id}'s input under a lease that has not run out. Run this \
             again once `hitem3d tasks` lists it as unknown"
        ),
        PutBack::NotWaiting(state) => format!(
            "entry {id}'s input is {} in the queue, not waiting for a person",
            state.as_str()
        ),
    };
    Err(Failure::invalid(format!("nothing changed: {refused}")))
}
