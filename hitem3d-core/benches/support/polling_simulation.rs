//! Waiting for tasks in virtual time: how many queries a schedule makes and how late it notices
//! a finished task. Shared by the `polling` bench, which prints the table, and the
//! `learning_waiter` test, which holds the targets.

#![allow(dead_code, reason = "the bench and the test each take part of it")]

use hitem3d_core::machines::{TaskWaiter, WaitStep};
use std::time::Duration;

use hitem3d_core::types::{Model, RequestType, Resolution, TaskData, TaskId, TaskState};
use hitem3d_core::{
    DurationForecast, DurationHistory, PollSchedule, TaskKind, Timestamp, WaitPolicy,
};

/// The durations the issue's table spreads each task length over: D, D + 0.1 s, … D + 19.9 s.
pub fn durations_from(shortest: Duration) -> Vec<Duration> {
    (0..200)
        .map(|tenth| shortest + Duration::from_millis(100 * tenth))
        .collect()
}

/// The kind every simulated task is of: the one the spec has a published figure for.
pub fn kind() -> TaskKind {
    TaskKind::new(
        Model::Hitem3dV2_1,
        Some(Resolution::R1536Fast),
        RequestType::GeometryAndTexture,
        false,
    )
}

/// One task waited for.
#[derive(Debug, Clone, Copy)]
pub struct Waited {
    pub queries: u32,
    pub delay: Duration,
}

/// Waits for a task that is processing until `duration`, then a success.
pub fn wait_once(
    schedule: PollSchedule,
    forecast: DurationForecast,
    duration: Duration,
) -> (Waited, TaskWaiter) {
    let id = TaskId::new("simulated");
    let policy = WaitPolicy::default().with_schedule(schedule);
    let mut waiter = TaskWaiter::new(id.clone(), policy, Timestamp::ZERO).with_forecast(forecast);
    let mut now = Timestamp::ZERO;
    loop {
        match waiter.next(now) {
            WaitStep::Poll(_) => {
                let answer = if now.elapsed() >= duration {
                    serde_json::from_str::<TaskData>(
                        r#"{"task_id":"simulated","state":"success","url":"https://cdn.example/m.glb"}"#,
                    )
                    .expect("a success answer")
                } else {
                    TaskData::new(id.clone(), TaskState::Processing)
                };
                waiter.on_poll(Ok(answer), now);
            }
            WaitStep::Sleep { until } => now = until,
            WaitStep::Event(_) => {}
            WaitStep::Done(outcome) => {
                let outcome = outcome.expect("the simulated task succeeds");
                let waited = Waited {
                    queries: outcome.polls,
                    delay: outcome.elapsed - duration,
                };
                return (waited, waiter);
            }
        }
    }
}

/// Mean queries and mean detection delay over `durations`.
#[derive(Debug, Clone, Copy)]
pub struct Means {
    pub queries: f64,
    pub delay_secs: f64,
}

pub fn means(schedule: PollSchedule, forecast: DurationForecast, durations: &[Duration]) -> Means {
    let runs: Vec<Waited> = durations
        .iter()
        .map(|duration| wait_once(schedule, forecast, *duration).0)
        .collect();
    let count = runs.len() as f64;
    Means {
        queries: runs.iter().map(|w| f64::from(w.queries)).sum::<f64>() / count,
        delay_secs: runs.iter().map(|w| w.delay.as_secs_f64()).sum::<f64>() / count,
    }
}

/// A small deterministic generator for the warm-up tasks' durations.
#[derive(Debug)]
pub struct Draws(u64);

impl Draws {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A client's history after it waited, with the default schedule, for `tasks` tasks whose
/// durations are drawn from [shortest, shortest + 20 s).
pub fn history_after(tasks: usize, shortest: Duration, seed: u64) -> DurationHistory {
    let kind = kind();
    let mut history = DurationHistory::default();
    let mut draws = Draws::new(seed);
    for _ in 0..tasks {
        let duration = shortest + Duration::from_secs_f64(20.0 * draws.unit());
        let forecast = history.forecast(&kind);
        let (_, waiter) = wait_once(PollSchedule::learning(), forecast, duration);
        let observed = waiter.observed_duration().expect("a finished task");
        history.record(&kind, observed);
    }
    history
}
