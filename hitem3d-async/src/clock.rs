//! The core's time: a monotonic clock read here, and handed to it as `Timestamp`s.

use hitem3d_core::Timestamp;
use tokio::time::Instant;

/// Time since the client was built, on tokio's clock (so paused-time tests drive it too).
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

    pub(crate) async fn sleep_until(self, until: Timestamp) {
        tokio::time::sleep_until(self.epoch + until.elapsed()).await;
    }
}
