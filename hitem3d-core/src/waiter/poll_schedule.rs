//! How often to ask about a task.

use std::time::Duration;

use hitem3d_types::TaskState;

/// When to poll a task.
///
/// Tasks take minutes (about 3 for multi-view, about 7 for `1536fast`), so the default,
/// [`PollSchedule::adaptive`], polls soon once to catch an early failure, then sparsely while
/// the task waits in the queue, then more often as processing goes on, and most often once the
/// reported progress nears the end. No interval is ever longer than
/// [`PollSchedule::max_detection_delay`]: the bound on how late a finished task is noticed.
///
/// ```
/// use std::time::Duration;
/// use hitem3d_core::PollSchedule;
/// use hitem3d_core::types::TaskState;
///
/// let schedule = PollSchedule::adaptive();
/// let secs = |d: Duration| d.as_secs();
/// assert_eq!(secs(schedule.interval(0, None, Duration::ZERO, None)), 5);
/// assert_eq!(secs(schedule.interval(1, Some(&TaskState::Queueing), Duration::ZERO, None)), 20);
/// assert_eq!(secs(schedule.interval(9, Some(&TaskState::Processing), Duration::from_secs(600), None)), 5);
/// assert_eq!(schedule.max_detection_delay(), Duration::from_secs(20));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PollSchedule {
    /// The same interval every time (the first poll included).
    Fixed {
        /// The interval.
        interval: Duration,
    },
    /// Sparse while queued, tightening while processing.
    Adaptive {
        /// Wait before the first poll.
        first: Duration,
        /// Interval while created or queued, and at the start of processing.
        sparse: Duration,
        /// Interval once processing has run for `tighten_over`, or progress reaches 90 %.
        dense: Duration,
        /// How long processing runs before polls reach the dense interval.
        tighten_over: Duration,
    },
}

impl Default for PollSchedule {
    fn default() -> Self {
        Self::adaptive()
    }
}

/// Progress at which polling goes dense regardless of time.
const NEARLY_DONE_PERCENT: f64 = 90.0;

impl PollSchedule {
    /// The default: first poll after 5 s, then 20 s while queued, tightening to 5 s over the
    /// first 4 minutes of processing.
    #[must_use]
    pub const fn adaptive() -> Self {
        Self::Adaptive {
            first: Duration::from_secs(5),
            sparse: Duration::from_secs(20),
            dense: Duration::from_secs(5),
            tighten_over: Duration::from_secs(4 * 60),
        }
    }

    /// A fixed interval.
    #[must_use]
    pub const fn fixed(interval: Duration) -> Self {
        Self::Fixed { interval }
    }

    /// The longest interval the schedule uses: a finished task is noticed at most this late.
    #[must_use]
    pub fn max_detection_delay(&self) -> Duration {
        match *self {
            Self::Fixed { interval } => interval,
            Self::Adaptive {
                first,
                sparse,
                dense,
                ..
            } => first.max(sparse).max(dense),
        }
    }

    /// The wait before the next poll, after `polls` polls, with the task last seen in `state`,
    /// `processing_for` after it was first seen processing, reporting `progress` percent.
    #[must_use]
    pub fn interval(
        &self,
        polls: u32,
        state: Option<&TaskState>,
        processing_for: Duration,
        progress: Option<f64>,
    ) -> Duration {
        let Self::Adaptive {
            first,
            sparse,
            dense,
            tighten_over,
        } = *self
        else {
            return self.max_detection_delay();
        };
        if polls == 0 {
            return first;
        }
        if state != Some(&TaskState::Processing) {
            return sparse;
        }
        if progress.is_some_and(|percent| percent >= NEARLY_DONE_PERCENT) {
            return dense.min(sparse);
        }
        let share = if tighten_over.is_zero() {
            1.0
        } else {
            (processing_for.as_secs_f64() / tighten_over.as_secs_f64()).min(1.0)
        };
        let (slow, fast) = (
            sparse.as_secs_f64(),
            dense.as_secs_f64().min(sparse.as_secs_f64()),
        );
        Duration::from_secs_f64(slow - (slow - fast) * share)
    }
}
