//! The SQLite store behind the journal.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use hitem3d_core::journal::{
    Begun, CreditLimit, EntryId, EntryQuery, EntryState, Intent, JournalEntry, JournalError,
    JournalKey, LearntDuration, Settled, TaskEvent, TaskJournal,
};
use hitem3d_core::types::{TaskId, TaskType};
use hitem3d_core::{ObservedDuration, TASKS_KEPT_PER_KIND, TaskKind};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use crate::busy_retry::until_not_busy;
use crate::claim_fence::ClaimFence;
use crate::clock::{unix_millis, unix_now};
use crate::schema;
use crate::shared_limit::{self, SlotBell};
use crate::submit_locks::SubmitLocks;

/// How long a write waits for another process holding the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A [`TaskJournal`] in one SQLite file, safe to share between threads and processes. Each
/// operation is one transaction, written to disk before it returns (`synchronous = FULL`):
/// a task id recorded is a task id kept, whatever happens to the process or the power.
#[derive(Debug)]
pub struct SqliteJournal {
    connection: Mutex<Connection>,
    path: Option<PathBuf>,
    /// The inputs this process claimed from the file's queue: writes about one whose claim
    /// ended are refused.
    fence: ClaimFence,
    /// Whether begins keep the limit on unfinished tasks stored in the file.
    shares_task_limit: AtomicBool,
    slot_freed: SlotBell,
    /// The submits this process is making, locked so that others can tell they are alive.
    submit_locks: SubmitLocks,
}

