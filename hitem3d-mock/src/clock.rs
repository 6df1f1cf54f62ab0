//! The mock's own time: real (possibly sped up) or moved by hand.

use std::time::{Duration, Instant};

use crate::TimeMode;

/// Mock time, as the duration since the mock started.
#[derive(Debug)]
pub(crate) struct MockClock {
    mode: TimeMode,
    started: Instant,
    offset: Duration,
}

impl MockClock {
    pub(crate) fn new(mode: TimeMode) -> Self {
        Self {
            mode,
            started: Instant::now(),
            offset: Duration::ZERO,
        }
    }

    pub(crate) fn now(&self) -> Duration {
        match self.mode {
            TimeMode::Real { speed } => {
                self.started.elapsed().mul_f64(speed.max(0.0)) + self.offset
            }
            TimeMode::Manual => self.offset,
        }
    }

    /// Moves time forward; in real mode it jumps ahead of the running clock.
    pub(crate) fn advance(&mut self, by: Duration) {
        self.offset += by;
    }
}
