//! The async client runs a blocking journal store where blocking is allowed (a SQLite store
//! waits seconds for another process's lock, which on a runtime worker would stall every other
//! task), and awaits an async store on its runtime.

mod kit;

use std::sync::{Arc, Mutex};

use hitem3d_async::journal::{
    AsyncTaskJournal, Begun, EntryId, EntryQuery, EntryState, Intent, JournalEntry, JournalError,
    LearntDuration, MemoryJournal, Settled, StoreFuture, TaskEvent, TaskJournal,
};
use hitem3d_async::types::{OutputFormat, TaskId};
use hitem3d_async::{Client, GenerateOptions};
use hitem3d_mock::MockService;
use kit::{config_for, single_view};

/// A memory journal that notes each call made on a thread where blocking stalls a runtime.
#[derive(Debug, Default)]
struct WorkerSpy {
    inner: MemoryJournal,
    on_worker: Mutex<Vec<&'static str>>,
}

impl WorkerSpy {
    fn check(&self, operation: &'static str) {
        // Tokio refuses to block on a future from inside its own workers, and allows it on
        // its blocking pool: the test of where this call runs.
        let blocking_forbidden = tokio::runtime::Handle::try_current().is_ok_and(|handle| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle.block_on(async {})))
                .is_err()
        });
        if blocking_forbidden {
            self.on_worker.lock().unwrap().push(operation);
        }
    }
}

impl TaskJournal for WorkerSpy {
    fn begin(&self, intent: &Intent) -> Result<Begun, JournalError> {
        self.check("begin");
        self.inner.begin(intent)
    }
    fn settle(&self, entry: EntryId, settled: &Settled) -> Result<(), JournalError> {
        self.check("settle");
        self.inner.settle(entry, settled)
    }
    fn record(&self, task_id: &TaskId, event: &TaskEvent) -> Result<(), JournalError> {
        self.check("record");
        self.inner.record(task_id, event)
    }
    fn entries(&self, query: &EntryQuery) -> Result<Vec<JournalEntry>, JournalError> {
        self.inner.entries(query)
    }
    fn forget(&self, entry: EntryId) -> Result<bool, JournalError> {
        self.inner.forget(entry)
    }
    fn learn_duration(&self, learnt: &LearntDuration) -> Result<(), JournalError> {
        self.inner.learn_duration(learnt)
    }
    fn learnt_durations(&self) -> Result<Vec<LearntDuration>, JournalError> {
        self.inner.learnt_durations()
    }
}

#[tokio::test]
async fn a_generate_never_calls_the_journal_on_a_runtime_worker() {
    let mock = MockService::start_with(kit::fast_config()).await;
    let spy = Arc::new(WorkerSpy::default());
    let client = Client::new(config_for(&mock).with_journal(spy.clone())).unwrap();
    let dir = kit::out_dir();

    client
        .generate(
            single_view(OutputFormat::Glb),
            GenerateOptions::new(dir.path()),
        )
        .await
        .expect("the generate finishes");

    let entries = spy.inner.entries(&EntryQuery::All).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].state, EntryState::Saved, "every write was made");
    assert_eq!(
        *spy.on_worker.lock().unwrap(),
        Vec::<&str>::new(),
        "journal calls made on a runtime worker"
    );
}

/// A store whose answers are futures, as a database client's are: each operation waits on the
/// runtime before it answers.
#[derive(Debug, Default)]
struct AwaitedStore {
    inner: MemoryJournal,
    awaited: std::sync::atomic::AtomicUsize,
}

impl AwaitedStore {
    async fn answer<T>(&self, answer: Result<T, JournalError>) -> Result<T, JournalError> {
        // A real network round trip: the runtime runs other tasks meanwhile.
        tokio::task::yield_now().await;
        self.awaited
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        answer
    }
}

impl AsyncTaskJournal for AwaitedStore {
    fn begin<'a>(&'a self, intent: &'a Intent) -> StoreFuture<'a, Begun> {
        Box::pin(self.answer(self.inner.begin(intent)))
    }
    fn settle<'a>(&'a self, entry: EntryId, settled: &'a Settled) -> StoreFuture<'a, ()> {
        Box::pin(self.answer(self.inner.settle(entry, settled)))
    }
    fn record<'a>(&'a self, task_id: &'a TaskId, event: &'a TaskEvent) -> StoreFuture<'a, ()> {
        Box::pin(self.answer(self.inner.record(task_id, event)))
    }
    fn entries<'a>(&'a self, query: &'a EntryQuery) -> StoreFuture<'a, Vec<JournalEntry>> {
        Box::pin(self.answer(self.inner.entries(query)))
    }
    fn forget(&self, entry: EntryId) -> StoreFuture<'_, bool> {
        Box::pin(self.answer(self.inner.forget(entry)))
    }
    fn learn_duration<'a>(&'a self, learnt: &'a LearntDuration) -> StoreFuture<'a, ()> {
        Box::pin(self.answer(self.inner.learn_duration(learnt)))
    }
    fn learnt_durations(&self) -> StoreFuture<'_, Vec<LearntDuration>> {
        Box::pin(self.answer(self.inner.learnt_durations()))
    }
}

#[tokio::test]
async fn an_async_store_is_awaited_for_every_write_of_a_generate() {
    let mock = MockService::start_with(kit::fast_config()).await;
    let store = Arc::new(AwaitedStore::default());
    let client = Client::new(config_for(&mock).with_async_journal(store.clone())).unwrap();
    let dir = kit::out_dir();

    let generated = client
        .generate(
            single_view(OutputFormat::Glb),
            GenerateOptions::new(dir.path()),
        )
        .await
        .expect("the generate finishes");

    let entries = store.inner.entries(&EntryQuery::All).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].task_id.as_ref(), Some(&generated.task_id));
    assert_eq!(entries[0].state, EntryState::Saved);
    assert!(
        store.awaited.load(std::sync::atomic::Ordering::SeqCst) >= 3,
        "intent, task id and saved file were awaited"
    );
}
