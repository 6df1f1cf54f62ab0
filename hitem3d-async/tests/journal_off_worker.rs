//! The async client runs the task journal where blocking is allowed: a SQLite store waits
//! seconds for another process's lock, which on a runtime worker would stall every other task.

mod kit;

use std::sync::{Arc, Mutex};

use hitem3d_async::hitem3d_core::journal::{
    Begun, EntryId, EntryQuery, EntryState, Intent, JournalEntry, JournalError, LearntDuration,
    MemoryJournal, Settled, TaskEvent, TaskJournal,
};
use hitem3d_async::hitem3d_core::types::{OutputFormat, TaskId};
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
