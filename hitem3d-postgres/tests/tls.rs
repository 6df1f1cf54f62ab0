//! TLS to the fleet's database, against a real server that lets the journal's role in only over
//! TLS with a password: every connection a journal makes is encrypted, and the server's
//! certificate is checked as the connection string's `sslmode` and `sslrootcert` say.
//!
//! `tests/tls/`: `ca.crt` signed `server.crt` (made out to 127.0.0.1 only, key `server.key`);
//! `other_ca.crt` signed nothing here. Made once with openssl, valid until 2126.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hitem3d_core::journal::{AsyncTaskJournal, Begun};
use hitem3d_journal::conformance::intent;
use hitem3d_postgres::{DatabaseUrl, PgJournal, ThrowawayCluster};

const PASSWORD: &str = "fleet-secret-4711";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tls")
        .join(name)
}

/// A cluster serving TLS, with the role `fleet` (password [`PASSWORD`]) owning database
/// `fleet`.
async fn tls_cluster(test: &str) -> Option<ThrowawayCluster> {
    let cluster = ThrowawayCluster::start_or_skip(test)?;
    cluster.create_owner("fleet", PASSWORD).await.unwrap();
    cluster
        .serve_tls_only(&fixture("server.crt"), &fixture("server.key"))
        .unwrap();
    Some(cluster)
}

fn url(cluster: &ThrowawayCluster, host: &str, settings: &str) -> DatabaseUrl {
    format!(
        "postgres://fleet:{PASSWORD}@{host}:{}/fleet{settings}",
        cluster.port()
    )
    .parse()
    .unwrap()
}

fn trusting(root: &str) -> String {
    format!("&sslrootcert={}", fixture(root).display())
}

/// Connects, or says why not (and checks the password is not in the words).
async fn connect(url: &DatabaseUrl) -> Result<PgJournal, String> {
    PgJournal::connect(url).await.map_err(|error| {
        let words = error.to_string();
        assert!(!words.contains(PASSWORD), "{words}");
        words
    })
}

/// The journal role's sessions on the server: what each last ran, and whether it is encrypted.
async fn sessions(cluster: &ThrowawayCluster) -> Vec<(String, bool)> {
    let (client, connection) =
        tokio_postgres::connect(&cluster.url("postgres"), tokio_postgres::NoTls)
            .await
            .unwrap();
    let driver = tokio::spawn(connection);
    let rows = client
        .query(
            "SELECT a.query, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
             WHERE a.usename = 'fleet'",
            &[],
        )
        .await
        .unwrap();
    drop(client);
    let _ended = driver.await;
    rows.iter().map(|row| (row.get(0), row.get(1))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_connection_of_a_journal_is_encrypted_to_a_checked_server() {
    let Some(cluster) = tls_cluster("tls").await else {
        return;
    };
    // Channel binding required: the password's proof is tied to this TLS session.
    let settings = format!(
        "?sslmode=verify-full{}&channel_binding=require",
        trusting("ca.crt")
    );
    let journal = connect(&url(&cluster, "127.0.0.1", &settings))
        .await
        .unwrap();

    // The pool's connections, the session holding submits' locks, and the listener for
    // freed slots: each connects on its own.
    let Begun::New(_) = journal.begin(&intent(Some("front.png glb"))).await.unwrap() else {
        panic!("a new entry");
    };
    journal.await_slot(Duration::from_millis(1)).await.unwrap();
    // The listener connects in the background: looked for until there (a bound, not a pace).
    let deadline = Instant::now() + Duration::from_secs(60);
    let seen = loop {
        let seen = sessions(&cluster).await;
        let listening = seen.iter().any(|(query, _)| query.starts_with("LISTEN"));
        if listening || Instant::now() > deadline {
            break seen;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let ran = |start: &str| seen.iter().any(|(query, _)| query.starts_with(start));
    assert!(ran("LISTEN"), "the listener's session: {seen:?}");
    assert!(
        ran("SELECT pg_advisory_lock"),
        "the submit locks' session: {seen:?}"
    );
    assert!(seen.len() >= 3, "{seen:?}");
    assert!(seen.iter().all(|(_, encrypted)| *encrypted), "{seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_is_checked_as_sslmode_and_sslrootcert_say() {
    let Some(cluster) = tls_cluster("tls").await else {
        return;
    };
    let at = |host: &str, settings: String| url(&cluster, host, &settings);

    // Another authority's trust: refused, in words, with what to change.
    let refused = connect(&at(
        "127.0.0.1",
        format!("?sslmode=verify-full{}", trusting("other_ca.crt")),
    ))
    .await
    .expect_err("another authority");
    assert!(
        refused.contains("signed by an authority this connection does not trust")
            && refused.contains("sslrootcert=PATH")
            && !refused.contains("running there"),
        "{refused}"
    );
    // The system's authorities never signed a test certificate.
    let refused = connect(&at("127.0.0.1", "?sslmode=verify-full".into()))
        .await
        .expect_err("not the system's");
    assert!(refused.contains("does not trust"), "{refused}");

    // Made out to 127.0.0.1, reached as localhost: the name is checked only by verify-full.
    let refused = connect(&at(
        "localhost",
        format!("?sslmode=verify-full{}", trusting("ca.crt")),
    ))
    .await
    .expect_err("another name");
    assert!(
        refused.contains("not made out to the host") && refused.contains("sslmode=verify-ca"),
        "{refused}"
    );
    connect(&at(
        "localhost",
        format!("?sslmode=verify-ca{}", trusting("ca.crt")),
    ))
    .await
    .unwrap();

    // As libpq: `require` and the default encrypt without checking unless given a root.
    connect(&at("localhost", "?sslmode=require".into()))
        .await
        .unwrap();
    connect(&at("localhost", String::new())).await.unwrap();
    let refused = connect(&at(
        "127.0.0.1",
        format!("?sslmode=require{}", trusting("other_ca.crt")),
    ))
    .await
    .expect_err("a root given is used");
    assert!(refused.contains("does not trust"), "{refused}");

    // Without TLS the server turns the role away.
    let refused = connect(&at("127.0.0.1", "?sslmode=disable".into()))
        .await
        .expect_err("not encrypted");
    assert!(refused.contains("no encryption"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_tls_is_used_only_where_tls_is_not_required() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("tls") else {
        return;
    };
    let database = cluster.create_database().await.unwrap();
    let refused = connect(&format!("{database}?sslmode=require").parse().unwrap())
        .await
        .expect_err("no TLS offered");
    assert!(refused.contains("TLS"), "{refused}");
    connect(&database.parse().unwrap()).await.unwrap();
}
