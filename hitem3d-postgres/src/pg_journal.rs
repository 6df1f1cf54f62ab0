//! The journal in PostgreSQL, shared by every machine of a fleet.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::cached_statements::CachedStatements;
use deadpool_postgres::Transaction;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use hitem3d_core::journal::{
    AsyncTaskJournal, Begun, EntryId, EntryQuery, EntryState, Intent, JournalEntry, JournalError,
    JournalKey, LearntDuration, Settled, StoreFuture, TaskEvent,
};
use hitem3d_core::types::{TaskId, TaskType};
use hitem3d_core::{ObservedDuration, TASKS_KEPT_PER_KIND, TaskKind};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Statement};

use crate::cached_statements::prepared;
use crate::fence::{FENCE_SQL, Fence, HANDOFF_FENCE_SQL};
use crate::fleet_limit::{HELD_SQL, LOCK_AND_CHARGE_SQL, TASK_LIFETIME_SECS, admit, slot_freed};
use crate::slot_handoff::SlotHandoff;
use crate::slot_signal::SlotSignal;
use crate::submit_locks::{self, SubmitLocks};
use crate::{DatabaseUrl, schema};

/// Connections one process keeps open: a client's writes come one at a time per task, and a
/// few tasks run at once.
const POOL_SIZE: usize = 8;

/// How long connecting, or waiting for a free connection, may take before the operation fails
/// (and the client's journal retry takes over).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Tries at closing the entry of a submit that went away before it was sent, and the pause
/// after the first failed one (doubled after each): the database failing for a moment (a
/// connection it dropped) should not leave an entry that reads as a paid submit.
const CLOSE_TRIES: u32 = 4;
const CLOSE_PAUSE: Duration = Duration::from_millis(50);

/// An intent's entry, unless its key has an open one: `$1` the key, then the task's type, its
/// label, its price and where its result goes.
const INSERT_SQL: &str = "INSERT INTO hitem3d.entries (key, task_type, label, estimated_credits, \
     destination, state, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, 'submitting', \
             EXTRACT(EPOCH FROM now())::BIGINT, EXTRACT(EPOCH FROM now())::BIGINT) \
     ON CONFLICT (key) WHERE key IS NOT NULL AND state NOT IN ('refused', 'failed') \
     DO NOTHING RETURNING id";

/// Times over in a begin whose key was taken and freed again between its two transactions.
const BEGIN_ROUNDS: usize = 5;

/// An [`AsyncTaskJournal`] in a PostgreSQL database that any number of machines share: each
/// operation is one transaction, committed before it returns, and a key is begun once across
/// the whole fleet (a unique index on open keys). Give it to the async client with
/// `ClientConfig::with_async_journal`.
///
/// The tables live in a schema of their own, `hitem3d`, created on first use.
#[derive(Debug, Clone)]
pub struct PgJournal {
    pool: Pool,
    url: DatabaseUrl,
    /// The queued inputs this process claimed: writes about them must find the claim standing.
    fence: Arc<Fence>,
    /// Wakes this process's submits that wait for a slot of the fleet's limit.
    slots: Arc<SlotSignal>,
    /// This process's submits waiting for a slot, which it hands the slots it frees.
    handoff: Arc<SlotHandoff>,
    /// The submits this process is making, locked so that other processes can tell they are
    /// alive.
    submit_locks: Arc<SubmitLocks>,
}

