//! `hitem3d tasks`: what the journal holds.

use std::collections::BTreeMap;

use hitem3d_async::journal::{EntryQuery, ItemState, JournalEntry, QueueItem, Resumption};
use serde_json::json;

use crate::cli::TasksArgs;
use crate::exit_code::{Exit, Failure};
use crate::report::Report;
use crate::session::{Connect, open_journal_to_read};
use crate::wording;

/// Runs `hitem3d tasks`: reads the journal only, and needs no connection.
pub async fn run(args: &TasksArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let journal = open_journal_to_read(how).await?;
    // The queue's progress, when it holds inputs (always for a fleet's).
    let queue = journal.queue();
    let items = queue.items().await?;
    if queue.is_fleet() || !items.is_empty() {
        let limits = (queue.task_limit().await?, queue.credits().await?);
        let across = if queue.is_fleet() {
            "the fleet"
        } else {
            "the workers sharing this journal"
        };
        fleet(&items, limits, across, report);
    }
    let query = if args.all {
        EntryQuery::All
    } else {
        EntryQuery::Unfinished
    };
    let entries = journal.entries(query).await?;
    if entries.is_empty() {
        report.text(if args.all {
            "The journal is empty."
        } else {
            "Nothing unfinished in the journal (`hitem3d tasks --all` lists everything)."
        });
        return Ok(Exit::Done);
    }
    // Each column as wide as its widest cell: long task ids or labels keep the rows aligned.
    let header = cells_of_header();
    let queued: std::collections::HashSet<&str> =
        items.iter().map(|item| item.queued.key.as_str()).collect();
    let is_queued = |entry: &JournalEntry| {
        entry
            .key
            .as_ref()
            .is_some_and(|key| queued.contains(key.as_str()))
    };
    let rows: Vec<[String; 6]> = entries
        .iter()
        .map(|entry| cells(entry, is_queued(entry)))
        .collect();
    let mut widths = header.each_ref().map(|cell| cell.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    report.text(&line(&header, &widths));
    for (entry, row) in entries.iter().zip(&rows) {
        report.emit("task", to_json(entry), &line(row, &widths));
    }
    Ok(Exit::Done)
}

/// The fleet's progress: inputs per state, per worker, credits spent, and what needs a person.
fn fleet(
    items: &[QueueItem],
    ((limit, configured), (charged, max_credits)): ((u32, u32), (u64, Option<u64>)),
    across: &str,
    report: Report,
) {
    let mut states: BTreeMap<ItemState, usize> = BTreeMap::new();
    // Per worker: its live claims, its claims that ran out, the inputs it saved.
    let mut workers: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    // Tasks of the queue created and not failed (a failed task's credits are refunded).
    let mut paid = 0_usize;
    for item in items {
        *states.entry(item.state).or_default() += 1;
        if let Some(worker) = &item.worker {
            let counts = workers.entry(worker.as_str()).or_default();
            match item.state {
                ItemState::Claimed if item.claim_lapsed => counts.1 += 1,
                ItemState::Claimed => counts.0 += 1,
                ItemState::Saved => counts.2 += 1,
                _ => {}
            }
        }
        if item.task_id.is_some() && item.state != ItemState::Failed {
            paid += 1;
        }
    }
    let counts: Vec<String> = states
        .iter()
        .map(|(state, count)| format!("{} {count}", state.as_str()))
        .collect();
    let mut text = format!(
        "QUEUE    {}: {}",
        wording::inputs(items.len()),
        counts.join(", ")
    );
    text.push_str(&format!(
        "\nLIMIT    {limit} unfinished tasks at once across {across} (configured {configured}; \
         lowered by the account's refusals, raised a step a minute)"
    ));
    text.push_str(&format!(
        "\nCREDITS  {charged} charged at the published prices, refunds taken off ({} of the \
         queue's tasks created and not failed); limit {}",
        paid,
        max_credits.map_or_else(|| "none".to_owned(), |max| max.to_string())
    ));
    text.push_str(&format!(
        "\n{:<32} {:>7} {:>7} {:>6}",
        "WORKER", "CLAIMED", "RAN OUT", "SAVED"
    ));
    for (worker, (claimed, lapsed, saved)) in &workers {
        text.push_str(&format!(
            "\n{worker:<32} {claimed:>7} {lapsed:>7} {saved:>6}"
        ));
    }
    let lapsed: usize = workers.values().map(|counts| counts.1).sum();
    if lapsed > 0 {
        text.push_str(&if lapsed == 1 {
            "\n1 claim ran out: its worker stopped or lost touch, and the next worker to ask \
             for work takes it"
                .to_owned()
        } else {
            format!(
                "\n{lapsed} claims ran out: their workers stopped or lost touch, and the next \
                 worker to ask for work takes them"
            )
        });
    }
    let attention: Vec<&QueueItem> = items
        .iter()
        .filter(|item| matches!(item.state, ItemState::Unknown | ItemState::Failed))
        .collect();
    if !attention.is_empty() {
        text.push_str("\nNEEDS A LOOK");
    }
    for item in &attention {
        text.push_str(&format!(
            "\n  {} {}: {}",
            item.state.as_str(),
            item.queued.input,
            item.note.as_deref().unwrap_or("no reason recorded")
        ));
    }
    report.emit(
        "fleet",
        json!({
            "inputs": items.len(),
            "states": states.iter().map(|(state, count)| (state.as_str(), count)).collect::<BTreeMap<_, _>>(),
            "workers": workers.iter().map(|(worker, (claimed, lapsed, saved))| json!({"worker": worker, "claimed": claimed, "claims_run_out": lapsed, "saved": saved})).collect::<Vec<_>>(),
            "claims_run_out": lapsed,
            "task_limit": limit,
            "configured_task_limit": configured,
            "credits_spent": charged,
            "max_credits": max_credits,
            "tasks_paid": paid,
            "needs_a_look": attention.iter().map(|item| json!({"input": item.queued.input, "state": item.state.as_str(), "note": item.note, "task_id": item.task_id.as_ref().map(ToString::to_string)})).collect::<Vec<_>>(),
        }),
        &text,
    );
}

fn cells_of_header() -> [String; 6] {
    ["ENTRY", "STATE", "KIND", "TASK", "CREDITS", "NEXT"].map(str::to_owned)
}

fn cells(entry: &JournalEntry, queued: bool) -> [String; 6] {
    [
        entry.id.0.to_string(),
        entry.state.as_str().to_owned(),
        entry.label.clone(),
        entry
            .task_id
            .as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string),
        entry
            .estimated_credits
            .map_or_else(|| "?".to_owned(), |credits| credits.to_string()),
        next_step(entry, queued),
    ]
}

/// One row: numbers right-aligned, text left-aligned, the last column as it is.
fn line(cells: &[String; 6], widths: &[usize; 6]) -> String {
    let [entry, state, kind, task, credits, next] = cells;
    format!(
        "{entry:>w0$}  {state:<w1$}  {kind:<w2$}  {task:<w3$}  {credits:>w4$}  {next}",
        w0 = widths[0],
        w1 = widths[1],
        w2 = widths[2],
        w3 = widths[3],
        w4 = widths[4],
    )
}

/// What the user can do about an entry; `queued` when a worker's queue holds its input.
pub fn next_step(entry: &JournalEntry, queued: bool) -> String {
    let id = entry.id.0;
    match entry.resumption() {
        Resumption::Wait(_) => "hitem3d resume".to_owned(),
        // Only a person can tell whether the task exists: the API lists no tasks.
        Resumption::Unknown if queued => format!(
            "outcome unknown: look for it in the console; there: `hitem3d download TASK_ID`, \
             then `hitem3d forget {id}`; not there: `hitem3d forget {id} --again` queues it \
             again"
        ),
        Resumption::Unknown => format!(
            "outcome unknown: look for it in the console (there: `hitem3d download TASK_ID`), \
             then `hitem3d forget {id}`"
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