impl SqliteJournal {
    /// Opens the journal at `path`, creating the file (and its directory) if needed.
    ///
    /// # Errors
    /// The directory or file cannot be created or opened, the file is no journal, or a newer
    /// version of this crate wrote it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|error| {
                JournalError::store("open", format!("cannot create {}: {error}", dir.display()))
            })?;
        }
        let connection = Connection::open(path)
            .map_err(|error| JournalError::store("open", format!("{}: {error}", path.display())))?;
        Self::prepare(connection, Some(path.to_path_buf()))
    }

    /// Opens the journal at `path` only if it exists, creating nothing: for commands that
    /// only read (`None` when there is no file yet). A file that is not a journal is refused
    /// and left as it was.
    ///
    /// # Errors
    /// The file cannot be opened, is no journal, or a newer version of this crate wrote it.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Option<Self>, JournalError> {
        let path = path.as_ref();
        match std::fs::metadata(path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(JournalError::store(
                "open",
                format!("{}: {error}", path.display()),
            )),
            Ok(_) => Self::open(path).map(Some),
        }
    }

    /// A journal that lives in memory and is gone with this value: for tests.
    ///
    /// # Errors
    /// SQLite could not start.
    pub fn in_memory() -> Result<Self, JournalError> {
        let connection = Connection::open_in_memory().map_err(open_error)?;
        Self::prepare(connection, None)
    }

    /// Sets the most credits this journal's submits may be charged, counted from the first
    /// task it charged (`None`: no limit). Each submit's intent is charged its published price
    /// in the transaction that writes it, refunded if the submit is refused or the task fails,
    /// so no number of processes sharing the file can spend past it.
    ///
    /// # Errors
    /// The file could not be written.
    pub fn set_max_credits(&self, max: Option<u64>) -> Result<(), JournalError> {
        let max = max.map(|max| i64::try_from(max).unwrap_or(i64::MAX));
        self.write(|tx| tx.execute("UPDATE budget SET max_credits = ?1 WHERE id = 1", [max]))
            .map(drop)
    }

    /// The credits charged so far and the limit, if one is set.
    ///
    /// # Errors
    /// The file could not be read.
    pub fn credits(&self) -> Result<(u64, Option<u64>), JournalError> {
        let unsigned = |value: i64| u64::try_from(value).unwrap_or(0);
        self.write(|tx| {
            tx.query_row(
                "SELECT credits_charged, max_credits FROM budget WHERE id = 1",
                [],
                |row| {
                    Ok((
                        unsigned(row.get(0)?),
                        row.get::<_, Option<i64>>(1)?.map(unsigned),
                    ))
                },
            )
        })
    }

    /// The file, or `None` in memory.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn prepare(mut connection: Connection, path: Option<PathBuf>) -> Result<Self, JournalError> {
        let named = |error: rusqlite::Error| match &path {
            Some(path) => JournalError::store("open", format!("{}: {error}", path.display())),
            None => open_error(error),
        };
        connection.busy_timeout(BUSY_TIMEOUT).map_err(named)?;
        // Another program's database is left exactly as it was: no tables, no journal mode.
        if let Some(path) = &path
            && let Some(reason) =
                until_not_busy(BUSY_TIMEOUT, || schema::foreign(&connection)).map_err(named)?
        {
            return Err(JournalError::store(
                "open",
                format!(
                    "{} is not a hitem3d task journal ({reason}); nothing was written to it: \
                     give --journal (or HITEM3D_JOURNAL) another file",
                    path.display()
                ),
            ));
        }
        // The write-ahead log lets readers (`hitem3d tasks`) run beside a writer (a batch).
        if path.is_some() {
            until_not_busy(BUSY_TIMEOUT, || {
                connection.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))
            })
            .map_err(named)?;
        }
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(named)?;
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(named)?;
        until_not_busy(BUSY_TIMEOUT, || schema::prepare(&mut connection))
            .map_err(named)?
            .map_err(|reason| match &path {
                Some(path) => JournalError::store("open", format!("{}: {reason}", path.display())),
                None => JournalError::store("open", reason),
            })?;
        Ok(Self {
            connection: Mutex::new(connection),
            submit_locks: SubmitLocks::beside(path.as_deref()),
            path,
            fence: ClaimFence::default(),
            shares_task_limit: AtomicBool::new(false),
            slot_freed: SlotBell::default(),
        })
    }

    /// From now on, this handle's submits keep the limit on unfinished tasks stored in the
    /// file (the account's, learnt from refusals), together with every other process that
    /// does so: `hitem3d worker`s on one machine. At the limit a begin answers
    /// [`JournalError::AtSharedLimit`] and [`TaskJournal::await_slot`] waits for a slot. Give
    /// the client `ClientConfig::with_shared_task_limit` too, so that it leaves the limit to
    /// the file.
    pub fn share_task_limit(&self) {
        self.shares_task_limit.store(true, Ordering::Relaxed);
    }

    /// Whether [`SqliteJournal::share_task_limit`] was called.
    #[must_use]
    pub fn shares_task_limit(&self) -> bool {
        self.shares_task_limit.load(Ordering::Relaxed)
    }

    /// Sets the limit on unfinished tasks that the processes sharing the file keep: the
    /// account's (10 unless the service raised it), or fewer to leave room for other users.
    ///
    /// # Errors
    /// The file could not be written.
    pub fn set_task_limit(&self, limit: u32) -> Result<(), JournalError> {
        self.write(|tx| shared_limit::configure(tx, limit, unix_millis()))?;
        // A raised limit may let a waiting submit go.
        self.slot_freed.ring();
        Ok(())
    }

    /// The shared limit on unfinished tasks now (learnt from refusals) and as configured.
    ///
    /// # Errors
    /// The file could not be read.
    pub fn task_limit(&self) -> Result<(u32, u32), JournalError> {
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        shared_limit::read(&connection).map_err(|error| self.failed("read", &error))
    }

    /// A failed `action`, naming the file.
    fn failed(&self, action: &'static str, error: &rusqlite::Error) -> JournalError {
        match &self.path {
            Some(path) => JournalError::store(action, format!("{}: {error}", path.display())),
            None => JournalError::store(action, error),
        }
    }

    pub(crate) fn fence(&self) -> &ClaimFence {
        &self.fence
    }

    pub(crate) fn slot_freed(&self) -> &SlotBell {
        &self.slot_freed
    }

    /// Runs `work` in one immediate transaction (the write lock taken at once, so a check and
    /// the write after it cannot interleave with another process), committed if it succeeds.
    pub(crate) fn write<T>(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, JournalError> {
        // A panic while holding the lock rolled its transaction back: the file is consistent.
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|error| self.failed("write", &error))?;
        let value = work(&tx).map_err(|error| self.failed("write", &error))?;
        tx.commit().map_err(|error| self.failed("write", &error))?;
        Ok(value)
    }

    /// Loads, changes and stores back the entry `find` selects, if any.
    fn update(
        &self,
        find: (&str, &dyn rusqlite::ToSql),
        change: impl FnOnce(&mut JournalEntry, u64),
    ) -> Result<(), JournalError> {
        let freed = self.write(|tx| {
            let sql = format!("{SELECT} WHERE {} = ?1", find.0);
            let Some(mut entry) = tx.query_row(&sql, [find.1], read_entry).optional()? else {
                return Ok(Ok(false));
            };
            // A process whose claim on this input ended must change nothing about it.
            if let Err(lost) = self.fence.check(tx, entry.key.as_ref())? {
                return Ok(Err(lost));
            }
            entry.files = read_files(tx, entry.id)?;
            let was_closed = entry.is_closed();
            let held = entry.state.holds_account_slot();
            change(&mut entry, unix_now());
            if entry.is_closed() && !was_closed {
                // Refused (no task) or failed (the service refunds it): the charge comes back.
                refund(tx, entry.estimated_credits)?;
            }
            store(tx, &entry)?;
            Ok(Ok(held && !entry.state.holds_account_slot()))
        })??;
        if freed {
            self.slot_freed.ring();
        }
        Ok(())
    }
}

