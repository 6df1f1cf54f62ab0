//! Which open entries' submits are still going out from a live process, on any machine: the
//! process that begins an entry holds a session-level advisory lock on it, on one connection
//! of its own, until the submit is settled. The server drops a session's locks when the
//! session ends (the process exited or was killed, the machine vanished), so a lock nobody
//! holds means nobody is submitting it any more.

use hitem3d_core::journal::EntryId;
use tokio_postgres::{Client, Config};
use tokio_postgres_rustls::MakeRustlsConnect;

/// Keys of these locks: the entry id in a range of its own, apart from other advisory locks
/// (the schema's migration lock) and other programs' on the same server.
const NAMESPACE: i64 = 0x6869_7400_0000_0000;

fn lock_key(entry: EntryId) -> i64 {
    NAMESPACE | (entry.0.cast_signed() & 0x00ff_ffff_ffff_ffff)
}

/// `pg_advisory_<what>` of `entry`'s key as one simple query: a single round trip, where a
/// statement with a parameter is prepared first (two, under the fleet's lock when held as an
/// intent commits). The key is a number this module makes.
fn lock_statement(what: &str, entry: EntryId) -> String {
    format!("SELECT pg_advisory_{what}({})", lock_key(entry))
}

/// This process's session holding the locks of its submits in flight.
pub(crate) struct SubmitLocks {
    config: Config,
    tls: MakeRustlsConnect,
    session: tokio::sync::Mutex<Option<Client>>,
}

impl std::fmt::Debug for SubmitLocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The settings hold the password.
        f.debug_struct("SubmitLocks")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl SubmitLocks {
    pub(crate) fn new(config: Config, tls: MakeRustlsConnect) -> Self {
        Self {
            config,
            tls,
            session: tokio::sync::Mutex::default(),
        }
    }

    /// Opens the session unless it is open: done before an intent's transaction takes the
    /// fleet's row, so no other submit of the fleet waits behind a connection being made.
    pub(crate) async fn open(&self) {
        let mut session = self.session.lock().await;
        if session.as_ref().is_some_and(|client| !client.is_closed()) {
            return;
        }
        *session = match self.config.connect(self.tls.clone()).await {
            Ok((client, connection)) => {
                tokio::spawn(async move {
                    let _ended = connection.await;
                });
                Some(client)
            }
            Err(error) => {
                tracing::debug!(%error, "no session for the locks of submits in flight");
                None
            }
        };
    }

    /// Locks `entry` for as long as its submit is going out, on the session [`Self::open`]
    /// opened: called while the fleet's row is held, it never connects. Without a session (it
    /// could not be opened, or closed since), other processes find no lock and take the
    /// entry's outcome as unknown, as before there were locks: nothing is paid twice either
    /// way.
    pub(crate) async fn hold(&self, entry: EntryId) {
        let session = self.session.lock().await;
        if let Some(client) = session.as_ref() {
            let locked = client.batch_execute(&lock_statement("lock", entry)).await;
            if let Err(error) = locked {
                tracing::debug!(%error, "a submit in flight could not be locked");
            }
        }
    }

    /// The submit of `entry` is settled (or its entry forgotten): its lock goes.
    pub(crate) async fn release(&self, entry: EntryId) {
        let session = self.session.lock().await;
        if let Some(client) = session.as_ref() {
            let _released = client.batch_execute(&lock_statement("unlock", entry)).await;
        }
    }
}

/// Whether a live process (this one or another) holds the lock of `entry`'s submit: tried in
/// `tx`, for the transaction only, so nothing is left held whatever happens next.
pub(crate) async fn in_flight(
    tx: &tokio_postgres::Transaction<'_>,
    entry: EntryId,
) -> Result<bool, tokio_postgres::Error> {
    let free: bool = tx
        .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&lock_key(entry)])
        .await?
        .get(0);
    Ok(!free)
}
