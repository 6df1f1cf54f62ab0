//! The task journal: a record, kept outside the process, of every task a client pays for.
//!
//! The API has no endpoint that lists an account's tasks, so a task id that is lost (a crash
//! between submit and download) is a paid model lost. With a journal in its configuration
//! ([`crate::ClientConfig::with_journal`]) a client writes the intent before a submit goes out,
//! the task id as soon as it is known (or that the outcome is unknown), then the task's states
//! and saved files. `generate` with a [`JournalKey`] resumes a task the journal already holds
//! instead of paying for it again.
//!
//! The store is behind [`TaskJournal`], seven operations that an embedded database serves
//! (`hitem3d-journal`'s SQLite store) and that a shared database could serve for several
//! machines. [`MemoryJournal`] keeps entries in memory, for tests. A store also keeps how long
//! tasks of each kind took ([`LearntDuration`]), which a new client starts its waits from
//! ([`crate::ClientConfig::with_learnt_durations`]).
//!
//! Jobs never call the store themselves: they ask for each write as I/O
//! ([`crate::Io::Journal`] with a [`JournalCall`]), which the front-end runs where blocking is
//! allowed. A write after the submit that fails is retried; one that still fails ends the
//! operation with [`Unrecorded`], which carries the task id.
//!
//! Machines that share one account share one queue of inputs ([`AsyncWorkQueue`]): each
//! claims an input under a lease, and every write about it is fenced by the claim's epoch, so
//! that a worker that woke up late changes nothing; [`ClaimVerdict`] says what claiming an
//! input whose task may exist means.

mod async_task_journal;
mod credit_limit;
mod entry;
mod held_claims;
mod job_end;
mod journal_error;
mod journal_ledger;
mod journal_op;
mod learnt_duration;
mod memory_journal;
mod put_back;
mod task_journal;
mod unrecorded;
mod work_queue;

pub use async_task_journal::{AsyncTaskJournal, StoreFuture};
pub use credit_limit::CreditLimit;
pub use entry::{
    Begun, EntryId, EntryQuery, EntryState, Intent, JournalEntry, JournalKey, Resumption, Settled,
    TaskEvent,
};
pub use held_claims::HeldClaims;
pub use job_end::{HaltCause, Halted, JobEnd};
pub use journal_error::JournalError;
pub(crate) use journal_ledger::{JournalLedger, LedgerStep};
pub use journal_op::{JournalCall, JournalOp, JournalReply, JournalStore};
pub use learnt_duration::LearntDuration;
pub use memory_journal::MemoryJournal;
pub use put_back::PutBack;
pub use task_journal::TaskJournal;
pub use unrecorded::Unrecorded;
pub use work_queue::{
    AsyncWorkQueue, Claim, ClaimAnswer, ClaimStart, ClaimVerdict, FleetLimit, ItemOutcome,
    ItemState, QueueItem, QueuedInput, WorkQueue, WorkerId,
};
