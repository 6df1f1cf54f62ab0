//! The limit on unfinished tasks that the processes sharing one journal file keep together
//! (`hitem3d worker`s on one machine), decided in the transaction that writes a submit's
//! intent: SQLite's write lock lets one such transaction run at a time, so two intents cannot
//! both take the last slot.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use hitem3d_core::journal::{FleetLimit, JournalError};
use hitem3d_core::types::limits::SERVER_TASK_TIMEOUT;
use rusqlite::Transaction;

/// The entry states that hold one of the account's slots, as
/// `EntryState::holds_account_slot` has them.
const HELD_STATES: &str = "('submitting', 'created', 'queueing', 'processing')";

/// Within the intent's transaction, before its entry is written: whether a slot is free for
/// it. A learnt limit is raised by the core's probe rule first.
pub(crate) fn admit(
    tx: &Transaction<'_>,
    now_ms: u64,
) -> rusqlite::Result<Result<(), JournalError>> {
    let (current, configured, changed_at): (i64, i64, i64) = tx.query_row(
        "SELECT task_limit, configured_limit, limit_changed_at FROM budget WHERE id = 1",
        [],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    let (current, configured) = (count(current), count(configured));
    let since_change =
        Duration::from_millis(now_ms.saturating_sub(changed_at.max(0).cast_unsigned()));
    let limit = FleetLimit::probed(current, configured, since_change);
    if limit != current {
        tracing::info!(
            limit,
            "the processes sharing the journal try one more unfinished task"
        );
        set_limit(tx, limit, now_ms)?;
    }
    let held = held(tx, HELD_STATES, now_ms)?;
    Ok(if held >= limit {
        Err(JournalError::AtSharedLimit { held, limit })
    } else {
        Ok(())
    })
}

/// After a refusal for the account's limit: the shared limit becomes the tasks at the service
/// (the core's rule).
pub(crate) fn lower_after_refusal(tx: &Transaction<'_>, now_ms: u64) -> rusqlite::Result<()> {
    let current = count(
        tx.query_row("SELECT task_limit FROM budget WHERE id = 1", [], |row| {
            row.get(0)
        })?,
    );
    let at_service = held(tx, "('created', 'queueing', 'processing')", now_ms)?;
    let lowered = FleetLimit::after_refusal(current, at_service);
    if lowered < current {
        tracing::warn!(
            limit = lowered,
            "the account refused a task for its limit: the processes sharing the journal keep \
             at most {lowered} unfinished"
        );
        set_limit(tx, lowered, now_ms)?;
    }
    Ok(())
}

/// Sets the limit as configured (and learnt, starting again from it).
pub(crate) fn configure(tx: &Transaction<'_>, limit: u32, now_ms: u64) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE budget SET task_limit = ?1, configured_limit = ?1, limit_changed_at = ?2 \
         WHERE id = 1",
        [i64::from(limit.max(1)), now_ms.cast_signed()],
    )
    .map(drop)
}

/// The limit now (learnt from refusals) and as configured.
pub(crate) fn read(connection: &rusqlite::Connection) -> rusqlite::Result<(u32, u32)> {
    connection.query_row(
        "SELECT task_limit, configured_limit FROM budget WHERE id = 1",
        [],
        |row| Ok((count(row.get(0)?), count(row.get(1)?))),
    )
}

fn set_limit(tx: &Transaction<'_>, limit: u32, now_ms: u64) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE budget SET task_limit = ?1, limit_changed_at = ?2 WHERE id = 1",
        [i64::from(limit), now_ms.cast_signed()],
    )
    .map(drop)
}

/// Entries in `states` heard of within a task's lifetime (the service ends a task after it,
/// whatever its last recorded state).
fn held(tx: &Transaction<'_>, states: &str, now_ms: u64) -> rusqlite::Result<u32> {
    let since = (now_ms / 1000).saturating_sub(SERVER_TASK_TIMEOUT.as_secs());
    let held: i64 = tx.query_row(
        &format!("SELECT count(*) FROM entries WHERE state IN {states} AND updated_at > ?1"),
        [since.cast_signed()],
        |row| row.get(0),
    )?;
    Ok(u32::try_from(held).unwrap_or(u32::MAX))
}

fn count(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

/// Wakes this process's submits waiting for a slot when one of its own transactions frees
/// one; a slot another process frees is seen at the next recheck (the wait's bound).
#[derive(Debug, Default)]
pub(crate) struct SlotBell {
    rings: Mutex<u64>,
    rung: Condvar,
}

impl SlotBell {
    pub(crate) fn ring(&self) {
        *self.rings.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.rung.notify_all();
    }

    /// Returns at the next ring, at the latest after `at_most`.
    pub(crate) fn wait(&self, at_most: Duration) {
        let rings = self.rings.lock().unwrap_or_else(PoisonError::into_inner);
        let seen = *rings;
        let _woken = self
            .rung
            .wait_timeout_while(rings, at_most, |rings| *rings == seen)
            .unwrap_or_else(PoisonError::into_inner);
    }
}
