//! A store that keeps a limit shared by many clients (a fleet's) refuses an intent while every
//! slot is held: the submit waits for a slot through the store and begins again, sending
//! nothing meanwhile, and the client's own slots stay as they were.

mod fake;

use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use fake::*;
use futures_executor::block_on;
use hitem3d_core::journal::{
    AsyncTaskJournal, Begun, EntryId, EntryQuery, EntryState, Intent, JournalEntry, JournalError,
    JournalOp, LearntDuration, MemoryJournal, Settled, StoreFuture, TaskEvent, TaskJournal,
};
use hitem3d_core::types::{ClientId, ClientSecret, TaskId};
use hitem3d_core::{ClientConfig, ClientCore, Driver, GenerateOptions, WaitPolicy};

/// What the store saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Refused,
    Waited(Duration),
    Begun,
}

/// A memory journal whose first `full` intents find the shared limit reached.
#[derive(Debug)]
struct FullFleet {
    inner: MemoryJournal,
    full: Mutex<usize>,
    seen: Mutex<Vec<Seen>>,
}

impl FullFleet {
    fn refusing(full: usize) -> Arc<Self> {
        Arc::new(Self {
            inner: MemoryJournal::default(),
            full: Mutex::new(full),
            seen: Mutex::new(Vec::new()),
        })
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl TaskJournal for FullFleet {
    fn begin(&self, intent: &Intent) -> Result<Begun, JournalError> {
        let mut full = self.full.lock().unwrap();
        if *full > 0 {
            *full -= 1;
            self.seen.lock().unwrap().push(Seen::Refused);
            return Err(JournalError::AtSharedLimit { held: 3, limit: 3 });
        }
        self.seen.lock().unwrap().push(Seen::Begun);
        self.inner.begin(intent)
    }
    fn await_slot(&self, at_most: Duration) -> Result<(), JournalError> {
        self.seen.lock().unwrap().push(Seen::Waited(at_most));
        Ok(())
    }
    fn settle(&self, entry: EntryId, settled: &Settled) -> Result<(), JournalError> {
        self.inner.settle(entry, settled)
    }
    fn record(&self, task_id: &TaskId, event: &TaskEvent) -> Result<(), JournalError> {
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

fn assert_paid_once(fx: &FakeFrontEnd) {
    let submits = fx
        .calls()
        .iter()
        .filter(|path| path.contains("submit-task"))
        .count();
    assert_eq!(submits, 1, "one paid request: {:?}", fx.calls());
}

fn front_end(store: Arc<FullFleet>) -> FakeFrontEnd {
    let config = ClientConfig::new(ClientId::new("ak_1"), ClientSecret::new("sk_1"))
        .with_task_slots(2)
        .unwrap()
        .with_wait(WaitPolicy::default().with_deadline(Duration::from_secs(600)))
        .with_journal(store)
        .with_shared_task_limit();
    FakeFrontEnd::new(ClientCore::new(config, 42_u64, || {}).unwrap())
        .answers([TOKEN, SUBMITTED, QUEUEING, SUCCESS])
        .file(body(vec![b"glTF\x02\0\0\0", b"model"]))
}

#[test]
fn a_full_shared_limit_makes_the_submit_wait_for_a_slot_then_pay_once() {
    let store = FullFleet::refusing(3);
    let fx = front_end(Arc::clone(&store));
    let options = GenerateOptions::new("out").with_file_stem("chair");

    let generated =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.generate(task(), options), |_| {}))
            .expect("made once a slot freed");

    let wait = Seen::Waited(Duration::from_millis(200));
    assert_eq!(
        store.seen(),
        [
            Seen::Refused,
            wait.clone(),
            Seen::Refused,
            wait.clone(),
            Seen::Refused,
            wait,
            Seen::Begun
        ]
    );
    assert_paid_once(&fx);
    assert_eq!(generated.task_id, TaskId::new("t-1"));
    let entries = store.inner.entries(&EntryQuery::All).unwrap();
    assert_eq!(
        entries.len(),
        1,
        "a refused intent writes nothing: {entries:?}"
    );
    assert_eq!(entries[0].state, EntryState::Saved);
    // The waits went to the store, never to the client's own slots or a retry.
    let ops = fx.journal_ops.borrow();
    let waits = ops
        .iter()
        .filter(|(_, op)| matches!(op, JournalOp::AwaitSlotAndBegin { .. }))
        .count();
    assert_eq!(waits, 3);
    assert_eq!(
        fx.core.slots().limit(),
        2,
        "the client's own limit is untouched"
    );
    let before_payment = ops.iter().filter(|(_, op)| op.is_before_payment());
    assert!(
        before_payment.clone().all(|(at, _)| at.is_zero()),
        "no pause of the client's own: {ops:?}"
    );
    assert_eq!(before_payment.count(), 7);
}

/// An async store of a fleet whose limit is full when the intent comes, and that begins the
/// waiting intent in the first slot it frees, as a shared database's journal does.
#[derive(Debug, Default)]
struct HandingFleet {
    inner: MemoryJournal,
    begins: Mutex<usize>,
    handed: Mutex<usize>,
}

impl AsyncTaskJournal for HandingFleet {
    fn begin<'a>(&'a self, intent: &'a Intent) -> StoreFuture<'a, Begun> {
        let mut begins = self.begins.lock().unwrap();
        *begins += 1;
        let answer = if *begins == 1 {
            Err(JournalError::AtSharedLimit { held: 3, limit: 3 })
        } else {
            self.inner.begin(intent)
        };
        Box::pin(async move { answer })
    }
    fn await_slot_and_begin<'a>(
        &'a self,
        intent: &'a Intent,
        _at_most: Duration,
    ) -> StoreFuture<'a, Option<Begun>> {
        *self.handed.lock().unwrap() += 1;
        let begun = self.inner.begin(intent).map(Some);
        Box::pin(async move { begun })
    }
    fn settle<'a>(&'a self, entry: EntryId, settled: &'a Settled) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.inner.settle(entry, settled) })
    }
    fn record<'a>(&'a self, task_id: &'a TaskId, event: &'a TaskEvent) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.inner.record(task_id, event) })
    }
    fn entries<'a>(&'a self, query: &'a EntryQuery) -> StoreFuture<'a, Vec<JournalEntry>> {
        Box::pin(async move { self.inner.entries(query) })
    }
    fn forget(&self, entry: EntryId) -> StoreFuture<'_, bool> {
        Box::pin(async move { self.inner.forget(entry) })
    }
    fn learn_duration<'a>(&'a self, learnt: &'a LearntDuration) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.inner.learn_duration(learnt) })
    }
    fn learnt_durations(&self) -> StoreFuture<'_, Vec<LearntDuration>> {
        Box::pin(async move { self.inner.learnt_durations() })
    }
}

