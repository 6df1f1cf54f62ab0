//! What only the async client has to prove: concurrency, cancellation, streams, pluggable
//! transports and quiet logs. The flows shared with the blocking client are in `scenarios.rs`.

mod kit;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use hitem3d_async::hitem3d_core::types::OutputFormat;
use hitem3d_async::hitem3d_core::{Body, GenerateProgress, TransportFailure, WaitUpdate};
use hitem3d_async::{Client, GenerateOptions, ReqwestTransport, ResponseBody, Transport};
use hitem3d_mock::{MockConfig, MockService, Route};
use kit::{config_for, single_view, single_view_numbered};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_five_generates_share_ten_slots_and_all_finish() {
    let mock = MockService::start_with(kit::fast_config()).await;
    let client = Client::new(config_for(&mock)).unwrap();
    let dir = kit::out_dir();

    let runs = (0..25_u8).map(|index| {
        let client = client.clone();
        let options = GenerateOptions::new(dir.path()).with_file_stem(format!("model-{index}"));
        tokio::spawn(async move {
            client
                .generate(single_view_numbered(OutputFormat::Stl, index), options)
                .await
        })
    });
    let results = futures_util::future::join_all(runs).await;

    for result in results {
        result.expect("no panic").expect("every generate finishes");
    }
    assert_eq!(mock.counters().tasks_created, 25);
    assert!(
        mock.peak_unfinished_tasks() <= 10,
        "peak of {} unfinished tasks",
        mock.peak_unfinished_tasks()
    );
    assert_eq!(
        mock.peak_unfinished_tasks(),
        10,
        "the slots were used in full"
    );
    assert_eq!(client.available_task_slots(), 10);
    assert_eq!(mock.counters().tokens, 1, "one token for all of them");
    mock.assert_no_duplicate_submits();
    mock.assert_no_token_on_downloads();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_cause_one_token_request() {
    let mock = MockService::start_with(MockConfig::manual()).await;
    mock.inject(
        Route::Token,
        hitem3d_mock::Fault::Delay(Duration::from_millis(200)),
    );
    let client = Client::new(config_for(&mock)).unwrap();

    let calls = (0..20).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.balance().await })
    });
    for result in futures_util::future::join_all(calls).await {
        result.unwrap().unwrap();
    }

    assert_eq!(mock.counters().tokens, 1);
    assert_eq!(mock.counters().balances, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_generate_leaves_the_client_usable_and_the_task_recoverable() {
    let mock = MockService::start_with(MockConfig::manual()).await;
    let client = Client::new(config_for(&mock)).unwrap();
    let dir = kit::out_dir();
    let submitted = Arc::new(Mutex::new(None));

    let seen = Arc::clone(&submitted);
    let generate = client.generate_with(
        single_view(OutputFormat::Glb),
        GenerateOptions::new(dir.path()),
        move |step| {
            if let GenerateProgress::Submitted { task_id } = step {
                *seen.lock().unwrap() = Some(task_id);
            }
        },
    );
    // The task never finishes in manual time, so the generate is cut off while waiting.
    let cut = tokio::time::timeout(Duration::from_millis(300), generate).await;
    assert!(cut.is_err(), "still waiting when dropped");

    let task_id = submitted
        .lock()
        .unwrap()
        .clone()
        .expect("the task was submitted");
    assert_eq!(
        client.available_task_slots(),
        10,
        "the abandoned wait freed its slot"
    );
    client.balance().await.expect("the client still works");
    mock.advance(Duration::from_secs(600));
    let outcome = client
        .wait(&task_id)
        .await
        .expect("the task is recoverable by id");
    assert_eq!(outcome.task_id, task_id);
    assert_eq!(mock.counters().tasks_created, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_download_leaves_no_file_behind() {
    let mock = MockService::start_with(kit::fast_config()).await;
    let client = Client::new(config_for(&mock)).unwrap();
    let task_id = client.submit(single_view(OutputFormat::Glb)).await.unwrap();
    let outcome = client.wait(&task_id).await.unwrap();
    let dir = kit::out_dir();
    mock.inject(
        Route::Download,
        hitem3d_mock::Fault::Delay(Duration::from_secs(5)),
    );

    let download = client.download(
        &outcome.result,
        hitem3d_async::ResultKind::Model,
        dir.path().join("model.glb"),
    );
    let mut download = Box::pin(download);
    // Runs the download until its temporary file exists (the answer is held back), then
    // drops it there.
    let partial_exists = async {
        loop {
            let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
            if !names.is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::select! {
        done = &mut download => panic!("the held-back download finished: {done:?}"),
        () = partial_exists => {}
        () = tokio::time::sleep(Duration::from_secs(60)) => panic!("no temporary file appeared"),
    }
    drop(download);

    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "the temporary file was removed: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_watch_frees_the_slot_and_the_stream_is_fused() {
    let mock = MockService::start_with(MockConfig::manual()).await;
    let client = Client::new(config_for(&mock)).unwrap();
    let task_id = client.submit(single_view(OutputFormat::Glb)).await.unwrap();
    assert_eq!(client.available_task_slots(), 9);

    let mut watch = client.watch(&task_id);
    let first = watch.next().await.expect("a first event");
    assert!(matches!(first, WaitUpdate::Event(_)));
    drop(watch);
    assert_eq!(client.available_task_slots(), 10);

    mock.advance(Duration::from_secs(600));
    let updates: Vec<_> = client.watch(&task_id).collect().await;
    assert!(matches!(updates.last(), Some(WaitUpdate::Finished(Ok(_)))));
}

/// Wraps the default transport and remembers what went through it.
#[derive(Debug)]
struct Recording {
    inner: ReqwestTransport,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Transport for Recording {
    fn send(
        &self,
        request: http::Request<Body>,
    ) -> BoxFuture<'_, Result<http::Response<ResponseBody>, TransportFailure>> {
        let line = format!(
            "{} {} auth={}",
            request.method(),
            request.uri().path(),
            request.headers().contains_key(http::header::AUTHORIZATION)
        );
        self.seen.lock().unwrap().push(line);
        self.inner.send(request)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_transport_carries_every_request() {
    let mock = MockService::start_with(kit::fast_config()).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let transport = Recording {
        inner: ReqwestTransport::from_client(own_reqwest_client()),
        seen: Arc::clone(&seen),
    };
    let client = Client::with_transport(config_for(&mock), transport).unwrap();
    let dir = kit::out_dir();

    client
        .generate(single_view(OutputFormat::Glb), dir.path())
        .await
        .unwrap();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[0], "POST /open-api/v1/auth/token auth=true");
    assert_eq!(seen[1], "POST /open-api/v1/submit-task auth=true");
    let download = seen.last().unwrap();
    assert!(download.starts_with("GET /files/"), "{seen:?}");
    assert!(
        download.ends_with("auth=false"),
        "no token to the file host"
    );
}

/// Sends every request to another path, as a proxy rule might.
#[derive(Debug)]
struct Rewriting(ReqwestTransport);

impl Transport for Rewriting {
    fn send(
        &self,
        mut request: http::Request<Body>,
    ) -> BoxFuture<'_, Result<http::Response<ResponseBody>, TransportFailure>> {
        let uri = request.uri();
        let moved = format!(
            "{}://{}/elsewhere{}",
            uri.scheme_str().unwrap(),
            uri.authority().unwrap(),
            uri.path()
        );
        *request.uri_mut() = moved.parse().unwrap();
        self.0.send(request)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transport_in_between_that_rewrites_the_uri_is_obeyed() {
    let mock = MockService::start_with(kit::fast_config()).await;
    let transport = Rewriting(ReqwestTransport::from_client(own_reqwest_client()));
    let client = Client::with_transport(config_for(&mock), transport).unwrap();
    assert!(
        client.config().request_urls,
        "requests carry their parsed URL"
    );

    // The core's parsed URL still names the real path; the rewritten URI must win.
    let error = client.balance().await.unwrap_err();
    assert!(
        error.to_string().contains("404") || error.to_string().contains("not found"),
        "{error}"
    );
    assert!(mock.journal().is_empty(), "nothing reached a real route");
}

/// The caller's own reqwest client, built with an overall `.timeout()`, gives up on a submit
/// whose body has left while the server still holds the answer: the task may exist, so the
/// submit is an unknown outcome and never sent again. Classing reqwest's timeout as "not sent"
/// survived every test, as only such a client reaches that branch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_timed_out_by_the_callers_own_http_client_is_never_resent() {
    use kit::hostile::{Behavior, Gate, HostileServer, json};
    let answer = Gate::default();
    let held = Behavior::Stall {
        bytes: Vec::new(),
        until: answer.clone(),
    };
    let server = HostileServer::start([json(200, kit::HOSTILE_TOKEN), held.clone(), held]);
    // The server holds the answer until the test lets it go, so this limit always runs out,
    // however slow the machine.
    with_tls_provider();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let config = kit::config_at(&server.base_url(), "ak_hostile", "sk_hostile");
    let client = Client::with_http_client(config, http).unwrap();

    let error = client
        .submit(single_view(OutputFormat::Glb))
        .await
        .unwrap_err();
    answer.open();

    assert!(error.is_submit_outcome_unknown(), "{error}");
    let submits = server.submits_received();
    assert_eq!(submits, 1, "it may have created a task: never sent twice");
}

/// What a caller building its own reqwest client does first: the crate's `rustls` feature gives
/// reqwest rustls without a provider of its own.
fn with_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn own_reqwest_client() -> reqwest::Client {
    with_tls_provider();
    reqwest::Client::new()
}

/// A call's future is moved whole as it starts, a few times over (into the caller's future,
/// into the runtime), and every byte moved is a cache line written: at 1,640 bytes, copies
/// made most of the L1 write misses the client adds to a bounded raw reqwest call (callgrind,
/// issue 31). Its size is the compiler's layout, fixed for a build: not a time.
#[tokio::test]
async fn a_query_future_stays_under_a_kibibyte() {
    const LIMIT: usize = 1024;
    let mock = MockService::start_with(kit::fast_config()).await;
    let client = Client::new(config_for(&mock)).unwrap();
    let task = hitem3d_async::types::TaskId::new("t-1");
    let query = client.query(&task);
    let size = size_of_val(&query);
    assert!(
        size <= LIMIT,
        "the query's future takes {size} bytes, over {LIMIT}"
    );
}
