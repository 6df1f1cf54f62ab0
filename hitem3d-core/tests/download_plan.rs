//! The download plan in virtual time: fresh links, stale links, CDN refusals, retries.

use hitem3d_core::machines::{BodyAction, DownloadPlan, DownloadStep};
use std::time::Duration;

use hitem3d_core::http::{HeaderMap, HeaderValue, StatusCode};
use hitem3d_core::types::{OutputFormat, TaskData};
use hitem3d_core::{
    ApiRequests, BaseUrl, DownloadErrorKind, DownloadPolicy, ResultKind, TaskResult, Timestamp,
};

fn data(url: &str) -> TaskData {
    serde_json::from_value(serde_json::json!({
        "task_id": "t-1", "state": "success", "url": url
    }))
    .unwrap()
}

fn plan_at(received: Timestamp) -> DownloadPlan {
    let result =
        TaskResult::from_task(&data("https://cdn.example/old.glb?auth_key=1"), received).unwrap();
    let api = ApiRequests::new(BaseUrl::production());
    DownloadPlan::new(
        &api,
        result,
        ResultKind::Model,
        DownloadPolicy::default(),
        11,
    )
}

fn expect_get(plan: &mut DownloadPlan, now: Timestamp) -> String {
    match plan.next(now) {
        DownloadStep::Get(request) => {
            assert!(request.headers().get("authorization").is_none());
            request.uri().to_string()
        }
        other => panic!("expected a GET, got {other:?}"),
    }
}

fn headers(content_length: u64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("content-length", HeaderValue::from(content_length));
    headers
}

#[test]
fn a_fresh_link_is_fetched_directly() {
    let now = Timestamp::ZERO;
    let mut plan = plan_at(now);
    assert_eq!(
        expect_get(&mut plan, now),
        "https://cdn.example/old.glb?auth_key=1"
    );
    assert_eq!(
        plan.on_response(StatusCode::OK, &headers(10), now),
        BodyAction::Save
    );
    let progress = plan.progress(4);
    assert_eq!(
        (
            progress.kind,
            progress.bytes,
            progress.total,
            progress.attempt
        ),
        (ResultKind::Model, 4, Some(10), 1),
        "progress names the file, the announced size and the attempt"
    );
    plan.on_saved(10, now);
    let DownloadStep::Done(Ok(summary)) = plan.next(now) else {
        panic!()
    };
    assert_eq!(
        (summary.bytes, summary.attempts, summary.requeries),
        (10, 1, 0)
    );
    assert_eq!(
        summary
            .result
            .file_name(summary.kind, Some(&OutputFormat::Glb)),
        "t-1.glb"
    );
}

#[test]
fn a_stale_link_is_requeried_before_any_request() {
    let received = Timestamp::ZERO;
    let now = received + Duration::from_secs(56 * 60); // inside the 5-minute margin
    let mut plan = plan_at(received);
    let DownloadStep::Requery(task_id) = plan.next(now) else {
        panic!()
    };
    assert_eq!(task_id.as_str(), "t-1");
    plan.on_requery(Ok(data("https://cdn.example/new.glb")), now);
    assert_eq!(expect_get(&mut plan, now), "https://cdn.example/new.glb");
    assert_eq!(plan.result().expires_at, now + Duration::from_secs(3600));
}

#[test]
fn a_403_from_the_cdn_triggers_a_requery_for_fresh_links() {
    let now = Timestamp::ZERO;
    let mut plan = plan_at(now);
    expect_get(&mut plan, now);
    assert_eq!(
        plan.on_response(StatusCode::FORBIDDEN, &HeaderMap::new(), now),
        BodyAction::Discard
    );
    assert!(matches!(plan.next(now), DownloadStep::Requery(_)));
    plan.on_requery(Ok(data("https://cdn.example/new.glb")), now);
    assert_eq!(expect_get(&mut plan, now), "https://cdn.example/new.glb");
    assert_eq!(
        plan.on_response(StatusCode::OK, &HeaderMap::new(), now),
        BodyAction::Save
    );
    plan.on_saved(5, now);
    let DownloadStep::Done(Ok(summary)) = plan.next(now) else {
        panic!()
    };
    assert_eq!((summary.attempts, summary.requeries), (2, 1));
}

#[test]
fn links_that_keep_being_refused_end_as_expired() {
    let now = Timestamp::ZERO;
    let mut plan = plan_at(now);
    for _ in 0..3 {
        expect_get(&mut plan, now);
        assert_eq!(
            plan.on_response(StatusCode::FORBIDDEN, &HeaderMap::new(), now),
            BodyAction::Discard
        );
        if let DownloadStep::Requery(_) = plan.next(now) {
            plan.on_requery(Ok(data("https://cdn.example/again.glb")), now);
        }
    }
    let DownloadStep::Done(Err(error)) = plan.next(now) else {
        panic!()
    };
    assert_eq!(
        error.kind,
        DownloadErrorKind::Expired {
            refused_with: Some(StatusCode::FORBIDDEN)
        }
    );
    assert_eq!(error.requeries, 2);
    assert!(
        error.to_string().contains("query the task again"),
        "{error}"
    );
}

