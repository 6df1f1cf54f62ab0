//! What only the blocking client has to prove: threads sharing one client, iterators,
//! pluggable transports and quiet logs. The flows shared with the async client are in
//! `scenarios.rs`.

#[path = "../../hitem3d-async/tests/kit/mod.rs"]
mod kit;

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use hitem3d_blocking::hitem3d_core::types::OutputFormat;
use hitem3d_blocking::hitem3d_core::{Body, CallError, TransportFailure, WaitUpdate};
use hitem3d_blocking::{
    Client, GenerateOptions, ResponseBody, SendLimits, Transport, UreqTransport,
};
use hitem3d_mock::{BlockingMock, Fault, MockConfig, Route};
use kit::{config_for, single_view, single_view_numbered};

#[test]
fn twenty_five_threads_share_ten_slots_and_all_finish() {
    let mock = BlockingMock::start_with(kit::fast_config());
    let client = Client::new(config_for(&mock)).unwrap();
    let dir = kit::out_dir();

    let results: Vec<_> = thread::scope(|scope| {
        let runs: Vec<_> = (0..25_u8)
            .map(|index| {
                let client = client.clone();
                let options =
                    GenerateOptions::new(dir.path()).with_file_stem(format!("model-{index}"));
                scope.spawn(move || {
                    client.generate(single_view_numbered(OutputFormat::Stl, index), options)
                })
            })
            .collect();
        runs.into_iter()
            .map(thread::ScopedJoinHandle::join)
            .collect()
    });

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

#[test]
fn concurrent_threads_cause_one_token_request() {
    let mock = BlockingMock::start_with(MockConfig::manual());
    mock.inject(Route::Token, Fault::Delay(Duration::from_millis(200)));
    let client = Client::new(config_for(&mock)).unwrap();

    thread::scope(|scope| {
        let calls: Vec<_> = (0..20).map(|_| scope.spawn(|| client.balance())).collect();
        for call in calls {
            call.join().unwrap().unwrap();
        }
    });

    assert_eq!(mock.counters().tokens, 1);
    assert_eq!(mock.counters().balances, 20);
}

#[test]
fn a_submit_blocks_for_a_slot_until_another_task_ends() {
    let mock = BlockingMock::start_with(MockConfig::manual());
    let client = Client::new(config_for(&mock).with_task_slots(1).unwrap()).unwrap();
    let first = client.submit(single_view(OutputFormat::Glb)).unwrap();

    let second = thread::scope(|scope| {
        let waiting = scope.spawn(|| client.submit(single_view_numbered(OutputFormat::Glb, 7)));
        // The second submit cannot go out while the first task holds the only slot.
        thread::sleep(Duration::from_millis(200));
        assert_eq!(mock.counters().tasks_created, 1, "the second submit waited");
        assert!(client.release_task_slot(&first));
        waiting.join().unwrap()
    });

    second.expect("the second submit went out once the slot was free");
    assert_eq!(mock.counters().tasks_created, 2);
    assert_eq!(client.available_task_slots(), 0);
}

#[test]
fn dropping_a_watch_frees_the_slot_and_the_iterator_is_fused() {
    let mock = BlockingMock::start_with(MockConfig::manual());
    let client = Client::new(config_for(&mock)).unwrap();
    let task_id = client.submit(single_view(OutputFormat::Glb)).unwrap();
    assert_eq!(client.available_task_slots(), 9);

    let mut watch = client.watch(&task_id);
    let first = watch.next().expect("a first event");
    assert!(matches!(first, WaitUpdate::Event(_)));
    drop(watch);
    assert_eq!(client.available_task_slots(), 10);

    mock.advance(Duration::from_secs(600));
    let mut watch = client.watch(&task_id);
    let updates: Vec<_> = watch.by_ref().collect();
    assert!(matches!(updates.last(), Some(WaitUpdate::Finished(Ok(_)))));
    assert!(watch.next().is_none(), "nothing after Finished");
}

/// Wraps the default transport and remembers what went through it.
#[derive(Debug)]
struct Recording {
    inner: UreqTransport,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Transport for Recording {
    fn send(
        &self,
        request: http::Request<Body>,
        limits: SendLimits,
    ) -> Result<http::Response<ResponseBody>, TransportFailure> {
        let line = format!(
            "{} {} auth={} whole={} idle={}",
            request.method(),
            request.uri().path(),
            request.headers().contains_key(http::header::AUTHORIZATION),
            limits.whole.is_some(),
            limits.idle.is_some(),
        );
        self.seen.lock().unwrap().push(line);
        self.inner.send(request, limits)
    }
}

#[test]
fn a_custom_transport_carries_every_request_with_its_limits() {
    let mock = BlockingMock::start_with(kit::fast_config());
    let seen = Arc::new(Mutex::new(Vec::new()));
    // A caller's agent with ureq's defaults, which turn error statuses into errors: the
    // transport asks for them as answers on every request anyway.
    let transport = Recording {
        inner: UreqTransport::from_agent(ureq::Agent::new_with_defaults()),
        seen: Arc::clone(&seen),
    };
    let client = Client::with_transport(config_for(&mock), transport).unwrap();
    mock.inject(Route::Query, Fault::HtmlStatus(502));
    let dir = kit::out_dir();

    client
        .generate(single_view(OutputFormat::Glb), dir.path())
        .unwrap();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen[0],
        "POST /open-api/v1/auth/token auth=true whole=true idle=false"
    );
    assert_eq!(
        seen[1],
        "POST /open-api/v1/submit-task auth=true whole=true idle=false"
    );
    let download = seen.last().unwrap();
    assert!(download.starts_with("GET /files/"), "{seen:?}");
    assert!(
        download.ends_with("auth=false whole=false idle=true"),
        "no token to the file host, and no total limit on a large file: {download}"
    );
}

#[test]
fn a_callers_agent_still_hands_error_bodies_to_the_client() {
    let mock = BlockingMock::start_with(kit::fast_config());
    // ureq's defaults turn error statuses into errors and drop their bodies.
    let agent = ureq::Agent::new_with_defaults();
    assert!(agent.config().http_status_as_error());
    let client = Client::with_http_client(config_for(&mock), agent).unwrap();
    mock.inject(Route::Balance, Fault::HtmlStatus(404));

    let error = client.balance().unwrap_err();

    let call = error.call_error().expect("a call error");
    assert!(
        matches!(call, CallError::Api { .. }),
        "the 404 page reached the core as an answer, not a transport failure: {error}"
    );
    assert!(error.to_string().contains("404"), "{error}");
}

/// The caller's own agent, built with an overall time limit, gives up on a submit whose body
/// has left while the server still holds the answer: the task may exist, so the submit is an
/// unknown outcome and never sent again.
#[test]
fn a_submit_timed_out_by_the_callers_own_agent_is_never_resent() {
    use kit::hostile::{Behavior, Gate, HostileServer, json};
    let answer = Gate::default();
    let held = Behavior::Stall {
        bytes: Vec::new(),
        until: answer.clone(),
    };
    let server = HostileServer::start([json(200, kit::HOSTILE_TOKEN), held.clone(), held]);
    // The server holds the answer until the test lets it go, so this limit always runs out,
    // however slow the machine.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(2)))
        .build()
        .into();
    let config = kit::config_at(&server.base_url(), "ak_hostile", "sk_hostile");
    let client = Client::with_http_client(config, agent).unwrap();

    let error = client.submit(single_view(OutputFormat::Glb)).unwrap_err();
    answer.open();

    assert!(error.is_submit_outcome_unknown(), "{error}");
    let submits = server.submits_received();
    assert_eq!(submits, 1, "it may have created a task: never sent twice");
}
