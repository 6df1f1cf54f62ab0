//! The task journal as jobs write it: the intent before the paid call, then the task id (or
//! why there is none), states and saved files; and `generate` under a key that resumes
//! instead of paying twice.

mod fake;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use fake::*;
use futures_executor::block_on;
use hitem3d_core::journal::{
    Begun, EntryId, EntryQuery, EntryState, Intent, JournalEntry, JournalError, JournalKey,
    JournalOp, LearntDuration, MemoryJournal, Resumption, Settled, TaskEvent, TaskJournal,
};
use hitem3d_core::types::{ClientId, ClientSecret, TaskId, TaskState, TaskType};
use hitem3d_core::{
    ClientConfig, ClientCore, Driver, Error, GenerateOptions, GenerateProgress, TransportFailure,
    WaitPolicy,
};

const FAILED: &str = r#"{"code":200,"data":{"task_id":"t-1","state":"failed"}}"#;
const NO_BALANCE: &str = r#"{"code":30010000,"data":{},"msg":"balance is not enough"}"#;

fn core_with(journal: Arc<dyn TaskJournal>) -> ClientCore {
    let config = ClientConfig::new(ClientId::new("ak_1"), ClientSecret::new("sk_1"))
        .with_wait(WaitPolicy::default().with_deadline(Duration::from_secs(600)))
        .with_journal(journal);
    ClientCore::new(config, 42_u64, || {}).unwrap()
}

fn only_entry(journal: &MemoryJournal) -> JournalEntry {
    let mut entries = journal.entries(&EntryQuery::All).unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries.remove(0)
}

fn generate(
    fx: &FakeFrontEnd,
    options: GenerateOptions,
) -> (
    Result<hitem3d_core::Generated, Error>,
    Vec<GenerateProgress>,
) {
    let mut events = Vec::new();
    let job = fx.core.generate(task(), options);
    let result = block_on(Driver::new(&fx.core, fx).run(job, |event| events.push(event)));
    (result, events)
}

fn key() -> JournalKey {
    JournalKey::new("chair.png|glb")
}

#[test]
fn generate_records_the_intent_then_the_task_its_states_and_the_saved_file() {
    let journal = Arc::new(MemoryJournal::default());
    let fx = FakeFrontEnd::new(core_with(journal.clone()))
        .answers([TOKEN, SUBMITTED, QUEUEING, PROCESSING, SUCCESS])
        .file(body(vec![b"glTF\x02\0\0\0", b"model"]));
    let options = GenerateOptions::new("out")
        .with_file_stem("chair")
        .with_journal_key(key());

    generate(&fx, options.clone()).0.unwrap();

    let entry = only_entry(&journal);
    assert_eq!(entry.key, Some(key()));
    assert_eq!(entry.task_type, TaskType::ImageTo3d);
    assert_eq!(entry.label, "hitem3dv2.1");
    assert_eq!(entry.task_id, Some(TaskId::new("t-1")));
    assert_eq!(entry.state, EntryState::Saved);
    assert_eq!(entry.files, [PathBuf::from("out/chair.glb")]);
    assert_eq!(entry.estimated_credits, Some(25), "hitem3dv2.1 at 1536fast");
    assert_eq!(entry.resumption(), Resumption::Done);
    let destination = entry.destination.as_deref().unwrap();
    let (resumed, format) = GenerateOptions::from_journal_destination(destination).unwrap();
    assert_eq!(resumed.output_dir, options.output_dir);
    assert_eq!(resumed.file_stem.as_deref(), Some("chair"));
    assert_eq!(format, Some(hitem3d_core::types::OutputFormat::Glb));
}

/// A store that can be read but refuses every write.
#[derive(Debug, Default)]
struct BrokenStore;

impl TaskJournal for BrokenStore {
    fn begin(&self, _: &Intent) -> Result<Begun, JournalError> {
        Err(JournalError::store("write", "disk full"))
    }
    fn settle(&self, _: EntryId, _: &Settled) -> Result<(), JournalError> {
        Err(JournalError::store("write", "disk full"))
    }
    fn record(&self, _: &TaskId, _: &TaskEvent) -> Result<(), JournalError> {
        Err(JournalError::store("write", "disk full"))
    }
    fn entries(&self, _: &EntryQuery) -> Result<Vec<JournalEntry>, JournalError> {
        Ok(Vec::new())
    }
    fn forget(&self, _: EntryId) -> Result<bool, JournalError> {
        Ok(false)
    }
    fn learn_duration(&self, _: &LearntDuration) -> Result<(), JournalError> {
        Err(JournalError::store("write", "disk full"))
    }
    fn learnt_durations(&self) -> Result<Vec<LearntDuration>, JournalError> {
        Ok(Vec::new())
    }
}

