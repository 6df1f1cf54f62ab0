//! The queued inputs one process holds claims on: what every queue store fences that
//! process's journal writes by.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{Claim, JournalKey};

/// Each claimed input's key, with the queue's number for it and the claim's epoch. A store
/// checks a journal write about a key found here against the queue (the claim must still
/// stand at that epoch); a write about a key not claimed here is not fenced.
///
/// ```
/// use hitem3d_core::journal::{Claim, ClaimStart, HeldClaims, JournalKey, QueuedInput};
///
/// let queued = QueuedInput {
///     key: JournalKey::new("k"),
///     input: "a.png".to_owned(),
///     options: "{}".to_owned(),
///     credits: None,
/// };
/// let claim = Claim { item: 7, queued, epoch: 2, start: ClaimStart::Submit };
/// let held = HeldClaims::default();
/// held.hold(&claim);
/// assert_eq!(held.of(Some(&JournalKey::new("k"))), Some((7, 2)));
/// held.release(&claim);
/// assert_eq!(held.of(Some(&JournalKey::new("k"))), None);
/// ```
#[derive(Debug, Default)]
pub struct HeldClaims {
    held: Mutex<HashMap<JournalKey, (u64, u64)>>,
}

impl HeldClaims {
    /// This process claimed the input.
    pub fn hold(&self, claim: &Claim) {
        self.lock()
            .insert(claim.queued.key.clone(), (claim.item, claim.epoch));
    }

    /// The claim ended (finished, or lost to another worker). A newer claim of the same
    /// input by this process stays.
    pub fn release(&self, claim: &Claim) {
        let mut held = self.lock();
        if held.get(&claim.queued.key) == Some(&(claim.item, claim.epoch)) {
            held.remove(&claim.queued.key);
        }
    }

    /// The queue's number and the epoch of this process's claim on `key`, if it holds one.
    #[must_use]
    pub fn of(&self, key: Option<&JournalKey>) -> Option<(u64, u64)> {
        key.and_then(|key| self.lock().get(key).copied())
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<JournalKey, (u64, u64)>> {
        // Each change is one step: the map stays consistent even if a holder panicked.
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
