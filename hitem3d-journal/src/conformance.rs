//! The journal contract as one suite that any store runs: the memory store, SQLite and
//! PostgreSQL prove the same rules the clients rely on (feature `conformance`).
//!
//! A store crate calls [`check_store`] from a test with a function that makes an empty store
//! for each check; a blocking store goes in through [`Inline`].
//!
//! ```
//! use std::sync::Arc;
//! use hitem3d_core::journal::{AsyncTaskJournal, MemoryJournal};
//! use hitem3d_journal::conformance::{Inline, check_store};
//!
//! futures_executor::block_on(check_store("memory", || async {
//!     Arc::new(Inline(MemoryJournal::default())) as Arc<dyn AsyncTaskJournal>
//! }));
//! ```

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use hitem3d_core::journal::{
    AsyncTaskJournal, Begun, Claim, ClaimAnswer, EntryId, EntryQuery, EntryState, Intent,
    JournalEntry, JournalKey, LearntDuration, QueuedInput, Resumption, Settled, StoreFuture,
    TaskEvent, TaskJournal,
};
use hitem3d_core::types::{Model, RequestType, TaskId, TaskState, TaskType};
use hitem3d_core::{ObservedDuration, TASKS_KEPT_PER_KIND, TaskKind};

/// A blocking store seen as an async one: each operation runs on the caller's thread when
/// polled, which is what a test wants.
#[derive(Debug)]
pub struct Inline<T>(pub T);

impl<T: TaskJournal> AsyncTaskJournal for Inline<T> {
    fn begin<'a>(&'a self, intent: &'a Intent) -> StoreFuture<'a, Begun> {
        Box::pin(async move { self.0.begin(intent) })
    }

    fn settle<'a>(&'a self, entry: EntryId, settled: &'a Settled) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.0.settle(entry, settled) })
    }

    fn record<'a>(&'a self, task_id: &'a TaskId, event: &'a TaskEvent) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.0.record(task_id, event) })
    }

    fn entries<'a>(&'a self, query: &'a EntryQuery) -> StoreFuture<'a, Vec<JournalEntry>> {
        Box::pin(async move { self.0.entries(query) })
    }

    fn forget(&self, entry: EntryId) -> StoreFuture<'_, bool> {
        Box::pin(async move { self.0.forget(entry) })
    }

    fn learn_duration<'a>(&'a self, learnt: &'a LearntDuration) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.0.learn_duration(learnt) })
    }

    fn learnt_durations(&self) -> StoreFuture<'_, Vec<LearntDuration>> {
        Box::pin(async move { self.0.learnt_durations() })
    }
}