impl PgJournal {
    /// Connects to the database at `url` and creates its tables if they are missing.
    ///
    /// # Errors
    /// The database cannot be reached, refuses the connection, or was written by a newer
    /// version of this crate.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, JournalError> {
        let tls = url
            .tls()
            .connector()
            .map_err(|reason| JournalError::store("open", format!("{url}: {reason}")))?;
        let mut config = url.config().clone();
        config
            .connect_timeout(CONNECT_TIMEOUT)
            .application_name("hitem3d");
        // Fast recycling: a connection the server closed (restart, terminated backend) is
        // noticed and replaced; one that died unnoticed fails one operation, which is retried.
        let manager = Manager::from_config(
            config.clone(),
            tls.clone(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|error| JournalError::store("open", error))?;
        let journal = Self {
            pool,
            url: url.clone(),
            fence: Arc::default(),
            slots: Arc::new(SlotSignal::new(config.clone(), tls.clone())),
            handoff: Arc::default(),
            submit_locks: Arc::new(SubmitLocks::new(config, tls)),
        };
        let mut client = journal.client("open").await?;
        schema::prepare(&mut client)
            .await
            .map_err(|error| {
                let lacking =
                    error.code() == Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE);
                let hint = if lacking {
                    ": this user needs the right to create the schema hitem3d and its tables in \
                     this database (or someone who has it runs a hitem3d command here once)"
                } else {
                    ""
                };
                JournalError::store("open", format!("{url}: {}{hint}", in_words(&error)))
            })?
            .map_err(|reason| JournalError::store("open", reason))?;
        Ok(journal)
    }

    /// Where the database is (without its password).
    #[must_use]
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub(crate) fn fence(&self) -> &Arc<Fence> {
        &self.fence
    }

    /// Wakes this process's waiting submits after one of its transactions freed a slot,
    /// without waiting for the database's notice.
    pub(crate) fn slot_freed_here(&self) {
        self.slots.freed_here();
    }

    pub(crate) async fn client(
        &self,
        action: &'static str,
    ) -> Result<deadpool_postgres::Client, JournalError> {
        self.pool.get().await.map_err(|error| {
            let words = match &error {
                // The server's refusal (a password, a database name) or a certificate's, each
                // in words that say what is wrong.
                deadpool_postgres::PoolError::Backend(error)
                    if error.as_db_error().is_some() || tls_refusal(error) =>
                {
                    in_words(error)
                }
                deadpool_postgres::PoolError::Backend(error) => format!(
                    "{}: is PostgreSQL running there, and can this machine reach it?",
                    in_words(error)
                ),
                other => format!(
                    "{}: is PostgreSQL running there, and can this machine reach it?",
                    with_causes(other)
                ),
            };
            JournalError::store(action, format!("{}: {words}", self.url))
        })
    }

    pub(crate) fn failed(
        &self,
        action: &'static str,
        error: &tokio_postgres::Error,
    ) -> JournalError {
        JournalError::store(action, format!("{}: {}", self.url, in_words(error)))
    }

    async fn begin_entry(&self, intent: &Intent) -> Result<Begun, JournalError> {
        // Before the transaction: it holds the fleet's row, which every worker's intent needs.
        self.submit_locks.open().await;
        let mut client = self.client("write").await?;
        let failed = |error: tokio_postgres::Error| self.failed("write", &error);
        for _ in 0..BEGIN_ROUNDS {
            let tx = client.transaction().await.map_err(failed)?;
            let statements = prepared(&tx, [FENCE_SQL, INSERT_SQL, LOCK_AND_CHARGE_SQL, HELD_SQL])
                .await
                .map_err(failed)?;
            let Some(entry) = self
                .begin_new(&tx, &statements, intent)
                .await
                .map_err(failed)??
            else {
                // The key is open: this transaction, which charged the fleet, is rolled back
                // and the open entry read in one that writes nothing.
                drop(tx);
                match self.open_entry(&mut client, intent).await? {
                    Some(begun) => return Ok(begun),
                    // It closed in between: its key is free now.
                    None => continue,
                }
            };
            // Held before the entry is committed, so no one sees it unlocked.
            self.submit_locks.hold(entry).await;
            if let Err(error) = tx.commit().await {
                self.submit_locks.release(entry).await;
                return Err(failed(error));
            }
            return Ok(Begun::New(entry));
        }
        Err(JournalError::store(
            "write",
            "the key was taken and freed again too often to begin it",
        ))
    }

    /// Within `tx`: `intent`'s entry, fenced by `fence` ([`FENCE_SQL`] or, in a slot handed
    /// over, [`HANDOFF_FENCE_SQL`]) and admitted by the fleet's limits, then `insert`,
    /// `lock_and_charge` and `count_held`. `None` when the key has an open entry.
    async fn begin_new(
        &self,
        tx: &Transaction<'_>,
        [fence, insert, lock_and_charge, count_held]: &[Statement; 4],
        intent: &Intent,
    ) -> Result<Result<Option<EntryId>, JournalError>, tokio_postgres::Error> {
        let key = intent.key.as_ref().map(JournalKey::as_str);
        let credits = intent
            .estimated_credits
            .map(|credits| i32::try_from(credits).unwrap_or(i32::MAX));
        let charge = i64::from(intent.estimated_credits.unwrap_or(0));
        let task_type = intent.task_type.name();
        // One round trip for the four, run in this order: the input's claim (a worker whose
        // claim ended must not pay for it), the entry, the fleet's row locked and charged,
        // and the slots held, counted after the lock.
        let entry_values: [&(dyn ToSql + Sync); 5] = [
            &key,
            &task_type,
            &intent.label,
            &credits,
            &intent.destination,
        ];
        let charged: [&(dyn ToSql + Sync); 1] = [&charge];
        let lifetime: [&(dyn ToSql + Sync); 1] = [&TASK_LIFETIME_SECS];
        let (fenced, inserted, fleet, held) = tokio::join!(
            self.fence.check(tx, fence, intent.key.as_ref()),
            tx.query_opt(insert, &entry_values),
            tx.query_one(lock_and_charge, &charged),
            tx.query_one(count_held, &lifetime),
        );
        if let Err(lost) = fenced? {
            return Ok(Err(lost));
        }
        let Some(inserted) = inserted? else {
            return Ok(Ok(None));
        };
        let entry = EntryId(inserted.get::<_, i64>(0).cast_unsigned());
        let others = held?.get::<_, i64>(0) - 1;
        // The fleet's slot and credits, in the intent's own transaction: at a limit, the
        // caller writes nothing and the submit does not go out.
        Ok(admit(tx, &fleet?, others, intent.estimated_credits)
            .await?
            .map(|()| Some(entry)))
    }

    /// Within `tx`, which freed a slot: begins `intent`, a submit of this process waiting for
    /// a slot, in it, locked as going out. `None` (and `tx` as it was) when the intent is not
    /// begun: its claim is busy or gone, its key open, or the fleet's limits refuse it.
    async fn hand_over(
        &self,
        tx: &Transaction<'_>,
        intent: &Intent,
    ) -> Result<Option<EntryId>, tokio_postgres::Error> {
        let statements = prepared(
            tx,
            [HANDOFF_FENCE_SQL, INSERT_SQL, LOCK_AND_CHARGE_SQL, HELD_SQL],
        )
        .await?;
        // The savepoint goes out with the intent's statements, in the same round trip.
        let (saved, begun) = tokio::join!(
            tx.batch_execute("SAVEPOINT hand_over"),
            self.begin_new(tx, &statements, intent),
        );
        saved?;
        match begun {
            Ok(Ok(Some(entry))) => {
                self.submit_locks.hold(entry).await;
                return Ok(Some(entry));
            }
            Ok(Ok(None)) => tracing::debug!("a waiting submit's key is open: not handed a slot"),
            Ok(Err(refused)) => tracing::debug!(%refused, "a waiting submit was not handed a slot"),
            Err(error) => tracing::debug!(
                error = %in_words(&error),
                "a waiting submit was not handed a slot"
            ),
        }
        tx.batch_execute("ROLLBACK TO SAVEPOINT hand_over").await?;
        Ok(None)
    }

    /// Closes the entry begun for a waiting submit that went away before it was handed its
    /// slot: nothing was sent, so it is refused and refunded, and its slot freed again.
    fn close_unsent(&self, entry: EntryId) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let settled = Settled::Refused(
                "the submit stopped waiting before it was sent: nothing was paid".to_owned(),
            );
            let id = entry.0.cast_signed();
            let closed = self
                .update("id", &id, |open, now| open.settle(&settled, now))
                .await;
            self.submit_locks.release(entry).await;
            closed
        })
    }

    /// [`Self::close_unsent`], tried again while the database fails. The write that handed
    /// the slot over is committed, so a failure here is said, not made that write's.
    async fn close_unsent_retrying(&self, entry: EntryId) {
        let mut pause = CLOSE_PAUSE;
        for tried in 1..=CLOSE_TRIES {
            match self.close_unsent(entry).await {
                Ok(()) => return,
                Err(error) if tried < CLOSE_TRIES => {
                    tracing::debug!(entry = entry.0, %error, "closing an unsent entry: trying again");
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
                Err(error) => tracing::error!(
                    entry = entry.0,
                    %error,
                    "the entry of a submit that went away before it was sent could not be \
                     closed: nothing was paid for it, but it stays open as a submit whose \
                     outcome is unknown, holding a slot of the fleet's limit (and its charge, \
                     under a credit limit) until it is forgotten or its task's lifetime has \
                     passed"
                ),
            }
        }
    }

    /// The open entry under `intent`'s key, if one is: its task, or its submit still going out
    /// from a live process, or an unknown outcome. Fenced as the intent is.
    async fn open_entry(
        &self,
        client: &mut deadpool_postgres::Client,
        intent: &Intent,
    ) -> Result<Option<Begun>, JournalError> {
        let failed = |error: tokio_postgres::Error| self.failed("write", &error);
        let tx = client.transaction().await.map_err(failed)?;
        let [fence] = prepared(&tx, [FENCE_SQL]).await.map_err(failed)?;
        self.fence
            .check(&tx, &fence, intent.key.as_ref())
            .await
            .map_err(failed)??;
        let key = intent.key.as_ref().map(JournalKey::as_str);
        let Some(row) = tx
            .query_opt_cached(
                &select("WHERE key = $1 AND state NOT IN ('refused', 'failed')"),
                &[&key],
            )
            .await
            .map_err(failed)?
        else {
            return Ok(None);
        };
        let open = read_entry(&row);
        let submitting = open.state == EntryState::Submitting && open.task_id.is_none();
        let begun = if submitting
            && submit_locks::in_flight(&tx, open.id)
                .await
                .map_err(failed)?
        {
            Begun::InFlight(open)
        } else {
            Begun::Existing(open)
        };
        tx.commit().await.map_err(failed)?;
        Ok(Some(begun))
    }

    /// Loads, changes (by the core's rules) and stores back the entry where `column` is
    /// `value`, if there is one, under a row lock.
    async fn update(
        &self,
        column: &str,
        value: &(dyn ToSql + Sync),
        change: impl FnOnce(&mut JournalEntry, u64) + Send,
    ) -> Result<(), JournalError> {
        let mut client = self.client("write").await?;
        let failed = |error: tokio_postgres::Error| self.failed("write", &error);
        let tx = client.transaction().await.map_err(failed)?;
        let lock_entry = format!(
            "SELECT {COLUMNS}, EXTRACT(EPOCH FROM now())::BIGINT FROM hitem3d.entries \
             WHERE {column} = $1 FOR UPDATE"
        );
        let find_key = format!("SELECT key FROM hitem3d.entries WHERE {column} = $1");
        let [find_key, fence, lock_entry] = prepared(&tx, [&find_key, FENCE_SQL, &lock_entry])
            .await
            .map_err(failed)?;
        let key: Option<Option<String>> = tx
            .query_opt(&find_key, &[value])
            .await
            .map_err(failed)?
            .map(|row| row.get(0));
        let key = key.flatten().map(JournalKey::new);
        // One round trip for both, run in this order: the input's claim is locked before the
        // entry, in the order claims take them.
        let by_value = [value];
        let (fenced, found) = tokio::join!(
            self.fence.check(&tx, &fence, key.as_ref()),
            tx.query_opt(&lock_entry, &by_value),
        );
        fenced.map_err(failed)??;
        let mut freed = false;
        let mut handed = None;
        if let Some(row) = found.map_err(failed)? {
            let mut entry = read_entry(&row);
            let now = row.get::<_, i64>(COLUMN_COUNT).cast_unsigned();
            let was_closed = entry.is_closed();
            let held = entry.state.holds_account_slot();
            change(&mut entry, now);
            // Refused (no task) or failed (the service refunds it): the charge comes back.
            let refunded = entry.is_closed() && !was_closed;
            freed = held && !entry.state.holds_account_slot();
            // A freed slot goes to this process's first waiting submit if it has one.
            let waiting = if freed { self.handoff.first() } else { None };
            // One round trip for the writes.
            let (refunded, notified, stored) = tokio::join!(
                async {
                    if refunded {
                        refund(&tx, entry.estimated_credits).await
                    } else {
                        Ok(())
                    }
                },
                async {
                    if freed && waiting.is_none() {
                        slot_freed(&tx).await
                    } else {
                        Ok(())
                    }
                },
                store(&tx, &entry),
            );
            refunded.map_err(failed)?;
            notified.map_err(failed)?;
            stored.map_err(failed)?;
            if let Some(waiting) = waiting {
                match self
                    .hand_over(&tx, waiting.intent())
                    .await
                    .map_err(failed)?
                {
                    Some(begun) => handed = Some((waiting, begun)),
                    // Not handed (the waiter begins again itself): everyone hears of it.
                    None => slot_freed(&tx).await.map_err(failed)?,
                }
            }
        }
        if let Err(error) = tx.commit().await {
            if let Some((_, begun)) = handed {
                self.submit_locks.release(begun).await;
            }
            return Err(failed(error));
        }
        match handed {
            Some((waiting, begun)) => {
                if let Err(unsent) = waiting.hand(begun) {
                    // This write is committed whatever happens to the other entry.
                    self.close_unsent_retrying(unsent).await;
                }
            }
            None if freed => self.slots.freed_here(),
            None => {}
        }
        Ok(())
    }

    async fn read_entries(&self, query: &EntryQuery) -> Result<Vec<JournalEntry>, JournalError> {
        let client = self.client("read").await?;
        let rows = match query {
            EntryQuery::Key(key) => {
                let sql = select("WHERE key = $1 ORDER BY id");
                client.query_cached(&sql, &[&key.as_str()]).await
            }
            EntryQuery::Task(task_id) => {
                let sql = select("WHERE task_id = $1 ORDER BY id");
                client.query_cached(&sql, &[&task_id.as_str()]).await
            }
            _ => client.query_cached(&select("ORDER BY id"), &[]).await,
        }
        .map_err(|error| self.failed("read", &error))?;
        // The query's rule is the core's, applied here rather than restated in SQL.
        Ok(rows
            .iter()
            .map(read_entry)
            .filter(|entry| query.selects(entry))
            .collect())
    }

    async fn remove(&self, entry: EntryId) -> Result<bool, JournalError> {
        let mut client = self.client("write").await?;
        let remove = async {
            let tx = client.transaction().await?;
            let deleted = tx
                .execute_cached(
                    "DELETE FROM hitem3d.entries WHERE id = $1",
                    &[&entry.0.cast_signed()],
                )
                .await?;
            // The entry may have held a slot: a waiting submit looks again.
            if deleted > 0 {
                slot_freed(&tx).await?;
            }
            tx.commit().await?;
            Ok(deleted > 0)
        };
        let removed = remove.await.map_err(|error| self.failed("write", &error))?;
        if removed {
            self.slots.freed_here();
        }
        Ok(removed)
    }

    async fn keep_duration(&self, learnt: &LearntDuration) -> Result<(), JournalError> {
        let mut client = self.client("write").await?;
        let kind = learnt.kind.key();
        let millis = |duration: Duration| i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        let kept = i64::try_from(TASKS_KEPT_PER_KIND).unwrap_or(i64::MAX);
        let write = async {
            let tx = client.transaction().await?;
            tx.execute_cached(
                "INSERT INTO hitem3d.durations (kind, at_least_ms, at_most_ms) VALUES ($1, $2, $3)",
                &[
                    &kind,
                    &millis(learnt.observed.at_least),
                    &millis(learnt.observed.at_most),
                ],
            )
            .await?;
            // The newest of the kind are what forecasts are learnt from.
            tx.execute_cached(
                "DELETE FROM hitem3d.durations WHERE kind = $1 AND id NOT IN \
                 (SELECT id FROM hitem3d.durations WHERE kind = $1 ORDER BY id DESC LIMIT $2)",
                &[&kind, &kept],
            )
            .await?;
            tx.commit().await
        };
        write.await.map_err(|error| self.failed("write", &error))
    }

    async fn read_durations(&self) -> Result<Vec<LearntDuration>, JournalError> {
        let client = self.client("read").await?;
        let rows = client
            .query(
                "SELECT kind, at_least_ms, at_most_ms FROM hitem3d.durations ORDER BY id",
                &[],
            )
            .await
            .map_err(|error| self.failed("read", &error))?;
        let millis = |value: i64| Duration::from_millis(value.max(0).cast_unsigned());
        Ok(rows
            .iter()
            .filter_map(|row| {
                // A kind this version cannot read (a newer one wrote it) is left out.
                let kind = TaskKind::from_key(row.get(0))?;
                let observed = ObservedDuration::new(millis(row.get(1)), millis(row.get(2)));
                Some(LearntDuration::new(kind, observed))
            })
            .collect())
    }
}

