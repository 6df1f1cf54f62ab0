//! The task waiter in virtual time: schedules, outcomes, events, failures, the deadline.

use hitem3d_core::machines::{TaskWaiter, WaitStep};
use std::time::Duration;

use hitem3d_core::http::StatusCode;
use hitem3d_core::types::{ApiErrorCode, TaskData, TaskId, TaskState};
use hitem3d_core::{
    ApiError, CallError, DurationForecast, PollContext, PollSchedule, StopReason, Timestamp,
    WaitError, WaitErrorKind, WaitEvent, WaitOutcome, WaitPolicy,
};
use proptest::prelude::*;

fn id() -> TaskId {
    TaskId::new("t-1")
}

fn task(state: &str) -> TaskData {
    serde_json::from_value(serde_json::json!({"task_id": "t-1", "state": state})).unwrap()
}

fn success() -> TaskData {
    serde_json::from_value(serde_json::json!({
        "task_id": "t-1", "state": "success", "id": "t-1_0",
        "url": "https://cdn.example/0.glb", "cover_url": "https://cdn.example/0.webp"
    }))
    .unwrap()
}

fn call_error(source: ApiError) -> CallError {
    CallError::Api {
        operation: hitem3d_core::Operation::QueryTask,
        attempts: 4,
        stopped: StopReason::AttemptsExhausted,
        source,
    }
}

fn gateway() -> CallError {
    call_error(ApiError::Http {
        status: StatusCode::BAD_GATEWAY,
        snippet: String::new(),
        retry_after: None,
    })
}

struct Run {
    outcome: Result<WaitOutcome, WaitError>,
    poll_times: Vec<Duration>,
    events: Vec<WaitEvent>,
}

/// Runs a waiter against a list of answers; the last answer repeats forever.
fn run(policy: WaitPolicy, answers: Vec<Result<TaskData, CallError>>) -> Run {
    run_with(TaskWaiter::new(id(), policy, Timestamp::ZERO), answers)
}

/// Runs `waiter`, started at zero, against a list of answers; the last answer repeats forever.
fn run_with(mut waiter: TaskWaiter, answers: Vec<Result<TaskData, CallError>>) -> Run {
    let start = Timestamp::ZERO;
    let mut now = start;
    let mut answers = answers.into_iter().peekable();
    let mut last = None;
    let mut poll_times = Vec::new();
    let mut events = Vec::new();
    for _ in 0..100_000 {
        match waiter.next(now) {
            WaitStep::Poll(task_id) => {
                assert_eq!(task_id, id());
                poll_times.push(now - start);
                let answer = answers.next().or_else(|| last.clone()).expect("no answers");
                last = Some(answer.clone());
                waiter.on_poll(answer, now);
            }
            WaitStep::Sleep { until } => {
                assert!(until > now, "sleeps always move time forward");
                now = until;
            }
            WaitStep::Event(event) => events.push(event),
            WaitStep::Done(outcome) => {
                return Run {
                    outcome,
                    poll_times,
                    events,
                };
            }
        }
    }
    panic!("the waiter did not finish")
}

fn secs(durations: &[Duration]) -> Vec<u64> {
    durations.iter().map(Duration::as_secs).collect()
}

