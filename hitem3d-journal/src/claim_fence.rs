//! The claims this process holds, which its journal writes are fenced by.

use hitem3d_core::journal::{HeldClaims, JournalError, JournalKey};
use rusqlite::{OptionalExtension, Transaction};

/// The claims held ([`HeldClaims`]) and their check against the file's queue.
#[derive(Debug, Default)]
pub(crate) struct ClaimFence {
    pub(crate) held: HeldClaims,
}

impl ClaimFence {
    /// Within `tx` (which holds the file's write lock): if this process claimed `key`, checks
    /// that the claim still stands. A write about an input not claimed here is not fenced.
    pub(crate) fn check(
        &self,
        tx: &Transaction<'_>,
        key: Option<&JournalKey>,
    ) -> rusqlite::Result<Result<(), JournalError>> {
        let Some((item, epoch)) = self.held.of(key) else {
            return Ok(Ok(()));
        };
        let stands = tx
            .query_row(
                "SELECT 1 FROM queue WHERE id = ?1 AND epoch = ?2 AND state = 'claimed'",
                [item.cast_signed(), epoch.cast_signed()],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        Ok(if stands {
            Ok(())
        } else {
            Err(JournalError::LeaseLost { item })
        })
    }
}
