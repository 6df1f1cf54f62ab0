//! The mock's object storage: it takes only puts presigned with credentials it issued, while
//! they last, and serves what it took at the public base.

mod support;

use std::time::Duration;

use hitem3d_mock::{MockConfig, MockService};
use rusty_s3::{Bucket, Credentials, S3Action as _, UrlStyle};
use serde_json::Value;
use support::code;

/// A put of `body` to `key`, presigned now with `data`'s credentials (or tampered ones).
async fn put(
    mock: &MockService,
    data: &Value,
    key: &str,
    secret: Option<&str>,
    body: &'static [u8],
) -> (u16, String) {
    let endpoint = mock.upload_endpoint().parse().unwrap();
    let bucket = Bucket::new(
        endpoint,
        UrlStyle::Path,
        mock.upload_bucket(),
        mock.upload_region(),
    )
    .unwrap();
    let signer = Credentials::new_with_token(
        data["accessKeyId"].as_str().unwrap(),
        secret.unwrap_or_else(|| data["secretAccessKey"].as_str().unwrap()),
        data["sessionKey"].as_str().unwrap(),
    );
    let url = bucket
        .put_object(Some(&signer), key)
        .sign(Duration::from_secs(600));
    let response = support::http()
        .put(url.as_str())
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn a_presigned_put_is_stored_and_served_publicly() {
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    let answer = client.upload_credentials(&token).await;
    assert_eq!(code(&answer), 200, "{answer}");
    let key = "comfyui/mesh/2026-11-27/a b.glb";
    let (status, _) = put(&mock, &answer["data"], key, None, b"glTF mesh").await;
    assert_eq!(status, 200);
    assert_eq!(mock.uploaded_keys(), [key]);
    let public = format!(
        "{}/comfyui/mesh/2026-11-27/a%20b.glb",
        mock.upload_public_base()
    );
    let (status, bytes) = client.download(&public).await;
    assert_eq!((status, bytes.as_slice()), (200, &b"glTF mesh"[..]));
    let (status, _) = client
        .download(&format!("{}/nothing.glb", mock.upload_public_base()))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn uploads_past_the_retention_are_deleted_oldest_first() {
    let mut config = MockConfig::manual();
    config.retention.stored_objects = 2;
    let (mock, client, token) = support::session(config).await;
    for key in ["a.glb", "b.glb", "a.glb", "c.glb"] {
        let answer = client.upload_credentials(&token).await;
        let (status, _) = put(&mock, &answer["data"], key, None, b"glTF mesh").await;
        assert_eq!(status, 200);
    }
    // a.glb stored again keeps its first place: it goes first.
    assert_eq!(mock.uploaded_keys(), ["b.glb", "c.glb"]);
    assert_eq!(mock.counters().objects_deleted, 1);
}

#[tokio::test]
async fn puts_with_wrong_or_stale_credentials_are_refused() {
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    let answer = client.upload_credentials(&token).await;
    let data = &answer["data"];

    let (status, body) = put(&mock, data, "k.glb", Some("not-the-secret"), b"x").await;
    assert_eq!(status, 403);
    assert!(
        body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{body}"
    );

    let mut unknown = data.clone();
    unknown["accessKeyId"] = "AKTPsomeoneelse".into();
    let (status, body) = put(&mock, &unknown, "k.glb", None, b"x").await;
    assert_eq!(status, 403);
    assert!(body.contains("<Code>InvalidAccessKeyId</Code>"), "{body}");

    let unsigned = format!("{}{}/k.glb", mock.upload_endpoint(), mock.upload_bucket());
    let response = support::http()
        .put(unsigned)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    mock.advance(Duration::from_secs(16 * 60));
    let (status, body) = put(&mock, data, "k.glb", None, b"x").await;
    assert_eq!(status, 403);
    assert!(body.contains("<Code>ExpiredToken</Code>"), "{body}");
    assert!(mock.uploaded_keys().is_empty());

    // Credentials need a token like every other call.
    let refused = client.upload_credentials("not-a-token").await;
    assert_eq!(code(&refused), 401);
}
