//! How often to ask about a task.

use std::time::Duration;

use hitem3d_types::TaskState;

use crate::{DurationForecast, ForecastBasis};

/// When to poll a task.
///
/// The default, [`PollSchedule::learning`], polls around the time tasks of the same kind took
/// before ([`DurationForecast`]: learnt from this client's own tasks, or from the spec's
/// published figures until it has seen some): a check-in about every minute before that
/// window, a few polls spread over the window, then less and less often while the task runs
/// late. On the spec's rough figure alone it first probes at doubling times (2 s, 4 s, 8 s …),
/// so that the first tasks of a kind, however far from the figure, teach a tight duration. It makes about half the queries of a fixed 10-second poll and notices a finished task
/// sooner on average (`cargo bench -p hitem3d-core --bench polling`). To poll never at all,
/// give the task a `callback_url`.
///
/// ```
/// use std::time::Duration;
/// use hitem3d_core::{DurationForecast, PollContext, PollSchedule};
///
/// let schedule = PollSchedule::learning();
/// let secs = Duration::from_secs;
/// // Tasks of this kind took 300 to 324 seconds.
/// let forecast = DurationForecast::learnt(secs(300), secs(324), 10);
/// let mut context = PollContext::new(&forecast);
/// // Before the window: check-ins spread evenly, none more than a minute apart.
/// assert_eq!(schedule.interval(&context), secs(308) / 6);
/// // In the window: three polls spread over it.
/// context.elapsed = secs(308);
/// context.polls = 6;
/// assert_eq!(schedule.interval(&context), secs(8));
/// // Late: further and further apart.
/// context.elapsed = secs(404);
/// assert_eq!(schedule.interval(&context), secs(28));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PollSchedule {
    /// The same interval every time (the first poll included).
    Fixed {
        /// The interval.
        interval: Duration,
    },
    /// Sparse while queued, tightening while processing; ignores the forecast.
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
    /// Polls around the forecast window: see [`PollSchedule::learning`].
    Learning {
        /// The longest gap between polls before the window and after it.
        check_in: Duration,
        /// Polls spread over the window.
        window_polls: u32,
        /// The shortest gap between polls.
        shortest: Duration,
        /// The longest gap between polls inside the window (wide windows, the spec's rough
        /// figures, get more polls rather than longer gaps), and between polls while the task
        /// is still queued once the window began.
        longest_in_window: Duration,
    },
}

/// What a [`PollSchedule`] knows when it picks the wait before the next poll.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct PollContext<'a> {
    /// Polls made so far.
    pub polls: u32,
    /// Time since waiting began.
    pub elapsed: Duration,
    /// The state the last poll saw.
    pub state: Option<&'a TaskState>,
    /// Time since the task was first seen processing.
    pub processing_for: Duration,
    /// The progress the last poll saw, in percent, if the service said.
    pub progress: Option<f64>,
    /// When the task is expected to finish.
    pub forecast: &'a DurationForecast,
}

impl<'a> PollContext<'a> {
    /// The context at the start of waiting: no poll made, nothing seen yet.
    #[must_use]
    pub fn new(forecast: &'a DurationForecast) -> Self {
        Self {
            polls: 0,
            elapsed: Duration::ZERO,
            state: None,
            processing_for: Duration::ZERO,
            progress: None,
            forecast,
        }
    }
}

impl Default for PollSchedule {
    fn default() -> Self {
        Self::learning()
    }
}

/// Progress at which polling goes dense regardless of time.
const NEARLY_DONE_PERCENT: f64 = 90.0;

/// The gap between polls once progress says the task is nearly done (or the window's own
/// spacing, if that is shorter).
const NEARLY_DONE_GAP: Duration = Duration::from_secs(5);

impl PollSchedule {
    /// The default: check-ins at most a minute apart before the forecast window (probes at
    /// doubling times from 2 s while the forecast is only the spec's figure), three polls over
    /// it (at least 2 s and at most 20 s apart), then gaps that grow by a quarter of the time
    /// the task is late, up to a minute.
    #[must_use]
    pub const fn learning() -> Self {
        Self::Learning {
            check_in: Duration::from_secs(60),
            window_polls: 3,
            shortest: Duration::from_secs(2),
            longest_in_window: Duration::from_secs(20),
        }
    }

