//! Whether the journal already holds the result of a task at the path a command would write:
//! then the command reports it instead of downloading or paying again. Saved under another
//! name, the task is resumed instead (a download, no payment).

use std::path::Path;

use hitem3d_async::journal::{EntryQuery, JournalEntry, JournalKey, Resumption};

use crate::exit_code::Failure;
use crate::journal_access::Journal;

/// The journal's entry under `key` that saved its model at `model_path`, still there.
pub async fn saved_at(
    journal: &Journal,
    key: &JournalKey,
    model_path: &Path,
) -> Result<Option<JournalEntry>, Failure> {
    let entries = journal.entries(EntryQuery::Key(key.clone())).await?;
    Ok(entries.into_iter().find(|entry| {
        entry.resumption() == Resumption::Done
            && entry.files.iter().any(|file| file == model_path)
            && model_path.exists()
    }))
}