#[test]
fn a_journal_that_cannot_write_the_intent_stops_the_submit_before_it_is_sent() {
    let fx = FakeFrontEnd::new(core_with(Arc::new(BrokenStore))).answers([TOKEN]);

    let error =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.submit(task()), |_| {})).unwrap_err();

    assert!(
        matches!(error, Error::Journal(JournalError::Store { .. })),
        "{error}"
    );
    assert!(error.to_string().contains("disk full"), "{error}");
    assert!(
        !fx.calls().iter().any(|call| call.ends_with("submit-task")),
        "nothing paid: {:?}",
        fx.calls()
    );
    assert_eq!(fx.core.available_task_slots(), 10, "the slot is given back");
}

#[test]
fn generate_under_a_key_the_journal_holds_resumes_that_task_and_pays_nothing() {
    let journal = Arc::new(MemoryJournal::default());
    let Begun::New(entry) = journal
        .begin(&Intent {
            key: Some(key()),
            task_type: TaskType::ImageTo3d,
            label: "hitem3dv2.1".into(),
            estimated_credits: Some(25),
            destination: None,
        })
        .unwrap()
    else {
        panic!("a new entry")
    };
    journal
        .settle(entry, &Settled::Submitted(TaskId::new("t-1")))
        .unwrap();
    let fx = FakeFrontEnd::new(core_with(journal.clone()))
        .answers([TOKEN, PROCESSING, SUCCESS])
        .file(body(vec![b"glTF\x02\0\0\0", b"model"]));

    let (generated, events) = generate(&fx, GenerateOptions::new("out").with_journal_key(key()));

    assert_eq!(generated.unwrap().task_id.as_str(), "t-1");
    assert!(
        !fx.calls().iter().any(|call| call.ends_with("submit-task")),
        "no second payment: {:?}",
        fx.calls()
    );
    assert!(
        matches!(&events[0], GenerateProgress::Resumed { task_id } if task_id.as_str() == "t-1"),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|event| matches!(event, GenerateProgress::Submitted { .. }))
    );
    assert_eq!(only_entry(&journal).state, EntryState::Saved);
}

#[test]
fn a_key_whose_submit_never_got_an_answer_is_not_sent_again() {
    let journal = Arc::new(MemoryJournal::default());
    // A run that stopped while its submit was out: the entry has no task id.
    journal
        .begin(&Intent {
            key: Some(key()),
            task_type: TaskType::ImageTo3d,
            label: "hitem3dv2.1".into(),
            estimated_credits: None,
            destination: None,
        })
        .unwrap();
    let fx = FakeFrontEnd::new(core_with(journal.clone())).answers([TOKEN]);

    let (result, _) = generate(&fx, GenerateOptions::new("out").with_journal_key(key()));

    let error = result.unwrap_err();
    assert!(error.is_submit_outcome_unknown(), "{error}");
    assert!(error.to_string().contains("may have created"), "{error}");
    assert!(!fx.calls().iter().any(|call| call.ends_with("submit-task")));
    assert_eq!(fx.core.available_task_slots(), 10);
}

#[test]
fn a_submit_without_an_answer_is_recorded_as_unknown_and_blocks_its_key() {
    let journal = Arc::new(MemoryJournal::default());
    let fx = FakeFrontEnd::new(core_with(journal.clone())).answers([TOKEN]);
    fx.api
        .borrow_mut()
        .push_back(Err(TransportFailure::call_timed_out(Duration::from_secs(
            60,
        ))));

    let (result, _) = generate(&fx, GenerateOptions::new("out").with_journal_key(key()));
    assert!(result.unwrap_err().is_submit_outcome_unknown());
    let entry = only_entry(&journal);
    assert_eq!(entry.state, EntryState::OutcomeUnknown);
    assert!(
        entry.note.as_deref().unwrap_or_default().contains("60 s"),
        "{entry:?}"
    );
    assert_eq!(entry.resumption(), Resumption::Unknown);

    let again = journal.begin(&Intent {
        key: Some(key()),
        task_type: TaskType::ImageTo3d,
        label: "hitem3dv2.1".into(),
        estimated_credits: None,
        destination: None,
    });
    assert!(
        matches!(again.unwrap(), Begun::Existing(_)),
        "the key stays taken"
    );
    assert!(
        journal.forget(entry.id).unwrap(),
        "until a person forgets it"
    );
    assert!(journal.entries(&EntryQuery::Unfinished).unwrap().is_empty());
}

