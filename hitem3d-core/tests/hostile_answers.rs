//! Answers a careful client must survive: odd tokens, garbled or empty polls, answers about
//! another task, failure envelopes to a callback's query, and signed links that must never be
//! printed. Each test failed before its fix (issue 15).

mod fake;

use fake::*;
use futures_executor::block_on;
use hitem3d_core::machines::TokenStep;
use hitem3d_core::types::{TaskId, TaskState};
use hitem3d_core::{Driver, Effects, Error, WaitErrorKind};

const OTHER_TASK_SUCCESS: &str = r#"{"code":200,"data":{"task_id":"t-2","state":"success","url":"https://cdn.example/t-2/0.glb?sig=other"}}"#;

fn wait_for_t1(fx: &FakeFrontEnd) -> Result<hitem3d_core::WaitOutcome, Error> {
    block_on(Driver::new(&fx.core, fx).run(fx.core.wait(&TaskId::new("t-1")), |_| {}))
}

#[test]
fn a_token_with_a_trailing_newline_is_trimmed_and_used() {
    let fx = FakeFrontEnd::new(core()).answers([
        r#"{"code":200,"data":{"accessToken":"t0k3n\n"},"msg":"success"}"#,
        PROCESSING,
    ]);

    let data = block_on(Driver::new(&fx.core, &fx).run(fx.core.query(&TaskId::new("t-1")), |_| {}))
        .unwrap();

    assert_eq!(data.state, TaskState::Processing);
    assert_eq!(
        fx.authorizations
            .borrow()
            .last()
            .cloned()
            .flatten()
            .as_deref(),
        Some("Bearer t0k3n")
    );
}

#[test]
fn a_token_no_header_can_carry_is_refused_and_not_cached() {
    // Refused each time it is fetched again (a garbled answer is retried, like any other).
    let bad = r#"{"code":200,"data":{"accessToken":"t0k\u0000en"},"msg":"success"}"#;
    let fx = FakeFrontEnd::new(core()).answers([bad, bad, bad, bad]);

    let error = block_on(Driver::new(&fx.core, &fx).run(fx.core.balance(), |_| {})).unwrap_err();

    assert!(error.to_string().contains("accessToken"), "{error}");
    assert!(
        matches!(fx.core.token(None, fx.now()), TokenStep::Fetch(_)),
        "nothing was cached: the next call fetches a new token"
    );
}

#[test]
fn one_empty_answer_to_a_poll_does_not_end_the_wait() {
    let fx = FakeFrontEnd::new(core()).answers([TOKEN, PROCESSING, "", SUCCESS]);
    let outcome = wait_for_t1(&fx).unwrap();
    assert_eq!(outcome.task_id.as_str(), "t-1");
}

#[test]
fn one_truncated_answer_to_a_poll_does_not_end_the_wait() {
    let fx = FakeFrontEnd::new(core()).answers([
        TOKEN,
        PROCESSING,
        r#"{"code":200,"data":{"task_id":"t-1","sta"#,
        SUCCESS,
    ]);
    assert!(wait_for_t1(&fx).is_ok());
}

#[test]
fn an_answer_about_another_task_is_never_taken_for_this_one() {
    let fx = FakeFrontEnd::new(core()).answers([TOKEN, OTHER_TASK_SUCCESS, SUCCESS]);

    let outcome = wait_for_t1(&fx).unwrap();

    assert_eq!(outcome.task_id.as_str(), "t-1");
    assert!(
        outcome.result.model_url.contains("/t-1/"),
        "the other task's model was taken"
    );
}

#[test]
fn answers_only_about_another_task_end_the_query_with_an_error() {
    let fx = FakeFrontEnd::new(core()).answers([
        TOKEN,
        OTHER_TASK_SUCCESS,
        OTHER_TASK_SUCCESS,
        OTHER_TASK_SUCCESS,
        OTHER_TASK_SUCCESS,
    ]);
    let error =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.query(&TaskId::new("t-1")), |_| {}))
            .unwrap_err();
    assert!(error.to_string().contains("t-2"), "{error}");
}

