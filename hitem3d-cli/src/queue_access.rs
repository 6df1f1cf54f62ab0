//! The work queue `worker` and `batch --enqueue-only` use: in the journal's SQLite file for
//! the workers of this machine, or in the fleet's PostgreSQL database (`--queue`).

use std::time::Duration;

use hitem3d_async::journal::{
    AsyncWorkQueue, Claim, ClaimAnswer, EntryId, ItemOutcome, JournalError, PutBack, QueueItem,
    QueuedInput, WorkQueue, WorkerId,
};
use hitem3d_journal::SqliteWorkQueue;
use hitem3d_postgres::PgWorkQueue;

/// Where the queue is.
#[derive(Debug, Clone)]
pub enum Queue {
    /// The journal's file on this machine: its calls block, so they run off the runtime.
    Local(SqliteWorkQueue),
    /// The fleet's database: its calls are awaited.
    Shared(Box<PgWorkQueue>),
}

impl Queue {
    /// Adds the inputs not queued yet; how many were added.
    pub async fn enqueue(&self, inputs: &[QueuedInput]) -> Result<usize, JournalError> {
        match self {
            Self::Local(queue) => {
                let inputs = inputs.to_vec();
                off_runtime(queue, move |q| q.enqueue(&inputs)).await
            }
            Self::Shared(queue) => queue.enqueue(inputs).await,
        }
    }

    /// Claims the next input for `worker` until `lease` from now.
    pub async fn claim(
        &self,
        worker: &WorkerId,
        lease: Duration,
    ) -> Result<ClaimAnswer, JournalError> {
        match self {
            Self::Local(queue) => {
                let worker = worker.clone();
                off_runtime(queue, move |q| q.claim(&worker, lease)).await
            }
            Self::Shared(queue) => queue.claim(worker, lease).await,
        }
    }

    /// Extends the leases of `claims`; the items whose claim was lost.
    pub async fn heartbeat(
        &self,
        claims: &[Claim],
        lease: Duration,
    ) -> Result<Vec<u64>, JournalError> {
        match self {
            Self::Local(queue) => {
                let claims = claims.to_vec();
                off_runtime(queue, move |q| q.heartbeat(&claims, lease)).await
            }
            Self::Shared(queue) => queue.heartbeat(claims, lease).await,
        }
    }

    /// Ends a claim.
    pub async fn finish(&self, claim: &Claim, outcome: &ItemOutcome) -> Result<(), JournalError> {
        match self {
            Self::Local(queue) => {
                let (claim, outcome) = (claim.clone(), outcome.clone());
                off_runtime(queue, move |q| q.finish(&claim, &outcome)).await
            }
            Self::Shared(queue) => queue.finish(claim, outcome).await,
        }
    }

    /// Every input, in the order enqueued.
    pub async fn items(&self) -> Result<Vec<QueueItem>, JournalError> {
        match self {
            Self::Local(queue) => off_runtime(queue, WorkQueue::items).await,
            Self::Shared(queue) => queue.items().await,
        }
    }

    /// A person's "no task was created": the entry removed and its input pending again.
    pub async fn put_back(&self, entry: EntryId) -> Result<PutBack, JournalError> {
        match self {
            Self::Local(queue) => off_runtime(queue, move |q| q.put_back(entry)).await,
            Self::Shared(queue) => queue.put_back(entry).await,
        }
    }

    /// Sets the limit on unfinished tasks the queue's workers keep together.
    pub async fn set_task_limit(&self, limit: u32) -> Result<(), JournalError> {
        match self {
            Self::Local(queue) => {
                off_runtime(queue, move |q| q.journal().set_task_limit(limit)).await
            }
            Self::Shared(queue) => queue.set_task_limit(limit).await,
        }
    }

    /// That limit now (learnt from refusals) and as configured.
    pub async fn task_limit(&self) -> Result<(u32, u32), JournalError> {
        match self {
            Self::Local(queue) => off_runtime(queue, |q| q.journal().task_limit()).await,
            Self::Shared(queue) => queue.task_limit().await,
        }
    }

    /// The credits charged so far and the limit, if one is set.
    pub async fn credits(&self) -> Result<(u64, Option<u64>), JournalError> {
        match self {
            Self::Local(queue) => off_runtime(queue, |q| q.journal().credits()).await,
            Self::Shared(queue) => queue.credits().await,
        }
    }

    /// Whether the queue is the fleet's (many machines) rather than this machine's.
    pub fn is_fleet(&self) -> bool {
        matches!(self, Self::Shared(_))
    }
}

/// Runs `operation` where blocking is allowed: SQLite may wait seconds for another process's
/// lock, which on the runtime's thread would stall every other task.
async fn off_runtime<T: Send + 'static>(
    queue: &SqliteWorkQueue,
    operation: impl FnOnce(&SqliteWorkQueue) -> Result<T, JournalError> + Send + 'static,
) -> Result<T, JournalError> {
    let queue = queue.clone();
    match tokio::task::spawn_blocking(move || operation(&queue)).await {
        Ok(done) => done,
        Err(panicked) => std::panic::resume_unwind(panicked.into_panic()),
    }
}