#[test]
fn a_refused_submit_is_recorded_and_frees_its_key() {
    let journal = Arc::new(MemoryJournal::default());
    let fx = FakeFrontEnd::new(core_with(journal.clone())).answers([TOKEN, NO_BALANCE]);

    let (result, _) = generate(&fx, GenerateOptions::new("out").with_journal_key(key()));

    assert!(result.unwrap_err().is_insufficient_balance());
    let entry = only_entry(&journal);
    assert_eq!(entry.state, EntryState::Refused);
    assert!(entry.note.unwrap().contains("balance"));
    assert!(entry.task_id.is_none());
    assert_eq!(
        journal.entries(&EntryQuery::Unfinished).unwrap(),
        [],
        "nothing to resume"
    );
}

#[test]
fn a_failed_task_is_recorded_with_its_reason_and_closes_the_entry() {
    let journal = Arc::new(MemoryJournal::default());
    let fx = FakeFrontEnd::new(core_with(journal.clone())).answers([TOKEN, SUBMITTED, FAILED]);

    let (result, _) = generate(&fx, GenerateOptions::new("out").with_journal_key(key()));

    assert!(result.is_err());
    let entry = only_entry(&journal);
    assert_eq!(entry.state, EntryState::Task(TaskState::Failed));
    assert!(entry.note.as_deref().unwrap().contains("generation failed"));
    assert!(entry.is_closed());
}

#[test]
fn a_plain_submit_is_recorded_without_a_key_and_never_resumed() {
    let journal = Arc::new(MemoryJournal::default());
    let fx = FakeFrontEnd::new(core_with(journal.clone())).answers([TOKEN, SUBMITTED]);

    let task_id = block_on(Driver::new(&fx.core, &fx).run(fx.core.submit(task()), |_| {})).unwrap();

    let entry = only_entry(&journal);
    assert_eq!(entry.task_id, Some(task_id.clone()));
    assert_eq!(entry.key, None);
    assert_eq!(entry.state, EntryState::Task(TaskState::Created));
    assert_eq!(entry.resumption(), Resumption::Wait(task_id));
}

#[test]
fn entry_states_read_back_as_written() {
    for state in [
        EntryState::Submitting,
        EntryState::OutcomeUnknown,
        EntryState::Refused,
        EntryState::Saved,
        EntryState::Task(TaskState::Queueing),
        EntryState::Task(TaskState::Failed),
    ] {
        assert_eq!(EntryState::parse(state.as_str()), state);
    }
}

#[test]
fn ids_keys_and_states_read_as_people_see_them() {
    assert_eq!(EntryId(3).to_string(), "#3");
    assert_eq!(key().to_string(), "chair.png|glb");
    assert_eq!(EntryState::OutcomeUnknown.to_string(), "unknown");
    assert_eq!(
        EntryState::Task(TaskState::Processing).to_string(),
        "processing"
    );
}

#[test]
fn the_memory_journals_clock_orders_its_writes() {
    let journal = MemoryJournal::default();
    let intent = |key: &str| Intent {
        key: Some(JournalKey::new(key)),
        task_type: TaskType::ImageTo3d,
        label: "hitem3dv2.1".into(),
        estimated_credits: None,
        destination: None,
    };
    let Begun::New(first) = journal.begin(&intent("a")).unwrap() else {
        panic!("new")
    };
    journal.begin(&intent("b")).unwrap();
    journal
        .settle(first, &Settled::Submitted(TaskId::new("t-1")))
        .unwrap();
    let entries = journal.entries(&EntryQuery::All).unwrap();
    let (a, b) = (&entries[0], &entries[1]);
    assert_eq!((a.created_at, b.created_at), (1, 2), "one tick per write");
    assert_eq!(a.updated_at, 3, "the settle is the third write");
}

/// A store that says another live process is submitting the open entry under the key, for
/// `answer_after` begins (then that process's answer, task t-1, is recorded; never, if
/// `None`).
#[derive(Debug)]
struct OtherRunSubmitting {
    inner: MemoryJournal,
    answer_after: Option<u32>,
    begins: std::sync::atomic::AtomicU32,
}

impl OtherRunSubmitting {
    fn new(answer_after: Option<u32>) -> Self {
        let inner = MemoryJournal::default();
        inner.begin(&intent_of_key()).unwrap();
        Self {
            inner,
            answer_after,
            begins: std::sync::atomic::AtomicU32::default(),
        }
    }
}

fn intent_of_key() -> Intent {
    Intent {
        key: Some(key()),
        task_type: TaskType::ImageTo3d,
        label: "hitem3dv2.1".into(),
        estimated_credits: None,
        destination: None,
    }
}

