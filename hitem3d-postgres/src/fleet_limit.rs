//! The fleet's limit on unfinished tasks and its credit limit, decided in the transaction that
//! writes a submit's intent: the fleet row is locked first, so two intents cannot both take
//! the last slot or the last credits.

use std::time::Duration;

use crate::cached_statements::CachedStatements;
use deadpool_postgres::Transaction;
use hitem3d_core::journal::{CreditLimit, FleetLimit, JournalError};
use hitem3d_core::types::limits::SERVER_TASK_TIMEOUT;
use tokio_postgres::Row;

/// The service ends a task after this long: an entry not heard of for longer no longer holds
/// one of the account's slots, whatever its last recorded state.
pub(crate) const TASK_LIFETIME_SECS: i64 = SERVER_TASK_TIMEOUT.as_secs().cast_signed();

/// Locks the fleet's row and charges it `$1`, an intent's price (0 when unknown), answering
/// its limits and the credits charged before. Sent in the intent's transaction right after its
/// entry's insert: a refusal rolls the charge back with the transaction.
pub(crate) const LOCK_AND_CHARGE_SQL: &str = "UPDATE hitem3d.fleet SET credits_charged = credits_charged + $1 WHERE id = 1 \
     RETURNING task_limit, configured_limit, \
               EXTRACT(EPOCH FROM now() - limit_changed_at)::FLOAT8, \
               max_credits, credits_charged - $1";

/// The entries holding one of the account's slots (the states `EntryState::holds_account_slot`
/// has), the intent's own new one included; `$1` is [`TASK_LIFETIME_SECS`]. Sent after
/// [`LOCK_AND_CHARGE_SQL`] as a statement of its own, so that it sees every intent committed
/// before the lock was had.
pub(crate) const HELD_SQL: &str = "SELECT count(*) FROM hitem3d.entries \
     WHERE state IN ('submitting', 'created', 'queueing', 'processing') \
       AND updated_at > EXTRACT(EPOCH FROM now())::BIGINT - $1";

/// The channel a transaction that frees a slot notifies, for submits waiting for one.
pub(crate) const SLOT_FREED: &str = "hitem3d_slot_freed";

/// Within the intent's transaction, from the fleet's row as [`LOCK_AND_CHARGE_SQL`] answered
/// and the slots `held` by other entries: whether the fleet has a slot for the new entry and
/// its `price` fits the credit limit. A learnt limit is raised by the core's probe rule first.
/// On a refusal the caller rolls back, the charge with it.
pub(crate) async fn admit(
    tx: &Transaction<'_>,
    fleet: &Row,
    held: i64,
    price: Option<u32>,
) -> Result<Result<(), JournalError>, tokio_postgres::Error> {
    let (current, configured) = (count(fleet.get(0)), count(fleet.get(1)));
    let since_change = Duration::try_from_secs_f64(fleet.get::<_, f64>(2)).unwrap_or_default();
    let limit = FleetLimit::probed(current, configured, since_change);
    if limit != current {
        tracing::info!(limit, "the fleet tries one more unfinished task");
        tx.execute_cached(
            "UPDATE hitem3d.fleet SET task_limit = $1, limit_changed_at = now() WHERE id = 1",
            &[&i32::try_from(limit).unwrap_or(i32::MAX)],
        )
        .await?;
    }
    let held = u32::try_from(held.max(0)).unwrap_or(u32::MAX);
    if held >= limit {
        return Ok(Err(JournalError::AtSharedLimit { held, limit }));
    }
    let credits = CreditLimit::from_stored(fleet.get(3), fleet.get(4));
    Ok(credits.admit(price))
}

/// Within a transaction that took an entry out of the held states (or removed it): submits
/// waiting for a slot are told when it commits.
pub(crate) async fn slot_freed(tx: &Transaction<'_>) -> Result<(), tokio_postgres::Error> {
    tx.execute_cached("SELECT pg_notify($1, '')", &[&SLOT_FREED])
        .await
        .map(drop)
}

/// After a refusal for the account's limit: the fleet's limit becomes the tasks it has at the
/// service (the core's rule), under the fleet row's lock.
pub(crate) async fn lower_after_refusal(tx: &Transaction<'_>) -> Result<(), tokio_postgres::Error> {
    let current: i32 = tx
        .query_one_cached(
            "SELECT task_limit FROM hitem3d.fleet WHERE id = 1 FOR UPDATE",
            &[],
        )
        .await?
        .get(0);
    let at_service: i64 = tx
        .query_one_cached(
            "SELECT count(*) FROM hitem3d.entries \
             WHERE state IN ('created', 'queueing', 'processing') \
               AND updated_at > EXTRACT(EPOCH FROM now())::BIGINT - $1",
            &[&TASK_LIFETIME_SECS],
        )
        .await?
        .get(0);
    let current = count(current);
    let lowered = FleetLimit::after_refusal(current, u32::try_from(at_service).unwrap_or(u32::MAX));
    if lowered < current {
        tracing::warn!(
            limit = lowered,
            "the account refused a task for its limit: the fleet keeps at most {lowered} unfinished"
        );
        tx.execute_cached(
            "UPDATE hitem3d.fleet SET task_limit = $1, limit_changed_at = now() WHERE id = 1",
            &[&i32::try_from(lowered).unwrap_or(i32::MAX)],
        )
        .await?;
    }
    Ok(())
}

pub(crate) fn count(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}
