//! The learning waiter: the polling targets in virtual time, and a client that learns
//! from its own waits (and from the durations its application sets).

mod fake;
#[path = "../benches/support/polling_simulation.rs"]
mod polling_simulation;

use std::time::Duration;

use fake::*;
use futures_executor::block_on;
use hitem3d_core::types::{ClientId, ClientSecret, TaskId};
use hitem3d_core::{
    ClientConfig, ClientCore, Driver, DurationForecast, DurationHistory, ForecastBasis, KINDS_KEPT,
    ObservedDuration, PollSchedule, TASKS_KEPT_PER_KIND, TASKS_TO_LEARN_FROM, TaskDurations,
    TaskKind, WaitPolicy,
};
use polling_simulation::{durations_from, history_after, kind, means};

/// After ten tasks of a kind, at every task length of the table, the default schedule
/// makes at most half the queries of a fixed 10 s poll and notices a finished task no later on
/// average. Averaged over 20 different histories of those ten tasks.
#[test]
fn after_ten_tasks_half_the_queries_of_a_ten_second_poll_and_no_later() {
    for shortest in [30, 60, 120, 300, 600].map(Duration::from_secs) {
        let durations = durations_from(shortest);
        let prior = DurationForecast::expected(kind().expected());
        let fixed = means(
            PollSchedule::fixed(Duration::from_secs(10)),
            prior,
            &durations,
        );
        let histories = 20;
        let (mut queries, mut delay) = (0.0, 0.0);
        for seed in 0..histories {
            let forecast = history_after(10, shortest, seed).forecast(&kind());
            assert!(matches!(
                forecast.basis,
                ForecastBasis::Learnt { tasks: 10 }
            ));
            let learnt = means(PollSchedule::learning(), forecast, &durations);
            queries += learnt.queries / histories as f64;
            delay += learnt.delay_secs / histories as f64;
        }
        assert!(
            queries <= fixed.queries / 2.0,
            "D = {shortest:?}: {queries:.2} queries against {:.2}",
            fixed.queries
        );
        assert!(
            delay <= fixed.delay_secs,
            "D = {shortest:?}: noticed {delay:.2} s late against {:.2} s",
            fixed.delay_secs
        );
    }
}

/// The target for short tasks, such as the mock's 7 s ones: from the third wait of a
/// kind on, a finished task is seen within 1.5 times its duration, whatever the spec's figure
/// said. Task lengths from 3 s to 5 minutes, each task up to 10 % longer than the last drawn.
#[test]
fn from_the_third_wait_of_a_kind_a_task_is_seen_within_half_its_duration_again() {
    for seconds in [3.0, 4.5, 7.0, 10.0, 25.0, 60.0, 300.0] {
        for seed in 0..10 {
            let mut history = DurationHistory::default();
            let mut draws = polling_simulation::Draws::new(seed);
            for wait in 1..=12 {
                let duration = secs(seconds * (1.0 + 0.1 * draws.unit()));
                let forecast = history.forecast(&kind());
                let (waited, waiter) =
                    polling_simulation::wait_once(PollSchedule::learning(), forecast, duration);
                let seen = duration + waited.delay;
                if wait >= 3 {
                    assert!(
                        seen.as_secs_f64() <= 1.5 * duration.as_secs_f64(),
                        "a {duration:?} task (wait {wait}, seed {seed}) seen at {seen:?}, \
                         forecast {forecast:?}"
                    );
                }
                history.record(&kind(), waiter.observed_duration().unwrap());
            }
        }
    }
}

fn core_with(configure: impl FnOnce(ClientConfig) -> ClientConfig) -> ClientCore {
    let config = ClientConfig::new(ClientId::new("ak_1"), ClientSecret::new("sk_1"))
        .with_wait(WaitPolicy::default().with_deadline(Duration::from_secs(3600)));
    ClientCore::new(configure(config), 42_u64, || {}).unwrap()
}

