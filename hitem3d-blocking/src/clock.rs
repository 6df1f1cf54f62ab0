//! The core's time: a monotonic clock read here, and handed to it as `Timestamp`s.

use std::time::Instant;

use hitem3d_core::Timestamp;

/// Time since the client was built.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    epoch: Instant,
}

impl Clock {
    pub(crate) fn start() -> Self {
        Self {
            epoch: Instant::now(),
        }
    }

    pub(crate) fn now(self) -> Timestamp {
        Timestamp::from_elapsed(self.epoch.elapsed())
    }

    pub(crate) fn sleep_until(self, until: Timestamp) {
        let remaining = until.elapsed().saturating_sub(self.epoch.elapsed());
        if !remaining.is_zero() {
            std::thread::sleep(remaining);
        }
    }
}
