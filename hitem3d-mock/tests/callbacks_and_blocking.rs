//! Callbacks to loopback receivers, the blocking start, and the standalone binary.

mod support;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use hitem3d_mock::{BlockingMock, MockConfig};
use support::{form, png};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A loopback webhook receiver answering `status` to every POST.
async fn receiver(status: u16) -> MockServer {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&receiver)
        .await;
    receiver
}

#[tokio::test]
async fn a_finished_task_is_posted_to_its_callback_url() {
    let receiver = receiver(200).await;
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    let hook = format!("{}/hook", receiver.uri());
    let body = client
        .submit(&token, form(png(), &[("callback_url", &hook)]))
        .await;
    let task_id = body["data"]["task_id"].as_str().unwrap().to_owned();
    mock.complete_task(&task_id);
    // Waits for the event; the limit only bounds a failure, however busy the machine.
    // The mock records a delivery once the receiver has answered it.
    let started = std::time::Instant::now();
    while (receiver.received_requests().await.unwrap().is_empty() || mock.callbacks().is_empty())
        && started.elapsed() < Duration::from_secs(120)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let received = receiver.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    let posted: serde_json::Value = received[0].body_json().unwrap();
    assert_eq!(posted["code"], 200);
    assert_eq!(posted["data"]["task_id"], task_id.as_str());
    assert_eq!(posted["data"]["state"], "success");
    assert_eq!(mock.callbacks().len(), 1);
}

#[tokio::test]
async fn a_failing_receiver_gets_three_attempts_and_remote_ones_none() {
    let receiver = receiver(500).await;
    let (mock, client, token) = support::session(MockConfig::manual()).await;
    let hook = format!("{}/hook", receiver.uri());
    let local = client
        .submit_task(&token, form(png(), &[("callback_url", &hook)]))
        .await;
    let remote = client
        .submit(
            &token,
            form(
                png(),
                &[
                    ("callback_url", "https://example.com/hook"),
                    ("format", "3"),
                ],
            ),
        )
        .await;
    assert_eq!(support::code(&remote), 200);
    mock.advance(Duration::from_secs(3600));
    let started = std::time::Instant::now();
    while !(receiver.received_requests().await.unwrap().len() >= 3 && mock.callbacks().len() >= 4)
        && started.elapsed() < Duration::from_secs(120)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.received_requests().await.unwrap().len(), 3);
    let deliveries = mock.callbacks();
    let to_local: Vec<_> = deliveries.iter().filter(|d| d.task_id == local).collect();
    assert_eq!(
        to_local.iter().map(|d| d.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(to_local.iter().all(|d| d.status == Some(500)));
    let to_remote: Vec<_> = deliveries.iter().filter(|d| d.task_id != local).collect();
    assert_eq!(to_remote.len(), 1);
    assert_eq!(to_remote[0].status, None, "never posted off the machine");
}

#[test]
fn the_blocking_mock_serves_plain_tests_and_stops_on_drop() {
    let mock = BlockingMock::start_with(MockConfig::manual());
    let base = mock.base_url();
    let http = support::blocking_http();
    let token: serde_json::Value = http
        .post(format!("{base}/open-api/v1/auth/token"))
        .basic_auth(mock.client_id(), Some(mock.client_secret()))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(token["code"], 200);
    drop(mock);
    let after = http
        .post(format!("{base}/open-api/v1/auth/token"))
        .timeout(Duration::from_secs(2))
        .send();
    assert!(after.is_err(), "the server is gone");
}

/// The mock binary, killed however the test ends (a failed assertion included).
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_binary_prints_its_address_and_serves_a_whole_flow() {
    // 120×: a task takes about 3.5 s and a result link lives 30 s of real time, so a busy
    // machine cannot make the link expire between the query and the download.
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_hitem3d-mock"))
            .args(["--port", "0", "--speed", "120"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut settings = std::collections::HashMap::new();
    for line in lines.by_ref().take(4) {
        let line = line.unwrap();
        if let Some((key, value)) = line.trim().split_once('=') {
            settings.insert(key.to_owned(), value.to_owned());
        }
    }
    let base = settings["HITEM3D_BASE_URL"].clone();
    let http = support::blocking_http();
    let token: serde_json::Value = http
        .post(format!("{base}/open-api/v1/auth/token"))
        .basic_auth(
            &settings["HITEM3D_CLIENT_ID"],
            Some(&settings["HITEM3D_CLIENT_SECRET"]),
        )
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = token["data"]["accessToken"].as_str().unwrap().to_owned();
    let form = reqwest::blocking::multipart::Form::new()
        .part(
            "images",
            reqwest::blocking::multipart::Part::bytes(png()).file_name("p.png"),
        )
        .text("model", "hitem3dv1.5")
        .text("format", "2");
    let submitted: serde_json::Value = http
        .post(format!("{base}/open-api/v1/submit-task"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let task_id = submitted["data"]["task_id"].as_str().unwrap().to_owned();
    let mut url = None;
    // Up to two minutes: generous for a busy machine, and over as soon as the task is done.
    for _ in 0..1200 {
        let queried: serde_json::Value = http
            .get(format!("{base}/open-api/v1/query-task?task_id={task_id}"))
            .bearer_auth(&token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        if queried["data"]["state"] == "success" {
            url = queried["data"]["url"].as_str().map(str::to_owned);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let model = http
        .get(url.expect("the task finished"))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert_eq!(&model[..4], b"glTF");
    drop(child);
}
