//! The database's password, structurally: with a `tracing` subscriber and a `log` logger
//! recording every crate at TRACE (the database and TLS drivers log through `log`), a journal
//! that works over TLS and connections refused for a certificate and for a password leave the
//! password in no log line, error message or `Debug` output. In its own test binary: both
//! loggers are process-wide, and installed once the test's own set-up (which sends the
//! password in a `CREATE ROLE`) is done.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hitem3d_core::journal::{AsyncTaskJournal, Begun, EntryQuery, Settled, TaskEvent};
use hitem3d_core::types::{TaskId, TaskState};
use hitem3d_journal::conformance::intent;
use hitem3d_postgres::{DatabaseUrl, PgJournal, ThrowawayCluster};

const PASSWORD: &str = "pw-never-logged-5309";

/// Everything logged, by either route.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        all.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl log::Log for Captured {
    fn enabled(&self, _metadata: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {} {}\n", record.level(), record.target(), record.args());
        let mut all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        all.extend_from_slice(line.as_bytes());
    }

    fn flush(&self) {}
}

fn capture_all_logs() -> Captured {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    log::set_boxed_logger(Box::new(captured.clone())).expect("the only logger");
    log::set_max_level(log::LevelFilter::Trace);
    captured
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_reaches_no_log_error_or_debug() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("logs") else {
        return;
    };
    cluster.create_owner("fleet", PASSWORD).await.unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tls");
    cluster
        .serve_tls_only(&fixtures.join("server.crt"), &fixtures.join("server.key"))
        .unwrap();
    // From here on: the set-up above logs its own CREATE ROLE, password and all.
    let captured = capture_all_logs();
    let url = |password: &str, authority: &str| -> DatabaseUrl {
        format!(
            "postgres://fleet:{password}@127.0.0.1:{}/fleet?sslmode=verify-full&sslrootcert={}",
            cluster.port(),
            fixtures.join(authority).display()
        )
        .parse()
        .unwrap()
    };

    let working = url(PASSWORD, "ca.crt");
    let journal = PgJournal::connect(&working).await.unwrap();
    let Begun::New(entry) = journal.begin(&intent(Some("front.png glb"))).await.unwrap() else {
        panic!("a new entry");
    };
    let task = TaskId::new("t-logs");
    journal
        .settle(entry, &Settled::Submitted(task.clone()))
        .await
        .unwrap();
    journal
        .record(&task, &TaskEvent::State(TaskState::Success, None))
        .await
        .unwrap();
    journal
        .await_slot(Duration::from_millis(200))
        .await
        .unwrap();
    let entries = journal.entries(&EntryQuery::All).await.unwrap();
    let mut said = format!("{working:?} {working} {journal:?} {entries:?}");

    for refused in [
        url(PASSWORD, "other_ca.crt"),
        url("not-the-password", "ca.crt"),
    ] {
        let error = PgJournal::connect(&refused).await.expect_err("refused");
        said.push_str(&format!("{error} {error:?}"));
    }
    assert!(said.contains("password authentication failed"), "{said}");
    let logged = captured.text();
    assert!(
        logged.contains("TRACE") && logged.contains("tokio_postgres"),
        "the drivers logged at TRACE: {logged}"
    );
    assert!(!logged.contains(PASSWORD), "{logged}");
    assert!(!said.contains(PASSWORD), "{said}");
}
