//! What one `query` costs through each client against raw reqwest and raw ureq (issue 16,
//! item 2), all on the same minimal local server (`local_server`).
//!
//! On a small virtual machine a loopback round trip swings between about 30 and 170 µs with
//! where the scheduler puts the client and server threads, far more than the clients differ.
//! So the cases take turns in many short rounds, in a rotating order, and each client is
//! compared with its baseline round by round: the figure is the median of those paired
//! ratios, with their quartiles. Pinned to one core (`taskset -c 0`, as `cargo xtask bench`
//! also runs it) the two threads take turns on it and the times settle.
//!
//! Three more yardsticks: the raw clients that parse the answer as JSON; those that only read
//! it typed (`code` and `data.state`, their text borrowed), the least any client that reports
//! a task's state must do; and those again with every call bounded in time, as the SDK bounds
//! its own. What lies above the last is the SDK's own cost.
//!
//! Below the clients, the same call layer by layer, to see where their time goes: the core's
//! request sent through the client's transport and its answer decoded (`transport`), then
//! the core's query job on top, run by a bare loop (`+ job`). The client adds its driver,
//! clock, time limit and span.
//!
//! `cargo bench -p hitem3d-bench --bench per_call`; one case alone, for a profiler:
//! `HITEM3D_BENCH_ONLY=hitem3d-blocking cargo bench -p hitem3d-bench --bench per_call`.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

mod local_server;

use std::io::Read;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use hitem3d_blocking::hitem3d_core::{Body, ClientCore, Input, Io, Job, Timestamp, decode};
use hitem3d_blocking::types::{AccessToken, ClientId, ClientSecret, TaskId};
use hitem3d_blocking::{ClientConfig, SendLimits, Transport, UreqTransport};
use http::{Request, Response};
use local_server::LocalServer;

/// One measured case: a call to make over and over.
type Call<'a> = Box<dyn FnMut() + 'a>;

