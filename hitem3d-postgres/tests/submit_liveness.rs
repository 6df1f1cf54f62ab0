//! Whether the submit of an open entry is still going out, across machines: the process that
//! began it holds a lock on it in its own database session until it is settled; the server
//! drops a session's locks when the process ends, however it ends.

use std::time::Duration;

use hitem3d_core::journal::{AsyncTaskJournal, Begun, EntryState, Settled};
use hitem3d_core::types::TaskId;
use hitem3d_journal::conformance::intent;
use hitem3d_postgres::{DatabaseUrl, PgJournal, ThrowawayCluster};

async fn begin(journal: &PgJournal) -> Begun {
    journal.begin(&intent(Some("front.png glb"))).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_going_out_is_in_flight_for_other_machines_until_settled_or_its_process_ends() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("submit_liveness") else {
        return;
    };
    let url: DatabaseUrl = cluster.create_database().await.unwrap().parse().unwrap();
    let submitting = PgJournal::connect(&url).await.unwrap();
    let other = PgJournal::connect(&url).await.unwrap();

    let Begun::New(entry) = begin(&submitting).await else {
        panic!("a new entry");
    };
    let Begun::InFlight(found) = begin(&other).await else {
        panic!("the submit is going out from a live process");
    };
    assert_eq!(found.id, entry);
    submitting
        .settle(entry, &Settled::Submitted(TaskId::new("t-1")))
        .await
        .unwrap();
    let Begun::Existing(found) = begin(&other).await else {
        panic!("settled: the entry is found with its task");
    };
    assert_eq!(found.task_id, Some(TaskId::new("t-1")));

    // A process that ends while its submit is out: its session, and so its lock, go.
    let ended = PgJournal::connect(&url).await.unwrap();
    let Begun::New(entry) = ended.begin(&intent(Some("back.png glb"))).await.unwrap() else {
        panic!("a new entry");
    };
    drop(ended);
    // The server notices the closed session on its own time: asked until it has.
    let mut attempts = 0;
    let found = loop {
        match other.begin(&intent(Some("back.png glb"))).await.unwrap() {
            Begun::Existing(found) => break found,
            Begun::InFlight(_) if attempts < 600 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => panic!("the ended process's submit: {other:?}"),
        }
    };
    assert_eq!((found.id, found.state), (entry, EntryState::Submitting));
}
