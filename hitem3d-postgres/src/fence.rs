//! The claims this process holds, which its journal writes are fenced by.

use deadpool_postgres::Transaction;
use hitem3d_core::journal::{HeldClaims, JournalError, JournalKey};
use tokio_postgres::Statement;

/// Locks a claimed input's row if the claim still stands: `$1` the item, `$2` its epoch.
pub(crate) const FENCE_SQL: &str = "SELECT 1 FROM hitem3d.queue WHERE id = $1 AND epoch = $2 \
                                    AND state = 'claimed' FOR UPDATE";

/// [`FENCE_SQL`] for an intent begun in another entry's transaction (a slot handed over): a
/// claim's row that another transaction holds (a heartbeat) is skipped, found not standing,
/// rather than waited for, since that transaction may wait for a row this one locked.
pub(crate) const HANDOFF_FENCE_SQL: &str = "SELECT 1 FROM hitem3d.queue WHERE id = $1 AND epoch = $2 \
                                            AND state = 'claimed' FOR UPDATE SKIP LOCKED";

/// The claims held ([`HeldClaims`]) and their check against the fleet's queue.
#[derive(Debug, Default)]
pub(crate) struct Fence {
    pub(crate) held: HeldClaims,
}

impl Fence {
    /// Within `tx`: if this process claimed `key`, locks the input's row and checks that the
    /// claim still stands, with `statement` (prepared from [`FENCE_SQL`]). A write about an
    /// input not claimed here is not fenced.
    pub(crate) async fn check(
        &self,
        tx: &Transaction<'_>,
        statement: &Statement,
        key: Option<&JournalKey>,
    ) -> Result<Result<(), JournalError>, tokio_postgres::Error> {
        let Some((item, epoch)) = self.held.of(key) else {
            return Ok(Ok(()));
        };
        let stands = tx
            .query_opt(statement, &[&item.cast_signed(), &epoch.cast_signed()])
            .await?
            .is_some();
        Ok(if stands {
            Ok(())
        } else {
            Err(JournalError::LeaseLost { item })
        })
    }
}
