//! An hour of the mock's life compressed into minutes (issue 30 item 3): the `hitem3d-mock`
//! binary under mixed traffic from four clients (tokens, submits, queries, downloads,
//! balances, mesh uploads through its storage, requests with 60 KiB headers, unknown routes,
//! connections left idle), its resident memory printed at intervals. What it keeps is bounded
//! (journal, ended tasks, links, uploads), so after warm-up the figure stays flat.
//!
//! `cargo bench -p hitem3d-mock --bench soak` (`SOAK_SECONDS`, default 360; the mock runs at
//! 20× so that 180 s are an hour of mock time). Warm-up is the first hour of mock time: a
//! result link lives that long, so only then does the mock hold as many as it ever will.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::blocking::{Client, multipart};
use rusty_s3::{Bucket, Credentials, S3Action as _, UrlStyle};

#[path = "../tests/support/running_binary.rs"]
mod running_binary;

use running_binary::RunningMock;

const CLIENTS: usize = 4;

/// Connections each client keeps open without a byte.
const IDLE_PER_CLIENT: usize = 16;

/// A small picture, different for each `n`.
fn picture(n: u64) -> Vec<u8> {
    let shade = u8::try_from(n % 200).unwrap();
    let mut picture = image::RgbImage::from_pixel(96, 96, image::Rgb([250, 250, 250]));
    for y in 24..72 {
        for x in 24..72 {
            picture.put_pixel(x, y, image::Rgb([shade, 40, 90]));
        }
    }
    let mut png = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut png, image::ImageFormat::Png).unwrap();
    png.into_inner()
}

fn json(response: reqwest::Result<reqwest::blocking::Response>) -> serde_json::Value {
    response
        .ok()
        .and_then(|response| response.json().ok())
        .unwrap_or_default()
}

