//! A slot a process frees goes to that process's waiting submit in the same transaction: no
//! other process sees it free, and an entry begun for a submit that went away meanwhile is
//! closed unsent, its charge given back and its slot freed.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use hitem3d_core::journal::{
    AsyncTaskJournal, Begun, EntryId, EntryQuery, EntryState, Intent, JournalError, JournalKey,
    Settled, TaskEvent,
};
use hitem3d_core::types::{TaskId, TaskState};
use hitem3d_journal::conformance::intent;
use hitem3d_postgres::{DatabaseUrl, PgJournal, PgWorkQueue, ThrowawayCluster};

const LONG: Duration = Duration::from_secs(600);

/// How long the test waits for the record to queue behind the blocker's lock before it says
/// the record never did: a guard against hanging, far beyond any machine's pace.
const LOCK_WAIT_GUARD: Duration = Duration::from_secs(60);

/// A fleet whose limit is one unfinished task, and a process (journal) on it.
async fn fleet_of_one(cluster: &ThrowawayCluster) -> (String, Arc<PgJournal>) {
    let url = cluster.create_database().await.unwrap();
    let parsed: DatabaseUrl = url.parse().unwrap();
    let journal = Arc::new(PgJournal::connect(&parsed).await.unwrap());
    PgWorkQueue::new(&journal).set_task_limit(1).await.unwrap();
    (url, journal)
}

/// The one slot, held by a task at the service.
async fn slot_held(journal: &PgJournal, task: &TaskId) {
    let Begun::New(entry) = journal.begin(&intent(Some("a"))).await.unwrap() else {
        panic!("a new entry");
    };
    journal
        .settle(entry, &Settled::Submitted(task.clone()))
        .await
        .unwrap();
}

fn at_limit(begun: &Result<Begun, JournalError>) -> bool {
    matches!(begun, Err(JournalError::AtSharedLimit { .. }))
}

async fn entry_under(journal: &PgJournal, key: &str) -> hitem3d_core::journal::JournalEntry {
    let mut entries = journal
        .entries(&EntryQuery::Key(JournalKey::new(key)))
        .await
        .unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries.remove(0)
}

