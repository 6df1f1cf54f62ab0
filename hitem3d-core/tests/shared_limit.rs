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
    Begun, EntryId, EntryQuery, EntryState, Intent, JournalEntry, JournalError, JournalOp,
    LearntDuration, MemoryJournal, Settled, TaskEvent, TaskJournal,
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
    let submits = fx
        .calls()
        .iter()
        .filter(|path| path.contains("submit-task"))
        .count();
    assert_eq!(submits, 1, "one paid request: {:?}", fx.calls());
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
        .filter(|(_, op)| matches!(op, JournalOp::AwaitSlot(_)))
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
