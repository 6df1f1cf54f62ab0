//! The journal contract (the suite every store runs) on PostgreSQL: a throwaway server, a new
//! database for each check.

use std::sync::Arc;

use hitem3d_core::journal::AsyncTaskJournal;
use hitem3d_journal::conformance::check_store;
use hitem3d_postgres::{DatabaseUrl, PgJournal, ThrowawayCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contract_holds_for_postgresql() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("the_contract_holds_for_postgresql") else {
        return;
    };
    check_store("postgresql", || async {
        let url: DatabaseUrl = cluster.create_database().await.unwrap().parse().unwrap();
        Arc::new(PgJournal::connect(&url).await.unwrap()) as Arc<dyn AsyncTaskJournal>
    })
    .await;
}