    /// First poll after 5 s, then 20 s while queued, tightening to 5 s over the first 4
    /// minutes of processing: the schedule before the learning one.
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
            Self::Learning {
                check_in,
                shortest,
                longest_in_window,
                ..
            } => check_in.max(shortest).max(longest_in_window),
        }
    }

    /// The wait before the next poll.
    #[must_use]
    pub fn interval(&self, context: &PollContext<'_>) -> Duration {
        match *self {
            Self::Fixed { interval } => interval,
            Self::Adaptive {
                first,
                sparse,
                dense,
                tighten_over,
            } => adaptive_interval(context, first, sparse, dense, tighten_over),
            Self::Learning {
                check_in,
                window_polls,
                shortest,
                longest_in_window,
            } => {
                let learning = Learning {
                    check_in: check_in.max(shortest),
                    window_polls: window_polls.max(1),
                    shortest,
                    longest_in_window: longest_in_window.max(shortest),
                };
                learning.interval(context).max(shortest)
            }
        }
    }
}

fn adaptive_interval(
    context: &PollContext<'_>,
    first: Duration,
    sparse: Duration,
    dense: Duration,
    tighten_over: Duration,
) -> Duration {
    if context.polls == 0 {
        return first;
    }
    if context.state != Some(&TaskState::Processing) {
        return sparse;
    }
    if nearly_done(context) {
        return dense.min(sparse);
    }
    let share = if tighten_over.is_zero() {
        1.0
    } else {
        (context.processing_for.as_secs_f64() / tighten_over.as_secs_f64()).min(1.0)
    };
    let (slow, fast) = (
        sparse.as_secs_f64(),
        dense.as_secs_f64().min(sparse.as_secs_f64()),
    );
    Duration::from_secs_f64(slow - (slow - fast) * share)
}

fn nearly_done(context: &PollContext<'_>) -> bool {
    context
        .progress
        .is_some_and(|percent| percent >= NEARLY_DONE_PERCENT)
}

/// [`PollSchedule::Learning`]'s settings, made consistent.
struct Learning {
    check_in: Duration,
    window_polls: u32,
    shortest: Duration,
    longest_in_window: Duration,
}

impl Learning {
    fn interval(&self, context: &PollContext<'_>) -> Duration {
        let forecast = context.forecast;
        let now = context.elapsed;
        let spacing =
            (forecast.width() / self.window_polls).clamp(self.shortest, self.longest_in_window);
        if nearly_done(context) {
            return spacing.min(NEARLY_DONE_GAP);
        }
        let first_in_window = forecast.earliest + spacing;
        if now < forecast.earliest {
            // Check-ins spread evenly up to the window's first poll, none more than check_in
            // apart: an early failure is still noticed within a minute.
            let ahead = first_in_window - now;
            let gaps = ahead.as_nanos().div_ceil(self.check_in.as_nanos().max(1));
            let check_in = ahead / u32::try_from(gaps.max(1)).unwrap_or(u32::MAX);
            if matches!(forecast.basis, ForecastBasis::Expected { .. }) {
                // The spec's figure is rough and the service may be far faster: probing at
                // doubling times brackets any duration within a factor of two, for a few
                // more queries on the first tasks of a kind only.
                return now.max(self.shortest).min(check_in);
            }
            return check_in;
        }
        let queued = matches!(
            context.state,
            Some(TaskState::Created | TaskState::Queueing)
        );
        if queued {
            // Still waiting for its turn: its processing, which the window measures, is ahead.
            return self.longest_in_window;
        }
        if now < forecast.latest {
            // On the window's grid, so that polls land where the forecast spread them.
            let into = now - forecast.earliest;
            let steps = into.as_nanos() / spacing.as_nanos().max(1) + 1;
            let steps = u32::try_from(steps).unwrap_or(u32::MAX);
            return (forecast.earliest + spacing.saturating_mul(steps)) - now;
        }
        let late = now - forecast.latest;
        (spacing + late / 4).min(self.check_in)
    }
}