impl TaskJournal for OtherRunSubmitting {
    fn begin(&self, intent: &Intent) -> Result<Begun, JournalError> {
        let begins = self
            .begins
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        if self.answer_after.is_some_and(|after| begins > after) {
            let entry = self.inner.entries(&EntryQuery::All)?[0].id;
            self.inner
                .settle(entry, &Settled::Submitted(TaskId::new("t-1")))?;
            return self.inner.begin(intent);
        }
        match self.inner.begin(intent)? {
            Begun::Existing(entry) => Ok(Begun::InFlight(entry)),
            other => Ok(other),
        }
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

/// Another run still sending its submit of this task: this one asks again each second and
/// then shares the task that run was given, paying nothing (it reported an unknown outcome).
#[test]
fn a_key_another_live_run_is_submitting_waits_for_its_task_and_pays_nothing() {
    let journal = Arc::new(OtherRunSubmitting::new(Some(3)));
    let fx = FakeFrontEnd::new(core_with(journal.clone()))
        .answers([TOKEN, SUCCESS])
        .file(body(vec![b"glTF\x02\0\0\0", b"model"]));

    let (result, events) = generate(&fx, GenerateOptions::new("out").with_journal_key(key()));

    let generated = result.unwrap();
    assert_eq!(generated.task_id, TaskId::new("t-1"));
    assert!(
        events
            .iter()
            .any(|event| matches!(event, GenerateProgress::Resumed { .. })),
        "{events:?}"
    );
    assert!(!fx.calls().iter().any(|call| call.ends_with("submit-task")));
    assert!(
        fx.clock.get() >= Duration::from_secs(3),
        "asked each second"
    );
}

/// A submit that stays in flight past the wait's deadline is reported as an unknown
/// outcome, as one nobody is sending: never sent again.
#[test]
fn a_submit_in_flight_past_the_deadline_is_an_unknown_outcome_never_resent() {
    let journal = Arc::new(OtherRunSubmitting::new(None));
    let fx = FakeFrontEnd::new(core_with(journal.clone())).answers([TOKEN]);

    let (result, _) = generate(&fx, GenerateOptions::new("out").with_journal_key(key()));

    let error = result.unwrap_err();
    assert!(error.is_submit_outcome_unknown(), "{error}");
    assert!(!fx.calls().iter().any(|call| call.ends_with("submit-task")));
    assert!(
        fx.clock.get() >= Duration::from_secs(600),
        "waited to the deadline"
    );
    assert_eq!(fx.core.available_task_slots(), 10, "no slot held");
}

/// The records of task states the front-end ran, in order.
fn recorded_states(fx: &FakeFrontEnd) -> Vec<(TaskState, Option<String>)> {
    let ops = fx.journal_ops.borrow();
    ops.iter()
        .filter_map(|(_, op)| match op {
            JournalOp::Record(_, TaskEvent::State(state, reason)) => {
                Some((state.clone(), reason.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Each write is a transaction of a shared store: a success was written twice, once as the
/// state seen and once as the wait's end (found by the fleet bench: 600 records of success
/// for 300 tasks). A failure's end carries its reason, which the state seen does not.
#[test]
fn each_state_is_recorded_once_and_a_failure_again_with_its_reason() {
    let fx = FakeFrontEnd::new(core_with(Arc::new(MemoryJournal::default())))
        .answers([TOKEN, SUBMITTED, QUEUEING, PROCESSING, SUCCESS])
        .file(body(vec![b"glTF\x02\0\0\0", b"model"]));
    generate(&fx, GenerateOptions::new("out").with_journal_key(key()))
        .0
        .unwrap();
    let states: Vec<_> = recorded_states(&fx)
        .into_iter()
        .map(|(state, _)| state)
        .collect();
    assert_eq!(
        states,
        [
            TaskState::Queueing,
            TaskState::Processing,
            TaskState::Success
        ]
    );

    let fx = FakeFrontEnd::new(core_with(Arc::new(MemoryJournal::default())))
        .answers([TOKEN, SUBMITTED, FAILED]);
    assert!(
        generate(&fx, GenerateOptions::new("out").with_journal_key(key()))
            .0
            .is_err()
    );
    let reasons: Vec<_> = recorded_states(&fx)
        .into_iter()
        .map(|(state, reason)| (state, reason.is_some()))
        .collect();
    assert_eq!(
        reasons,
        [(TaskState::Failed, false), (TaskState::Failed, true)],
        "the state seen, then the end with its reason"
    );
}
