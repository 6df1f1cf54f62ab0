//! The blocking client has no runtime to await an async journal store on: it refuses one when
//! it is made, in words that say what to use instead.

use std::sync::Arc;

use hitem3d_blocking::journal::{
    AsyncTaskJournal, Begun, EntryId, EntryQuery, Intent, JournalEntry, LearntDuration, Settled,
    StoreFuture, TaskEvent,
};
use hitem3d_blocking::types::{ClientId, ClientSecret, TaskId};
use hitem3d_blocking::{Client, ClientConfig, ConfigError, Error};

/// A store that is never reached: the client refuses it first.
#[derive(Debug)]
struct Unreachable;

impl AsyncTaskJournal for Unreachable {
    fn begin<'a>(&'a self, _: &'a Intent) -> StoreFuture<'a, Begun> {
        unreachable!("refused before use")
    }
    fn settle<'a>(&'a self, _: EntryId, _: &'a Settled) -> StoreFuture<'a, ()> {
        unreachable!("refused before use")
    }
    fn record<'a>(&'a self, _: &'a TaskId, _: &'a TaskEvent) -> StoreFuture<'a, ()> {
        unreachable!("refused before use")
    }
    fn entries<'a>(&'a self, _: &'a EntryQuery) -> StoreFuture<'a, Vec<JournalEntry>> {
        unreachable!("refused before use")
    }
    fn forget(&self, _: EntryId) -> StoreFuture<'_, bool> {
        unreachable!("refused before use")
    }
    fn learn_duration<'a>(&'a self, _: &'a LearntDuration) -> StoreFuture<'a, ()> {
        unreachable!("refused before use")
    }
    fn learnt_durations(&self) -> StoreFuture<'_, Vec<LearntDuration>> {
        unreachable!("refused before use")
    }
}

#[test]
fn an_async_journal_store_is_refused_by_the_blocking_client() {
    let config = ClientConfig::new(ClientId::new("ak_1"), ClientSecret::new("sk_1"))
        .with_async_journal(Arc::new(Unreachable));

    let error = Client::new(config).unwrap_err();

    assert!(
        matches!(error, Error::Config(ConfigError::AsyncJournal)),
        "{error:?}"
    );
    assert!(error.to_string().contains("async client"), "{error}");
}