impl TaskJournal for SqliteJournal {
    fn begin(&self, intent: &Intent) -> Result<Begun, JournalError> {
        let shared = self.shares_task_limit();
        self.write(|tx| {
            // A process whose claim on this input ended must not pay for it.
            if let Err(lost) = self.fence.check(tx, intent.key.as_ref())? {
                return Ok(Err(lost));
            }
            if let Some(key) = &intent.key {
                let sql = format!("{SELECT} WHERE key = ?1 AND state NOT IN ('refused', 'failed')");
                if let Some(mut open) = tx.query_row(&sql, [key.as_str()], read_entry).optional()? {
                    open.files = read_files(tx, open.id)?;
                    let submitting = open.state == EntryState::Submitting && open.task_id.is_none();
                    if submitting && self.submit_locks.in_flight(open.id) {
                        return Ok(Ok(Begun::InFlight(open)));
                    }
                    return Ok(Ok(Begun::Existing(open)));
                }
            }
            // The shared slot and the credits, in the intent's own transaction: at a limit,
            // nothing is written and the submit does not go out.
            if shared && let Err(full) = shared_limit::admit(tx, unix_millis())? {
                return Ok(Err(full));
            }
            if let Err(over) = charge(tx, intent.estimated_credits)? {
                return Ok(Err(over));
            }
            let now = unix_now();
            tx.execute(
                "INSERT INTO entries (key, task_type, label, estimated_credits, destination, \
                 state, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![
                    intent.key.as_ref().map(JournalKey::as_str),
                    intent.task_type.name(),
                    intent.label,
                    intent.estimated_credits,
                    intent.destination,
                    EntryState::Submitting.as_str(),
                    now.cast_signed(),
                ],
            )?;
            let entry = EntryId(tx.last_insert_rowid().cast_unsigned());
            // Held before the entry is committed, so no other process sees it unlocked.
            self.submit_locks.hold(entry);
            Ok(Ok(Begun::New(entry)))
        })?
    }

    fn settle(&self, entry: EntryId, settled: &Settled) -> Result<(), JournalError> {
        let id = entry.0.cast_signed();
        self.update(("id", &id), |entry, now| entry.settle(settled, now))?;
        self.submit_locks.release(entry);
        Ok(())
    }

    fn record(&self, task_id: &TaskId, event: &TaskEvent) -> Result<(), JournalError> {
        self.update(("task_id", &task_id.as_str()), |entry, now| {
            entry.record(event, now);
        })
    }

    fn entries(&self, query: &EntryQuery) -> Result<Vec<JournalEntry>, JournalError> {
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let read = || -> rusqlite::Result<Vec<JournalEntry>> {
            let mut statement = connection.prepare(&format!("{SELECT} ORDER BY id"))?;
            let mut entries = statement
                .query_map([], read_entry)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            // The query's rule is the core's, applied here rather than restated in SQL.
            entries.retain(|entry| query.selects(entry));
            for entry in &mut entries {
                entry.files = read_files(&connection, entry.id)?;
            }
            Ok(entries)
        };
        read().map_err(|error| self.failed("read", &error))
    }

    fn forget(&self, entry: EntryId) -> Result<bool, JournalError> {
        let existed = self.write(|tx| {
            let id = entry.0.cast_signed();
            tx.execute("DELETE FROM files WHERE entry_id = ?1", [id])?;
            Ok(tx.execute("DELETE FROM entries WHERE id = ?1", [id])? > 0)
        })?;
        self.submit_locks.release(entry);
        if existed {
            // It may have held a slot.
            self.slot_freed.ring();
        }
        Ok(existed)
    }

    fn learn_duration(&self, learnt: &LearntDuration) -> Result<(), JournalError> {
        let kind = learnt.kind.key();
        let millis = |duration: Duration| i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        self.write(|tx| {
            tx.execute(
                "INSERT INTO durations (kind, at_least_ms, at_most_ms) VALUES (?1, ?2, ?3)",
                params![
                    kind,
                    millis(learnt.observed.at_least),
                    millis(learnt.observed.at_most)
                ],
            )?;
            // The newest of the kind are what forecasts are learnt from.
            tx.execute(
                "DELETE FROM durations WHERE kind = ?1 AND id NOT IN \
                 (SELECT id FROM durations WHERE kind = ?1 ORDER BY id DESC LIMIT ?2)",
                params![kind, i64::try_from(TASKS_KEPT_PER_KIND).unwrap_or(i64::MAX)],
            )?;
            Ok(())
        })
    }

    fn limit_refused(&self) -> Result<(), JournalError> {
        if !self.shares_task_limit() {
            return Ok(());
        }
        self.write(|tx| shared_limit::lower_after_refusal(tx, unix_millis()))
    }

    fn await_slot(&self, at_most: Duration) -> Result<(), JournalError> {
        self.slot_freed.wait(at_most);
        Ok(())
    }

    fn learnt_durations(&self) -> Result<Vec<LearntDuration>, JournalError> {
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let read = || -> rusqlite::Result<Vec<LearntDuration>> {
            let mut statement = connection
                .prepare("SELECT kind, at_least_ms, at_most_ms FROM durations ORDER BY id")?;
            let rows = statement.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })?;
            let millis = |value: i64| Duration::from_millis(value.max(0).cast_unsigned());
            let mut learnt = Vec::new();
            for row in rows {
                let (kind, at_least, at_most) = row?;
                // A kind this version cannot read (a newer one wrote it) is left out.
                if let Some(kind) = TaskKind::from_key(&kind) {
                    let observed = ObservedDuration::new(millis(at_least), millis(at_most));
                    learnt.push(LearntDuration::new(kind, observed));
                }
            }
            Ok(learnt)
        };
        read().map_err(|error| self.failed("read", &error))
    }
}

