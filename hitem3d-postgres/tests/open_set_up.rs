//! A database whose tables are already set up (every start but a fleet's first) is opened
//! with one read: without queueing for the set-up lock while other workers start, and by a
//! user who may use the tables but not create them (and works with them); one who may not is
//! told what to grant.

use std::time::Duration;

use hitem3d_core::journal::{
    AsyncTaskJournal, AsyncWorkQueue, Begun, EntryQuery, EntryState, ItemOutcome, Settled,
    TaskEvent, WorkerId,
};
use hitem3d_core::types::{TaskId, TaskState};
use hitem3d_journal::conformance::{claimed, intent_of, queued_inputs};
use hitem3d_postgres::{DatabaseUrl, PgJournal, PgWorkQueue, ThrowawayCluster};

/// The lock a process takes while it creates or checks the tables ("hitem3d" in ASCII).
const SET_UP_LOCK: i64 = 0x0068_6974_656d_3364;

/// A guard against hanging, far beyond any machine's pace: opening takes milliseconds.
const HANG_GUARD: Duration = Duration::from_secs(60);

async fn set_up(cluster: &ThrowawayCluster) -> String {
    let url = cluster.create_database().await.unwrap();
    PgJournal::connect(&url.parse().unwrap()).await.unwrap();
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_up_database_opens_while_another_process_holds_the_set_up_lock() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("open_set_up") else {
        return;
    };
    let url = set_up(&cluster).await;
    let (holder, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&SET_UP_LOCK])
        .await
        .unwrap();

    let parsed: DatabaseUrl = url.parse().unwrap();
    let opened = tokio::time::timeout(HANG_GUARD, PgJournal::connect(&parsed)).await;
    assert!(
        matches!(opened, Ok(Ok(_))),
        "a worker starting while another sets up waited for it: {opened:?}"
    );
}

/// A login role `name` on `cluster`, and `url` as that role.
async fn login_role(cluster: &ThrowawayCluster, url: &str, name: &str) -> DatabaseUrl {
    cluster
        .execute(&format!("CREATE ROLE {name} LOGIN"))
        .await
        .unwrap();
    url.replace("postgres@", &format!("{name}@"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_who_may_use_the_tables_but_not_create_them_works_on_a_set_up_database() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("open_set_up") else {
        return;
    };
    let url = set_up(&cluster).await;
    let as_worker = login_role(&cluster, &url, "worker").await;
    // The rights the README gives a worker, and no more.
    for grant in [
        "GRANT USAGE ON SCHEMA hitem3d TO worker",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA hitem3d TO worker",
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA hitem3d TO worker",
    ] {
        cluster.execute_at(&url, grant).await.unwrap();
    }

    // A worker's whole round: enqueue, claim, intent, task, success, saved, finished.
    let journal = PgJournal::connect(&as_worker).await.unwrap();
    let queue = PgWorkQueue::new(&journal);
    queue.enqueue(&queued_inputs(1)).await.unwrap();
    let me = WorkerId::new("w1");
    let claim = claimed(queue.claim(&me, Duration::from_secs(600)).await.unwrap());
    let Begun::New(entry) = journal.begin(&intent_of(&claim)).await.unwrap() else {
        panic!("a new entry");
    };
    let task = TaskId::new("t-1");
    journal
        .settle(entry, &Settled::Submitted(task.clone()))
        .await
        .unwrap();
    journal
        .record(&task, &TaskEvent::State(TaskState::Success, None))
        .await
        .unwrap();
    journal
        .record(&task, &TaskEvent::Saved("out/1.glb".into()))
        .await
        .unwrap();
    queue.finish(&claim, &ItemOutcome::Saved).await.unwrap();
    let entries = journal.entries(&EntryQuery::All).await.unwrap();
    assert_eq!(entries[0].state, EntryState::Saved, "{entries:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_who_may_not_use_the_set_up_tables_is_told_which_rights_it_needs() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("open_set_up") else {
        return;
    };
    let url = set_up(&cluster).await;
    let as_stranger = login_role(&cluster, &url, "stranger").await;

    let said = PgJournal::connect(&as_stranger)
        .await
        .expect_err("not opened")
        .to_string();
    assert!(
        said.contains("this user may not use the tables of the schema hitem3d")
            && said.contains("USAGE on the schema"),
        "{said}"
    );
}
