//! A work queue many machines share: inputs enqueued once, claimed under a lease, and what a
//! claim of an input whose task may already exist means.

use std::fmt;
use std::time::Duration;

use hitem3d_types::TaskId;

use super::{EntryId, JournalEntry, JournalError, JournalKey, PutBack, Resumption, StoreFuture};

/// One input to make a model from, as enqueued: the same key twice is one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedInput {
    /// The input's identity: its contents and options (the journal key its task is begun
    /// under), so that enqueuing the same folder twice adds nothing.
    pub key: JournalKey,
    /// What to make the model from: a path every worker sees, or a URL.
    pub input: String,
    /// The worker's settings for it, opaque to the queue (the command-line tool writes JSON).
    pub options: String,
    /// Its task's published price, when known: what a claim reserves of the fleet's credit
    /// limit until the submit's intent charges it.
    pub credits: Option<u32>,
}

/// The name of one worker process, unique in the fleet (host and process id, say).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkerId(String);

impl WorkerId {
    /// A worker named `name`.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An input a worker holds until its lease runs out: every write about it carries the epoch,
/// and a write with an older epoch than the queue's changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The queue's number for the input.
    pub item: u64,
    /// The input as enqueued.
    pub queued: QueuedInput,
    /// Raised by every claim of the input: the fence a late worker runs into.
    pub epoch: u64,
    /// What the worker does with it.
    pub start: ClaimStart,
}

/// What a claimed input needs.
#[derive(Debug, Clone, PartialEq, Eq)]
// A worker must handle each case: no wildcard.
pub enum ClaimStart {
    /// No task was begun for it (or the last one was refused or failed): submit, paying.
    Submit,
    /// Its task exists (an earlier worker paid, then died or lost its lease): wait for it and
    /// save it, paying nothing.
    Resume(TaskId),
}

impl ClaimStart {
    /// Whether the input's save may replace a file at its own path. Only when resuming: the
    /// fleet checked that path free before paying for the task, so a file there now is an
    /// earlier worker's copy of the same model (killed after the file was in place and before
    /// the journal said so). A new submit never replaces anything.
    #[must_use]
    pub fn replaces_its_own_file(&self) -> bool {
        matches!(self, Self::Resume(_))
    }
}

/// What the journal's entry for an input means for the next claim of it: the decision every
/// queue store applies, so that no store pays twice by its own reading.
#[derive(Debug, Clone, PartialEq, Eq)]
// Every store and worker must handle each case: no wildcard.
pub enum ClaimVerdict {
    /// Claim it with this start.
    Claim(ClaimStart),
    /// A submit went out under an earlier claim and nobody knows whether it created a task:
    /// never paid again on its own; a person decides. The reason, in words.
    Unknown(String),
    /// Its model was saved: nothing to do.
    Done,
}

impl ClaimVerdict {
    /// The verdict for an input whose open journal entry is `entry` (`None`: none, or only
    /// closed ones), claimed again after the lease of `previous` ran out (`None`: never
    /// claimed).
    #[must_use]
    pub fn of(entry: Option<&JournalEntry>, previous: Option<&WorkerId>) -> Self {
        let Some(entry) = entry else {
            return Self::Claim(ClaimStart::Submit);
        };
        match entry.resumption() {
            Resumption::Closed => Self::Claim(ClaimStart::Submit),
            Resumption::Wait(task_id) => Self::Claim(ClaimStart::Resume(task_id)),
            Resumption::Done => Self::Done,
            Resumption::Unknown => Self::Unknown(match previous {
                Some(worker) => format!(
                    "worker {worker} was submitting it when its lease ran out: the task may \
                     exist and be charged"
                ),
                None => entry.note.clone().unwrap_or_else(|| {
                    "a submit went out and its answer was never recorded".to_owned()
                }),
            }),
        }
    }
}

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
// Every store and worker must handle each case: no wildcard.
pub enum ClaimAnswer {
    /// This input is now the worker's.
    Claimed(Claim),
    /// Nothing to claim now, but other workers hold inputs: one may die and leave its input
    /// to be claimed, so ask again later.
    OthersWorking,
    /// Every input is done, failed or waiting for a person: a worker may stop.
    Drained,
    /// Inputs are waiting, but their tasks would take the fleet past its credit limit: a
    /// worker stops once its own inputs end, and the inputs stay queued for a higher limit.
    OverBudget,
}