pub(crate) const SELECT: &str = "SELECT id, key, task_type, label, estimated_credits, destination, task_id, \
                      state, note, created_at, updated_at FROM entries";

pub(crate) fn read_entry(row: &Row<'_>) -> rusqlite::Result<JournalEntry> {
    let task_type: String = row.get(2)?;
    let state: String = row.get(7)?;
    let created_at: i64 = row.get(9)?;
    let updated_at: i64 = row.get(10)?;
    let intent = Intent {
        key: row.get::<_, Option<String>>(1)?.map(JournalKey::new),
        task_type: TaskType::ALL
            .iter()
            .copied()
            .find(|known| known.name() == task_type)
            .unwrap_or(TaskType::ImageTo3d),
        label: row.get(3)?,
        estimated_credits: row.get(4)?,
        destination: row.get(5)?,
    };
    let id = EntryId(row.get::<_, i64>(0)?.cast_unsigned());
    let mut entry = JournalEntry::from_intent(id, &intent, created_at.cast_unsigned());
    entry.task_id = row.get::<_, Option<String>>(6)?.map(TaskId::new);
    entry.state = EntryState::parse(&state);
    entry.note = row.get(8)?;
    entry.updated_at = updated_at.cast_unsigned();
    Ok(entry)
}

pub(crate) fn read_files(
    connection: &Connection,
    entry: EntryId,
) -> rusqlite::Result<Vec<PathBuf>> {
    let mut statement =
        connection.prepare("SELECT path FROM files WHERE entry_id = ?1 ORDER BY position")?;
    statement
        .query_map([entry.0.cast_signed()], |row| {
            row.get::<_, String>(0).map(PathBuf::from)
        })?
        .collect()
}

