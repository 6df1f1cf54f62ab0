//! A journal that fails after the submit: every write is retried for the client's journal
//! retry time, the task goes on (its model is still saved), and a write that never lands
//! ends the operation with the task id instead of a log line.

mod fake;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use fake::*;
use futures_executor::block_on;
use hitem3d_core::journal::{
    Begun, EntryId, EntryQuery, EntryState, Intent, JournalEntry, JournalError, JournalOp,
    LearntDuration, MemoryJournal, Settled, TaskEvent, TaskJournal,
};
use hitem3d_core::types::{ClientId, ClientSecret, TaskId};
use hitem3d_core::{
    ClientConfig, ClientCore, Driver, Error, GenerateOptions, ResultKind, WaitPolicy,
};

/// A memory journal whose writes after the intent fail while `failing` says so.
#[derive(Debug, Default)]
struct FlakyStore {
    inner: MemoryJournal,
    /// How many writes after the intent still fail.
    failing: AtomicUsize,
    /// Only saved-file records fail.
    only_saved: bool,
}

impl FlakyStore {
    fn failing(writes: usize) -> Arc<Self> {
        Arc::new(Self {
            failing: AtomicUsize::new(writes),
            ..Self::default()
        })
    }

    fn fail(&self, saved_file: bool) -> Result<(), JournalError> {
        if self.only_saved && !saved_file {
            return Ok(());
        }
        let left = self.failing.load(Ordering::SeqCst);
        if left == 0 {
            return Ok(());
        }
        self.failing.store(left - 1, Ordering::SeqCst);
        Err(JournalError::store("write", "database is locked"))
    }

    fn only_entry(&self) -> JournalEntry {
        let mut entries = self.inner.entries(&EntryQuery::All).unwrap();
        assert_eq!(entries.len(), 1, "{entries:?}");
        entries.remove(0)
    }
}

impl TaskJournal for FlakyStore {
    fn begin(&self, intent: &Intent) -> Result<Begun, JournalError> {
        self.inner.begin(intent)
    }
    fn settle(&self, entry: EntryId, settled: &Settled) -> Result<(), JournalError> {
        self.fail(false)?;
        self.inner.settle(entry, settled)
    }
    fn record(&self, task_id: &TaskId, event: &TaskEvent) -> Result<(), JournalError> {
        self.fail(matches!(event, TaskEvent::Saved(_)))?;
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

fn core_with(journal: Arc<dyn TaskJournal>, retry: Duration) -> ClientCore {
    let config = ClientConfig::new(ClientId::new("ak_1"), ClientSecret::new("sk_1"))
        .with_wait(WaitPolicy::default().with_deadline(Duration::from_secs(600)))
        .with_journal(journal)
        .with_journal_retry(retry);
    ClientCore::new(config, 42_u64, || {}).unwrap()
}

fn generate(fx: &FakeFrontEnd) -> Result<hitem3d_core::Generated, Error> {
    let options = GenerateOptions::new("out").with_file_stem("chair");
    block_on(Driver::new(&fx.core, fx).run(fx.core.generate(task(), options), |_| {}))
}

fn generate_front_end(journal: Arc<dyn TaskJournal>, retry: Duration) -> FakeFrontEnd {
    FakeFrontEnd::new(core_with(journal, retry))
        .answers([TOKEN, SUBMITTED, QUEUEING, SUCCESS])
        .file(body(vec![b"glTF\x02\0\0\0", b"model"]))
}

/// When each try of the settle ran.
fn settle_times(fx: &FakeFrontEnd) -> Vec<Duration> {
    fx.journal_ops
        .borrow()
        .iter()
        .filter(|(_, op)| matches!(op, JournalOp::Settle(..)))
        .map(|(at, _)| *at)
        .collect()
}

#[test]
fn a_journal_locked_for_a_while_after_the_submit_loses_nothing() {
    let store = FlakyStore::failing(3);
    let fx = generate_front_end(store.clone(), Duration::from_secs(60));

    let generated = generate(&fx).expect("the journal came back within the retry time");

    let entry = store.only_entry();
    assert_eq!(entry.task_id, Some(TaskId::new("t-1")));
    assert_eq!(entry.state, EntryState::Saved);
    assert_eq!(entry.files, [generated.model.path]);
    // Tried at once, then after pauses that grow: 0.25 s, 0.5 s, 1 s.
    let times = settle_times(&fx);
    assert_eq!(times.len(), 4, "{times:?}");
    let pauses: Vec<_> = times.windows(2).map(|pair| pair[1] - pair[0]).collect();
    assert_eq!(
        pauses,
        [250, 500, 1000].map(Duration::from_millis),
        "{times:?}"
    );
}

#[test]
fn a_journal_that_never_comes_back_ends_the_generate_with_the_task_id_and_the_saved_model() {
    let store = FlakyStore::failing(usize::MAX);
    let fx = generate_front_end(store.clone(), Duration::from_secs(20));

    let error = generate(&fx).unwrap_err();

    let Error::Unrecorded(unrecorded) = &error else {
        panic!("not an unrecorded task: {error:?}");
    };
    assert_eq!(unrecorded.task_id, TaskId::new("t-1"));
    assert_eq!(error.task_id(), Some(&TaskId::new("t-1")));
    assert_eq!(unrecorded.missed, "the task id");
    assert_eq!(unrecorded.saved, [PathBuf::from("out/chair.glb")]);
    assert!(unrecorded.also.is_none());
    assert!(
        fx.saved
            .borrow()
            .contains_key(&PathBuf::from("out/chair.glb")),
        "the model was saved all the same"
    );
    let text = error.to_string();
    assert!(
        text.contains("t-1") && text.contains("database is locked"),
        "{text}"
    );
    assert!(!error.is_retryable(), "doing it again would pay again");
    // Retried for the whole retry time, then once more at the end; no write after it was
    // tried on its own (a saved file recorded before its task id would be lost).
    let times = settle_times(&fx);
    assert!(times.len() >= 6, "{times:?}");
    let first = times[0];
    let within: Vec<_> = times
        .iter()
        .filter(|at| **at - first <= Duration::from_secs(20))
        .collect();
    assert_eq!(
        within.len(),
        times.len() - 1,
        "one more try at the end: {times:?}"
    );
    let ops = fx.journal_ops.borrow();
    let last_settle = ops
        .iter()
        .rposition(|(_, op)| matches!(op, JournalOp::Settle(..)))
        .unwrap();
    assert_eq!(
        last_settle,
        ops.len() - 1,
        "nothing written past the settle: {ops:?}"
    );
    // What the error says of the time is what happened, first try to last, not the setting.
    assert_eq!(unrecorded.retried_for, times[times.len() - 1] - times[0]);
    assert!(
        unrecorded.retried_for > Duration::from_secs(20),
        "{times:?}"
    );
    assert_eq!(store.only_entry().state, EntryState::Submitting);
}

#[test]
fn a_journal_back_by_the_end_of_the_operation_gets_every_write_in_order() {
    // Fails through the whole retry time (0.25+0.5+1 s), then comes back.
    let store = FlakyStore::failing(4);
    let fx = generate_front_end(store.clone(), Duration::from_secs(1));

    let generated = generate(&fx).expect("the last pass wrote everything");

    let entry = store.only_entry();
    assert_eq!(entry.task_id, Some(TaskId::new("t-1")));
    assert_eq!(entry.state, EntryState::Saved, "{entry:?}");
    assert_eq!(entry.files, [generated.model.path]);
}

#[test]
fn a_plain_submit_whose_task_id_cannot_be_recorded_fails_with_that_id() {
    let store = FlakyStore::failing(usize::MAX);
    let fx = FakeFrontEnd::new(core_with(store.clone(), Duration::from_secs(5)))
        .answers([TOKEN, SUBMITTED]);

    let error =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.submit(task()), |_| {})).unwrap_err();