impl AsyncTaskJournal for PgJournal {
    fn begin<'a>(&'a self, intent: &'a Intent) -> StoreFuture<'a, Begun> {
        Box::pin(self.begin_entry(intent))
    }

    fn settle<'a>(&'a self, entry: EntryId, settled: &'a Settled) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let id = entry.0.cast_signed();
            self.update("id", &id, |entry, now| entry.settle(settled, now))
                .await?;
            self.submit_locks.release(entry).await;
            Ok(())
        })
    }

    fn record<'a>(&'a self, task_id: &'a TaskId, event: &'a TaskEvent) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.update("task_id", &task_id.as_str(), |entry, now| {
                entry.record(event, now);
            })
            .await
        })
    }

    fn entries<'a>(&'a self, query: &'a EntryQuery) -> StoreFuture<'a, Vec<JournalEntry>> {
        Box::pin(self.read_entries(query))
    }

    fn forget(&self, entry: EntryId) -> StoreFuture<'_, bool> {
        Box::pin(async move {
            let removed = self.remove(entry).await?;
            self.submit_locks.release(entry).await;
            Ok(removed)
        })
    }

    fn learn_duration<'a>(&'a self, learnt: &'a LearntDuration) -> StoreFuture<'a, ()> {
        Box::pin(self.keep_duration(learnt))
    }

    fn learnt_durations(&self) -> StoreFuture<'_, Vec<LearntDuration>> {
        Box::pin(self.read_durations())
    }

    fn limit_refused(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let mut client = self.client("write").await?;
            let lower = async {
                let tx = client.transaction().await?;
                crate::fleet_limit::lower_after_refusal(&tx).await?;
                tx.commit().await
            };
            lower.await.map_err(|error| self.failed("write", &error))
        })
    }

    fn await_slot(&self, at_most: Duration) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.slots.wait(at_most).await;
            Ok(())
        })
    }

    fn await_slot_and_begin<'a>(
        &'a self,
        intent: &'a Intent,
        at_most: Duration,
    ) -> StoreFuture<'a, Option<Begun>> {
        Box::pin(async move {
            let mut in_line = self.handoff.join(intent.clone());
            tokio::select! {
                handed = &mut in_line.handed => return Ok(handed.ok().map(Begun::New)),
                () = self.slots.wait(at_most) => {}
            }
            if in_line.leave() {
                return Ok(None);
            }
            // A transaction took this submit out of the line: its hand-off is under way.
            Ok((&mut in_line.handed).await.ok().map(Begun::New))
        })
    }
}

