//! A journal write or read as I/O a job asks for: the front-end runs it on the store, off the
//! caller's async runtime when the store blocks.

use std::sync::Arc;
use std::time::Duration;

use hitem3d_types::TaskId;

use super::{
    AsyncTaskJournal, Begun, EntryId, EntryQuery, Intent, JournalEntry, JournalError,
    LearntDuration, Settled, TaskEvent, TaskJournal,
};

/// One journal operation a job needs done.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JournalOp {
    /// [`TaskJournal::begin`]: before the paid call, whose answer decides whether it goes out.
    Begin(Intent),
    /// [`TaskJournal::settle`]: how a submit ended.
    Settle(EntryId, Settled),
    /// [`TaskJournal::record`]: what happened to a task.
    Record(TaskId, TaskEvent),
    /// [`TaskJournal::learn_duration`]: how long a task of a kind took. Advice for later
    /// waits, not a record of a paid task: one try, and a failure is only logged.
    LearnDuration(LearntDuration),
    /// [`TaskJournal::limit_refused`]: the account refused a submit for its limit on
    /// unfinished tasks. Advice for a store that keeps a fleet's limit: one try.
    LimitRefused,
    /// [`TaskJournal::await_slot`]: the store refused a begin for the shared limit on
    /// unfinished tasks ([`JournalError::AtSharedLimit`]); wait until one of its slots may
    /// have freed, at most this long, then begin again.
    AwaitSlot(Duration),
    /// [`JournalOp::AwaitSlot`] for a submit whose `intent` the store refused: an async store
    /// may begin `intent` in a slot it frees meanwhile
    /// ([`AsyncTaskJournal::await_slot_and_begin`]) and answer [`JournalReply::Begun`], which
    /// is then the intent's answer; [`JournalReply::Written`] means begin again. What the
    /// submit job asks for.
    AwaitSlotAndBegin {
        /// The longest wait: what a missed notice of a freed slot costs.
        at_most: Duration,
        /// The intent that was refused.
        intent: Intent,
    },
    /// [`TaskJournal::entries`]: a read whose answer decides the job's next step (whether a
    /// file that took the result's name was saved by another run of the same task).
    Entries(EntryQuery),
}

impl JournalOp {
    /// Whether this comes before payment and its answer goes to the submit itself: the
    /// intent, whose failure stops the submit, and the wait for a shared slot. Every other
    /// operation follows a paid (or refused) submit and is retried instead.
    #[must_use]
    pub fn is_before_payment(&self) -> bool {
        matches!(
            self,
            Self::Begin(_) | Self::AwaitSlot(_) | Self::AwaitSlotAndBegin { .. }
        )
    }

    /// Whether the job itself takes the answer (the operations before payment, and reads),
    /// rather than a ledger that writes it in order and retries it.
    #[must_use]
    pub fn answers_the_job(&self) -> bool {
        self.is_before_payment() || matches!(self, Self::Entries(_))
    }

    /// The task it is about, once the service named one.
    #[must_use]
    pub fn task_id(&self) -> Option<&TaskId> {
        match self {
            Self::Settle(_, Settled::Submitted(task_id)) | Self::Record(task_id, _) => {
                Some(task_id)
            }
            Self::Begin(_)
            | Self::Settle(..)
            | Self::LearnDuration(_)
            | Self::LimitRefused
            | Self::AwaitSlot(_)
            | Self::AwaitSlotAndBegin { .. }
            | Self::Entries(_) => None,
        }
    }

    /// What the write keeps, in words, for an error that says it was not kept.
    #[must_use]
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Begin(_) => "the intent to submit",
            Self::Settle(_, Settled::Submitted(_)) => "the task id",
            Self::Settle(..) => "how the submit ended",
            Self::Record(_, TaskEvent::State(..)) => "the task's state",
            Self::Record(_, TaskEvent::Saved(_)) => "a saved file",
            Self::LearnDuration(_) => "how long the task took",
            Self::LimitRefused => "a refusal for the account's limit",
            Self::AwaitSlot(_) | Self::AwaitSlotAndBegin { .. } => {
                "a wait for a slot of the shared limit"
            }
            Self::Entries(_) => "a read of the journal",
        }
    }

    /// Whether the write only improves later waits: nothing about a paid task depends on it.
    #[must_use]
    pub fn is_advice(&self) -> bool {
        matches!(self, Self::LearnDuration(_) | Self::LimitRefused)
    }
}