#[test]
fn a_failed_tasks_callback_is_confirmed_by_the_failure_envelope() {
    let fx = FakeFrontEnd::new(core()).answers([
        TOKEN,
        r#"{"code":50010001,"data":{},"msg":"generate failed"}"#,
    ]);
    let body = br#"{"task_id":"t-1","state":"failed"}"#;

    let confirmed =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.verify_callback(body), |_| {})).unwrap();

    assert_eq!(confirmed.task.state, TaskState::Failed);
    assert!(confirmed.agrees);
}

#[test]
fn debug_output_never_shows_a_signed_link() {
    const SIGNED: &str = r#"{"code":200,"data":{"task_id":"t-1","state":"success","url":"https://cdn.example/t-1/0.glb?auth_key=1700000000-0-0-5ecret5ig","cover_url":"https://cdn.example/t-1/0.webp?auth_key=1700000000-0-0-5ecret5ig"}}"#;
    let fx = FakeFrontEnd::new(core())
        .answers([TOKEN, SIGNED])
        .file(body(vec![b"glTF\x02\0\0\0"]));
    let outcome = wait_for_t1(&fx).unwrap();
    let job = fx.core.download(
        &outcome.result,
        hitem3d_core::ResultKind::Model,
        "m.glb".into(),
    );
    let summary = block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap();

    for printed in [
        format!("{:?}", outcome.result),
        format!("{outcome:?}"),
        format!("{summary:?}"),
    ] {
        assert!(
            !printed.contains("5ecret5ig"),
            "a signature leaked: {printed}"
        );
        assert!(
            printed.contains("cdn.example/t-1/0.glb"),
            "the link is still recognisable"
        );
    }
}

#[test]
fn a_poll_refused_for_good_still_ends_the_wait() {
    // Garbled answers are retried, but not for ever: the waiter's failure budget still holds.
    let fx = FakeFrontEnd::new(core()).answers([
        TOKEN, "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
        "", "", "",
    ]);
    let error = wait_for_t1(&fx).unwrap_err();
    assert!(
        matches!(&error, Error::Wait(wait) if matches!(wait.kind, WaitErrorKind::Query(_))),
        "{error:?}"
    );
}

fn core_with_download_limit(max_bytes: u64) -> hitem3d_core::ClientCore {
    let config = hitem3d_core::ClientConfig::new(
        hitem3d_core::types::ClientId::new("ak_1"),
        hitem3d_core::types::ClientSecret::new("sk_1"),
    )
    .with_download(hitem3d_core::DownloadPolicy::default().with_max_bytes(max_bytes));
    hitem3d_core::ClientCore::new(config, 1_u64, || {}).unwrap()
}

fn download_kind(error: &Error) -> &hitem3d_core::DownloadErrorKind {
    match error {
        Error::Download(download) => &download.kind,
        other => panic!("expected a download error, got {other:?}"),
    }
}

#[test]
fn an_endless_body_stops_at_the_size_limit_while_streaming() {
    let fx = FakeFrontEnd::new(core_with_download_limit(8)).file(FileReply::Body {
        status: 200,
        length: None,
        pieces: vec![
            b"glTF\x02\0\0\0",
            b"glTF\x02\0\0\0",
            b"glTF\x02\0\0\0",
            b"glTF\x02\0\0\0",
        ],
        broken: false,
    });
    let mut seen = Vec::new();

    let error = download_model_with(&fx, |p| seen.push(p.bytes)).unwrap_err();

    assert!(
        matches!(
            download_kind(&error),
            hitem3d_core::DownloadErrorKind::TooLarge { limit: 8, .. }
        ),
        "{error}"
    );
    assert!(
        seen.iter().all(|bytes| *bytes <= 8),
        "nothing past the limit was written: {seen:?}"
    );
    assert!(fx.saved.borrow().is_empty(), "nothing was saved");
}

