//! Time as an input: the core never reads a clock.

use std::ops::{Add, Sub};
use std::time::Duration;

/// A point on the caller's monotonic timeline: the time elapsed since an epoch the caller
/// chose (a driver uses the `Instant` it was created at; a test uses zero).
///
/// Every state machine in this crate takes `now: Timestamp` instead of reading a clock, so tests
/// can run an hour of polling in microseconds.
///
/// ```
/// use std::time::Duration;
/// use hitem3d_core::Timestamp;
///
/// let start = Timestamp::ZERO;
/// let later = start + Duration::from_secs(90);
/// assert_eq!(later - start, Duration::from_secs(90));
/// assert_eq!(start - later, Duration::ZERO, "saturates instead of panicking");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(Duration);

impl Timestamp {
    /// The epoch.
    pub const ZERO: Self = Self(Duration::ZERO);

    /// The point `elapsed` after the epoch.
    #[must_use]
    pub const fn from_elapsed(elapsed: Duration) -> Self {
        Self(elapsed)
    }

    /// The time since the epoch.
    #[must_use]
    pub const fn elapsed(self) -> Duration {
        self.0
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    #[must_use]
    pub fn saturating_since(self, earlier: Self) -> Duration {
        self.0.saturating_sub(earlier.0)
    }
}

impl Add<Duration> for Timestamp {
    type Output = Self;

    fn add(self, rhs: Duration) -> Self {
        Self(self.0.saturating_add(rhs))
    }
}

impl Sub for Timestamp {
    type Output = Duration;

    fn sub(self, rhs: Self) -> Duration {
        self.saturating_since(rhs)
    }
}
