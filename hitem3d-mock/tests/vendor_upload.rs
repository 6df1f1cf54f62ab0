//! The vendor's own mesh upload (its ComfyUI plugin, through the `tos` SDK): a put signed in
//! its headers with `TOS4-HMAC-SHA256` and `x-tos-security-token`, to the bucket's own host or
//! path-style. The storage verifies it as it verifies presigned links and refuses a wrong
//! signature, a changed body, a stale request, an expired session and another bucket.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use hitem3d_mock::{MockConfig, MockService};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use support::tos_signer::TosPut;

/// The `Authorization` header the `tos` SDK 2.9.3 (`tos.auth.Auth.sign_request`) made for these
/// inputs, run once by hand; the test signer must make the same.
#[test]
fn the_test_signer_signs_as_the_vendors_sdk_does() {
    let put = TosPut {
        access_key: "AKTPmockexample0001",
        secret: "mock-secret-for-the-golden-vector",
        session: Some("STSmocksessiontoken"),
        region: "mock-region-1",
        host: "hitem3d-mock-meshes.127.0.0.1:8080",
        path: "/comfyui/mesh/2026-12-05/a%20b~c.glb",
        content_type: "model/gltf-binary",
        content_sha256: "UNSIGNED-PAYLOAD",
        date: "20261205T203000Z",
    };
    let headers = put.headers();
    let authorization = &headers.last().unwrap().1;
    assert_eq!(
        authorization,
        "TOS4-HMAC-SHA256 Credential=AKTPmockexample0001/20261205/mock-region-1/tos/request, \
         SignedHeaders=content-type;host;x-tos-content-sha256;x-tos-date;x-tos-security-token, \
         Signature=6a1a04e9b3932fda44ec178bb6098e13da08a48356cbc7ecd95edc9b1fba74f3"
    );
}

/// Upload credentials, as the plugin asks for them.
async fn credentials(mock: &MockService) -> Value {
    let client = support::Client::new(mock.base_url());
    let token = client.token(mock).await;
    client.upload_credentials(&token).await["data"].clone()
}

/// How a put is addressed: to the bucket's own host (what the SDK does) or path-style.
#[derive(Clone, Copy)]
enum Addressing<'a> {
    VirtualHosted { bucket: &'a str },
    PathStyle,
}

/// What a test changes in an otherwise good put.
#[derive(Default)]
struct Tamper<'a> {
    secret: Option<&'a str>,
    session: Option<Option<&'a str>>,
    /// Signs with the body's hash, then sends this body instead.
    sent_body: Option<&'static [u8]>,
    date: Option<String>,
}

/// A put of `body` to `key`, signed in its headers now: the status, the checksum header, the
/// body.
async fn put(
    mock: &MockService,
    data: &Value,
    addressing: Addressing<'_>,
    key: &str,
    body: &'static [u8],
    tamper: Tamper<'_>,
) -> (u16, Option<String>, String) {
    let address: SocketAddr = mock
        .base_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let port = address.port();
    let encoded_key = key.replace(' ', "%20");
    let (http, url, host, path) = match addressing {
        Addressing::VirtualHosted { bucket } => {
            let domain = format!("{bucket}.localhost");
            support::tls_provider();
            let http = reqwest::Client::builder()
                .resolve(&domain, address)
                .build()
                .unwrap();
            let path = format!("/{encoded_key}");
            let url = format!("http://{domain}:{port}{path}");
            (http, url, format!("{domain}:{port}"), path)
        }
        Addressing::PathStyle => {
            let path = format!("/storage/{}/{encoded_key}", mock.upload_bucket());
            let url = format!("{}{path}", mock.base_url());
            (support::http(), url, format!("127.0.0.1:{port}"), path)
        }
    };
    let hash = if tamper.sent_body.is_some() {
        Sha256::digest(body)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    } else {
        "UNSIGNED-PAYLOAD".to_owned()
    };
    let date = tamper.date.unwrap_or_else(|| {
        jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string()
    });
    let signed = TosPut {
        access_key: data["accessKeyId"].as_str().unwrap(),
        secret: tamper
            .secret
            .unwrap_or_else(|| data["secretAccessKey"].as_str().unwrap()),
        session: tamper
            .session
            .unwrap_or_else(|| data["sessionKey"].as_str()),
        region: mock.upload_region(),
        host: &host,
        path: &path,
        content_type: "model/gltf-binary",
        content_sha256: &hash,
        date: &date,
    };
    let mut request = http.put(url).body(tamper.sent_body.unwrap_or(body));
    for (name, value) in signed.headers() {
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let checksum = response
        .headers()
        .get("x-tos-hash-crc64ecma")
        .map(|value| value.to_str().unwrap().to_owned());
    (status, checksum, response.text().await.unwrap())
}

const BUCKET_HOST: Addressing<'static> = Addressing::VirtualHosted {
    bucket: "hitem3d-mock-meshes",
};

