//! When a task is expected to finish, counted from the start of waiting.

use std::time::Duration;

use hitem3d_types::ExpectedDuration;

/// The window in which a task is expected to finish, counted from the start of waiting, and
/// what the expectation rests on. The learning [`crate::PollSchedule`] polls sparsely before
/// the window, densely inside it, and less and less often after it.
///
/// ```
/// use std::time::Duration;
/// use hitem3d_core::{DurationForecast, ForecastBasis};
/// use hitem3d_core::types::{ExpectedDuration, Model};
///
/// let prior = DurationForecast::expected(ExpectedDuration::of(&Model::Hitem3dV2_1, None, false));
/// assert_eq!(prior.earliest, Duration::from_secs(210));
/// assert_eq!(prior.latest, Duration::from_secs(840));
/// assert!(matches!(prior.basis, ForecastBasis::Expected { .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DurationForecast {
    /// The earliest a task is expected to finish.
    pub earliest: Duration,
    /// The latest a task is expected to finish.
    pub latest: Duration,
    /// What the window rests on.
    pub basis: ForecastBasis,
}

/// What a [`DurationForecast`] rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForecastBasis {
    /// A published figure for tasks of the kind (the spec's `[[expected_durations]]`).
    Expected {
        /// Where the figure comes from.
        source: &'static str,
    },
    /// A typical duration the application set for the kind
    /// ([`crate::ClientConfig::with_expected_duration`]).
    Configured,
    /// Durations this client saw tasks of the kind take.
    Learnt {
        /// How many tasks.
        tasks: usize,
    },
}

impl DurationForecast {
    /// A window around a published typical duration, wide because such figures are rough:
    /// from half of it to twice it.
    #[must_use]
    pub fn expected(expected: &'static ExpectedDuration) -> Self {
        Self::around(
            expected.typical,
            ForecastBasis::Expected {
                source: expected.source,
            },
        )
    }

    /// The same window around a typical duration the application set.
    #[must_use]
    pub fn configured(typical: Duration) -> Self {
        Self::around(typical, ForecastBasis::Configured)
    }

    fn around(typical: Duration, basis: ForecastBasis) -> Self {
        Self {
            earliest: typical / 2,
            latest: typical.saturating_mul(2),
            basis,
        }
    }

    /// A window from `earliest` to `latest` (swapped if given the wrong way round) learnt from
    /// `tasks` tasks.
    #[must_use]
    pub fn learnt(earliest: Duration, latest: Duration, tasks: usize) -> Self {
        Self {
            earliest: earliest.min(latest),
            latest: latest.max(earliest),
            basis: ForecastBasis::Learnt { tasks },
        }
    }

    /// The window's length.
    #[must_use]
    pub fn width(&self) -> Duration {
        self.latest - self.earliest
    }
}
