//! What one `query` costs through each client against raw reqwest and raw ureq (issue 16,
//! item 2), all on the same minimal local server (`local_server`): rounds of calls, median
//! and spread of the time per call.
//!
//! `cargo bench -p hitem3d-blocking --bench per_call`

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

mod local_server;

use std::time::{Duration, Instant};

use hitem3d_blocking::ClientConfig;
use hitem3d_blocking::types::{ClientId, ClientSecret, TaskId};
use local_server::LocalServer;

/// One measured case: a call to make over and over.
type Call<'a> = Box<dyn FnMut() + 'a>;

fn main() {
    // `cargo xtask bench --smoke` (CI) runs it small: does it still work, not how fast.
    let smoke = std::env::var_os("HITEM3D_BENCH_SMOKE").is_some();
    let (calls, rounds_run): (u32, usize) = if smoke { (20, 1) } else { (2_000, 7) };
    let server = LocalServer::start();
    let url = format!("{}/open-api/v1/query-task?task_id=t-1", server.url);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let agent = ureq::Agent::new_with_defaults();
    let blocking = hitem3d_blocking::Client::new(config(&server.url)).unwrap();
    let task = TaskId::new("t-1");
    let reqwest = reqwest::Client::new();
    let client = hitem3d_async::Client::new(config(&server.url)).unwrap();
    let mut cases: [(&str, Call<'_>); 4] = [
        (
            "raw ureq",
            Box::new(|| {
                let mut response = agent
                    .get(&url)
                    .header("authorization", "Bearer t0k3n")
                    .call()
                    .unwrap();
                response.body_mut().read_to_string().unwrap();
            }),
        ),
        (
            "hitem3d-blocking",
            Box::new(|| {
                blocking.query(&task).unwrap();
            }),
        ),
        (
            "raw reqwest",
            Box::new(|| {
                runtime.block_on(async {
                    reqwest
                        .get(&url)
                        .header("authorization", "Bearer t0k3n")
                        .send()
                        .await
                        .unwrap()
                        .text()
                        .await
                        .unwrap();
                });
            }),
        ),
        (
            "hitem3d-async",
            Box::new(|| {
                runtime.block_on(client.query(&task)).unwrap();
            }),
        ),
    ];
    // Rounds interleave the cases, so that a machine that slows down or speeds up during the
    // run weighs on all of them alike.
    let mut rounds: [Vec<Duration>; 4] = Default::default();
    for (_, call) in &mut cases {
        for _ in 0..calls / 10 {
            call();
        }
    }
    for _ in 0..rounds_run {
        for ((_, call), times) in cases.iter_mut().zip(&mut rounds) {
            let started = Instant::now();
            for _ in 0..calls {
                call();
            }
            times.push(started.elapsed() / calls);
        }
    }
    for times in &mut rounds {
        times.sort();
    }
    let [raw_ureq, sdk_blocking, raw_reqwest, sdk_async] = rounds;

    println!("query-task per call, {rounds_run} rounds of {calls} calls: median [min, max]");
    row("raw ureq", &raw_ureq, &raw_ureq);
    row("hitem3d-blocking", &sdk_blocking, &raw_ureq);
    row("raw reqwest", &raw_reqwest, &raw_reqwest);
    row("hitem3d-async", &sdk_async, &raw_reqwest);
}

fn config(url: &str) -> ClientConfig {
    ClientConfig::new(ClientId::new("id"), ClientSecret::new("secret"))
        .with_base_url(url)
        .unwrap()
}

fn row(name: &str, rounds: &[Duration], baseline: &[Duration]) {
    let median = rounds[rounds.len() / 2];
    let ratio = median.as_secs_f64() / baseline[baseline.len() / 2].as_secs_f64();
    println!(
        "  {name:<18} {:>7.1} µs [{:.1}, {:.1}]  {ratio:.2}x",
        micros(median),
        micros(rounds[0]),
        micros(rounds[rounds.len() - 1]),
    );
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}
