//! What can go wrong with a journal.

use super::EntryId;

/// A journal store failed, or a journal entry forbids the submit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// The store could not be read or written.
    #[error("the task journal {action} failed: {reason}")]
    Store {
        /// What was being done: "write", "read", "open", …
        action: &'static str,
        /// The store's error, in words.
        reason: String,
    },
    /// An earlier submit under the same key may have created a task: its answer never came.
    /// Submitting again might pay twice.
    #[error(
        "an earlier submit of this task (journal entry {entry}, {label}) has no answer \
         recorded: it is still going out, or it was cut off and may have created and charged a \
         task; if no other run is submitting it, find it in the service's console, then forget \
         the entry to submit again"
    )]
    OutcomeUnknown {
        /// The entry of the earlier submit.
        entry: EntryId,
        /// Its label: the model or task type.
        label: String,
    },
    /// This worker's claim on a queued input ended: its lease ran out and another worker
    /// took the input over. The write was not made; nothing was changed.
    #[error(
        "this worker's claim on queued input #{item} ended (its lease ran out and another \
         worker took it over): nothing was written"
    )]
    LeaseLost {
        /// The queue's number for the input.
        item: u64,
    },
    /// Every slot of the limit on unfinished tasks that the store keeps for all its clients
    /// (a fleet's, shared by its machines) is held: the intent was not written and nothing
    /// was sent. The submit waits for a slot ([`super::JournalOp::AwaitSlot`]) and begins
    /// again.
    #[error(
        "all {limit} unfinished tasks the shared limit allows are running ({held} held): \
         nothing was sent; the submit waits for one of them to end"
    )]
    AtSharedLimit {
        /// Unfinished tasks the store counts.
        held: u32,
        /// The shared limit.
        limit: u32,
    },
    /// The submit would take the credits charged past the limit set for them; nothing was
    /// sent or paid.
    #[error(
        "this task ({price} credits) would take the credits spent past the limit of {limit} \
         ({spent} spent or reserved): nothing was sent or paid; raise the limit to go on",
        price = price.map_or_else(|| "price unknown".to_owned(), |price| price.to_string())
    )]
    OverBudget {
        /// The task's published price, if known (a task of unknown price cannot be guarded, so
        /// it is refused under a limit).
        price: Option<u32>,
        /// Credits charged (and reserved by claims) so far.
        spent: u64,
        /// The limit.
        limit: u64,
    },
}

impl JournalError {
    /// A store error.
    #[must_use]
    pub fn store(action: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::Store {
            action,
            reason: reason.to_string(),
        }
    }
}
