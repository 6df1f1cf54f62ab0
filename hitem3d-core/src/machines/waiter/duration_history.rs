//! The durations a client saw tasks take, per kind, and the forecasts learnt from them.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::{DurationForecast, TaskKind};

/// How long one task took, as far as polling could tell: it was still pending at `at_least`
/// and seen finished at `at_most`, both counted from the start of waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObservedDuration {
    /// The last poll that saw the task pending (zero if none did).
    pub at_least: Duration,
    /// The poll that saw it finished.
    pub at_most: Duration,
}

impl ObservedDuration {
    /// A task pending at `at_least` and finished at `at_most` (swapped if the wrong way round).
    #[must_use]
    pub fn new(at_least: Duration, at_most: Duration) -> Self {
        Self {
            at_least: at_least.min(at_most),
            at_most: at_most.max(at_least),
        }
    }
}

/// Tasks of a kind seen before a forecast is learnt from them rather than taken from the spec:
/// two already give a spread, and the first waits' probes bracket each within a factor of two.
pub const TASKS_TO_LEARN_FROM: usize = 2;

/// The most recent tasks of each kind that forecasts are learnt from: recent enough to follow a
/// service that gets faster or slower, enough to see its spread.
pub const TASKS_KEPT_PER_KIND: usize = 20;

/// The durations a client saw tasks of each kind take, and the forecast each kind gets: learnt
/// once [`TASKS_TO_LEARN_FROM`] tasks of the kind were seen, the spec's expected duration
/// before that.
///
/// ```
/// use std::time::Duration;
/// use hitem3d_core::{DurationHistory, ForecastBasis, ObservedDuration, TaskKind};
/// use hitem3d_core::types::{Model, RequestType};
///
/// let kind = TaskKind::new(Model::Hitem3dV2_1, None, RequestType::GeometryAndTexture, false);
/// let mut history = DurationHistory::default();
/// assert!(matches!(history.forecast(&kind).basis, ForecastBasis::Expected { .. }));
/// for secs in [400, 410, 420] {
///     let seen = Duration::from_secs(secs);
///     history.record(&kind, ObservedDuration::new(seen - Duration::from_secs(4), seen));
/// }
/// let learnt = history.forecast(&kind);
/// assert_eq!(learnt.basis, ForecastBasis::Learnt { tasks: 3 });
/// assert!(learnt.earliest <= Duration::from_secs(398) && learnt.latest >= Duration::from_secs(418));
/// ```
#[derive(Debug, Default, Clone)]
pub struct DurationHistory {
    kinds: HashMap<TaskKind, VecDeque<ObservedDuration>>,
}

impl DurationHistory {
    /// Remembers how long a task of `kind` took, forgetting the oldest beyond
    /// [`TASKS_KEPT_PER_KIND`].
    pub fn record(&mut self, kind: &TaskKind, observed: ObservedDuration) {
        let seen = self.kinds.entry(kind.clone()).or_default();
        if seen.len() == TASKS_KEPT_PER_KIND {
            seen.pop_front();
        }
        seen.push_back(observed);
    }

    /// How many tasks of `kind` are remembered.
    #[must_use]
    pub fn tasks(&self, kind: &TaskKind) -> usize {
        self.kinds.get(kind).map_or(0, VecDeque::len)
    }

    /// When a task of `kind` is expected to finish.
    ///
    /// Learnt, the window is the range of a uniform spread fitted to the remembered brackets:
    /// each task finished somewhere inside its bracket, and where inside is taken from the
    /// current fit (expectation-maximisation, starting from the widest window the brackets
    /// allow). So a coarse bracket, from a first task polled on the spec's rough figure, counts
    /// for what it says and no more, and every task counts, where the shortest and longest
    /// durations would rest on one task each.
    #[must_use]
    pub fn forecast(&self, kind: &TaskKind) -> DurationForecast {
        let seen = match self.kinds.get(kind) {
            Some(seen) if seen.len() >= TASKS_TO_LEARN_FROM => seen,
            _ => return DurationForecast::expected(kind.expected()),
        };
        let secs = |d: Duration| d.as_secs_f64();
        let brackets: Vec<(f64, f64)> = seen
            .iter()
            .map(|o| (secs(o.at_least), secs(o.at_most)))
            .collect();
        let mut window = (
            brackets.iter().map(|b| b.0).fold(f64::INFINITY, f64::min),
            brackets.iter().map(|b| b.1).fold(0.0, f64::max),
        );
        for _ in 0..FIT_ROUNDS {
            window = fit_uniform(&brackets, window);
        }
        let earliest = Duration::from_secs_f64(window.0.max(0.0));
        let latest = Duration::from_secs_f64(window.1.max(0.0));
        DurationForecast::learnt(earliest, latest, seen.len())
    }
}

/// Rounds of the fit: it settles within a few; more cost microseconds.
const FIT_ROUNDS: usize = 32;

/// One round of fitting a uniform spread to brackets: each task's duration is taken as the
/// part of its bracket inside the current window (its middle, with the variance of a uniform
/// over it), and the next window is the mean ± √3 standard deviations of those.
fn fit_uniform(brackets: &[(f64, f64)], (earliest, latest): (f64, f64)) -> (f64, f64) {
    let count = brackets.len() as f64;
    let parts: Vec<(f64, f64)> = brackets
        .iter()
        .map(|&(low, high)| {
            let from = low.max(earliest).min(high);
            let to = high.min(latest).max(from);
            ((from + to) / 2.0, (to - from).powi(2) / 12.0)
        })
        .collect();
    let mean = parts.iter().map(|p| p.0).sum::<f64>() / count;
    let between = parts.iter().map(|p| (p.0 - mean).powi(2)).sum::<f64>() / (count - 1.0);
    let within = parts.iter().map(|p| p.1).sum::<f64>() / count;
    let half_width = (3.0 * (between + within)).sqrt();
    (mean - half_width, mean + half_width)
}
