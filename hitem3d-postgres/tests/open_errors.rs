//! What a journal that cannot open says: which step failed, and what to change.

use std::net::{Ipv4Addr, TcpListener};

use hitem3d_postgres::{DatabaseUrl, PgJournal, ThrowawayCluster};

async fn refused(url: &str) -> String {
    let url: DatabaseUrl = url.parse().unwrap();
    PgJournal::connect(&url)
        .await
        .expect_err("not opened")
        .to_string()
}

#[tokio::test]
async fn nothing_listening_asks_whether_postgresql_runs_there() {
    // A port just freed: nothing listens on it.
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let said = refused(&format!("postgres://fleet@127.0.0.1:{port}/fleet")).await;
    assert!(
        said.contains("is PostgreSQL running there, and can this machine reach it?"),
        "{said}"
    );
}

#[tokio::test]
async fn a_user_without_the_right_to_create_the_tables_is_told_so() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("open_errors") else {
        return;
    };
    cluster.execute("CREATE ROLE visitor LOGIN").await.unwrap();
    let database = cluster.create_database().await.unwrap();
    let as_visitor = database.replace("postgres@", "visitor@");
    let said = refused(&as_visitor).await;
    assert!(
        said.contains("this user needs the right to create the schema hitem3d"),
        "{said}"
    );
    assert!(!said.contains("running there"), "{said}");
    // The server's own refusal needs no guess added.
    let said = refused(&database.replace("postgres@", "nobody_here@")).await;
    assert!(said.contains("nobody_here"), "{said}");
    assert!(!said.contains("running there"), "{said}");
}
