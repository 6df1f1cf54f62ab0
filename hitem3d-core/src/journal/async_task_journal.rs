//! A journal store that answers asynchronously: a database across the network, whose client
//! runs on the caller's async runtime instead of blocking a thread.

use std::future::Future;
use std::pin::Pin;

use hitem3d_types::TaskId;

use super::{
    Begun, EntryId, EntryQuery, Intent, JournalEntry, JournalError, LearntDuration, Settled,
    TaskEvent,
};

/// What an [`AsyncTaskJournal`] operation returns: a future the async client awaits.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, JournalError>> + Send + 'a>>;

/// The seven operations of [`super::TaskJournal`], answered by futures, for a store whose
/// client is async (a shared database for several machines). Each has the same contract as
/// its [`super::TaskJournal`] twin. The async client awaits them on its runtime; the blocking
/// client, which has no runtime, refuses such a store when it is made.
pub trait AsyncTaskJournal: std::fmt::Debug + Send + Sync {
    /// [`super::TaskJournal::begin`].
    fn begin<'a>(&'a self, intent: &'a Intent) -> StoreFuture<'a, Begun>;
    /// [`super::TaskJournal::settle`].
    fn settle<'a>(&'a self, entry: EntryId, settled: &'a Settled) -> StoreFuture<'a, ()>;
    /// [`super::TaskJournal::record`].
    fn record<'a>(&'a self, task_id: &'a TaskId, event: &'a TaskEvent) -> StoreFuture<'a, ()>;
    /// [`super::TaskJournal::entries`].
    fn entries<'a>(&'a self, query: &'a EntryQuery) -> StoreFuture<'a, Vec<JournalEntry>>;
    /// [`super::TaskJournal::forget`].
    fn forget(&self, entry: EntryId) -> StoreFuture<'_, bool>;
    /// [`super::TaskJournal::learn_duration`].
    fn learn_duration<'a>(&'a self, learnt: &'a LearntDuration) -> StoreFuture<'a, ()>;
    /// [`super::TaskJournal::learnt_durations`].
    fn learnt_durations(&self) -> StoreFuture<'_, Vec<LearntDuration>>;

    /// [`super::TaskJournal::limit_refused`]; by default nothing is kept.
    fn limit_refused(&self) -> StoreFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }

    /// [`super::TaskJournal::await_slot`]: a store that answers a begin with
    /// [`JournalError::AtSharedLimit`] waits here until a slot may have freed, at the latest
    /// after `at_most`; by default (for the others) it returns at once.
    fn await_slot(&self, at_most: std::time::Duration) -> StoreFuture<'_, ()> {
        let _unused = at_most;
        Box::pin(async { Ok(()) })
    }

    /// [`Self::await_slot`] for a submit whose `intent` the store refused at the shared limit.
    /// A store that frees a slot while the submit waits may begin `intent` in that slot, in
    /// the same transaction, and answer what it began: the submit then goes out without
    /// asking again, and the slot is never seen free by anyone else. An answer of `None` (the
    /// default: a wait, then `None`) means the submit begins again.
    fn await_slot_and_begin<'a>(
        &'a self,
        intent: &'a Intent,
        at_most: std::time::Duration,
    ) -> StoreFuture<'a, Option<Begun>> {
        let _unused = intent;
        Box::pin(async move { self.await_slot(at_most).await.map(|()| None) })
    }
}
