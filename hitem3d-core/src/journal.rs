//! The task journal: a record, kept outside the process, of every task a client pays for.
//!
//! The API has no endpoint that lists an account's tasks, so a task id that is lost (a crash
//! between submit and download) is a paid model lost. With a journal in its configuration
//! ([`crate::ClientConfig::with_journal`]) a client writes the intent before a submit goes out,
//! the task id as soon as it is known (or that the outcome is unknown), then the task's states
//! and saved files. `generate` with a [`JournalKey`] resumes a task the journal already holds
//! instead of paying for it again.
//!
//! The store is behind [`TaskJournal`], five operations that an embedded database serves
//! (`hitem3d-journal`'s SQLite store) and that a shared database could serve for several
//! machines. [`MemoryJournal`] keeps entries in memory, for tests.

mod entry;
mod journal_error;
mod memory_journal;
mod recorder;
mod task_journal;

pub use entry::{
    Begun, EntryId, EntryQuery, EntryState, Intent, JournalEntry, JournalKey, Resumption, Settled,
    TaskEvent,
};
pub use journal_error::JournalError;
pub use memory_journal::MemoryJournal;
pub(crate) use recorder::JournalRecorder;
pub use task_journal::TaskJournal;
