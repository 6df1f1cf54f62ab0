//! `cargo bench -p hitem3d-core --bench polling`: queries and detection delay of the default
//! (learning) schedule against fixed 5 s and 10 s polls, in virtual time (instant to run).
//!
//! Each task length D spreads the durations over [D, D + 20 s) in 0.1 s steps (200 tasks).
//! "first task" waits with the spec's prior alone; "after 10" waits with the history a client
//! has after waiting for 10 tasks of the same kind, over 20 different draws of those 10 (the
//! spread column gives the range of their means).

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

#[path = "support/polling_simulation.rs"]
mod polling_simulation;

use std::time::Duration;

use hitem3d_core::{DurationForecast, PollSchedule};
use polling_simulation::{durations_from, history_after, kind, means};

const DRAWS: u64 = 20;

fn main() {
    println!(
        "| D | fixed 10 s: queries / delay | fixed 5 s: queries / delay | learning, first task | \
         learning, after 10: queries / delay (range over {DRAWS} histories) | queries vs fixed 10 s |"
    );
    println!("|---|---|---|---|---|---|");
    for shortest in [30, 60, 120, 300, 600].map(Duration::from_secs) {
        let durations = durations_from(shortest);
        let any = DurationForecast::expected(kind().expected());
        let fixed_10 = means(
            PollSchedule::fixed(Duration::from_secs(10)),
            any,
            &durations,
        );
        let fixed_5 = means(PollSchedule::fixed(Duration::from_secs(5)), any, &durations);
        let first = means(PollSchedule::learning(), any, &durations);
        let learnt: Vec<_> = (0..DRAWS)
            .map(|seed| {
                let forecast = history_after(10, shortest, seed).forecast(&kind());
                means(PollSchedule::learning(), forecast, &durations)
            })
            .collect();
        let mean = |f: fn(&polling_simulation::Means) -> f64| {
            learnt.iter().map(f).sum::<f64>() / learnt.len() as f64
        };
        let range = |f: fn(&polling_simulation::Means) -> f64| {
            let values: Vec<f64> = learnt.iter().map(f).collect();
            let low = values.iter().copied().fold(f64::INFINITY, f64::min);
            let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!("{low:.2}–{high:.2}")
        };
        let queries = mean(|m| m.queries);
        println!(
            "| {} s | {:.1} / {:.2} s | {:.1} / {:.2} s | {:.1} / {:.2} s | {:.2} ({}) / {:.2} s ({}) | {:.0} % |",
            shortest.as_secs(),
            fixed_10.queries,
            fixed_10.delay_secs,
            fixed_5.queries,
            fixed_5.delay_secs,
            first.queries,
            first.delay_secs,
            queries,
            range(|m| m.queries),
            mean(|m| m.delay_secs),
            range(|m| m.delay_secs),
            100.0 * queries / fixed_10.queries,
        );
    }
}