#[tokio::test]
async fn a_put_signed_in_its_headers_is_stored_on_the_buckets_host_or_path_style() {
    let mock = MockService::start_with(MockConfig::manual()).await;
    assert_eq!(mock.upload_bucket(), "hitem3d-mock-meshes");
    let data = credentials(&mock).await;
    let key = "comfyui/mesh/2026-12-05/a b.glb";
    let (status, checksum, body) = put(
        &mock,
        &data,
        BUCKET_HOST,
        key,
        b"glTF one",
        Tamper::default(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // CRC-64/XZ of the body, as the `tos` SDK computed it for these bytes.
    assert_eq!(checksum.as_deref(), Some("10624392500648130734"));
    let data = credentials(&mock).await;
    let hashed = Tamper {
        sent_body: Some(b"glTF two"),
        ..Tamper::default()
    };
    let (status, _, body) = put(
        &mock,
        &data,
        Addressing::PathStyle,
        "two.glb",
        b"glTF two",
        hashed,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        mock.uploaded_keys(),
        ["comfyui/mesh/2026-12-05/a b.glb", "two.glb"]
    );
    let public = format!("{}/two.glb", mock.upload_public_base());
    let bytes = support::http()
        .get(public)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), b"glTF two");
}

#[tokio::test]
async fn a_header_signed_put_that_does_not_hold_is_refused() {
    let mock = MockService::start_with(MockConfig::manual()).await;
    let data = credentials(&mock).await;
    // TOS words its errors in JSON, which the SDK reads.
    let refused = |code: &str, (status, _, body): (u16, Option<String>, String), expected: u16| {
        assert_eq!(status, expected, "{body}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["Code"], code, "{body}");
    };
    let wrong_secret = Tamper {
        secret: Some("not-the-secret"),
        ..Tamper::default()
    };
    let answer = put(&mock, &data, BUCKET_HOST, "k.glb", b"x", wrong_secret).await;
    refused("SignatureDoesNotMatch", answer, 403);

    let changed_body = Tamper {
        sent_body: Some(b"something else"),
        ..Tamper::default()
    };
    let answer = put(&mock, &data, BUCKET_HOST, "k.glb", b"x", changed_body).await;
    refused("BadDigest", answer, 400);

    let no_session = Tamper {
        session: Some(None),
        ..Tamper::default()
    };
    let answer = put(&mock, &data, BUCKET_HOST, "k.glb", b"x", no_session).await;
    refused("InvalidToken", answer, 403);

    let stale = Tamper {
        date: Some(
            (jiff::Timestamp::now() - jiff::SignedDuration::from_mins(20))
                .strftime("%Y%m%dT%H%M%SZ")
                .to_string(),
        ),
        ..Tamper::default()
    };
    let answer = put(&mock, &data, BUCKET_HOST, "k.glb", b"x", stale).await;
    refused("RequestTimeTooSkewed", answer, 403);

    let other_bucket = Addressing::VirtualHosted {
        bucket: "someone-elses-bucket",
    };
    let answer = put(&mock, &data, other_bucket, "k.glb", b"x", Tamper::default()).await;
    refused("NoSuchBucket", answer, 404);

    mock.advance(Duration::from_secs(16 * 60));
    let answer = put(&mock, &data, BUCKET_HOST, "k.glb", b"x", Tamper::default()).await;
    refused("ExpiredToken", answer, 403);
    assert!(mock.uploaded_keys().is_empty());
}
