//! The call state machine in virtual time: retries and their delays, the submit rule, the one
//! token refresh.

mod support;

use hitem3d_core::machines::{Call, CallStep};
use std::collections::VecDeque;
use std::time::Duration;

use hitem3d_core::http::Response;
use hitem3d_core::types::{AccessToken, ClientId, ClientSecret, Model, TaskState};
use hitem3d_core::{
    ApiRequests, BaseUrl, CallError, Delivery, Image, RetryPolicy, StopReason, SubmitTask,
    Timestamp, TransportFailure,
};
use support::{Reply, Script, drive};

const TASK_OK: &str =
    r#"{"code":200,"data":{"task_id":"t-1","state":"processing"},"msg":"success"}"#;
const SUBMIT_OK: &str = r#"{"code":200,"data":{"task_id":"t-1"},"msg":"success"}"#;

fn api() -> ApiRequests {
    ApiRequests::new(BaseUrl::parse("http://127.0.0.1:1").unwrap())
}

fn query() -> Call<hitem3d_core::types::TaskData> {
    Call::query_task(&api(), "t-1".into(), RetryPolicy::default(), 1)
}

fn submit() -> Call<hitem3d_core::types::SubmitTaskData> {
    let task = SubmitTask::builder(Model::Hitem3dV2_1)
        .image(Image::new(
            &b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01rest"[..],
        ))
        .build()
        .unwrap();
    Call::submit_task(&api(), task, RetryPolicy::default(), 1)
}