#[test]
fn an_announced_size_over_the_limit_is_refused_before_any_byte_is_written() {
    let fx = FakeFrontEnd::new(core_with_download_limit(8)).file(FileReply::Body {
        status: 200,
        length: Some(1_000_000),
        pieces: vec![b"glTF\x02\0\0\0"],
        broken: false,
    });
    let mut seen = Vec::new();

    let error = download_model_with(&fx, |p| seen.push(p.bytes)).unwrap_err();

    assert!(
        matches!(
            download_kind(&error),
            hitem3d_core::DownloadErrorKind::TooLarge {
                announced: Some(1_000_000),
                ..
            }
        ),
        "{error}"
    );
    assert!(seen.is_empty(), "no byte was taken: {seen:?}");
}

#[test]
fn a_body_longer_than_announced_is_cut_off_and_fetched_again() {
    let fx = FakeFrontEnd::new(core())
        .file(FileReply::Body {
            status: 200,
            length: Some(8),
            pieces: vec![b"glTF\x02\0\0\0", b"and more"],
            broken: false,
        })
        .file(body(vec![b"glTF\x02\0\0\0"]));
    let job = fx.core.download(
        &result(hitem3d_core::Timestamp::ZERO),
        hitem3d_core::ResultKind::Model,
        "m.glb".into(),
    );

    let summary = block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap();

    assert_eq!(summary.attempts, 2);
    assert_eq!(
        fx.saved.borrow()[std::path::Path::new("m.glb")],
        b"glTF\x02\0\0\0"
    );
}

#[test]
fn a_result_link_with_a_raw_space_is_fetched_percent_encoded() {
    const SPACED: &str = r#"{"code":200,"data":{"task_id":"t-1","state":"success","url":"https://cdn.example/t-1/my model.glb?auth_key=1-0-0-5ecret5ig"}}"#;
    let fx = FakeFrontEnd::new(core())
        .answers([TOKEN, SPACED])
        .file(body(vec![b"glTF\x02\0\0\0"]));
    let outcome = wait_for_t1(&fx).unwrap();
    let job = fx.core.download(
        &outcome.result,
        hitem3d_core::ResultKind::Model,
        "m.glb".into(),
    );

    block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap();

    assert!(
        fx.did().contains(&Did::Fetch(
            "https://cdn.example/t-1/my%20model.glb?auth_key=1-0-0-5ecret5ig".into()
        )),
        "{:?}",
        fx.did()
    );
}

#[test]
fn a_link_that_cannot_be_requested_is_reported_without_its_signature() {
    let api = hitem3d_core::ApiRequests::new(hitem3d_core::BaseUrl::production());
    let error = api
        .download("ftp://cdn.example/m.glb?auth_key=1-0-0-5ecret5ig")
        .unwrap_err();
    assert!(!error.to_string().contains("5ecret5ig"), "{error}");
    assert!(error.to_string().contains("cdn.example/m.glb"), "{error}");
}

#[test]
fn an_error_page_served_with_200_is_not_saved_as_the_model() {
    let fx = FakeFrontEnd::new(core()).file(body(vec![
        b"<!DOCTYPE html><html><head><title>502</title></head>",
        b"<body>Bad Gateway</body></html>",
    ]));
    let job = fx.core.download(
        &result(hitem3d_core::Timestamp::ZERO),
        hitem3d_core::ResultKind::Model,
        "m.glb".into(),
    );

    let error = block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap_err();

    assert!(
        matches!(
            download_kind(&error),
            hitem3d_core::DownloadErrorKind::WrongContent { .. }
        ),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("an HTML page") && message.contains("GLB"),
        "{message}"
    );
    assert!(fx.saved.borrow().is_empty(), "nothing was saved");
}