/// How a claimed input ended, as the worker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
// Every store and worker must handle each case: no wildcard.
pub enum ItemOutcome {
    /// Its model (and cover) were saved.
    Saved,
    /// It failed; the reason, in words. No task was left unfinished by it.
    Failed(String),
}

impl ItemOutcome {
    /// How an input whose job ended with `result` is reported: `None` when nothing may be
    /// written about it, because its claim was lost, a journal write after its payment failed,
    /// or the failure was not the input's (the claim then runs out, and the next claim reads
    /// the journal to decide). [`super::JobEnd::of`] also says when a worker must stop.
    #[must_use]
    pub fn of<T>(result: &Result<T, crate::Error>) -> Option<Self> {
        super::JobEnd::of(result).outcome().cloned()
    }
}

/// How a fleet's limit on unfinished tasks moves: the rule every queue store applies in its
/// transactions, so that the fleet learns the account's limit as one client would.
///
/// ```
/// use std::time::Duration;
/// use hitem3d_core::journal::FleetLimit;
///
/// // Refused while the fleet had 3 tasks at the service: 3, however many refusals race.
/// assert_eq!(FleetLimit::after_refusal(10, 3), 3);
/// assert_eq!(FleetLimit::after_refusal(3, 3), 3);
/// // A minute after the last change, one more is tried, up to the configured 10.
/// assert_eq!(FleetLimit::probed(3, 10, Duration::from_secs(59)), 3);
/// assert_eq!(FleetLimit::probed(3, 10, Duration::from_secs(60)), 4);
/// assert_eq!(FleetLimit::probed(10, 10, Duration::from_secs(600)), 10);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FleetLimit;

impl FleetLimit {
    /// The limit after a refusal for the account's limit, when the fleet's own tasks at the
    /// service number `at_service`: that many (at least one), never more than `current`.
    /// Refusals that race see the same tasks and agree, where lowering by one each would
    /// compound.
    #[must_use]
    pub fn after_refusal(current: u32, at_service: u32) -> u32 {
        current.min(at_service.max(1))
    }

    /// The limit `since_change` after it last changed: one more once
    /// [`crate::LIMIT_PROBE_INTERVAL`] has passed, as others sharing the account finish, up
    /// to `configured`.
    #[must_use]
    pub fn probed(current: u32, configured: u32, since_change: Duration) -> u32 {
        if current < configured && since_change >= crate::LIMIT_PROBE_INTERVAL {
            current + 1
        } else {
            current
        }
    }
}

/// Where a queued input stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
// Every reader must handle each case: no wildcard.
pub enum ItemState {
    /// Waiting for a worker.
    Pending,
    /// A worker holds it (or held it, until its lease runs out).
    Claimed,
    /// Its model was saved.
    Saved,
    /// It failed: the note says why.
    Failed,
    /// A submit for it may have created a task: a person decides, after checking the
    /// service's console ([`AsyncWorkQueue::put_back`] when no task is there).
    Unknown,
}

impl ItemState {
    /// The state's name in stores: `pending`, `claimed`, `saved`, `failed`, `unknown`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Claimed => "claimed",
            Self::Saved => "saved",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
        }
    }

    /// Reads [`ItemState::as_str`] back; `None` for a name this version does not know.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Claimed,
            Self::Saved,
            Self::Failed,
            Self::Unknown,
        ]
        .into_iter()
        .find(|state| state.as_str() == name)
    }
}

/// One input of the queue, with what the journal knows of its task.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueItem {
    /// The queue's number for it.
    pub item: u64,
    /// The input as enqueued.
    pub queued: QueuedInput,
    /// Where it stands.
    pub state: ItemState,
    /// The worker that holds it, or last held it.
    pub worker: Option<WorkerId>,
    /// Why it failed or needs a person.
    pub note: Option<String>,
    /// Its task, once the service named one.
    pub task_id: Option<TaskId>,
    /// The price of its task, once one was created: credits the fleet spent on it.
    pub credits: Option<u32>,
    /// A claimed input whose claim ran out: its worker stopped, or has not been heard from
    /// within its lease, and the next worker to ask for work takes it. A store that cannot
    /// tell says `false`.
    pub claim_lapsed: bool,
}

