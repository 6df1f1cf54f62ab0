//! Whether the journal already holds the result of a task, its files still on disk: then a
//! command run again reports them instead of downloading or paying again.

use hitem3d_async::hitem3d_core::journal::{
    EntryQuery, JournalEntry, JournalKey, Resumption, TaskJournal,
};

use crate::exit_code::Failure;

/// The journal's entry under `key` whose files were all saved and are still there, if any.
pub fn saved_entry(
    journal: &dyn TaskJournal,
    key: &JournalKey,
) -> Result<Option<JournalEntry>, Failure> {
    let entries = journal.entries(&EntryQuery::Key(key.clone()))?;
    Ok(entries.into_iter().find(|entry| {
        entry.resumption() == Resumption::Done
            && !entry.files.is_empty()
            && entry.files.iter().all(|file| file.exists())
    }))
}