#[test]
fn a_cover_that_is_not_a_picture_is_refused() {
    let fx = FakeFrontEnd::new(core()).file(body(vec![b"{\"code\":500,\"msg\":\"oops\"}"]));
    let job = fx.core.download(
        &result(hitem3d_core::Timestamp::ZERO),
        hitem3d_core::ResultKind::Cover,
        "c.webp".into(),
    );
    let error = block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap_err();
    assert!(error.to_string().contains("a JSON document"), "{error}");
}

const REFUSED_FOR_CONCURRENCY: &str =
    r#"{"code":40029000,"data":{},"msg":"too many unfinished tasks"}"#;
const SUBMITTED_2: &str = r#"{"code":200,"data":{"task_id":"t-2"},"msg":"success"}"#;

/// Runs `job`'s tokens and calls on `fx` until it asks for something else, which is returned.
fn until_not_a_call<J: hitem3d_core::Job>(
    job: &mut J,
    fx: &FakeFrontEnd,
) -> hitem3d_core::Io<J::Event, J::Output> {
    use hitem3d_core::{Input, Io};
    loop {
        match job.next(fx.now()) {
            Io::Token { stale } => match fx.core.token(stale.as_ref(), fx.now()) {
                TokenStep::Ready(token) => job.on(Input::Token(Ok(token)), fx.now()),
                TokenStep::Fetch(fetch) => {
                    let token = block_on(Driver::new(&fx.core, fx).run(*fetch, |_| {}));
                    job.on(Input::Token(token), fx.now());
                }
                TokenStep::Wait(_) => panic!("nobody else fetches a token here"),
                TokenStep::Refused(error) => job.on(Input::Token(Err(error)), fx.now()),
            },
            Io::Exchange(request) => {
                let answer = block_on(fx.exchange(request));
                job.on(Input::Answer(answer), fx.now());
            }
            other => return other,
        }
    }
}

#[test]
fn a_concurrency_refusal_lowers_the_limit_and_submits_again_when_a_task_ends() {
    let fx = FakeFrontEnd::new(core()).answers([TOKEN, SUBMITTED, REFUSED_FOR_CONCURRENCY]);
    let first = block_on(Driver::new(&fx.core, &fx).run(fx.core.submit(task()), |_| {})).unwrap();

    let mut second = fx.core.submit(task());
    let hitem3d_core::Io::AwaitChange(_) = until_not_a_call(&mut second, &fx) else {
        panic!("refused, the submit waits for one of this client's tasks to end");
    };
    assert_eq!(
        fx.core.slots().limit(),
        1,
        "the account allows what this client holds"
    );
    assert_eq!(fx.core.available_task_slots(), 0);

    // The first task ends: its slot is freed, and the refused task is sent again.
    fx.api.borrow_mut().push_back(Ok(SUCCESS));
    fx.api.borrow_mut().push_back(Ok(SUBMITTED_2));
    block_on(Driver::new(&fx.core, &fx).run(fx.core.query(&first), |_| {})).unwrap();
    let hitem3d_core::Io::Done(resubmitted) = until_not_a_call(&mut second, &fx) else {
        panic!("the submit went out again");
    };
    assert_eq!(resubmitted.unwrap().as_str(), "t-2");
    let submits = fx
        .calls()
        .iter()
        .filter(|path| path.ends_with("/submit-task"))
        .count();
    assert_eq!(
        submits, 3,
        "one accepted, one refused (no task), one accepted"
    );
}

#[test]
fn a_concurrency_refusal_with_no_task_of_ours_backs_off_before_submitting_again() {
    let fx = FakeFrontEnd::new(core()).answers([TOKEN, REFUSED_FOR_CONCURRENCY, SUBMITTED]);
    let mut submit = fx.core.submit(task());
    let hitem3d_core::Io::Sleep(until) = until_not_a_call(&mut submit, &fx) else {
        panic!("other processes fill the account: the submit backs off");
    };
    assert!(
        until.elapsed() >= std::time::Duration::from_secs(5),
        "{until:?}"
    );
    fx.clock.set(until.elapsed());
    let hitem3d_core::Io::Done(task_id) = until_not_a_call(&mut submit, &fx) else {
        panic!("then it is sent again");
    };
    assert_eq!(task_id.unwrap().as_str(), "t-1");
}