/// Gives back the charge of an entry whose submit was refused, whose task failed, or that a
/// person put back in the queue.
pub(crate) async fn refund(
    tx: &Transaction<'_>,
    price: Option<u32>,
) -> Result<(), tokio_postgres::Error> {
    if let Some(price) = price {
        tx.execute_cached(
            "UPDATE hitem3d.fleet SET credits_charged = GREATEST(0, credits_charged - $1) \
             WHERE id = 1",
            &[&i64::from(price)],
        )
        .await?;
    }
    Ok(())
}

/// The driver's error with what the server said: its own `Display` is only "db error".
pub(crate) fn in_words(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => with_causes(error),
    }
}

/// Whether `error` is rustls's refusal of the server's certificate.
fn tls_refusal(error: &tokio_postgres::Error) -> bool {
    causes(error).any(|cause| refusal(cause).is_some())
}

/// rustls's refusal in words, if `cause` is the handshake's I/O error that carries one.
fn refusal(cause: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    cause
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .and_then(crate::tls::refusal_in_words)
}

fn causes<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(error.source(), |cause| cause.source())
}

/// An error and all its causes on one line: why a TLS handshake failed is three causes down.
fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut words = error.to_string();
    for cause in causes(error) {
        let more = refusal(cause).map_or_else(|| cause.to_string(), str::to_owned);
        // Some errors print their cause themselves.
        if !words.ends_with(&more) {
            words.push_str(": ");
            words.push_str(&more);
        }
    }
    words
}

