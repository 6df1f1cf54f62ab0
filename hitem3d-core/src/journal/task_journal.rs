//! The store behind a journal: seven operations, each one atomic.

use hitem3d_types::TaskId;

use super::{
    Begun, EntryId, EntryQuery, Intent, JournalEntry, JournalError, LearntDuration, Settled,
    TaskEvent,
};

/// Where a client keeps its [`JournalEntry`]s. The client calls it on the caller's task or
/// thread, a few times per task, so each call should be quick (a local database write).
///
/// A store shared by several machines could serve the same operations: [`TaskJournal::begin`]
/// is the one that must be atomic, so that two processes given the same key cannot both pay.
pub trait TaskJournal: std::fmt::Debug + Send + Sync {
    /// Writes `intent` as a new entry in [`crate::journal::EntryState::Submitting`], unless
    /// its key names an entry that is not closed ([`JournalEntry::is_closed`]): then nothing
    /// is written and that entry is returned ([`Begun::InFlight`] when the store can tell
    /// that a live process is still sending its submit, [`Begun::Existing`] otherwise).
    /// Check and write are one atomic step.
    ///
    /// # Errors
    /// The store could not be read or written; the submit is then not sent.
    fn begin(&self, intent: &Intent) -> Result<Begun, JournalError>;

    /// Records how the submit of `entry` ended.
    ///
    /// # Errors
    /// The store could not be written.
    fn settle(&self, entry: EntryId, settled: &Settled) -> Result<(), JournalError>;

    /// Records what happened to a submitted task. Unknown task ids (a task submitted without
    /// this journal) are ignored.
    ///
    /// # Errors
    /// The store could not be written.
    fn record(&self, task_id: &TaskId, event: &TaskEvent) -> Result<(), JournalError>;

    /// The entries `query` selects, oldest first.
    ///
    /// # Errors
    /// The store could not be read.
    fn entries(&self, query: &EntryQuery) -> Result<Vec<JournalEntry>, JournalError>;

    /// Removes an entry: the user's answer to an outcome nobody knows. Returns whether it
    /// existed.
    ///
    /// # Errors
    /// The store could not be written.
    fn forget(&self, entry: EntryId) -> Result<bool, JournalError>;

    /// Keeps how long a task of a kind took, forgetting the oldest of that kind beyond
    /// [`crate::TASKS_KEPT_PER_KIND`].
    ///
    /// # Errors
    /// The store could not be written.
    fn learn_duration(&self, learnt: &LearntDuration) -> Result<(), JournalError>;

    /// Every duration kept, oldest first: what a new client's waits start from
    /// ([`crate::ClientConfig::with_learnt_durations`]).
    ///
    /// # Errors
    /// The store could not be read.
    fn learnt_durations(&self) -> Result<Vec<LearntDuration>, JournalError>;

    /// The account refused a submit for its limit on unfinished tasks. A store that keeps a
    /// fleet's limit lowers it; others (this default) ignore it, as the client learns its own.
    ///
    /// # Errors
    /// The store could not be written.
    fn limit_refused(&self) -> Result<(), JournalError> {
        Ok(())
    }

    /// Returns when a slot of the shared limit may have freed, at the latest after `at_most`.
    /// Only a store whose [`TaskJournal::begin`] answers [`JournalError::AtSharedLimit`] is
    /// asked, and it must wait (this default, for the others, returns at once).
    ///
    /// # Errors
    /// The store could not be watched; the begin that follows says more.
    fn await_slot(&self, at_most: std::time::Duration) -> Result<(), JournalError> {
        let _unused = at_most;
        Ok(())
    }
}
