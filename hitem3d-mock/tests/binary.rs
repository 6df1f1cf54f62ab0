//! The mock's binary, as a client in another language uses it: flags that make tasks fail and
//! routes misbehave for the whole run, driven over plain HTTP.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use serde_json::Value;
use support::{Client, code, png};

/// The binary, running until dropped.
struct Running {
    child: Child,
    client: Client,
    id: String,
    secret: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary with `flags` and reads its address and credentials from what it prints.
fn start(flags: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hitem3d-mock"))
        .args(flags)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the mock's binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut value = |name: &str| loop {
        let line = lines.next().expect("the mock prints its settings").unwrap();
        if let Some(value) = line.trim().strip_prefix(&format!("{name}=")) {
            break value.to_owned();
        }
    };
    let base = value("HITEM3D_BASE_URL");
    let id = value("HITEM3D_CLIENT_ID");
    let secret = value("HITEM3D_CLIENT_SECRET");
    Running {
        child,
        client: Client::new(base),
        id,
        secret,
    }
}

async fn token(mock: &Running) -> String {
    let body = mock.client.token_with(&mock.id, &mock.secret).await;
    body["data"]["accessToken"].as_str().unwrap().to_owned()
}

fn picture_named(name: &str) -> Form {
    Form::new()
        .part("images", Part::bytes(png()).file_name(name.to_owned()))
        .text("model", "hitem3dv1.5")
        .text("format", "2")
}

/// One query: its JSON body, or `{"code": STATUS}` for a page that is not JSON.
async fn query(mock: &Running, token: &str, task_id: &str) -> Value {
    let url = format!(
        "{}/open-api/v1/query-task?task_id={task_id}",
        mock.client.base
    );
    let response = mock
        .client
        .http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| serde_json::json!({ "code": status }))
}

/// Queries until the task ends (or an error envelope answers), keeping every answer; gives up
/// after a real minute, far beyond the few milliseconds the tasks take.
async fn until_ended(mock: &Running, token: &str, task_id: &str) -> Vec<Value> {
    let started = Instant::now();
    let mut answers = Vec::new();
    loop {
        let body = query(mock, token, task_id).await;
        let state = body["data"]["state"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let ended = match code(&body) {
            200 => state == "success" || state == "failed",
            502 => false,
            _ => true,
        };
        answers.push(body);
        if ended {
            return answers;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{answers:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn help_lists_every_fault_flag() {
    let output = Command::new(env!("CARGO_BIN_EXE_hitem3d-mock"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--fail-tasks all",
        "--fail-tasks 0.25",
        "--fail-tasks name:TEXT",
        "--fail-as",
        "--fault ROUTE=KIND[@N]",
        "html:STATUS",
        "delay:MS",
        "envelope:CODE",
        "expire-tokens",
        "lost",
        "redirect",
        "expired-link",
        "--task-seconds",
    ] {
        assert!(
            help.contains(flag),
            "--help does not mention {flag}:\n{help}"
        );
    }
}

#[test]
fn a_bad_flag_says_what_to_write_and_exits_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_hitem3d-mock"))
        .args(["--fault", "query=teapot"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8(output.stderr).unwrap();
    assert!(error.contains("unknown fault \"teapot\""), "{error}");
}

#[tokio::test]
async fn tasks_fail_by_picture_name_and_faults_strike_every_nth_call() {
    let mock = start(&[
        "--speed",
        "1000",
        "--task-seconds",
        "7",
        "--fail-tasks",
        "name:broken",
        "--fault",
        "query=html:502@2",
        "--fault",
        "balance=envelope:10000000:system error",
    ]);
    let token = token(&mock).await;
    let broken = mock
        .client
        .submit_task(&token, picture_named("broken-chair.png"))
        .await;
    let fine = mock
        .client
        .submit_task(&token, picture_named("chair.png"))
        .await;

    let broken_answers = until_ended(&mock, &token, &broken).await;
    let fine_answers = until_ended(&mock, &token, &fine).await;
    assert_eq!(broken_answers.last().unwrap()["data"]["state"], "failed");
    assert_eq!(fine_answers.last().unwrap()["data"]["state"], "success");
    let gateway_pages = broken_answers
        .iter()
        .chain(&fine_answers)
        .filter(|body| code(body) == 502)
        .count();
    assert!(
        gateway_pages > 0,
        "every second query meets the gateway page"
    );

    let balance = mock.client.balance(&token).await;
    assert_eq!(code(&balance), 10_000_000);
    assert_eq!(balance["msg"], "system error");
}

#[tokio::test]
async fn every_second_query_meets_the_gateway_page() {
    let mock = start(&["--fault", "query=html:502@2"]);
    let token = token(&mock).await;
    let task = mock
        .client
        .submit_task(&token, picture_named("a.png"))
        .await;
    let url = format!("{}/open-api/v1/query-task?task_id={task}", mock.client.base);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let response = mock
            .client
            .http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 502, 200, 502]);
}

#[tokio::test]
async fn all_tasks_can_fail_with_the_generate_failed_envelope() {
    let mock = start(&[
        "--speed",
        "1000",
        "--task-seconds",
        "7",
        "--fail-tasks",
        "all",
        "--fail-as",
        "envelope",
    ]);
    let token = token(&mock).await;
    let task = mock
        .client
        .submit_task(&token, picture_named("a.png"))
        .await;
    let answers = until_ended(&mock, &token, &task).await;
    assert_eq!(code(answers.last().unwrap()), 50_010_001);
}

#[tokio::test]
async fn a_share_of_tasks_fails() {
    let mock = start(&[
        "--speed",
        "1000",
        "--task-seconds",
        "7",
        "--fail-tasks",
        "0.5",
    ]);
    let token = token(&mock).await;
    let mut states = Vec::new();
    for n in 0..4 {
        let task = mock
            .client
            .submit_task(&token, picture_named(&format!("{n}.png")))
            .await;
        let answers = until_ended(&mock, &token, &task).await;
        states.push(answers.last().unwrap()["data"]["state"].clone());
    }
    assert_eq!(states, ["success", "failed", "success", "failed"]);
}

/// A starter that reads nothing the binary prints (it closed the pipe at once): the binary
/// goes on serving and prints no panic. Before, its first line panicked on the closed pipe
/// and the process ended.
#[tokio::test]
async fn a_starter_that_closed_its_stdout_does_not_stop_the_binary() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hitem3d-mock"))
        .args(["--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the mock's binary starts");
    drop(child.stdout.take());
    let unknown_route = format!("http://127.0.0.1:{port}/open-api/v1/no-such-thing");
    let http = support::http();
    // However slow the machine: asked until it answers, while the process lives.
    let until = Instant::now() + Duration::from_secs(60);
    let answered = loop {
        match http.get(&unknown_route).send().await {
            Ok(response) => break response.status().as_u16(),
            Err(_) if Instant::now() < until && child.try_wait().unwrap().is_none() => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(error) => panic!("not serving ({:?}): {error}", child.try_wait()),
        }
    };
    assert_eq!(answered, 404);
    assert!(child.try_wait().unwrap().is_none(), "still running");
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