/// Submits `task()` and waits for it through `answers` (after a token, the first time);
/// returns how long the wait took.
fn submit_and_wait(fx: &FakeFrontEnd, answers: &[&'static str]) -> Duration {
    if fx.calls().is_empty() {
        fx.api.borrow_mut().push_back(Ok(TOKEN));
    }
    fx.api.borrow_mut().push_back(Ok(SUBMITTED));
    fx.api.borrow_mut().extend(answers.iter().copied().map(Ok));
    let id = block_on(Driver::new(&fx.core, fx).run(fx.core.submit(task()), |_| {})).unwrap();
    let outcome = block_on(Driver::new(&fx.core, fx).run(fx.core.wait(&id), |_| {})).unwrap();
    outcome.elapsed
}

#[test]
fn a_client_learns_from_its_waits_and_polls_where_its_tasks_finished() {
    let core = core_with(|config| config);
    let fx = FakeFrontEnd::new(core.clone());
    let kind = TaskKind::of(&task());

    // The first wait knows only the spec's rough 7 minutes: it probes at 2, 4, 8, 16 and
    // 32 s, and learns the task finished between 16 and 32 s.
    let slow_first = [PROCESSING, PROCESSING, PROCESSING, PROCESSING, SUCCESS];
    let first = submit_and_wait(&fx, &slow_first);
    assert_eq!(first, Duration::from_secs(32));

    for _ in 1..TASKS_TO_LEARN_FROM {
        submit_and_wait(&fx, &slow_first);
    }
    let history = core.duration_history();
    assert_eq!(history.tasks(&kind), TASKS_TO_LEARN_FROM);
    let learnt = history.forecast(&kind);
    assert_eq!(
        learnt.basis,
        ForecastBasis::Learnt {
            tasks: TASKS_TO_LEARN_FROM
        }
    );
    assert!(
        learnt.latest <= Duration::from_secs(120),
        "tasks seen done within a minute: {learnt:?}"
    );

    // Learnt, the next wait polls over 16–32 s, 16/3 s apart: the second poll sees it done.
    let next = submit_and_wait(&fx, &[PROCESSING, SUCCESS]);
    assert!(
        next.abs_diff(Duration::from_secs(16) + Duration::from_secs(32) / 3)
            < Duration::from_millis(1),
        "{next:?} after learning, {first:?} before"
    );
}

#[test]
fn a_duration_the_application_sets_replaces_the_spec_until_the_client_has_learnt() {
    let kind = TaskKind::of(&task());
    let core =
        core_with(|config| config.with_expected_duration(kind.clone(), Duration::from_secs(40)));
    let fx = FakeFrontEnd::new(core);

    // The window is 20 s to 80 s, its polls 20 s apart: the first at 40 s, one check-in ahead.
    assert_eq!(submit_and_wait(&fx, &[SUCCESS]), Duration::from_secs(40));
    assert_eq!(
        submit_and_wait(&fx, &[PROCESSING, SUCCESS]),
        Duration::from_secs(60)
    );
}

#[test]
fn a_wait_for_a_task_another_client_submitted_asks_at_once_then_polls_on_the_figure_for_unknown_tasks()
 {
    let core = core_with(|config| config);
    let fx = FakeFrontEnd::new(core.clone()).answers([TOKEN, SUCCESS]);
    let outcome =
        block_on(Driver::new(&fx.core, &fx).run(core.wait(&TaskId::new("t-1")), |_| {})).unwrap();
    // Its age is unknown: it may have finished long ago.
    assert_eq!(outcome.elapsed, Duration::ZERO);

    let fx = FakeFrontEnd::new(core.clone()).answers([TOKEN, PROCESSING, SUCCESS]);
    let outcome =
        block_on(Driver::new(&fx.core, &fx).run(core.wait(&TaskId::new("t-1")), |_| {})).unwrap();
    // Then the spec's rough figure for tasks nothing is known about, probed from 2 s on.
    assert_eq!(outcome.polls, 2);
    let expected = Duration::from_secs(2);
    assert!(
        outcome.elapsed.abs_diff(expected) < Duration::from_millis(1),
        "{:?}",
        outcome.elapsed
    );
    assert_eq!(core.duration_history().tasks(&TaskKind::of(&task())), 0);
}

#[test]
fn kinds_are_forgotten_beyond_the_limit_and_failed_waits_teach_nothing() {
    let mut durations = TaskDurations::new(Vec::new());
    for n in 0..=KINDS_KEPT {
        durations.submitted(&TaskId::new(format!("t-{n}")), kind());
    }
    assert!(
        durations.forecast(&TaskId::new("t-0")).is_none(),
        "the oldest is forgotten"
    );
    assert!(durations.forecast(&TaskId::new("t-1")).is_some());
    durations.finished(&TaskId::new("t-1"), None);
    assert_eq!(durations.history().tasks(&kind()), 0);
    assert!(durations.forecast(&TaskId::new("t-1")).is_none());

    let mut history = DurationHistory::default();
    for secs in 0..25 {
        let seen = Duration::from_secs(100 + secs);
        history.record(
            &kind(),
            ObservedDuration::new(seen, seen + Duration::from_secs(5)),
        );
    }
    assert_eq!(history.tasks(&kind()), TASKS_KEPT_PER_KIND);
    let learnt = history.forecast(&kind());
    assert!(
        learnt.earliest >= Duration::from_secs(100),
        "the five oldest no longer count: {learnt:?}"
    );
}

fn secs(secs: f64) -> Duration {
    Duration::from_secs_f64(secs)
}

#[test]
fn fewer_tasks_than_it_learns_from_teach_nothing_yet() {
    let mut history = DurationHistory::default();
    for _ in 1..TASKS_TO_LEARN_FROM {
        history.record(&kind(), ObservedDuration::new(secs(30.0), secs(35.0)));
        assert!(matches!(
            history.forecast(&kind()).basis,
            ForecastBasis::Expected { .. }
        ));
    }
    history.record(&kind(), ObservedDuration::new(secs(30.0), secs(35.0)));
    assert_eq!(
        history.forecast(&kind()).basis,
        ForecastBasis::Learnt {
            tasks: TASKS_TO_LEARN_FROM
        }
    );
}

/// Fine brackets spread evenly over 100–120 s give back that window.
#[test]
fn fine_brackets_give_back_the_spread_they_came_from() {
    let mut history = DurationHistory::default();
    for second in 0..20 {
        let start = 100.0 + f64::from(second);
        history.record(
            &kind(),
            ObservedDuration::new(secs(start), secs(start + 1.0)),
        );
    }
    let window = history.forecast(&kind());
    let (earliest, latest) = (window.earliest.as_secs_f64(), window.latest.as_secs_f64());
    assert!((earliest - 100.0).abs() < 1.0, "{window:?}");
    assert!((latest - 120.0).abs() < 1.0, "{window:?}");
}

/// Tasks seen only between two polls a minute apart are known to that minute: the window is the
/// bracket itself, no narrower, so that the next polls look inside it.
#[test]
fn coarse_brackets_keep_the_window_as_wide_as_they_are() {
    let mut history = DurationHistory::default();
    for _ in 0..3 {
        history.record(&kind(), ObservedDuration::new(secs(57.5), secs(115.0)));
    }
    let window = history.forecast(&kind());
    assert!(
        (window.earliest.as_secs_f64() - 57.5).abs() < 0.01,
        "{window:?}"
    );
    assert!(
        (window.latest.as_secs_f64() - 115.0).abs() < 0.01,
        "{window:?}"
    );
}

/// What the first process learnt, as its journal kept it, is where a second one starts.
#[test]
fn durations_kept_in_the_journal_start_the_next_process_where_the_last_one_ended() {
    use hitem3d_core::journal::{MemoryJournal, TaskJournal};
    use std::sync::Arc;

    let journal = Arc::new(MemoryJournal::default());
    let first = core_with(|config| config.with_journal(journal.clone()));
    let fx = FakeFrontEnd::new(first);
    let slow = [PROCESSING, PROCESSING, PROCESSING, PROCESSING, SUCCESS];
    let first_wait = submit_and_wait(&fx, &slow);
    for _ in 0..2 {
        submit_and_wait(&fx, &slow);
    }
    let kept = journal.learnt_durations().unwrap();
    assert_eq!(kept.len(), 3, "each finished wait is kept: {kept:?}");
    assert!(kept.iter().all(|seen| seen.kind == TaskKind::of(&task())));

    // A new process: the same journal's durations, nothing learnt in memory.
    let second = core_with(|config| config.with_learnt_durations(kept.clone()));
    assert_eq!(
        second
            .duration_history()
            .forecast(&TaskKind::of(&task()))
            .basis,
        ForecastBasis::Learnt { tasks: 3 }
    );
    let fx = FakeFrontEnd::new(second);
    let next = submit_and_wait(&fx, &[SUCCESS]);
    assert!(
        next < first_wait,
        "{next:?} from the journal's durations, {first_wait:?} from the spec's"
    );
}
