//! The claims this process holds, which its journal writes are fenced by.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::cached_statements::CachedStatements;
use deadpool_postgres::Transaction;
use hitem3d_core::journal::{Claim, JournalError, JournalKey};

/// Each claimed input's key, with the queue's number for it and the claim's epoch.
#[derive(Debug, Default)]
pub(crate) struct Fence {
    held: Mutex<HashMap<JournalKey, (u64, u64)>>,
}

impl Fence {
    pub(crate) fn hold(&self, claim: &Claim) {
        self.lock()
            .insert(claim.queued.key.clone(), (claim.item, claim.epoch));
    }

    pub(crate) fn release(&self, claim: &Claim) {
        let mut held = self.lock();
        // A newer claim of the same input by this process stays.
        if held.get(&claim.queued.key) == Some(&(claim.item, claim.epoch)) {
            held.remove(&claim.queued.key);
        }
    }

    /// Within `tx`: if this process claimed `key`, locks the input's row and checks that the
    /// claim still stands. A write about an input not claimed here is not fenced.
    pub(crate) async fn check(
        &self,
        tx: &Transaction<'_>,
        key: Option<&JournalKey>,
    ) -> Result<Result<(), JournalError>, tokio_postgres::Error> {
        let held = key.and_then(|key| self.lock().get(key).copied());
        let Some((item, epoch)) = held else {
            return Ok(Ok(()));
        };
        let stands = tx
            .query_opt_cached(
                "SELECT 1 FROM hitem3d.queue WHERE id = $1 AND epoch = $2 AND state = 'claimed' \
                 FOR UPDATE",
                &[&item.cast_signed(), &epoch.cast_signed()],
            )
            .await?
            .is_some();
        Ok(if stands {
            Ok(())
        } else {
            Err(JournalError::LeaseLost { item })
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<JournalKey, (u64, u64)>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