impl QueueItem {
    /// An item as a store read it.
    #[must_use]
    pub fn new(item: u64, queued: QueuedInput, state: ItemState) -> Self {
        Self {
            item,
            queued,
            state,
            worker: None,
            note: None,
            task_id: None,
            credits: None,
            claim_lapsed: false,
        }
    }
}

/// A queue store: the fleet's shared list of inputs. The fleet's limit on unfinished tasks is
/// not a claim's business: the journal beside the queue decides it when a submit's intent is
/// written ([`super::JournalError::AtSharedLimit`]), so a worker claims ahead and its next
/// submit goes out the moment a slot frees.
pub trait AsyncWorkQueue: fmt::Debug + Send + Sync {
    /// Adds the inputs whose keys are not in the queue yet; returns how many were added.
    ///
    /// # Errors
    /// The store could not be written.
    fn enqueue<'a>(&'a self, inputs: &'a [QueuedInput]) -> StoreFuture<'a, usize>;

    /// Claims the next input for `worker` until `lease` from now (by the store's clock): an
    /// input whose earlier lease ran out first (its task may exist), then a new one.
    ///
    /// # Errors
    /// The store could not be read or written.
    fn claim<'a>(&'a self, worker: &'a WorkerId, lease: Duration) -> StoreFuture<'a, ClaimAnswer>;

    /// Extends the leases of `claims` to `lease` from now; returns the items whose claim was
    /// lost (taken over after a lease ran out), which the worker must drop.
    ///
    /// # Errors
    /// The store could not be written.
    fn heartbeat<'a>(&'a self, claims: &'a [Claim], lease: Duration) -> StoreFuture<'a, Vec<u64>>;

    /// Ends a claim.
    ///
    /// # Errors
    /// [`super::JournalError::LeaseLost`] if another worker holds the input now (nothing is
    /// changed), or the store could not be written.
    fn finish<'a>(&'a self, claim: &'a Claim, outcome: &'a ItemOutcome) -> StoreFuture<'a, ()>;

    /// Every input, in the order enqueued.
    ///
    /// # Errors
    /// The store could not be read.
    fn items(&self) -> StoreFuture<'_, Vec<QueueItem>>;

    /// A person's answer to an input whose outcome was unknown, given after finding no task
    /// for it in the service's console: in one transaction, removes its journal entry `entry`,
    /// gives back that entry's charge, and makes the input pending again, so that a worker
    /// submits it again, paying again. Changes nothing unless [`PutBack::decide`] answers
    /// [`PutBack::Pending`]; returns the decision.
    ///
    /// # Errors
    /// The store could not be read or written.
    fn put_back(&self, entry: EntryId) -> StoreFuture<'_, PutBack>;
}

/// [`AsyncWorkQueue`] for a store whose calls block (a file on this machine): the same five
/// operations with the same contracts. An async caller runs them where blocking is allowed.
pub trait WorkQueue: fmt::Debug + Send + Sync {
    /// [`AsyncWorkQueue::enqueue`].
    ///
    /// # Errors
    /// The store could not be written.
    fn enqueue(&self, inputs: &[QueuedInput]) -> Result<usize, JournalError>;

    /// [`AsyncWorkQueue::claim`].
    ///
    /// # Errors
    /// The store could not be read or written.
    fn claim(&self, worker: &WorkerId, lease: Duration) -> Result<ClaimAnswer, JournalError>;

    /// [`AsyncWorkQueue::heartbeat`].
    ///
    /// # Errors
    /// The store could not be written.
    fn heartbeat(&self, claims: &[Claim], lease: Duration) -> Result<Vec<u64>, JournalError>;

    /// [`AsyncWorkQueue::finish`].
    ///
    /// # Errors
    /// [`super::JournalError::LeaseLost`] if another worker holds the input now, or the store
    /// could not be written.
    fn finish(&self, claim: &Claim, outcome: &ItemOutcome) -> Result<(), JournalError>;

    /// [`AsyncWorkQueue::items`].
    ///
    /// # Errors
    /// The store could not be read.
    fn items(&self) -> Result<Vec<QueueItem>, JournalError>;

    /// [`AsyncWorkQueue::put_back`].
    ///
    /// # Errors
    /// The store could not be read or written.
    fn put_back(&self, entry: EntryId) -> Result<PutBack, JournalError>;
}