fn main() {
    // The workspace builds reqwest with the async client's TLS, which has no provider of its own.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // `cargo xtask bench --smoke` (CI) runs it small: does it still work, not how fast.
    let smoke = std::env::var_os("HITEM3D_BENCH_SMOKE").is_some();
    let (calls, rounds_run): (u32, usize) = if smoke { (20, 4) } else { (250, 41) };
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
    // The same calls, their answers then parsed as JSON: the least a raw client does to learn
    // a task's state. A second yardstick; the target is against the plain ones.
    let parsed = |text: &str| {
        let answer: serde_json::Value = serde_json::from_str(text).unwrap();
        assert!(answer["data"]["state"].is_string());
    };
    // The least any client that reports a task's state does with the answer: read it typed,
    // borrowing the text, nothing kept. The floor under every client of this API.
    let typed = |text: &str| {
        let answer: LeastAnswer<'_> = serde_json::from_str(text).unwrap();
        assert!(answer.code == 200 && !answer.data.state.is_empty());
    };
    // The same raw clients with each call bounded in time, as the SDK's calls are: limits set
    // once on the agent and the client. (ureq's per-phase limits, not its whole-call one,
    // which would start a resolver thread per call; see `resolver.rs`.)
    let limit = Duration::from_secs(60);
    let bounded_agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .timeout_send_request(Some(limit))
            .timeout_recv_response(Some(limit))
            .timeout_recv_body(Some(limit))
            .build(),
    );
    let bounded_reqwest = reqwest::Client::builder().timeout(limit).build().unwrap();
    let ureq_text_from = |agent: &ureq::Agent| {
        let mut response = agent
            .get(&url)
            .header("authorization", "Bearer t0k3n")
            .call()
            .unwrap();
        response.body_mut().read_to_string().unwrap()
    };
    let ureq_text = || ureq_text_from(&agent);
    // The layers: each client's transport, given the core's requests, and the core itself.
    let token = AccessToken::new("t0k3n");
    let core = ClientCore::new(config(&server.url), 1_u64, || {}).unwrap();
    let requests = config(&server.url).requests().unwrap();
    let ureq_transport = UreqTransport::new(Duration::from_secs(10)).unwrap();
    let ureq_exchange = |request: Request<Body>| {
        let limits = SendLimits::whole(Duration::from_secs(60));
        let (head, mut body) = ureq_transport.send(request, limits).unwrap().into_parts();
        let mut bytes = Vec::new();
        body.read_to_end(&mut bytes).unwrap();
        Response::from_parts(head, Bytes::from(bytes))
    };
    let reqwest_transport = hitem3d_async::ReqwestTransport::new(Duration::from_secs(10)).unwrap();
    let reqwest_exchange = |request: Request<Body>| {
        runtime.block_on(async {
            use hitem3d_async::Transport as _;
            let (head, mut body) = reqwest_transport.send(request).await.unwrap().into_parts();
            let mut bytes = BytesMut::new();
            while let Some(chunk) = body.next().await {
                bytes.extend_from_slice(&chunk.unwrap());
            }
            Response::from_parts(head, bytes.freeze())
        })
    };
    // The async client's requests carry their parsed URL for reqwest; the same here.
    let url_requests = requests.clone().with_request_urls(true);
    let async_core = ClientCore::new(config(&server.url).with_request_urls(true), 1_u64, || {});
    let async_core = async_core.unwrap();
    let decoded = |answer: Response<Bytes>| {
        decode::query_task_for(&answer, &task).unwrap();
    };
    let reqwest_text_from = |client: &reqwest::Client| {
        runtime.block_on(async {
            let response = client.get(&url).header("authorization", "Bearer t0k3n");
            response.send().await.unwrap().text().await.unwrap()
        })
    };
    let reqwest_text = || reqwest_text_from(&reqwest);
    let mut cases: [(&str, Call<'_>); 14] = [
        (
            "raw ureq",
            Box::new(|| {
                ureq_text();
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
        ("raw ureq + JSON", Box::new(|| parsed(&ureq_text()))),
        ("raw reqwest + JSON", Box::new(|| parsed(&reqwest_text()))),
        ("raw ureq + typed", Box::new(|| typed(&ureq_text()))),
        ("raw reqwest + typed", Box::new(|| typed(&reqwest_text()))),
        (
            "raw ureq + typed + limit",
            Box::new(|| typed(&ureq_text_from(&bounded_agent))),
        ),
        (
            "raw reqwest + typed + limit",
            Box::new(|| typed(&reqwest_text_from(&bounded_reqwest))),
        ),
        (
            "blocking: transport",
            Box::new(|| decoded(ureq_exchange(requests.query_task(&token, &task).unwrap()))),
        ),
        (
            "blocking: + job",
            Box::new(|| query_by_hand(&core, &task, &token, &ureq_exchange)),
        ),
        (
            "async: transport",
            Box::new(|| {
                let request = url_requests.query_task(&token, &task).unwrap();
                decoded(reqwest_exchange(request));
            }),
        ),
        (
            "async: + job",
            Box::new(|| query_by_hand(&async_core, &task, &token, &reqwest_exchange)),
        ),
    ];
    // `HITEM3D_BENCH_ONLY=<case>`: that case alone (`HITEM3D_BENCH_CALLS` times, 1,000 unless
    // set), for a profiler such as `valgrind --tool=callgrind`: instructions per call are
    // steady where times are not; the difference of two counts is the cost of the calls.
    if let Ok(only) = std::env::var("HITEM3D_BENCH_ONLY") {
        let (_, call) = cases
            .iter_mut()
            .find(|(name, _)| *name == only)
            .unwrap_or_else(|| panic!("no case named {only:?}"));
        let times = std::env::var("HITEM3D_BENCH_CALLS").map_or(1000, |n| n.parse().unwrap());
        for _ in 0..times {
            call();
        }
        return;
    }
    // Every case runs first in some rounds, so that none is always the one after a pause.
    let mut rounds: [Vec<Duration>; 14] = Default::default();
    for (_, call) in &mut cases {
        for _ in 0..calls / 10 {
            call();
        }
    }
    for round in 0..rounds_run {
        for offset in 0..cases.len() {
            let index = (round + offset) % cases.len();
            let started = Instant::now();
            for _ in 0..calls {
                (cases[index].1)();
            }
            rounds[index].push(started.elapsed() / calls);
        }
    }
    let [
        raw_ureq,
        sdk_blocking,
        raw_reqwest,
        sdk_async,
        ureq_json,
        reqwest_json,
        ureq_typed,
        reqwest_typed,
        ureq_bounded,
        reqwest_bounded,
        blocking_transport,
        blocking_job,
        async_transport,
        async_job,
    ] = &rounds;

    println!(
        "query-task per call, {rounds_run} rounds of {calls} calls, cases in turn: time per \
         call median [min, max]; against the baseline, the median paired ratio [quartiles]"
    );
    // Each yardstick against the plain raw clients, then each client against the yardstick.
    let against = |ureq: (&str, &[Duration]), reqwest: (&str, &[Duration])| {
        row(ureq.0, ureq.1, raw_ureq);
        row("hitem3d-blocking", sdk_blocking, ureq.1);
        row(reqwest.0, reqwest.1, raw_reqwest);
        row("hitem3d-async", sdk_async, reqwest.1);
    };
    against(("raw ureq", raw_ureq), ("raw reqwest", raw_reqwest));
    println!("  against raw clients that also parse the answer as JSON:");
    against(
        ("raw ureq + JSON", ureq_json),
        ("raw reqwest + JSON", reqwest_json),
    );
    println!("  against raw clients that read the answer typed (the least decode; the floor):");
    against(
        ("raw ureq + typed", ureq_typed),
        ("raw reqwest + typed", reqwest_typed),
    );
    println!("  against the same, each call bounded in time as the SDK's are:");
    against(
        ("raw ureq + typed + limit", ureq_bounded),
        ("raw reqwest + typed + limit", reqwest_bounded),
    );
    println!("  layer by layer, against the plain raw clients:");
    row("blocking: transport", blocking_transport, raw_ureq);
    row("blocking: + job", blocking_job, raw_ureq);
    row("async: transport", async_transport, raw_reqwest);
    row("async: + job", async_job, raw_reqwest);
}

/// The core's query job run by a bare loop: a token at hand, each call made by `exchange`.
fn query_by_hand(
    core: &ClientCore,
    task: &TaskId,
    token: &AccessToken,
    exchange: &dyn Fn(Request<Body>) -> Response<Bytes>,
) {
    let mut job = core.query(task);
    loop {
        let input = match job.next(Timestamp::ZERO) {
            Io::Done(answer) => {
                answer.unwrap();
                return;
            }
            Io::Token { .. } => Input::Token(Ok(token.clone())),
            Io::Exchange(request) => Input::Answer(Ok(exchange(request))),
            _ => unreachable!("a query asks for a token and calls only"),
        };
        job.on(input, Timestamp::ZERO);
    }
}

/// Just enough of a query's answer to know the task's state, its text borrowed from the body.
#[derive(serde::Deserialize)]
struct LeastAnswer<'a> {
    code: u32,
    #[serde(borrow)]
    data: LeastTask<'a>,
}

#[derive(serde::Deserialize)]
struct LeastTask<'a> {
    state: &'a str,
}

fn config(url: &str) -> ClientConfig {
    ClientConfig::new(ClientId::new("id"), ClientSecret::new("secret"))
        .with_base_url(url)
        .unwrap()
}

fn row(name: &str, rounds: &[Duration], baseline: &[Duration]) {
    let mut times = rounds.to_vec();
    times.sort();
    // Each round against the baseline's round beside it: both saw the same machine.
    let mut ratios: Vec<f64> = rounds
        .iter()
        .zip(baseline)
        .map(|(time, base)| time.as_secs_f64() / base.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    let quartile = |q: usize| ratios[(ratios.len() - 1) * q / 4];
    println!(
        "  {name:<27} {:>7.1} µs [{:.1}, {:.1}]  {:.2}x [{:.2}, {:.2}]",
        micros(times[times.len() / 2]),
        micros(times[0]),
        micros(times[times.len() - 1]),
        quartile(2),
        quartile(1),
        quartile(3),
    );
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}
