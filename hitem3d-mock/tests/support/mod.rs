//! A plain HTTP client for the mock: reqwest, not the SDK, so the mock is tested on its own.

#![allow(dead_code, reason = "each test file uses part of the support code")]

pub mod running_binary;
pub mod tos_signer;

use std::io::Cursor;

use hitem3d_mock::{MockConfig, MockService};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

/// Sends a request and reads its JSON answer.
async fn json(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// A manual-time or fast mock, a client for it, and a token.
pub async fn session(config: MockConfig) -> (MockService, Client, String) {
    let mock = MockService::start_with(config).await;
    let client = Client::new(mock.base_url());
    let token = client.token(&mock).await;
    (mock, client, token)
}

/// A picture the mock can decode: a red square on white.
pub fn png() -> Vec<u8> {
    let mut picture = image::RgbaImage::from_pixel(32, 32, image::Rgba([255, 255, 255, 255]));
    for y in 8..24 {
        for x in 8..24 {
            picture.put_pixel(x, y, image::Rgba([220, 30, 30, 255]));
        }
    }
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Installs ring as the process's rustls provider, once. A workspace build gives reqwest the
/// async client's TLS, which brings no provider of its own (the client hands it ring's).
pub fn tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A reqwest client, with a TLS provider in place.
pub fn http() -> reqwest::Client {
    tls_provider();
    reqwest::Client::new()
}

/// A blocking reqwest client, with a TLS provider in place.
pub fn blocking_http() -> reqwest::blocking::Client {
    tls_provider();
    reqwest::blocking::Client::new()
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub fn new(base: String) -> Self {
        Self { http: http(), base }
    }

    pub async fn token_with(&self, id: &str, secret: &str) -> Value {
        json(
            self.http
                .post(format!("{}/open-api/v1/auth/token", self.base))
                .basic_auth(id, Some(secret))
                .json(&serde_json::json!({})),
        )
        .await
    }

    pub async fn token(&self, mock: &hitem3d_mock::MockHandle) -> String {
        let body = self
            .token_with(&mock.client_id(), &mock.client_secret())
            .await;
        body["data"]["accessToken"].as_str().unwrap().to_owned()
    }

    pub async fn submit(&self, token: &str, form: Form) -> Value {
        json(
            self.http
                .post(format!("{}/open-api/v1/submit-task", self.base))
                .bearer_auth(token)
                .multipart(form),
        )
        .await
    }

    /// `POST /open-api/v1/<kind>/create-task` (`depth`, `split`, `segmentation`,
    /// `muilticolor`).
    pub async fn create(&self, token: &str, kind: &str, form: Form) -> Value {
        json(
            self.http
                .post(format!("{}/open-api/v1/{kind}/create-task", self.base))
                .bearer_auth(token)
                .multipart(form),
        )
        .await
    }

    /// Submits and returns the new task's id; panics if the mock refuses.
    pub async fn submit_task(&self, token: &str, form: Form) -> String {
        let body = self.submit(token, form).await;
        body["data"]["task_id"]
            .as_str()
            .unwrap_or_else(|| panic!("refused: {body}"))
            .to_owned()
    }

    pub async fn query(&self, token: &str, task_id: &str) -> Value {
        json(
            self.http
                .get(format!(
                    "{}/open-api/v1/query-task?task_id={}",
                    self.base,
                    url::form_urlencoded::byte_serialize(task_id.as_bytes()).collect::<String>()
                ))
                .bearer_auth(token),
        )
        .await
    }

    /// `GET /open-api/v1/upload/token`: short-lived credentials for the storage.
    pub async fn upload_credentials(&self, token: &str) -> Value {
        json(
            self.http
                .get(format!("{}/open-api/v1/upload/token", self.base))
                .bearer_auth(token),
        )
        .await
    }

    pub async fn balance(&self, token: &str) -> Value {
        json(
            self.http
                .get(format!("{}/open-api/v1/balance", self.base))
                .bearer_auth(token),
        )
        .await
    }

    pub async fn download(&self, url: &str) -> (u16, Vec<u8>) {
        let response = self.http.get(url).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    }
}

/// A single-picture form, for `hitem3dv1.5` unless `fields` name a model (the model is
/// required).
pub fn form(picture: Vec<u8>, fields: &[(&str, &str)]) -> Form {
    let mut form = Form::new().part("images", Part::bytes(picture).file_name("image.png"));
    if !fields.iter().any(|(name, _)| *name == "model") {
        form = form.text("model", "hitem3dv1.5");
    }
    for (name, value) in fields {
        form = form.text((*name).to_owned(), (*value).to_owned());
    }
    form
}

pub fn code(body: &Value) -> i64 {
    match &body["code"] {
        Value::Number(n) => n.as_i64().unwrap(),
        Value::String(s) => s.parse().unwrap(),
        other => panic!("no code in {other}"),
    }
}
