//! The mock against a minimal hyper server (issue 16, item 5): query-task answers per second
//! under the same load, and the time from start to the first token answered. Both servers
//! run the same way, on a thread of their own with a single-threaded runtime.
//!
//! `cargo bench -p hitem3d-mock --bench versus_hyper`

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::convert::Infallible;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

use hitem3d_mock::{BlockingMock, MockConfig};

const CLIENTS: usize = 4;
/// `cargo xtask bench --smoke` (CI) runs it small: does it still work, not how fast.
fn smoke() -> bool {
    std::env::var_os("HITEM3D_BENCH_SMOKE").is_some()
}

fn load_for() -> Duration {
    if smoke() {
        Duration::from_millis(100)
    } else {
        Duration::from_secs(3)
    }
}

fn rounds() -> usize {
    if smoke() { 1 } else { 7 }
}

/// Start-ups measured per server: each is about a millisecond.
fn start_rounds() -> usize {
    if smoke() { 2 } else { 41 }
}

const TOKEN: &str =
    r#"{"code":200,"data":{"accessToken":"t0k3n","tokenType":"Bearer"},"message":"success"}"#;
const PROCESSING: &str =
    r#"{"code":200,"data":{"task_id":"t-1","state":"processing"},"msg":"success"}"#;

fn main() {
    // The workspace builds reqwest with the async client's TLS, which has no provider of its own.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut mock_rates = Vec::new();
    let mut hyper_rates = Vec::new();
    let mut mock_starts = Vec::new();
    let mut hyper_starts = Vec::new();
    let http = reqwest::blocking::Client::new();
    // Start-ups alternate which server goes first: the first of a pair pays for whatever the
    // process has not warmed up yet (a thread stack, pages), which the second finds ready.
    for round in 0..start_rounds() {
        if round % 2 == 0 {
            mock_starts.push(mock_start_to_first_token(&http));
            hyper_starts.push(hyper_start_to_first_token(&http));
        } else {
            hyper_starts.push(hyper_start_to_first_token(&http));
            mock_starts.push(mock_start_to_first_token(&http));
        }
    }
    // Each round measures both, in turns of which goes first, so drift weighs on both alike.
    for round in 0..rounds() {
        if round % 2 == 0 {
            mock_rates.push(mock_rate(&http));
            hyper_rates.push(hyper_rate());
        } else {
            hyper_rates.push(hyper_rate());
            mock_rates.push(mock_rate(&http));
        }
    }
    let mut ratios: Vec<f64> = mock_rates
        .iter()
        .zip(&hyper_rates)
        .map(|(mock, hyper)| mock / hyper)
        .collect();
    ratios.sort_by(f64::total_cmp);
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let millis = |values: &[Duration]| -> Vec<f64> {
        values.iter().map(|d| d.as_secs_f64() * 1e3).collect()
    };
    let (mock_rate, hyper_rate) = (median(&mut mock_rates), median(&mut hyper_rates));
    let (mock_start, hyper_start) = (
        median(&mut millis(&mock_starts)),
        median(&mut millis(&hyper_starts)),
    );
    println!(
        "mock vs a minimal hyper server: answers/s medians of {} rounds, {CLIENTS} clients for {:?} each, \
         in turns; \
         start-ups medians of {} each, in alternating order",
        rounds(),
        load_for(),
        start_rounds()
    );
    println!(
        "  query-task answers/s   mock {mock_rate:>8.0}   hyper {hyper_rate:>8.0}   {:.2}x [{:.2}, {:.2}] \
         (median of the paired ratios [min, max]; target >= 0.8x)",
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1]
    );
    println!(
        "  start to first token   mock {mock_start:>6.2} ms   hyper {hyper_start:>6.2} ms   {:.2}x (target <= 1.2x)",
        mock_start / hyper_start
    );
}

/// Query-task answers per second from a fresh mock under load.
fn mock_rate(http: &reqwest::blocking::Client) -> f64 {
    let mock = BlockingMock::start_with(MockConfig::manual());
    let token = first_token(
        http,
        &mock.base_url(),
        Some((&mock.client_id(), &mock.client_secret())),
    );
    let task_id = submit(http, &mock.base_url(), &token);
    let url = format!(
        "{}/open-api/v1/query-task?task_id={task_id}",
        mock.base_url()
    );
    rate(&url, &token)
}

/// Query-task answers per second from a fresh minimal hyper server under the same load.
fn hyper_rate() -> f64 {
    let base = minimal_hyper();
    rate(
        &format!("{base}/open-api/v1/query-task?task_id=t-1"),
        "t0k3n",
    )
}

/// From starting a mock to its first token answered; the mock is stopped after.
fn mock_start_to_first_token(http: &reqwest::blocking::Client) -> Duration {
    let started = Instant::now();
    let mock = BlockingMock::start_with(MockConfig::manual());
    first_token(
        http,
        &mock.base_url(),
        Some((&mock.client_id(), &mock.client_secret())),
    );
    started.elapsed()
}

/// From starting a minimal hyper server to its first token answered.
fn hyper_start_to_first_token(http: &reqwest::blocking::Client) -> Duration {
    let started = Instant::now();
    let base = minimal_hyper();
    first_token(http, &base, None);
    started.elapsed()
}

fn first_token(
    http: &reqwest::blocking::Client,
    base: &str,
    credentials: Option<(&str, &str)>,
) -> String {
    let mut request = http.post(format!("{base}/open-api/v1/auth/token"));
    if let Some((id, secret)) = credentials {
        request = request.basic_auth(id, Some(secret));
    }
    let answer: serde_json::Value = request.send().unwrap().json().unwrap();
    answer["data"]["accessToken"].as_str().unwrap().to_owned()
}

fn submit(http: &reqwest::blocking::Client, base: &str, token: &str) -> String {
    let mut png = Vec::new();
    image::RgbImage::from_pixel(8, 8, image::Rgb([9, 9, 9]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let form = reqwest::blocking::multipart::Form::new()
        .part(
            "images",
            reqwest::blocking::multipart::Part::bytes(png)
                .file_name("p.png")
                .mime_str("image/png")
                .unwrap(),
        )
        // The model is required, as by the service.
        .text("model", "hitem3dv1.5");
    let answer: serde_json::Value = http
        .post(format!("{base}/open-api/v1/submit-task"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .unwrap()
        .json()
        .unwrap();
    answer["data"]["task_id"].as_str().unwrap().to_owned()
}

/// Answers per second while `CLIENTS` threads query `url` over kept-alive connections.
fn rate(url: &str, token: &str) -> f64 {
    let answered = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..CLIENTS {
            scope.spawn(|| {
                let http = reqwest::blocking::Client::new();
                while !stop.load(Ordering::Relaxed) {
                    let body = http
                        .get(url)
                        .bearer_auth(token)
                        .send()
                        .unwrap()
                        .bytes()
                        .unwrap();
                    assert!(body.starts_with(b"{\"code\":200"));
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        std::thread::sleep(load_for());
        stop.store(true, Ordering::Relaxed);
    });
    answered.load(Ordering::Relaxed) as f64 / load_for().as_secs_f64()
}

/// A hyper server that answers a token or a fixed query answer, on its own thread.
fn minimal_hyper() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    let service =
                        service_fn(|request: Request<hyper::body::Incoming>| async move {
                            let body = if request.uri().path().ends_with("/token") {
                                TOKEN
                            } else {
                                PROCESSING
                            };
                            Ok::<_, Infallible>(
                                Response::builder()
                                    .header("content-type", "application/json")
                                    .body(Full::new(Bytes::from_static(body.as_bytes())))
                                    .unwrap(),
                            )
                        });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    base
}