#[test]
fn an_intent_the_store_begins_in_a_freed_slot_is_paid_once_and_not_begun_again() {
    let store = Arc::new(HandingFleet::default());
    let config = ClientConfig::new(ClientId::new("ak_1"), ClientSecret::new("sk_1"))
        .with_task_slots(2)
        .unwrap()
        .with_wait(WaitPolicy::default().with_deadline(Duration::from_secs(600)))
        .with_async_journal(Arc::clone(&store) as Arc<dyn AsyncTaskJournal>)
        .with_shared_task_limit();
    let fx = FakeFrontEnd::new(ClientCore::new(config, 42_u64, || {}).unwrap())
        .answers([TOKEN, SUBMITTED, QUEUEING, SUCCESS])
        .file(body(vec![b"glTF\x02\0\0\0", b"model"]));
    let options = GenerateOptions::new("out").with_file_stem("chair");

    let generated =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.generate(task(), options), |_| {}))
            .expect("made in the slot the store handed over");

    assert_eq!(generated.task_id, TaskId::new("t-1"));
    assert_eq!(
        (*store.begins.lock().unwrap(), *store.handed.lock().unwrap()),
        (1, 1),
        "refused once, then begun by the store's hand-off, never asked again"
    );
    assert_paid_once(&fx);
    let entries = store.inner.entries(&EntryQuery::All).unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].state, EntryState::Saved);
}
