//! Decoding every documented answer and every quirk `shared/hitem3d-api.md` lists.

use std::path::PathBuf;
use std::time::Duration;

use hitem3d_core::http::{Response, StatusCode};
use hitem3d_core::types::{ApiErrorCode, Credits, ErrorClass, TaskState};
use hitem3d_core::{ApiError, DecodeError, MAX_RESPONSE_BYTES, decode};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../spec/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn ok(body: impl Into<Vec<u8>>) -> Response<Vec<u8>> {
    Response::new(body.into())
}

fn with_status(status: u16, body: impl Into<Vec<u8>>) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .body(body.into())
        .unwrap()
}

fn service_code(error: &ApiError) -> i64 {
    error.code().expect("a service error").code()
}

// ---- the docs' own examples ----

#[test]
fn token_success_and_invalid_credentials() {
    let token = decode::token(&ok(fixture("token-success.json"))).unwrap();
    assert_eq!(
        token.access_token.expose_secret(),
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."
    );
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));

    let error = decode::token(&ok(fixture("token-invalid-credentials.json"))).unwrap_err();
    assert!(error.is_bad_credentials());
    assert!(
        !error.needs_new_token(),
        "a new token cannot fix bad credentials"
    );
    assert_eq!(error.class(), ErrorClass::Auth);
    assert!(!error.is_transient());
    assert!(error.to_string().contains("client credentials are invalid"));
}

#[test]
fn submit_success() {
    for name in [
        "submit-success.json",
        "depth-submit-success.json",
        "segmentation-submit-success.json",
    ] {
        let data = decode::submit_task(&ok(fixture(name))).unwrap();
        assert!(!data.task_id.as_str().is_empty(), "{name}");
    }
}

#[test]
fn query_success_and_generate_failed() {
    let task = decode::query_task(&ok(fixture("query-success.json"))).unwrap();
    assert_eq!(task.state, TaskState::Success);
    assert!(task.url.unwrap().ends_with("/original/0.glb"));
    assert!(task.cover_url.unwrap().ends_with("/0.webp"));
    assert_eq!(
        task.id.unwrap().as_str(),
        "2c2ad20cb3204697ba7f80351c3e8606.jjewelry-aigc-api.1NraEb5ohU_0"
    );

    let depth = decode::query_task(&ok(fixture("depth-query-success.json"))).unwrap();
    assert_eq!(depth.state, TaskState::Success);

    let failed = decode::query_task(&ok(fixture("query-generate-failed.json"))).unwrap_err();
    assert_eq!(failed.code(), Some(&ApiErrorCode::GenerateFailed));
    assert_eq!(failed.class(), ErrorClass::GenerationFailed);
}

#[test]
fn balance_success_and_unauthorized() {
    let balance = decode::balance(&ok(fixture("balance-success.json"))).unwrap();
    assert_eq!(balance.total(), Some(Credits(14.0)));

    let error = decode::balance(&ok(fixture("balance-unauthorized.json"))).unwrap_err();
    assert_eq!(error.code(), Some(&ApiErrorCode::LoginExpired));
    assert!(error.needs_new_token());
}

// ---- quirks ----

