//! The journal a command reads and its client writes: the SQLite file on this machine, or the
//! fleet's PostgreSQL database (`--queue`).

use std::sync::Arc;

use hitem3d_async::ClientConfig;
use hitem3d_async::journal::{
    AsyncTaskJournal, EntryId, EntryQuery, JournalEntry, JournalError, LearntDuration, TaskJournal,
};
use hitem3d_journal::{SqliteJournal, SqliteWorkQueue};
use hitem3d_postgres::{DatabaseUrl, PgJournal, PgWorkQueue};

use crate::exit_code::Failure;
use crate::queue_access::Queue;

/// Where the journal is.
#[derive(Debug, Clone)]
pub enum Journal {
    /// A file (or memory) on this machine: its calls block, so they run off the runtime.
    Local(Arc<SqliteJournal>),
    /// The fleet's database: its calls are awaited.
    Shared(Arc<PgJournal>),
}

impl Journal {
    /// The fleet's journal at `url`, its tables created if missing.
    ///
    /// # Errors
    /// The database cannot be reached or was written by a newer hitem3d.
    pub async fn shared(url: &DatabaseUrl) -> Result<Self, Failure> {
        // The store's words say which step failed and what to change.
        let journal = PgJournal::connect(url)
            .await
            .map_err(|error| Failure::other(error.to_string()))?;
        Ok(Self::Shared(Arc::new(journal)))
    }

    /// The client's configuration writing to this journal.
    pub fn configure(&self, config: ClientConfig) -> ClientConfig {
        match self {
            // Workers sharing the file keep the account's limit in it.
            Self::Local(journal) if journal.shares_task_limit() => config
                .with_journal(Arc::clone(journal) as Arc<dyn TaskJournal>)
                .with_shared_task_limit(),
            Self::Local(journal) => {
                config.with_journal(Arc::clone(journal) as Arc<dyn TaskJournal>)
            }
            // The fleet's store keeps the account's limit for every machine.
            Self::Shared(journal) => config
                .with_async_journal(Arc::clone(journal) as Arc<dyn AsyncTaskJournal>)
                .with_shared_task_limit(),
        }
    }

    /// The work queue beside the journal: in its file, or in the fleet's database.
    pub fn queue(&self) -> Queue {
        match self {
            Self::Local(journal) => Queue::Local(SqliteWorkQueue::new(journal)),
            Self::Shared(journal) => Queue::Shared(Box::new(PgWorkQueue::new(journal))),
        }
    }

    /// Sets the most credits submits may be charged: this machine's with a local journal, the
    /// whole fleet's with a shared one.
    ///
    /// # Errors
    /// The journal cannot be written.
    pub async fn set_max_credits(&self, max: u64) -> Result<(), JournalError> {
        match self {
            Self::Local(journal) => {
                off_runtime(journal, move |j| j.set_max_credits(Some(max))).await
            }
            Self::Shared(journal) => PgWorkQueue::new(journal).set_max_credits(Some(max)).await,
        }
    }

    /// The entries `query` selects, oldest first.
    ///
    /// # Errors
    /// The journal cannot be read.
    pub async fn entries(&self, query: EntryQuery) -> Result<Vec<JournalEntry>, JournalError> {
        match self {
            Self::Local(journal) => off_runtime(journal, move |j| j.entries(&query)).await,
            Self::Shared(journal) => journal.entries(&query).await,
        }
    }

    /// Removes an entry; whether it existed.
    ///
    /// # Errors
    /// The journal cannot be written.
    pub async fn forget(&self, entry: EntryId) -> Result<bool, JournalError> {
        match self {
            Self::Local(journal) => off_runtime(journal, move |j| j.forget(entry)).await,
            Self::Shared(journal) => journal.forget(entry).await,
        }
    }

    /// The durations kept, oldest first.
    ///
    /// # Errors
    /// The journal cannot be read.
    pub async fn learnt_durations(&self) -> Result<Vec<LearntDuration>, JournalError> {
        match self {
            Self::Local(journal) => off_runtime(journal, TaskJournal::learnt_durations).await,
            Self::Shared(journal) => journal.learnt_durations().await,
        }
    }
}

/// Runs `operation` on a local journal where blocking is allowed: SQLite may wait seconds for
/// another process's lock, which on the runtime's thread would stall every other task.
async fn off_runtime<T: Send + 'static>(
    journal: &Arc<SqliteJournal>,
    operation: impl FnOnce(&SqliteJournal) -> Result<T, JournalError> + Send + 'static,
) -> Result<T, JournalError> {
    let journal = Arc::clone(journal);
    match tokio::task::spawn_blocking(move || operation(&journal)).await {
        Ok(done) => done,
        Err(panicked) => std::panic::resume_unwind(panicked.into_panic()),
    }
}