const COLUMNS: &str = "id, key, task_type, label, estimated_credits, destination, task_id, \
                       state, note, files, created_at, updated_at";

/// How many columns [`COLUMNS`] names: the index of anything selected after them.
const COLUMN_COUNT: usize = 12;

/// The entries `filter` (a `WHERE …`, an `ORDER BY …`) selects, as [`read_entry`] reads them.
pub(crate) fn select(filter: &str) -> String {
    format!("SELECT {COLUMNS} FROM hitem3d.entries {filter}")
}

pub(crate) fn read_entry(row: &Row) -> JournalEntry {
    let task_type: &str = row.get(2);
    let intent = Intent {
        key: row.get::<_, Option<String>>(1).map(JournalKey::new),
        task_type: TaskType::ALL
            .iter()
            .copied()
            .find(|known| known.name() == task_type)
            .unwrap_or(TaskType::ImageTo3d),
        label: row.get(3),
        estimated_credits: row
            .get::<_, Option<i32>>(4)
            .map(|credits| u32::try_from(credits).unwrap_or(0)),
        destination: row.get(5),
    };
    let id = EntryId(row.get::<_, i64>(0).cast_unsigned());
    let mut entry = JournalEntry::from_intent(id, &intent, row.get::<_, i64>(10).cast_unsigned());
    entry.task_id = row.get::<_, Option<String>>(6).map(TaskId::new);
    entry.state = EntryState::parse(row.get(7));
    entry.note = row.get(8);
    entry.files = row
        .get::<_, Vec<String>>(9)
        .into_iter()
        .map(PathBuf::from)
        .collect();
    entry.updated_at = row.get::<_, i64>(11).cast_unsigned();
    entry
}

/// Writes `entry` over its row.
pub(crate) async fn store(
    tx: &Transaction<'_>,
    entry: &JournalEntry,
) -> Result<u64, tokio_postgres::Error> {
    // Paths that are not UTF-8 are kept as close as text allows.
    let files: Vec<String> = entry
        .files
        .iter()
        .map(|path| path.to_string_lossy().into_owned())
        .collect();
    tx.execute_cached(
        "UPDATE hitem3d.entries SET task_id = $2, state = $3, note = $4, files = $5, \
         updated_at = $6 WHERE id = $1",
        &[
            &entry.id.0.cast_signed(),
            &entry.task_id.as_ref().map(TaskId::as_str),
            &entry.state.as_str(),
            &entry.note,
            &files,
            &entry.updated_at.cast_signed(),
        ],
    )
    .await
}