    assert_eq!(error.task_id(), Some(&TaskId::new("t-1")), "{error}");
    assert!(matches!(error, Error::Unrecorded(_)), "{error:?}");
}

#[test]
fn a_download_whose_saved_file_cannot_be_recorded_says_so_and_keeps_the_file() {
    let store = Arc::new(FlakyStore {
        failing: AtomicUsize::new(usize::MAX),
        only_saved: true,
        ..FlakyStore::default()
    });
    let fx = FakeFrontEnd::new(core_with(store, Duration::from_secs(5)))
        .file(body(vec![b"glTF\x02\0\0\0", b"model"]));
    let result = result(hitem3d_core::Timestamp::ZERO);
    let job = fx
        .core
        .download(&result, ResultKind::Model, PathBuf::from("out/m.glb"));

    let error = block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap_err();

    let Error::Unrecorded(unrecorded) = &error else {
        panic!("not an unrecorded task: {error:?}");
    };
    assert_eq!(unrecorded.missed, "a saved file");
    assert_eq!(unrecorded.saved, [PathBuf::from("out/m.glb")]);
    assert!(fx.saved.borrow().contains_key(&PathBuf::from("out/m.glb")));
}

#[test]
fn a_refused_submit_is_not_an_unrecorded_task() {
    let store = FlakyStore::failing(usize::MAX);
    let no_balance = r#"{"code":30010000,"data":{},"msg":"balance is not enough"}"#;
    let fx =
        FakeFrontEnd::new(core_with(store, Duration::from_secs(5))).answers([TOKEN, no_balance]);

    let error =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.submit(task()), |_| {})).unwrap_err();

    assert!(error.is_insufficient_balance(), "{error:?}");
}

/// A memory journal that cannot keep durations.
#[derive(Debug, Default)]
struct NoDurations(MemoryJournal);

impl TaskJournal for NoDurations {
    fn begin(&self, intent: &Intent) -> Result<Begun, JournalError> {
        self.0.begin(intent)
    }
    fn settle(&self, entry: EntryId, settled: &Settled) -> Result<(), JournalError> {
        self.0.settle(entry, settled)
    }
    fn record(&self, task_id: &TaskId, event: &TaskEvent) -> Result<(), JournalError> {
        self.0.record(task_id, event)
    }
    fn entries(&self, query: &EntryQuery) -> Result<Vec<JournalEntry>, JournalError> {
        self.0.entries(query)
    }
    fn forget(&self, entry: EntryId) -> Result<bool, JournalError> {
        self.0.forget(entry)
    }
    fn learn_duration(&self, _: &LearntDuration) -> Result<(), JournalError> {
        Err(JournalError::store("write", "database is locked"))
    }
    fn learnt_durations(&self) -> Result<Vec<LearntDuration>, JournalError> {
        Ok(Vec::new())
    }
}

#[test]
fn a_duration_the_journal_cannot_keep_costs_one_try_and_fails_nothing() {
    let store = Arc::new(NoDurations::default());
    let fx = generate_front_end(store.clone(), Duration::from_secs(60));

    generate(&fx).expect("a duration is advice for later waits, not a record of the task");

    let tries = fx
        .journal_ops
        .borrow()
        .iter()
        .filter(|(_, op)| matches!(op, JournalOp::LearnDuration(_)))
        .count();
    assert_eq!(tries, 1);
    let entries = store.0.entries(&EntryQuery::All).unwrap();
    assert_eq!(entries[0].state, EntryState::Saved);
}