/// One client's loop of mixed requests until `stop`; returns how many it sent.
fn client(mock: &RunningMock, index: usize, stop: &AtomicBool, sent: &AtomicU64) {
    let http = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let api = |path: &str| format!("{}/open-api/v1/{path}", mock.base);
    let mut token = String::new();
    let mut tasks: Vec<String> = Vec::new();
    let mut n: u64 = index as u64 * 1_000_000;
    let padding = "p".repeat(60 * 1024);
    let mut idle: std::collections::VecDeque<TcpStream> = std::collections::VecDeque::new();
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        if n.is_multiple_of(50) || token.is_empty() {
            let answer = json(
                http.post(api("auth/token"))
                    .basic_auth(&mock.id, Some(&mock.secret))
                    .send(),
            );
            token = answer["data"]["accessToken"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
        match n % 10 {
            0 | 1 => {
                let part = multipart::Part::bytes(picture(n)).file_name(format!("p{n}.png"));
                let form = multipart::Form::new()
                    .part("images", part)
                    .text("model", "hitem3dv2.1")
                    .text("resolution", "1536fast")
                    .text("format", "2");
                let answer = json(
                    http.post(api("submit-task"))
                        .bearer_auth(&token)
                        .multipart(form)
                        .send(),
                );
                if let Some(id) = answer["data"]["task_id"].as_str() {
                    tasks.push(id.to_owned());
                }
            }
            2..=4 => {
                if let Some(id) = tasks.first().cloned() {
                    let answer = json(
                        http.get(format!("{}?task_id={id}", api("query-task")))
                            .bearer_auth(&token)
                            .send(),
                    );
                    match answer["data"]["state"].as_str() {
                        Some("success") => {
                            if let Some(url) = answer["data"]["url"].as_str() {
                                let _ = http
                                    .get(url)
                                    .send()
                                    .and_then(reqwest::blocking::Response::bytes);
                            }
                            tasks.remove(0);
                        }
                        Some("failed") | None => {
                            tasks.remove(0);
                        }
                        _ => tasks.rotate_left(1),
                    }
                }
            }
            5 => {
                let _ = http.get(api("balance")).bearer_auth(&token).send();
            }
            6 => upload(mock, &http, &token, n),
            7 => {
                let _ = http
                    .get(api("balance"))
                    .header("x-padding", &padding)
                    .send();
            }
            8 => {
                let _ = http.get(api("no-such-route")).send();
            }
            _ => {
                // Connections opened and left (the newest few per client): the server closes
                // them at its idle timeout.
                let address = mock.base.trim_start_matches("http://");
                if let Ok(stream) = TcpStream::connect(address) {
                    idle.push_back(stream);
                    if idle.len() > IDLE_PER_CLIENT {
                        idle.pop_front();
                    }
                }
            }
        }
        sent.fetch_add(1, Ordering::Relaxed);
    }
}

/// A mesh uploaded the way the SDK does: credentials from `upload/token`, a presigned PUT.
fn upload(mock: &RunningMock, http: &Client, token: &str, n: u64) {
    let answer = json(
        http.get(format!("{}/open-api/v1/upload/token", mock.base))
            .bearer_auth(token)
            .send(),
    );
    let data = &answer["data"];
    let (Some(key_id), Some(secret), Some(session)) = (
        data["accessKeyId"].as_str(),
        data["secretAccessKey"].as_str(),
        data["sessionKey"].as_str(),
    ) else {
        return;
    };
    let text = |name: &str| mock.upload[name].as_str().unwrap_or_default().to_owned();
    let Ok(bucket) = Bucket::new(
        text("endpoint").parse().unwrap(),
        UrlStyle::Path,
        text("bucket"),
        text("region"),
    ) else {
        return;
    };
    let signer = Credentials::new_with_token(key_id, secret, session);
    let url = bucket
        .put_object(Some(&signer), &format!("soak/{n}.glb"))
        .sign(Duration::from_secs(600));
    let _ = http.put(url.as_str()).body(vec![7_u8; 300 * 1024]).send();
}

/// An hour of mock time at 20×.
const WARM_UP_SECONDS: u64 = 180;

fn main() {
    // The workspace builds reqwest with the async client's TLS, which has no provider of its own.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(360);
    let smoke = std::env::var_os("HITEM3D_BENCH_SMOKE").is_some();
    let seconds = if smoke { 5 } else { seconds };
    let interval = Duration::from_secs((seconds / 12).max(1));
    let mock = RunningMock::start(
        env!("CARGO_BIN_EXE_hitem3d-mock"),
        &[
            "--speed",
            "20",
            "--task-seconds",
            "30",
            "--max-tasks",
            "10",
            "--balance",
            "100000000",
        ],
    );
    let stop = AtomicBool::new(false);
    let sent = AtomicU64::new(0);
    let started = Instant::now();
    println!(
        "the mock at 20x, {CLIENTS} clients of mixed traffic, {seconds} s ({} min of mock time)",
        seconds * 20 / 60
    );
    println!("{:>6} {:>10} {:>12}", "s", "requests", "resident MiB");
    let mut figures: Vec<(u64, f64)> = Vec::new();
    std::thread::scope(|scope| {
        for index in 0..CLIENTS {
            let (mock, stop, sent) = (&mock, &stop, &sent);
            scope.spawn(move || client(mock, index, stop, sent));
        }
        while started.elapsed() < Duration::from_secs(seconds) {
            std::thread::sleep(interval);
            if let Ok(Some(status)) = mock.child.lock().unwrap().try_wait() {
                println!("the mock exited: {status}");
                break;
            }
            let resident = mock.memory("VmRSS");
            figures.push((started.elapsed().as_secs(), resident));
            println!(
                "{:>6} {:>10} {:>12.1}",
                started.elapsed().as_secs(),
                sent.load(Ordering::Relaxed),
                resident
            );
        }
        stop.store(true, Ordering::Relaxed);
    });
    // Warm-up: an hour of mock time (the links' lifetime), or the first quarter of a shorter
    // run.
    let warm_until = if seconds >= 2 * WARM_UP_SECONDS {
        WARM_UP_SECONDS
    } else {
        seconds / 4
    };
    let after = figures
        .iter()
        .position(|(at, _)| *at >= warm_until)
        .unwrap_or(figures.len() - 1);
    let (warm_at, warm) = figures[after];
    let (_, last) = figures[figures.len() - 1];
    let peak = figures[after..]
        .iter()
        .map(|(_, resident)| *resident)
        .fold(0.0_f64, f64::max);
    println!(
        "after warm-up ({warm_at} s): {warm:.1} MiB; at the end {last:.1} MiB ({:+.1}); \
         highest {peak:.1} MiB",
        last - warm
    );
}