#[test]
fn created_to_success_with_the_adaptive_schedule() {
    let mut answers = vec![
        Ok(task("created")),
        Ok(task("queueing")),
        Ok(task("queueing")),
    ];
    answers.extend((0..30).map(|_| Ok(task("processing"))));
    answers.push(Ok(success()));
    let run = run(
        WaitPolicy::default().with_schedule(PollSchedule::adaptive()),
        answers,
    );
    let outcome = run.outcome.unwrap();
    assert_eq!(outcome.task_id, id());
    assert_eq!(outcome.last_state, TaskState::Success);
    assert_eq!(outcome.polls, 34);
    assert_eq!(outcome.result.model_url, "https://cdn.example/0.glb");
    assert_eq!(outcome.result.asset_id.as_ref().unwrap().as_str(), "t-1_0");
    let at = Timestamp::ZERO + outcome.elapsed;
    assert_eq!(outcome.result.expires_at, at + Duration::from_secs(3600));

    // 5 s to the first poll, 20 s while queued, then tightening from 20 s to 5 s.
    let times = secs(&run.poll_times);
    assert_eq!(&times[..5], [5, 25, 45, 65, 85]);
    let gaps: Vec<Duration> = run.poll_times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.windows(2).skip(3).all(|w| w[1] <= w[0]),
        "processing gaps never grow: {gaps:?}"
    );
    assert_eq!(*gaps.last().unwrap(), Duration::from_secs(5));

    let changes: Vec<_> = run
        .events
        .iter()
        .filter_map(|e| match e {
            WaitEvent::StateChanged { from, to, .. } => Some((from.clone(), to.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes,
        [
            (None, TaskState::Created),
            (Some(TaskState::Created), TaskState::Queueing),
            (Some(TaskState::Queueing), TaskState::Processing),
            (Some(TaskState::Processing), TaskState::Success),
        ]
    );
}

#[test]
fn progress_changes_are_reported_and_near_the_end_polls_go_dense() {
    let progress = |p: u32| {
        Ok(serde_json::from_value(
            serde_json::json!({"task_id": "t-1", "state": "processing", "progress": p}),
        )
        .unwrap())
    };
    let answers = vec![
        progress(10),
        progress(10),
        progress(50),
        progress(95),
        Ok(success()),
    ];
    let run = run(WaitPolicy::default(), answers);
    let percents: Vec<f64> = run
        .events
        .iter()
        .filter_map(|e| match e {
            WaitEvent::Progress { percent, .. } => Some(*percent),
            _ => None,
        })
        .collect();
    // The first answer changes the state and brings 10 %: both are reported, in that order.
    assert_eq!(percents, [10.0, 50.0, 95.0]);
    assert!(
        matches!(
            &run.events[..2],
            [WaitEvent::StateChanged { .. }, WaitEvent::Progress { percent, .. }] if *percent == 10.0
        ),
        "{:?}",
        run.events
    );
    let times = secs(&run.poll_times);
    assert_eq!(times[4] - times[3], 5, "95 % done: the dense interval");
}

#[test]
fn a_failed_state_ends_with_the_task_failed() {
    let run = run(
        WaitPolicy::default(),
        vec![Ok(task("processing")), Ok(task("failed"))],
    );
    let error = run.outcome.unwrap_err();
    assert_eq!(
        error.kind,
        WaitErrorKind::TaskFailed {
            code: None,
            message: None
        }
    );
    assert_eq!(error.last_state, Some(TaskState::Failed));
    assert_eq!(error.polls, 2);
    assert!(error.to_string().contains("refunded"), "{error}");
}

#[test]
fn a_generate_failed_answer_ends_with_its_code() {
    let failed = call_error(ApiError::Service {
        code: ApiErrorCode::GenerateFailed,
        message: "generate failed".to_owned(),
        status: StatusCode::OK,
    });
    let run = run(
        WaitPolicy::default(),
        vec![Ok(task("queueing")), Err(failed)],
    );
    let error = run.outcome.unwrap_err();
    assert_eq!(
        error.kind,
        WaitErrorKind::TaskFailed {
            code: Some(ApiErrorCode::GenerateFailed),
            message: Some("generate failed".to_owned())
        }
    );
    assert_eq!(error.last_state, Some(TaskState::Failed));
}

#[test]
fn the_deadline_ends_the_wait_with_a_last_poll_at_the_deadline() {
    let run = run(WaitPolicy::default(), vec![Ok(task("processing"))]);
    let error = run.outcome.unwrap_err();
    assert_eq!(
        error.kind,
        WaitErrorKind::DeadlineExceeded {
            deadline: Duration::from_secs(3600)
        }
    );
    assert_eq!(error.elapsed, Duration::from_secs(3600));
    assert_eq!(error.last_state, Some(TaskState::Processing));
    assert_eq!(*run.poll_times.last().unwrap(), Duration::from_secs(3600));
    assert_eq!(error.polls as usize, run.poll_times.len());
}

#[test]
fn transient_poll_failures_are_tolerated_up_to_the_limit() {
    let mut answers = vec![Ok(task("processing"))];
    answers.extend((0..3).map(|_| Err(gateway())));
    answers.push(Ok(success()));
    let run_ok = run(WaitPolicy::default(), answers);
    assert!(run_ok.outcome.is_ok());
    let failures = run_ok
        .events
        .iter()
        .filter(|e| matches!(e, WaitEvent::PollFailed { .. }))
        .count();
    assert_eq!(failures, 3);

    let run_bad = run(
        WaitPolicy::default(),
        vec![Ok(task("processing")), Err(gateway())],
    );
    let error = run_bad.outcome.unwrap_err();
    assert!(matches!(error.kind, WaitErrorKind::Query(_)), "{error:?}");
    assert_eq!(error.polls, 1 + 6, "5 failures tolerated, the 6th ends it");
}

#[test]
fn a_final_query_error_ends_the_wait_at_once() {
    let unknown_task = call_error(ApiError::Service {
        code: ApiErrorCode::TaskNotFound,
        message: "task not found".to_owned(),
        status: StatusCode::OK,
    });
    let run = run(WaitPolicy::default(), vec![Err(unknown_task)]);
    let error = run.outcome.unwrap_err();
    assert!(matches!(error.kind, WaitErrorKind::Query(_)));
    assert_eq!(error.polls, 1);
    assert_eq!(error.last_state, None);
}

#[test]
fn success_without_a_model_url_is_an_error() {
    let run = run(WaitPolicy::default(), vec![Ok(task("success"))]);
    assert_eq!(
        run.outcome.unwrap_err().kind,
        WaitErrorKind::SuccessWithoutResult
    );
}

#[test]
fn unknown_states_keep_the_waiter_polling() {
    let run = run(
        WaitPolicy::default(),
        vec![Ok(task("rendering")), Ok(success())],
    );
    assert!(run.outcome.is_ok());
}

#[test]
fn a_fixed_schedule_polls_at_fixed_intervals() {
    let policy = WaitPolicy::default().with_schedule(PollSchedule::fixed(Duration::from_secs(10)));
    let run = run(
        policy,
        vec![Ok(task("queueing")), Ok(task("processing")), Ok(success())],
    );
    assert_eq!(secs(&run.poll_times), [10, 20, 30]);
}

fn state() -> impl Strategy<Value = Result<TaskData, CallError>> {
    prop_oneof![
        Just(Ok(task("created"))),
        Just(Ok(task("queueing"))),
        Just(Ok(task("processing"))),
        Just(Err(gateway())),
        (0_u32..=100).prop_map(|p| Ok(serde_json::from_value(
            serde_json::json!({"task_id": "t-1", "state": "processing", "progress": p})
        )
        .unwrap())),
    ]
}

proptest! {
    #[test]
    fn polls_are_never_further_apart_than_the_stated_detection_delay(
        answers in prop::collection::vec(state(), 1..300),
        deadline_minutes in 1_u64..90,
    ) {
        let policy = WaitPolicy::default().with_deadline(Duration::from_secs(deadline_minutes * 60));
        let limit = policy.schedule.max_detection_delay();
        let run = run(policy, answers);
        for pair in run.poll_times.windows(2) {
            prop_assert!(pair[1] - pair[0] <= limit);
        }
        prop_assert!(*run.poll_times.last().unwrap() <= Duration::from_secs(deadline_minutes * 60));
        let (elapsed, polls) = match &run.outcome {
            Ok(outcome) => (outcome.elapsed, outcome.polls),
            Err(error) => (error.elapsed, error.polls),
        };
        prop_assert_eq!(polls as usize, run.poll_times.len());
        prop_assert_eq!(elapsed, *run.poll_times.last().unwrap());
    }

    /// Whatever the forecast (a learnt one can be anything), the learning schedule keeps its
    /// bound, moves time forward and polls at the deadline at the latest.
    #[test]
    fn the_learning_schedule_keeps_its_bound_whatever_the_forecast(
        answers in prop::collection::vec(state(), 1..300),
        earliest in 0_u64..5_000,
        width in 0_u64..3_000,
        deadline_minutes in 1_u64..90,
    ) {
        let policy = WaitPolicy::default()
            .with_schedule(PollSchedule::learning())
            .with_deadline(Duration::from_secs(deadline_minutes * 60));
        let limit = policy.schedule.max_detection_delay();
        let forecast = DurationForecast::learnt(
            Duration::from_secs(earliest),
            Duration::from_secs(earliest + width),
            10,
        );
        let run = run_with(
            TaskWaiter::new(id(), policy, Timestamp::ZERO).with_forecast(forecast),
            answers,
        );
        prop_assert!(run.poll_times[0] <= limit);
        for pair in run.poll_times.windows(2) {
            prop_assert!(pair[1] - pair[0] <= limit, "{:?}", run.poll_times);
        }
        prop_assert!(*run.poll_times.last().unwrap() <= Duration::from_secs(deadline_minutes * 60));
    }
}

fn expect_out_of_sequence(waiter: &mut TaskWaiter, now: Timestamp) {
    match waiter.next(now) {
        WaitStep::Done(Err(error)) => assert!(
            matches!(error.kind, WaitErrorKind::OutOfSequence(_)),
            "{error}"
        ),
        other => panic!("expected an out-of-sequence end, got {other:?}"),
    }
}

#[test]
fn a_poll_answer_nobody_asked_for_ends_waiting_with_a_typed_error() {
    let now = Timestamp::ZERO;
    let mut waiter = TaskWaiter::new(id(), WaitPolicy::default(), now);
    waiter.on_poll(Ok(success()), now);
    expect_out_of_sequence(&mut waiter, now);
    assert_eq!(
        waiter.polls(),
        0,
        "the stray answer was not counted as a poll"
    );
}

#[test]
fn asking_again_while_a_poll_is_out_ends_waiting_with_a_typed_error() {
    let mut now = Timestamp::ZERO;
    let mut waiter = TaskWaiter::new(id(), WaitPolicy::default(), now);
    loop {
        match waiter.next(now) {
            WaitStep::Sleep { until } => now = until,
            WaitStep::Poll(_) => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    expect_out_of_sequence(&mut waiter, now);
}

#[test]
fn the_adaptive_schedule_tightens_evenly_over_four_minutes_of_processing() {
    let schedule = PollSchedule::adaptive();
    let forecast = DurationForecast::learnt(Duration::ZERO, Duration::ZERO, 0);
    let processing = TaskState::Processing;
    let at = |processing_for: u64| {
        let mut context = PollContext::new(&forecast);
        context.polls = 3;
        context.state = Some(&processing);
        context.processing_for = Duration::from_secs(processing_for);
        schedule.interval(&context)
    };
    assert_eq!(at(0), Duration::from_secs(20));
    assert_eq!(at(120), Duration::from_millis(12_500), "half way: half way");
    assert_eq!(at(240), Duration::from_secs(5));
    assert_eq!(at(600), Duration::from_secs(5));
}

#[test]
fn the_learning_schedule_relaxes_from_the_end_of_the_window_on() {
    let schedule = PollSchedule::learning();
    // 90 s wide: its three polls would be 30 s apart, so they are 20 s apart (at most), and
    // the window's end falls between two of them.
    let forecast = DurationForecast::learnt(Duration::from_secs(100), Duration::from_secs(190), 10);
    let processing = TaskState::Processing;
    let at = |elapsed: u64| {
        let mut context = PollContext::new(&forecast);
        context.polls = 5;
        context.state = Some(&processing);
        context.elapsed = Duration::from_secs(elapsed);
        schedule.interval(&context)
    };
    assert_eq!(at(180), Duration::from_secs(20), "on the window's grid");
    assert_eq!(
        at(190),
        Duration::from_secs(20),
        "the window is over: no grid"
    );
    assert_eq!(
        at(230),
        Duration::from_secs(30),
        "40 s late: a quarter of it more"
    );

    // From the window's start on, a task still queued is polled every 20 s: its processing,
    // which the window measures, has not begun. (A 30 s window: its polls are 10 s apart.)
    let narrow = DurationForecast::learnt(Duration::from_secs(100), Duration::from_secs(130), 10);
    let queued = TaskState::Queueing;
    let mut context = PollContext::new(&narrow);
    context.polls = 2;
    context.state = Some(&queued);
    context.elapsed = Duration::from_secs(100);
    assert_eq!(schedule.interval(&context), Duration::from_secs(20));
    context.state = Some(&processing);
    assert_eq!(
        schedule.interval(&context),
        Duration::from_secs(10),
        "the grid's first poll"
    );
    context.elapsed = Duration::from_secs(99);
    context.state = Some(&queued);
    assert_eq!(
        schedule.interval(&context),
        Duration::from_secs(11),
        "before the window: check-in"
    );
}