fn tokens(list: &[&'static str]) -> VecDeque<&'static str> {
    list.iter().copied().collect()
}

fn reset() -> Reply {
    Reply::Fail(TransportFailure::maybe_sent("connection reset"))
}

#[test]
fn a_query_survives_transient_failures_with_growing_jittered_delays() {
    let mut script = Script::new([
        reset(),
        Reply::Status(502, "<html>Bad Gateway</html>"),
        Reply::Json(r#"{"code":10000000,"msg":"system error"}"#),
        Reply::Json(TASK_OK),
    ]);
    let driven = drive(query(), &mut script, &mut tokens(&["a"]), Timestamp::ZERO);
    assert_eq!(driven.result.unwrap().state, TaskState::Processing);
    assert_eq!(script.sent.len(), 4);
    // Full jitter under ceilings of 0.5 s, 1 s, 2 s.
    let ceilings = [500, 1000, 2000].map(Duration::from_millis);
    assert_eq!(driven.waits.len(), 3);
    for (wait, ceiling) in driven.waits.iter().zip(ceilings) {
        assert!(*wait <= ceiling, "{wait:?} > {ceiling:?}");
        assert!(
            *wait > Duration::ZERO,
            "a retry waits before going out again"
        );
    }
    assert_ne!(driven.waits[0], driven.waits[1], "the waits are jittered");
    // Sends happen exactly after the waits.
    let mut at = Timestamp::ZERO;
    for ((sent_at, _, _), wait) in script.sent.iter().skip(1).zip(&driven.waits) {
        at = at + *wait;
        assert_eq!(*sent_at, at);
    }
}

#[test]
fn the_same_seed_replays_the_same_delays() {
    let run = || {
        let mut script = Script::new([reset(), reset(), Reply::Json(TASK_OK)]);
        drive(query(), &mut script, &mut tokens(&["a"]), Timestamp::ZERO).waits
    };
    let first = run();
    assert_eq!(first.len(), 2, "two backoffs happened");
    assert_eq!(first, run());
}

#[test]
fn a_query_gives_up_after_the_attempt_limit() {
    let mut script = Script::new((0..4).map(|_| Reply::Status(503, "")));
    let driven = drive(query(), &mut script, &mut tokens(&["a"]), Timestamp::ZERO);
    let error = driven.result.unwrap_err();
    assert!(
        matches!(
            error,
            CallError::Api {
                attempts: 4,
                stopped: StopReason::AttemptsExhausted,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_transient());
    assert_eq!(script.sent.len(), 4);
}

/// The call stopped after its first answer, which was final.
fn assert_final_after_one_attempt(error: &CallError) {
    assert!(
        matches!(
            error,
            CallError::Api {
                attempts: 1,
                stopped: StopReason::NotRetryable,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn final_answers_are_not_retried() {
    let mut script = Script::new([Reply::Json(r#"{"code":40040000,"msg":"task not found"}"#)]);
    let driven = drive(query(), &mut script, &mut tokens(&["a"]), Timestamp::ZERO);
    let error = driven.result.unwrap_err();
    assert_final_after_one_attempt(&error);
    assert!(driven.waits.is_empty());
}

#[test]
fn submit_is_never_replayed_once_its_bytes_may_have_left() {
    for failure in [
        TransportFailure::maybe_sent("connection reset"),
        TransportFailure::timed_out(Delivery::MaybeSent, "read timed out"),
    ] {
        let mut script = Script::new([Reply::Fail(failure)]);
        let driven = drive(submit(), &mut script, &mut tokens(&["a"]), Timestamp::ZERO);
        let error = driven.result.unwrap_err();
        assert!(
            matches!(error, CallError::SubmitOutcomeUnknown { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("not resent"), "{error}");
        assert_eq!(script.sent.len(), 1);
    }
}

#[test]
fn submit_gateway_errors_leave_the_outcome_unknown_but_service_errors_are_final() {
    let mut script = Script::new([Reply::Status(502, "<html>Bad Gateway</html>")]);
    let error = drive(submit(), &mut script, &mut tokens(&["a"]), Timestamp::ZERO)
        .result
        .unwrap_err();
    assert!(
        matches!(error, CallError::SubmitOutcomeUnknown { .. }),
        "{error:?}"
    );

    let mut script = Script::new([Reply::Json(r#"{"code":10000000,"msg":"system error"}"#)]);
    let error = drive(submit(), &mut script, &mut tokens(&["a"]), Timestamp::ZERO)
        .result
        .unwrap_err();
    assert_final_after_one_attempt(&error);
    assert_eq!(script.sent.len(), 1);

    let mut script = Script::new([Reply::Json(
        r#"{"code":30010000,"msg":"balance is not enough"}"#,
    )]);
    let error = drive(submit(), &mut script, &mut tokens(&["a"]), Timestamp::ZERO)
        .result
        .unwrap_err();
    assert_eq!(
        error.api_error().unwrap().code().unwrap().code(),
        30_010_000
    );
}

#[test]
fn submit_is_retried_when_nothing_was_sent() {
    let mut script = Script::new([
        Reply::Fail(TransportFailure::not_sent("connection refused")),
        Reply::Fail(TransportFailure::timed_out(
            Delivery::NotSent,
            "connect timed out",
        )),
        Reply::Json(SUBMIT_OK),
    ]);
    let driven = drive(submit(), &mut script, &mut tokens(&["a"]), Timestamp::ZERO);
    assert_eq!(driven.result.unwrap().task_id.as_str(), "t-1");
    assert_eq!(script.sent.len(), 3);
}

#[test]
fn login_expired_inside_http_200_refreshes_once_and_replays() {
    let mut script = Script::new([
        Reply::Json(r#"{"code":401,"data":{},"msg":"login expired"}"#),
        Reply::Json(TASK_OK),
    ]);
    let driven = drive(
        query(),
        &mut script,
        &mut tokens(&["old", "new"]),
        Timestamp::ZERO,
    );
    assert!(driven.result.is_ok());
    assert_eq!(driven.stale_tokens, ["old"]);
    let auth: Vec<_> = script
        .sent
        .iter()
        .map(|(_, _, a)| a.clone().unwrap())
        .collect();
    assert_eq!(auth, ["Bearer old", "Bearer new"]);
    assert!(driven.waits.is_empty(), "a refresh is not a backoff");
}

#[test]
fn a_real_http_401_refreshes_too_and_a_second_refusal_is_final() {
    let mut script = Script::new([
        Reply::Status(401, "Unauthorized"),
        Reply::Status(401, "Unauthorized"),
    ]);
    let driven = drive(
        query(),
        &mut script,
        &mut tokens(&["old", "new"]),
        Timestamp::ZERO,
    );
    let error = driven.result.unwrap_err();
    assert!(error.is_auth(), "{error:?}");
    assert_eq!(script.sent.len(), 2, "exactly one replay");
}

#[test]
fn a_submit_refused_for_its_token_is_replayed_with_a_new_one() {
    let mut script = Script::new([
        Reply::Json(r#"{"code":401,"msg":"login expired"}"#),
        Reply::Json(SUBMIT_OK),
    ]);
    let driven = drive(
        submit(),
        &mut script,
        &mut tokens(&["old", "new"]),
        Timestamp::ZERO,
    );
    assert!(driven.result.is_ok());
    assert_eq!(script.sent.len(), 2);
}

#[test]
fn bad_credentials_end_the_token_call_at_once() {
    let call = Call::get_token(
        &api(),
        &ClientId::new("ak_x"),
        &ClientSecret::new("sk_y"),
        RetryPolicy::default(),
        3,
    );
    let mut script = Script::new([Reply::Json(
        r#"{"code":40010000,"message":"client credentials are invalid"}"#,
    )]);
    let driven = drive(call, &mut script, &mut VecDeque::new(), Timestamp::ZERO);
    let error = driven.result.unwrap_err();
    assert!(error.api_error().unwrap().is_bad_credentials());
    assert!(error.is_auth());
    assert_eq!(script.sent.len(), 1);
    assert_eq!(script.paths(), ["/open-api/v1/auth/token"]);
}

#[test]
fn the_time_budget_bounds_retries() {
    let policy = RetryPolicy::default().with_max_attempts(100).with_delays(
        Duration::from_secs(1),
        Duration::from_secs(1),
        Duration::from_secs(3),
    );
    let call = Call::query_task(&api(), "t-1".into(), policy, 5);
    let mut script = Script::new((0..100).map(|_| Reply::Status(503, "")));
    let driven = drive(call, &mut script, &mut tokens(&["a"]), Timestamp::ZERO);
    let error = driven.result.unwrap_err();
    assert!(
        matches!(
            error,
            CallError::Api {
                stopped: StopReason::BudgetExhausted,
                ..
            }
        ),
        "{error:?}"
    );
    let total: Duration = driven.waits.iter().sum();
    assert!(total <= Duration::from_secs(3), "{total:?}");
}

#[test]
fn feeding_a_call_out_of_order_is_reported_not_panicked() {
    let mut call = query();
    call.on_response(Response::new(TASK_OK), Timestamp::ZERO);
    let CallStep::Done(Err(error)) = call.next(Timestamp::ZERO) else {
        panic!()
    };
    assert!(matches!(error, CallError::OutOfSequence(_)));
}

#[test]
fn a_finished_call_keeps_answering_its_result() {
    let mut script = Script::new([Reply::Json(TASK_OK)]);
    let mut call = query();
    call.set_token(AccessToken::new("a"));
    let CallStep::Send(request) = call.next(Timestamp::ZERO) else {
        panic!()
    };
    call.on_response(
        script.answer(&request, Timestamp::ZERO).unwrap(),
        Timestamp::ZERO,
    );
    for _ in 0..2 {
        assert!(matches!(call.next(Timestamp::ZERO), CallStep::Done(Ok(_))));
    }
}

#[test]
fn a_call_run_as_a_job_hands_its_result_over_once() {
    use hitem3d_core::{Input, Io, Job};
    let mut call = query();
    let now = Timestamp::ZERO;
    assert!(matches!(Job::next(&mut call, now), Io::Token { .. }));
    call.on(Input::Token(Ok(AccessToken::new("t0k3n"))), now);
    assert!(matches!(Job::next(&mut call, now), Io::Exchange(_)));
    let answer = Response::new(hitem3d_core::front_end::Bytes::from_static(
        TASK_OK.as_bytes(),
    ));
    call.on(Input::Answer(Ok(answer)), now);
    match Job::next(&mut call, now) {
        Io::Done(Ok(data)) => assert_eq!(data.state, TaskState::Processing),
        other => panic!("expected the task, got {other:?}"),
    }
    // A job ends with its output: the call does not keep a copy to hand out again.
    match Job::next(&mut call, now) {
        Io::Done(Err(CallError::OutOfSequence(_))) => {}
        other => panic!("expected the call to be spent, got {other:?}"),
    }
}