#[test]
fn server_errors_and_truncated_bodies_are_retried_after_a_backoff() {
    let mut now = Timestamp::ZERO;
    let mut plan = plan_at(now);
    expect_get(&mut plan, now);
    assert_eq!(
        plan.on_response(StatusCode::SERVICE_UNAVAILABLE, &HeaderMap::new(), now),
        BodyAction::Discard
    );
    let DownloadStep::Wait { until } = plan.next(now) else {
        panic!()
    };
    assert!(until - now <= Duration::from_millis(500));
    now = until;
    expect_get(&mut plan, now);
    assert_eq!(
        plan.on_response(StatusCode::OK, &headers(100), now),
        BodyAction::Save
    );
    plan.on_saved(40, now);
    let DownloadStep::Wait { until } = plan.next(now) else {
        panic!("a short body is retried")
    };
    now = until;
    expect_get(&mut plan, now);
    assert_eq!(
        plan.on_response(StatusCode::OK, &headers(100), now),
        BodyAction::Save
    );
    plan.on_saved(100, now);
    let DownloadStep::Done(Ok(summary)) = plan.next(now) else {
        panic!()
    };
    assert_eq!(summary.attempts, 3);
}

#[test]
fn a_requery_that_finds_no_result_ends_the_download() {
    let received = Timestamp::ZERO;
    let now = received + Duration::from_secs(2 * 3600);
    let mut plan = plan_at(received);
    assert!(matches!(plan.next(now), DownloadStep::Requery(_)));
    let failed: TaskData = serde_json::from_str(r#"{"task_id":"t-1","state":"failed"}"#).unwrap();
    plan.on_requery(Ok(failed), now);
    let DownloadStep::Done(Err(error)) = plan.next(now) else {
        panic!()
    };
    assert!(
        matches!(error.kind, DownloadErrorKind::NotAvailable { .. }),
        "{error:?}"
    );
}

#[test]
fn a_missing_cover_is_reported() {
    let result =
        TaskResult::from_task(&data("https://cdn.example/0.glb"), Timestamp::ZERO).unwrap();
    let api = ApiRequests::new(BaseUrl::production());
    let mut plan = DownloadPlan::new(
        &api,
        result,
        ResultKind::Cover,
        DownloadPolicy::default(),
        1,
    );
    let DownloadStep::Done(Err(error)) = plan.next(Timestamp::ZERO) else {
        panic!()
    };
    assert_eq!(error.kind, DownloadErrorKind::NoSuchFile);
}

#[test]
fn other_client_errors_are_final() {
    let now = Timestamp::ZERO;
    let mut plan = plan_at(now);
    expect_get(&mut plan, now);
    assert_eq!(
        plan.on_response(StatusCode::BAD_REQUEST, &HeaderMap::new(), now),
        BodyAction::Discard
    );
    let DownloadStep::Done(Err(error)) = plan.next(now) else {
        panic!()
    };
    assert_eq!(
        error.kind,
        DownloadErrorKind::Http {
            status: StatusCode::BAD_REQUEST
        }
    );
}

#[test]
fn an_append_only_destination_is_not_refetched_after_a_broken_body() {
    let now = Timestamp::ZERO;
    let mut plan = plan_at(now).with_append_only_destination();
    expect_get(&mut plan, now);
    // Failures before any body byte are still retried: nothing was written.
    assert_eq!(
        plan.on_response(StatusCode::BAD_GATEWAY, &HeaderMap::new(), now),
        BodyAction::Discard
    );
    let DownloadStep::Wait { until } = plan.next(now) else {
        panic!("a 502 is retried after a backoff");
    };
    expect_get(&mut plan, until);
    assert_eq!(
        plan.on_response(StatusCode::OK, &headers(100), until),
        BodyAction::Save
    );
    assert_eq!(plan.expected_bytes(), Some(100));
    plan.on_saved(40, until);
    let DownloadStep::Done(Err(error)) = plan.next(until) else {
        panic!("a short body to an append-only destination ends the download");
    };
    assert!(
        matches!(error.kind, DownloadErrorKind::Interrupted(_)),
        "{error}"
    );
    assert!(error.to_string().contains("fresh writer"), "{error}");
    assert_eq!(plan.attempts(), 2);
}

fn expect_out_of_sequence(plan: &mut DownloadPlan, now: Timestamp) {
    match plan.next(now) {
        DownloadStep::Done(Err(error)) => assert!(
            matches!(error.kind, DownloadErrorKind::OutOfSequence(_)),
            "{error}"
        ),
        other => panic!("expected an out-of-sequence end, got {other:?}"),
    }
}

#[test]
fn an_answer_nobody_asked_for_ends_the_plan_with_a_typed_error() {
    let now = Timestamp::ZERO;
    let mut plan = plan_at(now);
    plan.on_saved(10, now);
    expect_out_of_sequence(&mut plan, now);
    // Ended, it stays ended: more input changes nothing, and no body is taken.
    assert_eq!(
        plan.on_response(StatusCode::OK, &HeaderMap::new(), now),
        BodyAction::Discard
    );
    expect_out_of_sequence(&mut plan, now);
}

#[test]
fn asking_again_while_a_request_is_out_ends_the_plan_instead_of_resending() {
    let now = Timestamp::ZERO;
    let mut plan = plan_at(now);
    expect_get(&mut plan, now);
    expect_out_of_sequence(&mut plan, now);
    assert_eq!(plan.attempts(), 1, "the request was not handed out twice");
}