/// Runs every check of the contract, each on a store `fresh` makes empty for it.
///
/// # Panics
/// When the store breaks a rule: the message names the store (`name`) and the rule.
pub async fn check_store<F, Fut>(name: &str, mut fresh: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Arc<dyn AsyncTaskJournal>>,
{
    an_open_key_is_begun_once_and_a_closed_one_again(name, &*fresh().await).await;
    a_task_goes_from_submitted_through_its_states_to_saved_files(name, &*fresh().await).await;
    unfinished_lists_what_needs_a_wait_or_a_decision(name, &*fresh().await).await;
    begins_racing_on_one_key_begin_it_once(name, &*fresh().await).await;
    durations_are_kept_per_kind_newest_last_up_to_the_limit(name, &*fresh().await).await;
}

/// `count` inputs to enqueue, keyed `k0`, `k1`, …, each priced 10 credits: what the queue
/// stores' tests share.
#[must_use]
pub fn queued_inputs(count: usize) -> Vec<QueuedInput> {
    (0..count)
        .map(|n| QueuedInput {
            key: JournalKey::new(format!("k{n}")),
            input: format!("photos/{n}.png"),
            options: r#"{"format":"glb"}"#.to_owned(),
            credits: Some(10),
        })
        .collect()
}

/// The claim a queue answered with.
///
/// # Panics
/// When it answered anything else.
#[must_use]
pub fn claimed(answer: ClaimAnswer) -> Claim {
    match answer {
        ClaimAnswer::Claimed(claim) => claim,
        other => panic!("expected a claim, got {other:?}"),
    }
}

/// The intent of a claimed input: [`intent`] under the claim's key.
#[must_use]
pub fn intent_of(claim: &Claim) -> Intent {
    let mut intent = intent(None);
    intent.key = Some(claim.queued.key.clone());
    intent
}

/// The intent every check writes, under `key`.
#[must_use]
pub fn intent(key: Option<&str>) -> Intent {
    Intent {
        key: key.map(JournalKey::new),
        task_type: TaskType::Relief,
        label: "relief".to_owned(),
        estimated_credits: Some(10),
        destination: Some(r#"{"output_dir":"out"}"#.to_owned()),
    }
}

async fn new_entry(name: &str, journal: &dyn AsyncTaskJournal, key: Option<&str>) -> EntryId {
    match journal.begin(&intent(key)).await.unwrap() {
        Begun::New(id) => id,
        Begun::Existing(entry) | Begun::InFlight(entry) => {
            panic!("{name}: expected a new entry, found {entry:?}")
        }
    }
}

async fn an_open_key_is_begun_once_and_a_closed_one_again(
    name: &str,
    journal: &dyn AsyncTaskJournal,
) {
    let first = new_entry(name, journal, Some("k")).await;
    // This process began it and is alive: a store that can tell says its submit is in
    // flight; either way the key is open.
    let (Begun::Existing(open) | Begun::InFlight(open)) =
        journal.begin(&intent(Some("k"))).await.unwrap()
    else {
        panic!("{name}: the key is open");
    };
    assert_eq!(open.id, first, "{name}");
    assert_eq!(open.state, EntryState::Submitting, "{name}");
    assert_eq!(open.estimated_credits, Some(10), "{name}");
    assert_eq!(open.task_type, TaskType::Relief, "{name}");
    assert_eq!(open.destination, intent(None).destination, "{name}");

    journal
        .settle(first, &Settled::Refused("balance is not enough".into()))
        .await
        .unwrap();
    let second = new_entry(name, journal, Some("k")).await;
    assert_ne!(second, first, "{name}: a refused key is free again");
    // Entries without a key never collide.
    new_entry(name, journal, None).await;
    new_entry(name, journal, None).await;
    assert_eq!(
        journal.entries(&EntryQuery::All).await.unwrap().len(),
        4,
        "{name}"
    );
}

async fn a_task_goes_from_submitted_through_its_states_to_saved_files(
    name: &str,
    journal: &dyn AsyncTaskJournal,
) {
    let id = new_entry(name, journal, Some("k")).await;
    let task = TaskId::new("depth_1");
    journal
        .settle(id, &Settled::Submitted(task.clone()))
        .await
        .unwrap();
    journal
        .record(&task, &TaskEvent::State(TaskState::Processing, None))
        .await
        .unwrap();
    let found = journal
        .entries(&EntryQuery::Task(task.clone()))
        .await
        .unwrap();
    let [entry] = &found[..] else {
        panic!("{name}: one entry for the task, found {found:?}");
    };
    assert_eq!(
        entry.state,
        EntryState::Task(TaskState::Processing),
        "{name}"
    );
    assert_eq!(entry.resumption(), Resumption::Wait(task.clone()), "{name}");

    for file in ["out/a.png", "out/a-cover.webp", "out/a.png"] {
        journal
            .record(&task, &TaskEvent::Saved(PathBuf::from(file)))
            .await
            .unwrap();
    }
    // A later poll of the same task does not undo "saved".
    journal
        .record(&task, &TaskEvent::State(TaskState::Success, None))
        .await
        .unwrap();
    let found = journal
        .entries(&EntryQuery::Key(JournalKey::new("k")))
        .await
        .unwrap();
    let [entry] = &found[..] else {
        panic!("{name}: one entry for the key, found {found:?}");
    };
    assert_eq!(entry.state, EntryState::Saved, "{name}");
    assert_eq!(
        entry.files,
        [
            PathBuf::from("out/a.png"),
            PathBuf::from("out/a-cover.webp")
        ],
        "{name}"
    );
    assert!(entry.updated_at >= entry.created_at, "{name}");
    assert!(
        journal
            .entries(&EntryQuery::Unfinished)
            .await
            .unwrap()
            .is_empty(),
        "{name}"
    );
    // A task this journal never saw is ignored, not an error.
    journal
        .record(
            &TaskId::new("other"),
            &TaskEvent::State(TaskState::Failed, None),
        )
        .await
        .unwrap();
}

async fn unfinished_lists_what_needs_a_wait_or_a_decision(
    name: &str,
    journal: &dyn AsyncTaskJournal,
) {
    let waiting = new_entry(name, journal, None).await;
    journal
        .settle(waiting, &Settled::Submitted(TaskId::new("t-1")))
        .await
        .unwrap();
    let unknown = new_entry(name, journal, Some("u")).await;
    journal
        .settle(
            unknown,
            &Settled::OutcomeUnknown("timed out after 60 s".into()),
        )
        .await
        .unwrap();
    let failed = new_entry(name, journal, None).await;
    journal
        .settle(failed, &Settled::Submitted(TaskId::new("t-3")))
        .await
        .unwrap();
    journal
        .record(
            &TaskId::new("t-3"),
            &TaskEvent::State(TaskState::Failed, Some("generation failed".into())),
        )
        .await
        .unwrap();

    let unfinished: Vec<_> = journal
        .entries(&EntryQuery::Unfinished)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| (entry.id, entry.resumption()))
        .collect();
    assert_eq!(
        unfinished,
        [
            (waiting, Resumption::Wait(TaskId::new("t-1"))),
            (unknown, Resumption::Unknown)
        ],
        "{name}"
    );
    assert!(journal.forget(unknown).await.unwrap(), "{name}");
    assert!(
        !journal.forget(unknown).await.unwrap(),
        "{name}: already gone"
    );
    assert_eq!(
        journal
            .entries(&EntryQuery::Unfinished)
            .await
            .unwrap()
            .len(),
        1,
        "{name}"
    );
    let all = journal.entries(&EntryQuery::All).await.unwrap();
    assert_eq!(all[1].note.as_deref(), Some("generation failed"), "{name}");
}

/// Begins of one key at once (over several connections, where the store has them): one is
/// new, the others find it.
async fn begins_racing_on_one_key_begin_it_once(name: &str, journal: &dyn AsyncTaskJournal) {
    let same = intent(Some("same"));
    let begun = join_all((0..8).map(|_| journal.begin(&same))).await;
    let mut new = Vec::new();
    let mut found = Vec::new();
    for begun in begun {
        match begun {
            Ok(Begun::New(id)) => new.push(id),
            Ok(Begun::Existing(entry) | Begun::InFlight(entry)) => found.push(entry.id),
            Err(error) => panic!("{name}: a begin racing on one key failed: {error}"),
        }
    }
    assert_eq!(
        new.len(),
        1,
        "{name}: one writer pays, the others find its entry"
    );
    assert!(
        found.iter().all(|id| *id == new[0]),
        "{name}: the others find the one entry: {new:?} {found:?}"
    );
}

/// A duration of `secs`, seen to within 1.5 s.
#[must_use]
pub fn learnt(kind: &TaskKind, secs: u64) -> LearntDuration {
    let at_most = Duration::from_secs(secs);
    let observed =
        ObservedDuration::new(at_most.saturating_sub(Duration::from_millis(1500)), at_most);
    LearntDuration::new(kind.clone(), observed)
}

async fn durations_are_kept_per_kind_newest_last_up_to_the_limit(
    name: &str,
    journal: &dyn AsyncTaskJournal,
) {
    let single = TaskKind::new(
        Model::Hitem3dV2_1,
        None,
        RequestType::GeometryAndTexture,
        false,
    );
    let views = TaskKind::new(Model::Hi3dV3_0, None, RequestType::Geometry, true);
    assert!(
        journal.learnt_durations().await.unwrap().is_empty(),
        "{name}"
    );
    let kept = u64::try_from(TASKS_KEPT_PER_KIND).unwrap_or(u64::MAX);
    for secs in 1..=kept + 5 {
        journal
            .learn_duration(&learnt(&single, secs))
            .await
            .unwrap();
    }
    journal.learn_duration(&learnt(&views, 7)).await.unwrap();

    let all = journal.learnt_durations().await.unwrap();
    let of_single: Vec<_> = all
        .iter()
        .filter(|seen| seen.kind == single)
        .map(|seen| seen.observed.at_most.as_secs())
        .collect();
    assert_eq!(of_single, (6..=kept + 5).collect::<Vec<_>>(), "{name}");
    assert_eq!(
        all.last(),
        Some(&learnt(&views, 7)),
        "{name}: read back whole"
    );
}