#[test]
fn code_may_be_a_string_and_success_may_be_zero() {
    for code in [r#""200""#, "0", r#""0""#, "200.0"] {
        let body = format!(r#"{{"code":{code},"data":{{"task_id":"t"}}}}"#);
        let data = decode::submit_task(&ok(body)).unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(data.task_id.as_str(), "t");
    }
    let error = decode::submit_task(&ok(r#"{"code":"30010000","data":{},"msg":"x"}"#)).unwrap_err();
    assert_eq!(error.code(), Some(&ApiErrorCode::InsufficientBalance));
}

#[test]
fn message_is_read_from_msg_or_message_and_may_be_chinese() {
    let msg = decode::balance(&ok(r#"{"code":30010000,"msg":"余额不足","data":{}}"#)).unwrap_err();
    assert!(matches!(&msg, ApiError::Service { message, .. } if message == "余额不足"));
    let message = decode::balance(&ok(
        r#"{"code":30010000,"message":"balance is not enough"}"#,
    ))
    .unwrap_err();
    assert!(
        matches!(&message, ApiError::Service { message, .. } if message == "balance is not enough")
    );
    // No message at all: the documented one stands in.
    let none = decode::balance(&ok(r#"{"code":30010000}"#)).unwrap_err();
    assert!(
        matches!(&none, ApiError::Service { message, .. } if message == "balance is not enough")
    );
}

#[test]
fn unknown_fields_and_legacy_extras_are_ignored() {
    let body = r#"{"code":200,"msg":"success","traceId":"x","data":{"task_id":"t","state":"processing",
        "progress":"42.5","task_status":2,"task_result":{"model_url":null},"new_field":[1,2]}}"#;
    let task = decode::query_task(&ok(body)).unwrap();
    assert_eq!(task.state, TaskState::Processing);
    assert_eq!(task.progress_percent(), Some(42.5));
}

#[test]
fn states_the_sdk_does_not_know_are_kept() {
    let task = decode::query_task(&ok(
        r#"{"code":200,"data":{"task_id":"t","state":"rendering"}}"#,
    ))
    .unwrap();
    assert!(!task.state.is_known());
    assert!(!task.state.is_terminal());
}

#[test]
fn an_empty_data_object_on_success_is_reported_as_missing_data() {
    let error = decode::query_task(&ok(r#"{"code":200,"data":{},"msg":"success"}"#)).unwrap_err();
    assert!(
        matches!(error, ApiError::Decode(DecodeError::MissingData { .. })),
        "{error:?}"
    );
    let error = decode::query_task(&ok(r#"{"code":200,"msg":"success"}"#)).unwrap_err();
    assert!(
        matches!(error, ApiError::Decode(DecodeError::MissingData { .. })),
        "{error:?}"
    );
}

#[test]
fn a_bad_field_is_reported_with_its_path() {
    let error = decode::query_task(&ok(
        r#"{"code":200,"data":{"task_id":"t","state":{"x":1}}}"#,
    ))
    .unwrap_err();
    let ApiError::Decode(decode_error) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(decode_error.path(), Some("data.state"));
    let error = decode::submit_task(&ok(r#"{"code":200,"data":{"state":"created"}}"#)).unwrap_err();
    assert!(error.to_string().contains("task_id"), "{error}");
    let error = decode::balance(&ok(r#"{"code":200,"data":{"usedBalance":1}}"#)).unwrap_err();
    assert!(error.to_string().contains("data.totalBalance"), "{error}");
    let error = decode::token(&ok(r#"{"code":200,"data":{"accessToken":""}}"#)).unwrap_err();
    assert!(error.to_string().contains("data.accessToken"), "{error}");
}

#[test]
fn the_body_code_wins_over_the_http_status() {
    // An error inside HTTP 200 …
    let error =
        decode::query_task(&ok(r#"{"code":401,"data":{},"msg":"login expired"}"#)).unwrap_err();
    assert!(error.needs_new_token());
    assert_eq!(error.status(), StatusCode::OK);
    // … and a JSON error inside HTTP 500 are both read from the body.
    let error = decode::submit_task(&with_status(
        500,
        r#"{"code":10000000,"msg":"system error"}"#,
    ))
    .unwrap_err();
    assert_eq!(service_code(&error), 10_000_000);
    assert!(error.is_transient());
}

#[test]
fn non_json_error_pages_fall_back_on_the_status() {
    let cases = [
        (
            502,
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            ErrorClass::TransientServer,
            true,
            false,
        ),
        (503, "", ErrorClass::TransientServer, true, false),
        (429, "Too Many Requests", ErrorClass::RateLimit, true, false),
        (401, "Unauthorized", ErrorClass::Auth, false, true),
        (403, "<html>Forbidden</html>", ErrorClass::Auth, false, true),
        (404, "Not Found", ErrorClass::Unknown, false, false),
        (
            500,
            r#"{"error":"boom"}"#,
            ErrorClass::TransientServer,
            true,
            false,
        ),
    ];
    for (status, body, class, transient, refresh) in cases {
        let error = decode::query_task(&with_status(status, body)).unwrap_err();
        assert!(
            matches!(error, ApiError::Http { .. }),
            "{status}: {error:?}"
        );
        assert_eq!(error.class(), class, "{status}");
        assert_eq!(error.is_transient(), transient, "{status}");
        assert_eq!(error.needs_new_token(), refresh, "{status}");
        assert_eq!(error.status().as_u16(), status);
    }
}

#[test]
fn retry_after_seconds_are_read_and_capped() {
    let response = Response::builder()
        .status(429)
        .header("retry-after", "12")
        .body(b"slow down".to_vec())
        .unwrap();
    assert_eq!(
        decode::balance(&response).unwrap_err().retry_after(),
        Some(Duration::from_secs(12))
    );
    let response = Response::builder()
        .status(503)
        .header("retry-after", "86400")
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        decode::balance(&response).unwrap_err().retry_after(),
        Some(Duration::from_secs(300))
    );
}

#[test]
fn snippets_are_short_single_line_and_secret_free() {
    let page = format!(
        "<html>\n<body>Authorization: Bearer abc.secret.token {}</body></html>",
        "x".repeat(1000)
    );
    let error = decode::query_task(&with_status(502, page)).unwrap_err();
    let ApiError::Http { snippet, .. } = &error else {
        panic!()
    };
    assert!(!snippet.contains("abc.secret.token"), "{snippet}");
    assert!(snippet.contains("[redacted]"));
    assert!(!snippet.contains('\n'));
    assert!(snippet.chars().count() <= 161);
    // A page's title is what is kept of it; a secret there is redacted all the same.
    let page = "<html><head><title>token=abc.secret.token</title></head></html>";
    let error = decode::query_task(&with_status(502, page.to_owned())).unwrap_err();
    let ApiError::Http { snippet, .. } = &error else {
        panic!()
    };
    assert_eq!(snippet, "an HTML page: token=[redacted]");
}

#[test]
fn a_200_that_is_not_json_is_a_decode_error() {
    let error = decode::query_task(&ok("<html>maintenance</html>")).unwrap_err();
    assert!(
        matches!(error, ApiError::Decode(DecodeError::NotEnvelope { .. })),
        "{error:?}"
    );
    // A maintenance page or a cut-off body may be followed by a whole answer: worth retrying
    // for reads (a submit is never resent on it; its outcome is unknown).
    assert!(error.is_transient());
    let error = decode::query_task(&ok("")).unwrap_err();
    assert!(
        matches!(error, ApiError::Decode(DecodeError::NotEnvelope { .. })),
        "{error:?}"
    );
}

#[test]
fn a_byte_order_mark_is_tolerated() {
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend_from_slice(br#"{"code":200,"data":{"task_id":"t"}}"#);
    assert_eq!(
        decode::submit_task(&ok(body)).unwrap().task_id.as_str(),
        "t"
    );
}

#[test]
fn oversized_bodies_are_refused_unread() {
    let mut body = br#"{"code":200,"data":{"task_id":"t","pad":""#.to_vec();
    body.resize(MAX_RESPONSE_BYTES + 1, b'x');
    let error = decode::submit_task(&ok(body.clone())).unwrap_err();
    assert!(
        matches!(error, ApiError::Decode(DecodeError::TooLarge { .. })),
        "{error:?}"
    );
    let error = decode::submit_task(&with_status(502, body)).unwrap_err();
    assert!(
        matches!(error, ApiError::Http { .. }),
        "an oversized error page is still an HTTP error"
    );
}

#[test]
fn undocumented_codes_keep_their_number_and_family() {
    let error = decode::submit_task(&ok(r#"{"code":10031014,"msg":"something new"}"#)).unwrap_err();
    assert_eq!(service_code(&error), 10_031_014);
    assert_eq!(error.class(), ErrorClass::Input);
    let error = decode::submit_task(&ok(r#"{"code":77777777,"msg":"??"}"#)).unwrap_err();
    assert_eq!(error.class(), ErrorClass::Unknown);
    assert!(!error.is_transient());
    let error = decode::query_task(&ok(r#"{"code":40040000,"msg":"task not found"}"#)).unwrap_err();
    assert_eq!(error.code(), Some(&ApiErrorCode::TaskNotFound));
}

#[test]
fn a_data_of_the_wrong_shape_is_named_data_not_data_dot_dot() {
    let error =
        decode::query_task(&ok(r#"{"code":200,"data":"oops","msg":"success"}"#)).unwrap_err();
    match &error {
        ApiError::Decode(DecodeError::Field { path, .. }) => assert_eq!(path, "data"),
        other => panic!("{other:?}"),
    }
    assert!(!error.to_string().contains("data.."), "{error}");
}

#[test]
fn escaped_text_reads_as_the_text_it_stands_for() {
    let body = br#"{"code":200,"data":{"task_id":"t\u002d1","state":"proc\u0065ssing"}}"#;
    let data = decode::query_task(&ok(&body[..])).unwrap();
    assert_eq!(data.task_id.as_str(), "t-1");
    assert_eq!(data.state, TaskState::Processing);
}

#[test]
fn a_success_answer_that_is_not_utf8_is_unreadable() {
    let body = b"{\"code\":200,\"data\":{\"task_id\":\"t-1\",\"state\":\"proc\xffessing\"}}";
    let error = decode::query_task(&ok(&body[..])).unwrap_err();
    assert!(
        matches!(error, ApiError::Decode(DecodeError::NotEnvelope { .. })),
        "{error:?}"
    );
}
