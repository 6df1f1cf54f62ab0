//! Webhook callbacks: parsing, confirming by re-query, the URL secret.

use std::path::PathBuf;

use hitem3d_core::types::{TaskData, TaskState};
use hitem3d_core::{CallbackError, CallbackSecret, parse_callback};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../spec/fixtures")
        .join(name);
    std::fs::read(path).unwrap()
}

#[test]
fn a_callback_has_the_query_task_shape() {
    let update = parse_callback(&fixture("query-success.json")).unwrap();
    assert_eq!(update.claimed_state(), TaskState::Success);
    assert!(update.task.url.is_some());
}

#[test]
fn a_bare_data_object_and_a_failed_code_are_accepted() {
    let bare = parse_callback(br#"{"task_id":"t-1","state":"failed"}"#).unwrap();
    assert_eq!(bare.claimed_state(), TaskState::Failed);
    let coded = parse_callback(br#"{"code":50010001,"data":{"task_id":"t-1","state":"processing"},"msg":"generate failed"}"#).unwrap();
    assert_eq!(
        coded.claimed_state(),
        TaskState::Failed,
        "an error code means failure"
    );
    assert_eq!(coded.message.as_deref(), Some("generate failed"));
}

#[test]
fn callbacks_without_a_task_or_with_garbage_are_refused() {
    let error =
        parse_callback(br#"{"code":50010001,"data":{},"msg":"generate failed"}"#).unwrap_err();
    assert!(matches!(error, CallbackError::NoTaskId { .. }), "{error:?}");
    let error = parse_callback(b"task done!").unwrap_err();
    assert!(
        matches!(error, CallbackError::Malformed { .. }),
        "{error:?}"
    );
    let error =
        parse_callback(br#"{"code":200,"data":{"task_id":"t","state":{"x":1}}}"#).unwrap_err();
    assert!(error.to_string().contains("data.state"), "{error}");
    let huge = vec![b' '; 2 * 1024 * 1024];
    assert!(matches!(
        parse_callback(&huge),
        Err(CallbackError::TooLarge { .. })
    ));
}

#[test]
fn confirmation_trusts_the_query_not_the_callback() {
    let update = parse_callback(br#"{"code":200,"data":{"task_id":"t-1","state":"success","url":"https://evil.example/x.glb"}}"#).unwrap();
    let queried: TaskData =
        serde_json::from_str(r#"{"task_id":"t-1","state":"processing"}"#).unwrap();
    let confirmed = update.confirm(queried).unwrap();
    assert!(!confirmed.agrees);
    assert_eq!(confirmed.task.state, TaskState::Processing);
    assert_eq!(confirmed.claimed, TaskState::Success);
    assert!(
        confirmed.task.url.is_none(),
        "the callback's URL is not carried over"
    );

    let other: TaskData = serde_json::from_str(r#"{"task_id":"t-2","state":"success"}"#).unwrap();
    assert!(matches!(
        update.confirm(other),
        Err(CallbackError::TaskMismatch { .. })
    ));
}

#[test]
fn the_url_secret_round_trips_and_rejects_forgeries() {
    let secret = CallbackSecret::new("0123456789abcdef0123456789abcdef").unwrap();
    let url = secret.callback_url("https://example.com/hook").unwrap();
    assert_eq!(
        url,
        "https://example.com/hook?hitem3d_secret=0123456789abcdef0123456789abcdef"
    );
    assert!(secret.verify(&url.parse().unwrap()).is_ok());
    for forged in [
        "https://example.com/hook",
        "https://example.com/hook?hitem3d_secret=",
        "https://example.com/hook?hitem3d_secret=0123456789abcdef0123456789abcdeF",
        "https://example.com/hook?other=0123456789abcdef0123456789abcdef",
    ] {
        assert!(
            matches!(
                secret.verify(&forged.parse().unwrap()),
                Err(CallbackError::SecretMismatch { .. })
            ),
            "{forged}"
        );
    }
    assert!(secret.callback_url("/relative").is_err());
}