/// What a store answered a [`JournalOp`] with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JournalReply {
    /// For [`JournalOp::Begin`].
    Begun(Box<Begun>),
    /// For the writes.
    Written,
    /// For [`JournalOp::Entries`].
    Entries(Vec<JournalEntry>),
}

/// A client's journal: a store that blocks (SQLite, in memory) or one that answers with
/// futures (a database across the network).
#[derive(Debug, Clone)]
pub enum JournalStore {
    /// Run where blocking is allowed.
    Blocking(Arc<dyn TaskJournal>),
    /// Awaited on the async client's runtime.
    Async(Arc<dyn AsyncTaskJournal>),
}

/// A [`JournalOp`] and the store it goes to: what [`crate::Io::Journal`] hands the front-end.
#[derive(Debug, Clone)]
pub struct JournalCall {
    /// The client's journal.
    pub store: JournalStore,
    /// What to do there.
    pub op: JournalOp,
}

impl JournalCall {
    /// Runs the operation on a blocking store, on the calling thread. It may block for seconds
    /// (SQLite waits for another process's lock), so an async front-end calls this where
    /// blocking is allowed, never on a runtime worker.
    ///
    /// # Errors
    /// The store's error, or [`JournalError::Store`] for an async store, which this cannot
    /// run ([`JournalCall::run_async`] can).
    pub fn run(&self) -> Result<JournalReply, JournalError> {
        let JournalStore::Blocking(store) = &self.store else {
            return Err(JournalError::store(
                "write",
                "an async journal store needs the async client",
            ));
        };
        let store = &**store;
        match &self.op {
            JournalOp::Begin(intent) => store.begin(intent).map(begun),
            JournalOp::Settle(entry, settled) => store.settle(*entry, settled).map(written),
            JournalOp::Record(task_id, event) => store.record(task_id, event).map(written),
            JournalOp::LearnDuration(learnt) => store.learn_duration(learnt).map(written),
            JournalOp::LimitRefused => store.limit_refused().map(written),
            JournalOp::AwaitSlot(at_most) | JournalOp::AwaitSlotAndBegin { at_most, .. } => {
                store.await_slot(*at_most).map(written)
            }
            JournalOp::Entries(query) => store.entries(query).map(JournalReply::Entries),
        }
    }

    /// Runs the operation on an async store. A blocking store is run here too, on the calling
    /// thread: an async front-end sends those to [`JournalCall::run`] where blocking is
    /// allowed instead.
    ///
    /// # Errors
    /// The store's error.
    pub async fn run_async(&self) -> Result<JournalReply, JournalError> {
        let JournalStore::Async(store) = &self.store else {
            return self.run();
        };
        match &self.op {
            JournalOp::Begin(intent) => store.begin(intent).await.map(begun),
            JournalOp::Settle(entry, settled) => store.settle(*entry, settled).await.map(written),
            JournalOp::Record(task_id, event) => store.record(task_id, event).await.map(written),
            JournalOp::LearnDuration(learnt) => store.learn_duration(learnt).await.map(written),
            JournalOp::LimitRefused => store.limit_refused().await.map(written),
            JournalOp::AwaitSlot(at_most) => store.await_slot(*at_most).await.map(written),
            JournalOp::AwaitSlotAndBegin { at_most, intent } => store
                .await_slot_and_begin(intent, *at_most)
                .await
                .map(|handed| handed.map_or(JournalReply::Written, begun)),
            JournalOp::Entries(query) => store.entries(query).await.map(JournalReply::Entries),
        }
    }
}

fn begun(begun: Begun) -> JournalReply {
    JournalReply::Begun(Box::new(begun))
}

fn written((): ()) -> JournalReply {
    JournalReply::Written
}
