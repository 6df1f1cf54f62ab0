//! A person's answer to a queued input whose outcome nobody knew: "the service's console shows
//! no task for it, do it again". The decision every queue store applies before it changes
//! anything, because doing it again is paid again.

use super::{EntryState, ItemState, JournalEntry};

/// What putting a queued input back does, decided from its journal entry and its queue item.
/// Only [`PutBack::Pending`] changes anything.
///
/// ```
/// use hitem3d_core::journal::{EntryState, ItemState, PutBack};
///
/// let unknown = Some(&EntryState::OutcomeUnknown);
/// // An input a worker's lease ran out on while submitting: a person may put it back.
/// assert_eq!(PutBack::decide(unknown, false, Some(ItemState::Unknown), false), PutBack::Pending);
/// // A submit that a worker holding its lease may still be sending is never put back.
/// assert_eq!(
///     PutBack::decide(Some(&EntryState::Submitting), false, Some(ItemState::Claimed), false),
///     PutBack::NotWaiting(ItemState::Claimed),
/// );
/// // A task id: the task exists.
/// assert_eq!(
///     PutBack::decide(unknown, true, Some(ItemState::Unknown), false),
///     PutBack::NotUnknown(EntryState::OutcomeUnknown),
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
// Every store and caller must handle each case: no wildcard.
pub enum PutBack {
    /// The entry is removed, its charge given back, and its input is pending again: the next
    /// worker submits it, paying again.
    Pending,
    /// Nothing changed: no entry has that number.
    NoEntry,
    /// Nothing changed: the entry's outcome is known (a task id, saved, refused, failed). Its
    /// state.
    NotUnknown(EntryState),
    /// Nothing changed: no queued input has this entry's key (a `generate` began it, not a
    /// worker).
    NotQueued,
    /// Nothing changed: the input is not waiting for a person (a worker holds it under a
    /// lease that has not run out, or it ended otherwise). Its state.
    NotWaiting(ItemState),
}

impl PutBack {
    /// The decision for an entry in `entry` (`None`: no such entry), which names a task when
    /// `has_task_id`, whose key's queue item is in `item` (`None`: not queued), and whose
    /// claim's lease is over when `lease_over`.
    #[must_use]
    pub fn decide(
        entry: Option<&EntryState>,
        has_task_id: bool,
        item: Option<ItemState>,
        lease_over: bool,
    ) -> Self {
        let Some(state) = entry else {
            return Self::NoEntry;
        };
        // A task id means the task exists; any other state is an outcome known.
        let unknown = matches!(state, EntryState::OutcomeUnknown | EntryState::Submitting);
        if !unknown || has_task_id {
            return Self::NotUnknown(state.clone());
        }
        match item {
            None => Self::NotQueued,
            // A claim whose lease ran out is what the next claim would mark unknown: its
            // worker stopped sending heartbeats, and the input's epoch fences it.
            Some(ItemState::Unknown) => Self::Pending,
            Some(ItemState::Claimed) if lease_over => Self::Pending,
            Some(other) => Self::NotWaiting(other),
        }
    }

    /// [`PutBack::decide`] for `entry` as a store read it (`None`: no such entry) and the queue
    /// item under its key: its state, and whether its claim's lease is over.
    #[must_use]
    pub fn of(entry: Option<&JournalEntry>, item: Option<(ItemState, bool)>) -> Self {
        Self::decide(
            entry.map(|entry| &entry.state),
            entry.is_some_and(|entry| entry.task_id.is_some()),
            item.map(|(state, _)| state),
            item.is_some_and(|(_, over)| over),
        )
    }
}