async fn sql(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

async fn credits_charged(url: &str) -> i64 {
    sql(url)
        .await
        .query_one("SELECT credits_charged FROM hitem3d.fleet", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_freed_here_is_handed_to_the_waiting_submit_and_seen_free_by_no_one() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("slot_handoff") else {
        return;
    };
    let (url, journal) = fleet_of_one(&cluster).await;
    let elsewhere = PgJournal::connect(&url.parse().unwrap()).await.unwrap();
    let task = TaskId::new("t-a");
    slot_held(&journal, &task).await;
    let waiting: Intent = intent(Some("b"));
    assert!(at_limit(&journal.begin(&waiting).await));
    // The process's first wait ends when it starts listening for freed slots (one may have
    // freed unheard before).
    journal.await_slot(LONG).await.unwrap();

    let wait = journal.await_slot_and_begin(&waiting, LONG);
    tokio::pin!(wait);
    assert!(wait.as_mut().now_or_never().is_none(), "in line for a slot");
    let ended = TaskEvent::State(TaskState::Success, None);
    let (handed, recorded) = tokio::join!(wait, journal.record(&task, &ended));
    recorded.unwrap();

    let begun = entry_under(&journal, "b").await;
    assert_eq!(handed.unwrap(), Some(Begun::New(begun.id)));
    assert_eq!(begun.state, EntryState::Submitting);
    assert!(
        at_limit(&elsewhere.begin(&intent(Some("c"))).await),
        "the slot went from one task to the next without being free"
    );
    assert_eq!(credits_charged(&url).await, 20, "both tasks charged once");
}

/// The task `t-a` holding the fleet's one slot ends while a submit (key `b`) waits for the
/// slot, and that submit goes away (its caller gave up) while the record that frees the slot
/// hands it over: the record's answer.
async fn record_while_the_waiting_submit_goes_away(
    url: &str,
    journal: &Arc<PgJournal>,
) -> Result<(), JournalError> {
    let task = TaskId::new("t-a");
    slot_held(journal, &task).await;
    let waiting = intent(Some("b"));
    assert!(at_limit(&journal.begin(&waiting).await));

    // Another session holds the fleet's row: the record that frees the slot, having taken
    // the waiter out of the line, waits for it while handing the slot over.
    let blocker = sql(url).await;
    blocker
        .batch_execute("BEGIN; SELECT 1 FROM hitem3d.fleet WHERE id = 1 FOR UPDATE")
        .await
        .unwrap();
    let mut wait = journal.await_slot_and_begin(&waiting, LONG);
    assert!((&mut wait).now_or_never().is_none(), "in line for a slot");
    let recording = tokio::spawn({
        let journal = Arc::clone(journal);
        async move {
            let ended = TaskEvent::State(TaskState::Success, None);
            journal.record(&task, &ended).await
        }
    });
    let watcher = sql(url).await;
    let mut waited = Duration::ZERO;
    loop {
        let queued: i64 = watcher
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
                 AND datname = current_database()",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if queued > 0 {
            break;
        }
        assert!(
            waited < LOCK_WAIT_GUARD,
            "the record never waited for the fleet's row: no slot was being handed over"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
        waited += Duration::from_millis(10);
    }
    // The submit goes away (its caller gave up) while its slot is being handed to it.
    drop(wait);
    blocker.batch_execute("ROLLBACK").await.unwrap();
    recording.await.unwrap()
}

/// A fleet of one whose database refuses to close the entries of submits that went away
/// `closes_refused` times, after [`record_while_the_waiting_submit_goes_away`] succeeded on it.
async fn handed_to_a_submit_that_went_away(
    cluster: &ThrowawayCluster,
    closes_refused: i64,
) -> (String, Arc<PgJournal>) {
    let (url, journal) = fleet_of_one(cluster).await;
    if closes_refused > 0 {
        closing_unsent_entries_fails(&url, closes_refused).await;
    }
    record_while_the_waiting_submit_goes_away(&url, &journal)
        .await
        .unwrap();
    (url, journal)
}

/// The database refuses to close the entries of submits that went away, `times` times (a
/// sequence counts the tries: it is not rolled back with them).
async fn closing_unsent_entries_fails(url: &str, times: i64) {
    sql(url)
        .await
        .batch_execute(&format!(
            "CREATE SEQUENCE close_tries;
             CREATE FUNCTION refuse_close() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 IF nextval('close_tries') <= {times} THEN
                     RAISE EXCEPTION 'the disk is full';
                 END IF;
                 RETURN NEW;
             END $$;
             CREATE TRIGGER refuse_close BEFORE UPDATE ON hitem3d.entries FOR EACH ROW
                 WHEN (NEW.state = 'refused') EXECUTE FUNCTION refuse_close();"
        ))
        .await
        .unwrap();
}

fn closed_unsent(entry: &hitem3d_core::journal::JournalEntry) -> bool {
    entry.state == EntryState::Refused
        && entry
            .note
            .as_deref()
            .unwrap_or("")
            .contains("nothing was paid")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_handed_to_a_submit_that_went_away_is_refunded_and_freed_again() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("slot_handoff") else {
        return;
    };
    let (url, journal) = handed_to_a_submit_that_went_away(&cluster, 0).await;
    let unsent = entry_under(&journal, "b").await;
    assert!(closed_unsent(&unsent), "{unsent:?}");
    assert_eq!(credits_charged(&url).await, 10, "its charge came back");
    assert!(
        matches!(
            journal.begin(&intent(Some("c"))).await,
            Ok(Begun::New(EntryId(_)))
        ),
        "its slot is free again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_entry_of_a_submit_that_went_away_is_tried_again_when_the_database_fails() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("slot_handoff") else {
        return;
    };
    let (url, journal) = handed_to_a_submit_that_went_away(&cluster, 1).await;
    let unsent = entry_under(&journal, "b").await;
    assert!(closed_unsent(&unsent), "{unsent:?}");
    assert_eq!(credits_charged(&url).await, 10, "its charge came back");
}

/// The record that freed the slot is committed: an entry it could not close afterwards is
/// not that record's failure (its caller would take the task's success as unrecorded).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_of_a_submit_that_went_away_that_cannot_be_closed_fails_no_other_write() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("slot_handoff") else {
        return;
    };
    let (_, journal) = handed_to_a_submit_that_went_away(&cluster, i64::MAX).await;
    let ended = entry_under(&journal, "a").await;
    assert_eq!(
        ended.state,
        EntryState::Task(TaskState::Success),
        "{ended:?}"
    );
    let unsent = entry_under(&journal, "b").await;
    assert_eq!(unsent.state, EntryState::Submitting, "{unsent:?}");
}
