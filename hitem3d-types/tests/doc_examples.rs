//! Every response example of the public docs decodes to what the docs say it means.

use std::path::PathBuf;

use hitem3d_types::{
    ApiErrorCode, BalanceData, CreditOutcome, Credits, Envelope, ErrorClass, SubmitTaskData,
    TaskData, TaskState, TokenData,
};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../spec/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn decode<T: serde::de::DeserializeOwned>(name: &str) -> Envelope<T> {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn token_success() {
    let envelope: Envelope<TokenData> = decode("token-success.json");
    assert!(envelope.code.is_success());
    assert_eq!(envelope.message(), Some("success"));
    let data = envelope.data.unwrap();
    assert!(data.access_token.expose_secret().starts_with("eyJhbGci"));
    assert_eq!(data.token_type.as_deref(), Some("Bearer"));
    assert_eq!(data.nonce.as_deref(), Some("1623456789000hitem3d"));
}

#[test]
fn token_invalid_credentials() {
    let envelope: Envelope<TokenData> = decode("token-invalid-credentials.json");
    let error = envelope.code.error().unwrap();
    assert_eq!(error, ApiErrorCode::InvalidClientCredentials);
    assert_eq!(error.class(), ErrorClass::Auth);
    assert!(
        !error.is_retryable(),
        "bad credentials must never be retried"
    );
    assert_eq!(envelope.message(), Some("client credentials are invalid"));
    assert!(envelope.data.is_none());
}

#[test]
fn submit_success() {
    let envelope: Envelope<SubmitTaskData> = decode("submit-success.json");
    assert!(envelope.code.is_success());
    let data = envelope.data.unwrap();
    assert_eq!(
        data.task_id.as_str(),
        "528f172b66554be2a2d1e95db4454a5a.jjewelry-aigc-api.7qbh5Z0wfR"
    );
    assert_eq!(data.state, None);
}

#[test]
fn query_success() {
    let envelope: Envelope<TaskData> = decode("query-success.json");
    let data = envelope.data.unwrap();
    assert_eq!(data.state, TaskState::Success);
    assert!(data.state.is_terminal());
    assert_eq!(
        data.id.as_ref().unwrap().as_str(),
        "2c2ad20cb3204697ba7f80351c3e8606.jjewelry-aigc-api.1NraEb5ohU_0"
    );
    assert_eq!(data.progress_percent(), None);
    assert!(data.url.unwrap().ends_with("/original/0.glb"));
    assert!(data.cover_url.unwrap().ends_with("/0.webp"));
}

#[test]
fn query_generate_failed() {
    let envelope: Envelope<TaskData> = decode("query-generate-failed.json");
    let error = envelope.code.error().unwrap();
    assert_eq!(error, ApiErrorCode::GenerateFailed);
    assert_eq!(error.class(), ErrorClass::GenerationFailed);
    assert_eq!(error.credit_outcome(), CreditOutcome::Refunded);
    assert!(envelope.data.is_none());
}

#[test]
fn balance_success() {
    let envelope: Envelope<BalanceData> = decode("balance-success.json");
    assert_eq!(envelope.data.unwrap().total(), Some(Credits(14.0)));
}

#[test]
fn balance_unauthorized() {
    let envelope: Envelope<BalanceData> = decode("balance-unauthorized.json");
    let error = envelope.code.error().unwrap();
    assert_eq!(error, ApiErrorCode::LoginExpired);
    assert_eq!(error.class(), ErrorClass::Auth);
    assert!(
        error.is_retryable(),
        "an expired login is retried after a token refresh"
    );
    assert_eq!(envelope.message(), Some("Unauthorized"));
}

#[test]
fn depth_and_segmentation_share_the_task_shapes() {
    let submit: Envelope<SubmitTaskData> = decode("depth-submit-success.json");
    assert!(submit.data.unwrap().task_id.as_str().starts_with("depth_"));
    let submit: Envelope<SubmitTaskData> = decode("segmentation-submit-success.json");
    assert!(
        submit
            .data
            .unwrap()
            .task_id
            .as_str()
            .starts_with("segmentation_")
    );

    let query: Envelope<TaskData> = decode("depth-query-success.json");
    let data = query.data.unwrap();
    assert_eq!(data.state, TaskState::Success);
    assert_eq!(data.cover_url, None, "the depth example has no cover");
}

#[test]
fn every_fixture_is_covered_by_a_test() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/fixtures");
    let source = include_str!("doc_examples.rs");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".json") {
            assert!(
                source.contains(&format!("\"{name}\"")),
                "no test decodes {name}"
            );
        }
    }
}