/// Writes `entry` over its row, and its files.
pub(crate) fn store(tx: &Transaction<'_>, entry: &JournalEntry) -> rusqlite::Result<()> {
    let id = entry.id.0.cast_signed();
    tx.execute(
        "UPDATE entries SET task_id = ?2, state = ?3, note = ?4, updated_at = ?5 WHERE id = ?1",
        params![
            id,
            entry.task_id.as_ref().map(TaskId::as_str),
            entry.state.as_str(),
            entry.note,
            entry.updated_at.cast_signed(),
        ],
    )?;
    tx.execute("DELETE FROM files WHERE entry_id = ?1", [id])?;
    for (position, path) in entry.files.iter().enumerate() {
        // Paths that are not UTF-8 are kept as close as text allows.
        tx.execute(
            "INSERT INTO files (entry_id, position, path) VALUES (?1, ?2, ?3)",
            params![
                id,
                i64::try_from(position).unwrap_or(i64::MAX),
                path.to_string_lossy()
            ],
        )?;
    }
    Ok(())
}

/// Charges a new intent's price, unless that passes the limit (an unknown price cannot be kept
/// under one).
fn charge(tx: &Transaction<'_>, price: Option<u32>) -> rusqlite::Result<Result<(), JournalError>> {
    let (limit, spent): (Option<i64>, i64) = tx.query_row(
        "SELECT max_credits, credits_charged FROM budget WHERE id = 1",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    if let Err(over) = CreditLimit::from_stored(limit, spent).admit(price) {
        return Ok(Err(over));
    }
    if let Some(price) = price {
        tx.execute(
            "UPDATE budget SET credits_charged = credits_charged + ?1 WHERE id = 1",
            [i64::from(price)],
        )?;
    }
    Ok(Ok(()))
}

/// Gives back the charge of an entry whose submit was refused, whose task failed, or that a
/// person put back in the queue.
pub(crate) fn refund(tx: &Transaction<'_>, price: Option<u32>) -> rusqlite::Result<()> {
    if let Some(price) = price {
        tx.execute(
            "UPDATE budget SET credits_charged = MAX(0, credits_charged - ?1) WHERE id = 1",
            [i64::from(price)],
        )?;
    }
    Ok(())
}

fn open_error(error: rusqlite::Error) -> JournalError {
    JournalError::store("open", error)
}

#[cfg(test)]
mod durability {
    use super::SqliteJournal;

    /// Every entry is on disk when its write returns: `synchronous` set to `OFF` survived every
    /// test (a process that is killed loses nothing either way; only a power cut tells), so
    /// the settings the journal's connection runs with are read back here.
    #[test]
    fn the_journal_writes_through_to_disk_before_answering() {
        let dir = tempfile::tempdir().unwrap();
        let journal = SqliteJournal::open(dir.path().join("journal.sqlite3")).unwrap();
        let connection = journal.connection.lock().unwrap();
        let pragma = |name: &str| -> String {
            connection
                .pragma_query_value(None, name, |row| row.get::<_, rusqlite::types::Value>(0))
                .map(|value| match value {
                    rusqlite::types::Value::Integer(number) => number.to_string(),
                    rusqlite::types::Value::Text(text) => text,
                    other => format!("{other:?}"),
                })
                .unwrap()
        };
        assert_eq!(pragma("synchronous"), "2", "FULL");
        assert_eq!(pragma("journal_mode"), "wal");
        assert_eq!(pragma("foreign_keys"), "1");
    }
}