/// A store that counts the refusals reported to it, as a fleet's store lowers its limit.
#[derive(Debug, Default)]
struct FleetStore {
    entries: hitem3d_core::journal::MemoryJournal,
    refusals: std::sync::atomic::AtomicUsize,
    /// Its slots cannot be watched: a wait for one fails.
    blind: bool,
}

impl hitem3d_core::journal::TaskJournal for FleetStore {
    fn begin(
        &self,
        intent: &hitem3d_core::journal::Intent,
    ) -> Result<hitem3d_core::journal::Begun, hitem3d_core::journal::JournalError> {
        self.entries.begin(intent)
    }
    fn settle(
        &self,
        entry: hitem3d_core::journal::EntryId,
        settled: &hitem3d_core::journal::Settled,
    ) -> Result<(), hitem3d_core::journal::JournalError> {
        self.entries.settle(entry, settled)
    }
    fn record(
        &self,
        task_id: &TaskId,
        event: &hitem3d_core::journal::TaskEvent,
    ) -> Result<(), hitem3d_core::journal::JournalError> {
        self.entries.record(task_id, event)
    }
    fn entries(
        &self,
        query: &hitem3d_core::journal::EntryQuery,
    ) -> Result<Vec<hitem3d_core::journal::JournalEntry>, hitem3d_core::journal::JournalError> {
        self.entries.entries(query)
    }
    fn forget(
        &self,
        entry: hitem3d_core::journal::EntryId,
    ) -> Result<bool, hitem3d_core::journal::JournalError> {
        self.entries.forget(entry)
    }
    fn learn_duration(
        &self,
        learnt: &hitem3d_core::journal::LearntDuration,
    ) -> Result<(), hitem3d_core::journal::JournalError> {
        self.entries.learn_duration(learnt)
    }
    fn learnt_durations(
        &self,
    ) -> Result<Vec<hitem3d_core::journal::LearntDuration>, hitem3d_core::journal::JournalError>
    {
        self.entries.learnt_durations()
    }
    fn limit_refused(&self) -> Result<(), hitem3d_core::journal::JournalError> {
        self.refusals
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
    fn await_slot(
        &self,
        _at_most: std::time::Duration,
    ) -> Result<(), hitem3d_core::journal::JournalError> {
        if self.blind {
            return Err(hitem3d_core::journal::JournalError::store(
                "watch",
                "the listening connection is down",
            ));
        }
        Ok(())
    }
}

/// A client whose limit `store` keeps for a fleet.
fn sharing_the_limit_of(store: std::sync::Arc<FleetStore>) -> hitem3d_core::ClientCore {
    let config = hitem3d_core::ClientConfig::new(
        hitem3d_core::types::ClientId::new("ak_1"),
        hitem3d_core::types::ClientSecret::new("sk_1"),
    )
    .with_journal(store)
    .with_shared_task_limit();
    hitem3d_core::ClientCore::new(config, 42_u64, || {}).unwrap()
}

/// A submit refused by the account while the fleet's store cannot watch its slots: it backs
/// off on its own rather than sending again at once.
#[test]
fn with_a_shared_limit_a_store_that_cannot_wait_leaves_the_refused_submit_a_pause() {
    use hitem3d_core::{Input, Io, Job};
    let store = std::sync::Arc::new(FleetStore {
        blind: true,
        ..FleetStore::default()
    });
    let core = sharing_the_limit_of(store.clone());
    let fx = FakeFrontEnd::new(core).answers([TOKEN, REFUSED_FOR_CONCURRENCY, SUBMITTED]);
    let mut submit = fx.core.submit(task());
    let mut sleeps = Vec::new();
    let task_id = loop {
        match until_not_a_call(&mut submit, &fx) {
            Io::Journal(call) => submit.on(Input::Journal(call.run()), fx.now()),
            Io::Sleep(until) => {
                sleeps.push(until.elapsed() - fx.now().elapsed());
                fx.clock.set(until.elapsed());
            }
            Io::Done(done) => break done.unwrap(),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(task_id.as_str(), "t-1");
    assert_eq!(sleeps, [std::time::Duration::from_secs(5)], "one pause");
    assert_eq!(
        store.refusals.load(std::sync::atomic::Ordering::Relaxed),
        1,
        "the first refusal is reported"
    );
}

/// In a fleet the store keeps the account's limit: a refusal is reported to it, once per
/// submit, and the client does not lower its own slots (racing refusals between machines
/// would drive each to one). It waits through the store, which wakes it when a task sharing
/// the limit ends, for at most a pause: it used to sleep the pause whatever ended meanwhile
/// (5 s while its own 100 ms tasks ended, in a worker's test).
#[test]
fn with_a_shared_limit_a_refusal_goes_to_the_store_and_the_own_slots_stay() {
    use hitem3d_core::{Input, Io, Job};
    let store = std::sync::Arc::new(FleetStore::default());
    let core = sharing_the_limit_of(store.clone());
    let fx = FakeFrontEnd::new(core).answers([
        TOKEN,
        REFUSED_FOR_CONCURRENCY,
        REFUSED_FOR_CONCURRENCY,
        SUBMITTED,
    ]);
    let mut submit = fx.core.submit(task());
    let (mut sleeps, mut waits) = (0, Vec::new());
    let task_id = loop {
        match until_not_a_call(&mut submit, &fx) {
            Io::Journal(call) => {
                if let hitem3d_core::journal::JournalOp::AwaitSlot(at_most) = call.op {
                    waits.push(at_most);
                }
                submit.on(Input::Journal(call.run()), fx.now());
            }
            Io::Sleep(until) => {
                sleeps += 1;
                fx.clock.set(until.elapsed());
            }
            Io::Done(done) => break done.unwrap(),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(task_id.as_str(), "t-1");
    assert_eq!(sleeps, 0, "no pause of its own");
    assert_eq!(waits.len(), 2, "each refusal waits through the store");
    assert!(
        waits
            .iter()
            .all(|at_most| *at_most >= std::time::Duration::from_secs(5)),
        "for at most the pause: {waits:?}"
    );
    assert_eq!(
        store.refusals.load(std::sync::atomic::Ordering::Relaxed),
        1,
        "one report per submit"
    );
    assert_eq!(
        fx.core.slots().limit(),
        10,
        "its own slots are the fleet's business"
    );
}

#[test]
fn other_refusals_are_reported_as_they_are() {
    let fx = FakeFrontEnd::new(core()).answers([
        TOKEN,
        r#"{"code":10031003,"data":{},"msg":"Resolution not valid"}"#,
    ]);
    let error =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.submit(task()), |_| {})).unwrap_err();
    assert!(error.is_invalid_input(), "{error}");
    assert_eq!(fx.core.slots().limit(), 10, "the limit is unchanged");
}

fn fetched(fx: &FakeFrontEnd) -> Vec<String> {
    fx.did()
        .into_iter()
        .filter_map(|did| match did {
            Did::Fetch(url) => Some(url),
            _ => None,
        })
        .collect()
}

fn download_model(fx: &FakeFrontEnd) -> Result<hitem3d_core::DownloadSummary, Error> {
    download_model_with(fx, |_| {})
}

fn download_model_with(
    fx: &FakeFrontEnd,
    on_progress: impl FnMut(hitem3d_core::DownloadProgress),
) -> Result<hitem3d_core::DownloadSummary, Error> {
    let job = fx.core.download(
        &result(hitem3d_core::Timestamp::ZERO),
        hitem3d_core::ResultKind::Model,
        "m.glb".into(),
    );
    block_on(Driver::new(&fx.core, fx).run(job, on_progress))
}

#[test]
fn a_file_host_redirect_is_followed_bare() {
    let fx = FakeFrontEnd::new(core())
        .file(FileReply::Redirect(
            302,
            "https://mirror.example/files/m.glb?sig=m",
        ))
        .file(FileReply::Redirect(307, "../other/m.glb?sig=n"))
        .file(body(vec![b"glTF\x02\0\0\0"]));

    download_model(&fx).unwrap();

    // The fake refuses any request with a token or a Referer.
    assert_eq!(
        fetched(&fx),
        [
            "https://cdn.example/t-1/0.glb?sig=a",
            "https://mirror.example/files/m.glb?sig=m",
            "https://mirror.example/other/m.glb?sig=n",
        ]
    );
    assert_eq!(
        fx.saved.borrow()[std::path::Path::new("m.glb")],
        b"glTF\x02\0\0\0"
    );
}

#[test]
fn a_redirect_to_another_scheme_is_never_followed() {
    let fx = FakeFrontEnd::new(core()).file(FileReply::Redirect(302, "file:///etc/passwd"));
    let error = download_model(&fx).unwrap_err();
    assert!(
        matches!(
            download_kind(&error),
            hitem3d_core::DownloadErrorKind::BadRedirect(_)
        ),
        "{error}"
    );
    assert_eq!(fetched(&fx).len(), 1, "nothing else was fetched");
}

#[test]
fn endless_redirects_stop_after_five() {
    let mut fx = FakeFrontEnd::new(core());
    for _ in 0..6 {
        fx = fx.file(FileReply::Redirect(302, "https://loop.example/m.glb"));
    }
    let error = download_model(&fx).unwrap_err();
    assert!(
        error.to_string().contains("more than 5 redirects"),
        "{error}"
    );
    assert_eq!(fetched(&fx).len(), 6, "the first request and five hops");
}

#[test]
fn concurrency_refusals_are_waited_out_only_until_the_wait_deadline() {
    // Other processes keep the account full: the submit backs off and tries again, but not
    // past the wait policy's deadline (600 s in these tests), and then reports the refusal.
    let mut answers = vec![TOKEN];
    answers.extend(std::iter::repeat_n(REFUSED_FOR_CONCURRENCY, 400));
    let fx = FakeFrontEnd::new(core()).answers(answers);
    let mut submit = fx.core.submit(task());
    let mut pauses = 0;
    let error = loop {
        match until_not_a_call(&mut submit, &fx) {
            hitem3d_core::Io::Sleep(until) => {
                pauses += 1;
                fx.clock.set(until.elapsed());
            }
            hitem3d_core::Io::Done(result) => break result.unwrap_err(),
            other => panic!("unexpected {other:?}"),
        }
        assert!(pauses < 400, "it never gave up");
    };
    assert!(pauses > 2, "it waited out several refusals first: {pauses}");
    let elapsed = fx.now().elapsed();
    assert!(
        elapsed >= std::time::Duration::from_secs(600),
        "gave up before the deadline: {elapsed:?}"
    );
    assert!(error.to_string().contains("too many unfinished"), "{error}");
}

#[test]
fn a_success_with_a_link_that_is_not_http_is_named_for_what_it_is() {
    let fx = FakeFrontEnd::new(core()).answers([
        TOKEN,
        r#"{"code":200,"data":{"task_id":"t-1","state":"success","url":"file:///srv/m.glb?auth_key=5ecret"}}"#,
    ]);
    let error = wait_for_t1(&fx).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("not http(s)") && message.contains("file:///srv/m.glb"),
        "{message}"
    );
    assert!(!message.contains("5ecret"), "{message}");
    assert!(!message.contains("without a model URL"), "{message}");
}
