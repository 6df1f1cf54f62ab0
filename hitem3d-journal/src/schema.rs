//! The journal's tables, and how an older file is brought up to date.

use hitem3d_core::DEFAULT_TASK_SLOTS;
use rusqlite::{Connection, TransactionBehavior};

/// The schema version this crate writes, kept in `PRAGMA user_version`.
pub(crate) const VERSION: i64 = 4;

/// Version 1: one row per entry, its saved files in order. An open key (not refused, not
/// failed) is unique, so even two processes cannot both begin the same task; a task id
/// belongs to one entry.
const V1: &str = "
CREATE TABLE entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT,
    task_type TEXT NOT NULL,
    label TEXT NOT NULL,
    estimated_credits INTEGER,
    destination TEXT,
    task_id TEXT UNIQUE,
    state TEXT NOT NULL,
    note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX open_keys ON entries(key)
    WHERE key IS NOT NULL AND state NOT IN ('refused', 'failed');
CREATE TABLE files (
    entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (entry_id, position)
);
";

/// Version 2: how long tasks of each kind took, so that a new process's waits start from
/// them (the kind as `TaskKind::key` writes it; milliseconds from the start of the wait).
const V2: &str = "
CREATE TABLE durations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    at_least_ms INTEGER NOT NULL,
    at_most_ms INTEGER NOT NULL
);
CREATE INDEX durations_by_kind ON durations(kind, id);
";

/// Version 3: the credits charged by each submit's intent (refunded when it is refused or its
/// task fails) and the most that may be charged (`--max-credits`); one row.
const V3: &str = "
CREATE TABLE budget (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    max_credits INTEGER,
    credits_charged INTEGER NOT NULL DEFAULT 0
);
INSERT INTO budget (id) VALUES (1);
";

/// Version 4: a work queue for the `hitem3d worker`s of one machine (an input per key,
/// claimed under a lease whose epoch fences every write about it; times in Unix
/// milliseconds), and the limit on unfinished tasks those processes share: as configured and
/// as learnt from refusals (set after the tables, from the SDK's default).
const V4: &str = "
CREATE TABLE queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    input TEXT NOT NULL,
    options TEXT NOT NULL,
    credits INTEGER,
    state TEXT NOT NULL DEFAULT 'pending',
    worker TEXT,
    epoch INTEGER NOT NULL DEFAULT 0,
    lease_until_ms INTEGER,
    note TEXT,
    enqueued_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX queue_open ON queue(id) WHERE state IN ('pending', 'claimed');
ALTER TABLE budget ADD COLUMN task_limit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE budget ADD COLUMN configured_limit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE budget ADD COLUMN limit_changed_at INTEGER NOT NULL DEFAULT 0;
";

/// Why the database behind `connection` is another program's, if it is: one with tables but
/// not a journal's entries. Read before anything is written, so such a file is left untouched.
pub(crate) fn foreign(connection: &Connection) -> rusqlite::Result<Option<String>> {
    let tables: Vec<String> = connection
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if tables.is_empty() || tables.iter().any(|name| name == "entries") {
        return Ok(None);
    }
    let shown: Vec<&str> = tables.iter().take(5).map(String::as_str).collect();
    Ok(Some(format!("its tables are {}", shown.join(", "))))
}

/// Creates the tables in a new file, brings an older one up to date, or checks that an existing
/// one is a version this crate reads. Inside one immediate transaction, so two processes opening a new file at once
/// create the tables once.
pub(crate) fn prepare(connection: &mut Connection) -> rusqlite::Result<Result<(), String>> {
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    match version {
        0..=3 => {
            // Each version's tables on top of the last: an older file keeps its entries.
            if version == 0 {
                tx.execute_batch(V1)?;
            }
            if version <= 1 {
                tx.execute_batch(V2)?;
            }
            if version <= 2 {
                tx.execute_batch(V3)?;
            }
            tx.execute_batch(V4)?;
            let limit = i64::try_from(DEFAULT_TASK_SLOTS).unwrap_or(i64::MAX);
            tx.execute(
                "UPDATE budget SET task_limit = ?1, configured_limit = ?1, limit_changed_at = ?2",
                [limit, crate::clock::unix_millis().cast_signed()],
            )?;
            tx.pragma_update(None, "user_version", VERSION)?;
            tx.commit()?;
            Ok(Ok(()))
        }
        VERSION => Ok(Ok(())),
        newer => Ok(Err(format!(
            "the journal was written by a newer hitem3d (schema {newer}, this one reads \
             {VERSION}): update hitem3d, or point it at another journal file"
        ))),
    }
}
