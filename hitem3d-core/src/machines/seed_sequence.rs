//! Seeds for the state machines, handed out from one shared starting point.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::machines::seeded_random::SeededRandom;

/// A thread-safe source of seeds for [`crate::Call`], [`crate::DownloadPlan`] and the token
/// cache. The drivers start it from fresh OS randomness; tests start it from a constant and get
/// the same jitter and multipart boundaries on every run.
///
/// ```
/// use hitem3d_core::SeedSequence;
///
/// let a = SeedSequence::new(7);
/// let b = SeedSequence::new(7);
/// assert_eq!(a.next_seed(), b.next_seed());
/// assert_ne!(a.next_seed(), a.next_seed());
/// ```
#[derive(Debug)]
pub struct SeedSequence {
    start: u64,
    counter: AtomicU64,
}

impl SeedSequence {
    /// A sequence starting from `start`.
    #[must_use]
    pub fn new(start: u64) -> Self {
        Self {
            start,
            counter: AtomicU64::new(0),
        }
    }

    /// The next seed; distinct calls get well-mixed, different seeds.
    #[must_use]
    pub fn next_seed(&self) -> u64 {
        let index = self.counter.fetch_add(1, Ordering::Relaxed);
        // SplitMix64 over `start + index·γ` is a bijection of the index: no two calls repeat.
        SeededRandom::new(
            self.start
                .wrapping_add(index.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        )
        .next_u64()
    }
}
