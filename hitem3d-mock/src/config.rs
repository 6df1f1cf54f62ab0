//! How the simulated service behaves.

use std::time::Duration;

use hitem3d_types::limits;

use crate::{Retention, ServerLimits, StandingFault, TaskFailureRule};

/// How the mock's clock runs.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum TimeMode {
    /// Real time multiplied by `speed`: at 4200, a "7-minute" task takes 100 ms.
    Real {
        /// How many mock seconds pass per real second.
        speed: f64,
    },
    /// Time moves only when the test calls `advance`.
    Manual,
}

/// When a task reaches each state, counted from its submission, in mock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeline {
    /// From `created` to `queueing`.
    pub queueing_after: Duration,
    /// From submission to `processing`.
    pub processing_after: Duration,
    /// From submission to the final state.
    pub finished_after: Duration,
}

impl Timeline {
    /// Tasks that end `total` after submission, keeping the default's shares: a moment in
    /// `created`, the first two sevenths queued, the rest processing.
    ///
    /// ```
    /// use std::time::Duration;
    /// use hitem3d_mock::Timeline;
    ///
    /// let quick = Timeline::lasting(Duration::from_secs(70));
    /// assert_eq!(quick.finished_after, Duration::from_secs(70));
    /// assert_eq!(quick.processing_after, Duration::from_secs(20));
    /// ```
    #[must_use]
    pub fn lasting(total: Duration) -> Self {
        let default = Self::default();
        let share = |part: Duration| {
            total.mul_f64(part.as_secs_f64() / default.finished_after.as_secs_f64())
        };
        Self {
            queueing_after: share(default.queueing_after),
            processing_after: share(default.processing_after),
            finished_after: total,
        }
    }
}

impl Default for Timeline {
    /// About what the service takes for `1536fast`: seven minutes, two of them queued.
    fn default() -> Self {
        Self {
            queueing_after: Duration::from_secs(2),
            processing_after: Duration::from_secs(120),
            finished_after: Duration::from_secs(420),
        }
    }
}

/// Wire quirks the real service (or its docs) shows, switched on to test a client's leniency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Quirks {
    /// Send `"code":"200"` instead of `"code":200`.
    pub code_as_string: bool,
    /// Send `message` instead of `msg`.
    pub message_field: bool,
    /// Add fields no client knows (`traceId`, `data.extra`).
    pub extra_fields: bool,
    /// Send error messages in Chinese, as the service sometimes does.
    pub chinese_messages: bool,
    /// Report `progress` (percent) while processing.
    pub progress: bool,
}

impl Quirks {
    /// Every quirk at once.
    #[must_use]
    pub fn all() -> Self {
        Self {
            code_as_string: true,
            message_field: true,
            extra_fields: true,
            chinese_messages: true,
            progress: true,
        }
    }
}

/// Everything the mock can be configured with. [`MockConfig::default`] plays the real service
/// in real time; [`MockConfig::fast`] and [`MockConfig::manual`] suit tests.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MockConfig {
    /// The client id the mock accepts.
    pub client_id: String,
    /// The client secret the mock accepts.
    pub client_secret: String,
    /// Credits at start.
    pub initial_balance: f64,
    /// How the clock runs.
    pub time: TimeMode,
    /// Task timing.
    pub timeline: Timeline,
    /// Unfinished tasks allowed at once (the service's default is 10).
    pub max_unfinished_tasks: usize,
    /// How long a token works.
    pub token_lifetime: Duration,
    /// How long result links work.
    pub url_lifetime: Duration,
    /// Wire quirks.
    pub quirks: Quirks,
    /// Callback deliveries tried per task ("call back three times").
    pub callback_attempts: u32,
    /// Where the mock's randomness (task ids, tokens, link keys) starts: the same seed gives the
    /// same ids in the same order. The default is a fresh random seed per configuration, so
    /// that task ids (and the files named after them) differ from run to run, as the
    /// service's do; set one with [`MockConfig::with_seed`] to replay a run.
    pub seed: u64,
    /// Faults that hold for the whole run (on every n-th call to a route), besides the ones
    /// scripted call by call with `inject`.
    pub standing_faults: Vec<StandingFault>,
    /// Which tasks fail, and how; the first rule that includes a task decides. Tasks failed
    /// with `fail_next_tasks` or `fail_task` come first.
    pub failing_tasks: Vec<TaskFailureRule>,
    /// What the mock's own server lets clients take (connections, idle time, bytes).
    pub server: ServerLimits,
    /// How much of the past the mock keeps in memory.
    pub retention: Retention,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            client_id: "ak_mock0000000000000000000000000001".to_owned(),
            client_secret: "sk_mock0000000000000000000000000001".to_owned(),
            initial_balance: 1000.0,
            time: TimeMode::Real { speed: 1.0 },
            timeline: Timeline::default(),
            max_unfinished_tasks: limits::DEFAULT_CONCURRENT_TASKS,
            token_lifetime: limits::TOKEN_LIFETIME,
            url_lifetime: limits::RESULT_URL_LIFETIME,
            quirks: Quirks::default(),
            callback_attempts: 3,
            seed: std::hash::BuildHasher::hash_one(
                &std::collections::hash_map::RandomState::new(),
                0_u8,
            ),
            standing_faults: Vec::new(),
            failing_tasks: Vec::new(),
            server: ServerLimits::default(),
            retention: Retention::default(),
        }
    }
}

impl MockConfig {
    /// Real time at 4200×: a seven-minute task finishes in 100 ms.
    #[must_use]
    pub fn fast() -> Self {
        Self {
            time: TimeMode::Real { speed: 4200.0 },
            ..Self::default()
        }
    }

    /// Manual time: nothing happens until the test advances the clock.
    #[must_use]
    pub fn manual() -> Self {
        Self {
            time: TimeMode::Manual,
            ..Self::default()
        }
    }

    /// The same configuration with another time mode.
    #[must_use]
    pub fn with_time(self, time: TimeMode) -> Self {
        Self { time, ..self }
    }

    /// The same configuration with another starting balance.
    #[must_use]
    pub fn with_balance(self, credits: f64) -> Self {
        Self {
            initial_balance: credits,
            ..self
        }
    }

    /// The same configuration with other quirks.
    #[must_use]
    pub fn with_quirks(self, quirks: Quirks) -> Self {
        Self { quirks, ..self }
    }

    /// The same configuration with another timeline.
    #[must_use]
    pub fn with_timeline(self, timeline: Timeline) -> Self {
        Self { timeline, ..self }
    }

    /// The same configuration with another seed for ids, tokens and link keys.
    #[must_use]
    pub fn with_seed(self, seed: u64) -> Self {
        Self { seed, ..self }
    }

    /// The same configuration with one more fault for the whole run.
    #[must_use]
    pub fn with_standing_fault(mut self, fault: StandingFault) -> Self {
        self.standing_faults.push(fault);
        self
    }

    /// The same configuration with one more rule for failing tasks.
    #[must_use]
    pub fn with_failing_tasks(mut self, rule: TaskFailureRule) -> Self {
        self.failing_tasks.push(rule);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_default_configuration_gets_its_own_seed() {
        // Task ids name files: two runs of the same program must not collide.
        assert_ne!(MockConfig::default().seed, MockConfig::default().seed);
        assert_eq!(MockConfig::default().with_seed(7).seed, 7);
    }
}
