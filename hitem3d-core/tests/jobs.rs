//! The client operations as core jobs, run by the core's driver on an in-memory front-end in
//! virtual time: the order of `generate`, downloads with broken bodies and refused links, the
//! single token fetch, task slots, and what the driver asks of a front-end.

mod fake;

use hitem3d_core::machines::TokenStep;
use std::io;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use fake::*;
use futures_executor::block_on;
use hitem3d_core::http::{Response, StatusCode};
use hitem3d_core::types::{AccessToken, ErrorClass, TaskId, TaskState};
use hitem3d_core::{
    ANSWER_READ_LIMIT, CallError, DecodeError, Delivery, DownloadErrorKind, Driver, Effects, Error,
    GenerateOptions, GenerateProgress, Input, Io, Job, ResultKind, Timestamp, TransportFailure,
    WRITEBACK_STEP, decode,
};

#[test]
fn generate_makes_the_directory_then_pays_then_waits_then_downloads_model_and_cover() {
    let fx = FakeFrontEnd::new(core())
        .answers([TOKEN, SUBMITTED, QUEUEING, PROCESSING, SUCCESS])
        .file(body(vec![b"glTF\x02\0\0\0", b"model"]))
        .file(body(vec![b"\x89PNG\r\n\x1a\n"]));
    let options = GenerateOptions::new("out")
        .with_file_stem("chair")
        .with_cover(true);
    let mut events = Vec::new();

    let generated = block_on(Driver::new(&fx.core, &fx).run(
        fx.core.generate(task(), options),
        |event| {
            events.push(event);
        },
    ))
    .unwrap();

    assert_eq!(
        fx.did(),
        [
            Did::CreateDir("out".into()),
            Did::Call("/open-api/v1/auth/token".into()),
            Did::Call("/open-api/v1/submit-task".into()),
            Did::Call("/open-api/v1/query-task".into()),
            Did::Call("/open-api/v1/query-task".into()),
            Did::Call("/open-api/v1/query-task".into()),
            // The directory was made before paying: not again for each file.
            Did::CreatePartial("out".into()),
            Did::Fetch("https://cdn.example/t-1/0.glb?sig=a".into()),
            Did::Commit("out/chair.glb".into()),
            Did::CreatePartial("out".into()),
            Did::Fetch("https://cdn.example/t-1/0.webp?sig=a".into()),
            Did::Commit("out/chair-cover.webp".into()),
        ]
    );
    assert_eq!(
        fx.saved.borrow()[Path::new("out/chair.glb")],
        b"glTF\x02\0\0\0model"
    );
    assert_eq!(generated.model.bytes(), 13);
    assert_eq!(
        generated.cover.as_ref().map(hitem3d_core::SavedFile::bytes),
        Some(8)
    );
    assert_eq!(generated.task_id.as_str(), "t-1");

    let kinds: Vec<&str> = events
        .iter()
        .map(|event| match event {
            GenerateProgress::Submitted { .. } => "submitted",
            GenerateProgress::Waiting(_) => "waiting",
            GenerateProgress::Downloading(_) => "downloading",
            GenerateProgress::Saved(_) => "saved",
            _ => "other",
        })
        .collect();
    let first = |kind| kinds.iter().position(|k| *k == kind).unwrap();
    assert_eq!(kinds[0], "submitted");
    assert!(first("waiting") < first("downloading"));
    assert_eq!(kinds.iter().filter(|k| **k == "saved").count(), 2);
    assert_eq!(kinds.last(), Some(&"saved"));
    assert_eq!(fx.core.available_task_slots(), 10, "the slot is freed");
}

#[test]
fn generate_sends_nothing_when_the_output_directory_cannot_be_made() {
    let mut fx = FakeFrontEnd::new(core());
    fx.refuse_dirs = true;

    let error =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.generate(task(), "out".into()), |_| {}))
            .unwrap_err();

    assert!(matches!(error, Error::File { .. }), "{error}");
    assert!(fx.calls().is_empty(), "nothing was sent, nothing paid");
    assert_eq!(fx.core.available_task_slots(), 10);
}

#[test]
fn the_cover_is_fetched_with_the_links_the_model_download_refreshed() {
    // The model's link is refused (403): a re-query hands out fresh links for both files.
    let fx = FakeFrontEnd::new(core())
        .answers([TOKEN, SUBMITTED, SUCCESS, FRESH_SUCCESS])
        .file(status(403))
        .file(body(vec![b"glTF\x02\0\0\0"]))
        .file(body(vec![b"\x89PNG\r\n\x1a\n"]));
    let options = GenerateOptions::new("out").with_cover(true);

    block_on(Driver::new(&fx.core, &fx).run(fx.core.generate(task(), options), |_| {})).unwrap();

    let fetched: Vec<String> = fx
        .did()
        .into_iter()
        .filter_map(|did| match did {
            Did::Fetch(url) => Some(url),
            _ => None,
        })
        .collect();
    assert_eq!(
        fetched,
        [
            "https://cdn.example/t-1/0.glb?sig=a",
            "https://cdn.example/t-1/0.glb?sig=b",
            "https://cdn.example/t-1/0.webp?sig=b",
        ]
    );
}

#[test]
fn a_broken_body_is_fetched_again_into_a_fresh_temporary_file() {
    let fx = FakeFrontEnd::new(core())
        .file(FileReply::Body {
            status: 200,
            length: Some(13),
            pieces: vec![b"glTF\x02\0\0\0"],
            broken: true,
        })
        .file(body(vec![b"glTF\x02\0\0\0", b"model"]));
    let mut progress = Vec::new();

    let job = fx
        .core
        .download(&result(Timestamp::ZERO), ResultKind::Model, "m.glb".into());
    let summary =
        block_on(Driver::new(&fx.core, &fx).run(job, |report| progress.push(report))).unwrap();

    assert_eq!(summary.bytes, 13);
    assert_eq!(summary.attempts, 2);
    assert_eq!(
        fx.saved.borrow()[Path::new("m.glb")],
        b"glTF\x02\0\0\0model",
        "nothing of the broken attempt is left in the file"
    );
    let creates = fx
        .did()
        .iter()
        .filter(|did| matches!(did, Did::CreatePartial(_)))
        .count();
    assert_eq!(
        creates, 2,
        "one temporary file per attempt that wrote bytes"
    );
    let starts: Vec<u32> = progress
        .iter()
        .filter(|report| report.bytes == 0)
        .map(|report| report.attempt)
        .collect();
    assert_eq!(
        starts,
        [1, 2],
        "progress starts again at 0 for the new attempt"
    );
    assert_eq!(progress.last().map(|report| report.bytes), Some(13));
    assert_eq!(progress.last().and_then(|report| report.total), Some(13));
}

#[test]
fn a_download_the_transport_refuses_ends_at_once_and_asks_for_a_fix() {
    let refusal = TransportFailure::refused("the logger records the traffic");
    let fx = FakeFrontEnd::new(core()).file(FileReply::Fails(refusal));

    let job = fx
        .core
        .download(&result(Timestamp::ZERO), ResultKind::Model, "m.glb".into());
    let error = block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap_err();

    let fetches = fx
        .did()
        .iter()
        .filter(|did| matches!(did, Did::Fetch(_)))
        .count();
    assert_eq!(fetches, 1, "not fetched again");
    assert!(!error.is_retryable(), "{error}");
    assert_eq!(error.class(), ErrorClass::Input);
    assert!(
        error.to_string().contains("the logger records the traffic"),
        "{error}"
    );
}

#[test]
fn a_query_the_transport_refuses_is_sent_once() {
    let fx = FakeFrontEnd::new(core()).answers([TOKEN]);
    fx.api.borrow_mut().push_back(Err(TransportFailure::refused(
        "the logger records the traffic",
    )));

    let job = fx.core.query(&TaskId::new("t1"));
    let error = block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap_err();

    assert_eq!(
        fx.calls(),
        ["/open-api/v1/auth/token", "/open-api/v1/query-task"]
    );
    assert!(
        !error.is_retryable() && error.class() == ErrorClass::Input,
        "{error}"
    );
}

#[test]
fn each_temporary_file_is_listed_while_it_exists() {
    let fx = FakeFrontEnd::new(core())
        .file(FileReply::Body {
            status: 200,
            length: Some(13),
            pieces: vec![b"glTF\x02\0\0\0"],
            broken: true,
        })
        .file(body(vec![b"glTF\x02\0\0\0", b"model"]));

    let job = fx.core.download(
        &result(Timestamp::ZERO),
        ResultKind::Model,
        "out/m.glb".into(),
    );
    block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap();

    let listed = fx.listed_while_writing.borrow();
    assert_eq!(
        listed.len(),
        3,
        "one write in the broken attempt, two in the second"
    );
    for files in listed.iter() {
        assert_eq!(
            files,
            &[Path::new("out/.m.glb.tmp.part")],
            "exactly this attempt's file"
        );
    }
    assert!(
        fx.core.partial_files().listed().is_empty(),
        "unlisted once renamed"
    );
}

#[test]
fn a_failed_download_leaves_nothing_listed() {
    let fx = FakeFrontEnd::new(core()).file(FileReply::Body {
        status: 200,
        length: Some(13),
        pieces: vec![b"<html>"],
        broken: false,
    });

    let job = fx
        .core
        .download(&result(Timestamp::ZERO), ResultKind::Model, "m.glb".into());
    block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap_err();

    assert!(
        !fx.listed_while_writing.borrow().is_empty(),
        "a file was written"
    );
    assert!(fx.core.partial_files().listed().is_empty());
}

/// A piece of a large model: the first starts like a GLB.
fn large_piece(first: bool) -> &'static [u8] {
    let mut piece = vec![0_u8; 4 << 20];
    if first {
        piece[..8].copy_from_slice(b"glTF\x02\0\0\0");
    }
    Box::leak(piece.into_boxed_slice())
}

#[test]
fn a_large_download_is_written_back_to_disk_step_by_step_as_it_arrives() {
    let mut pieces = vec![large_piece(true)];
    pieces.extend((0..4).map(|_| large_piece(false)));
    let mut fx = FakeFrontEnd::new(core()).file(body(pieces));
    // Only a hint: a system that refuses it does not fail the download.
    fx.writeback_fails = true;

    let job = fx
        .core
        .download(&result(Timestamp::ZERO), ResultKind::Model, "m.glb".into());
    let summary = block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap();

    assert_eq!(summary.bytes, 20 << 20);
    let step = WRITEBACK_STEP;
    assert_eq!(
        *fx.writebacks.borrow(),
        [(0..step, step), (step..2 * step, 2 * step)],
        "each step written so far, once, and nothing of the last 4 MiB (the flush writes it)"
    );
}

#[test]
fn a_download_started_again_counts_its_new_file_from_the_start() {
    let fx = FakeFrontEnd::new(core())
        .file(FileReply::Body {
            status: 200,
            length: Some(12 << 20),
            pieces: vec![large_piece(true), large_piece(false)],
            broken: true,
        })
        .file(body(vec![
            large_piece(true),
            large_piece(false),
            large_piece(false),
        ]));

    let job = fx
        .core
        .download(&result(Timestamp::ZERO), ResultKind::Model, "m.glb".into());
    let summary = block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap();

    assert_eq!(summary.attempts, 2);
    let step = WRITEBACK_STEP;
    assert_eq!(*fx.writebacks.borrow(), [(0..step, step), (0..step, step)]);
}

#[test]
fn a_short_body_is_not_saved_as_complete() {
    let fx = FakeFrontEnd::new(core())
        .file(FileReply::Body {
            status: 200,
            length: Some(100),
            pieces: vec![b"glTF\x02\0\0\0"],
            broken: false,
        })
        .file(body(vec![b"glTF\x02\0\0\0model"]));

    let job = fx
        .core
        .download(&result(Timestamp::ZERO), ResultKind::Model, "m.glb".into());
    let summary = block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap();

    assert_eq!(
        summary.attempts, 2,
        "the 4-of-100-bytes body was fetched again"
    );
    assert_eq!(
        fx.saved.borrow()[Path::new("m.glb")],
        b"glTF\x02\0\0\0model"
    );
}

#[test]
fn a_writer_that_cannot_start_over_gets_an_error_not_a_refetch() {
    let fx = FakeFrontEnd::new(core()).file(FileReply::Body {
        status: 200,
        length: Some(13),
        pieces: vec![b"glTF\x02\0\0\0"],
        broken: true,
    });
    let mut written = Vec::new();

    let job = fx
        .core
        .download_to_writer(&result(Timestamp::ZERO), ResultKind::Model);
    let error =
        block_on(Driver::with_sink(&fx.core, &fx, &mut written).run(job, |_| {})).unwrap_err();

    assert!(
        matches!(&error, Error::Download(download) if matches!(download.kind, DownloadErrorKind::Interrupted(_))),
        "{error:?}"
    );
    assert_eq!(written, b"glTF\x02\0\0\0", "what arrived was written once");
    let fetches = fx
        .did()
        .iter()
        .filter(|did| matches!(did, Did::Fetch(_)))
        .count();
    assert_eq!(fetches, 1);
}

#[test]
fn a_writer_download_writes_every_piece_and_creates_no_file() {
    let fx = FakeFrontEnd::new(core()).file(body(vec![b"glTF\x02\0\0\0", b"model"]));
    let mut written = Vec::new();

    let job = fx
        .core
        .download_to_writer(&result(Timestamp::ZERO), ResultKind::Model);
    let summary =
        block_on(Driver::with_sink(&fx.core, &fx, &mut written).run(job, |_| {})).unwrap();

    assert_eq!(written, b"glTF\x02\0\0\0model");
    assert_eq!(summary.bytes, 13);
    assert!(
        !fx.did()
            .iter()
            .any(|did| matches!(did, Did::CreatePartial(_) | Did::Commit(_)))
    );
}

#[test]
fn stale_links_are_refreshed_by_a_query_before_any_fetch() {
    let fx = FakeFrontEnd::new(core())
        .answers([TOKEN, FRESH_SUCCESS])
        .file(body(vec![b"glTF\x02\0\0\0"]));
    // Links live an hour from receipt; two hours later they are stale.
    fx.clock.set(Duration::from_secs(2 * 3600));

    let job = fx
        .core
        .download(&result(Timestamp::ZERO), ResultKind::Model, "m.glb".into());
    let summary = block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap();

    assert_eq!(summary.requeries, 1);
    assert_eq!(
        fx.did()[..4],
        [
            Did::CreateDir(".".into()),
            Did::CreatePartial(".".into()),
            Did::Call("/open-api/v1/auth/token".into()),
            Did::Call("/open-api/v1/query-task".into()),
        ]
    );
    assert!(
        fx.did()
            .contains(&Did::Fetch("https://cdn.example/t-1/0.glb?sig=b".into()))
    );
}

#[test]
fn one_caller_fetches_the_token_and_the_others_wait_for_it() {
    let core = core();
    let TokenStep::Fetch(fetch) = core.token(None, Timestamp::ZERO) else {
        panic!("the first caller fetches");
    };
    let TokenStep::Wait(seen) = core.token(None, Timestamp::ZERO) else {
        panic!("a second caller waits for the first");
    };
    assert_eq!(core.changes(), seen);

    let fx = FakeFrontEnd::new(core.clone()).answers([TOKEN]);
    let mut fetch = fetch;
    let token = loop {
        match fetch.next(fx.now()) {
            Io::Exchange(_) => fetch.on(
                Input::Answer(Ok(Response::new(Bytes::from_static(TOKEN.as_bytes())))),
                fx.now(),
            ),
            Io::Done(token) => break token.unwrap(),
            other => panic!("unexpected {other:?}"),
        }
    };
    drop(fetch);

    assert_ne!(core.changes(), seen, "the waiting caller is woken");
    match core.token(None, Timestamp::ZERO) {
        TokenStep::Ready(cached) => assert_eq!(cached.expose_secret(), token.expose_secret()),
        other => panic!("the fetched token is shared, got {other:?}"),
    }
}

#[test]
fn an_abandoned_token_fetch_lets_the_next_caller_fetch() {
    let core = core();
    let TokenStep::Fetch(fetch) = core.token(None, Timestamp::ZERO) else {
        panic!("the first caller fetches");
    };
    drop(fetch);
    assert!(matches!(
        core.token(None, Timestamp::ZERO),
        TokenStep::Fetch(_)
    ));
}

#[test]
fn a_refused_token_is_dropped_but_a_newer_one_is_kept() {
    let fx = FakeFrontEnd::new(core()).answers([TOKEN, PROCESSING]);
    block_on(Driver::new(&fx.core, &fx).run(fx.core.query(&TaskId::new("t-1")), |_| {})).unwrap();
    let TokenStep::Ready(cached) = fx.core.token(None, fx.now()) else {
        panic!("the token was cached");
    };

    let older = AccessToken::new("an older token");
    assert!(matches!(
        fx.core.token(Some(&older), fx.now()),
        TokenStep::Ready(_)
    ));
    assert!(matches!(
        fx.core.token(Some(&cached), fx.now()),
        TokenStep::Fetch(_)
    ));
}

#[test]
fn a_second_submit_waits_for_the_slot_a_finished_task_frees() {
    let core = core_with_slots(1);
    let fx = FakeFrontEnd::new(core.clone()).answers([TOKEN, SUBMITTED]);
    let first = block_on(Driver::new(&fx.core, &fx).run(core.submit(task()), |_| {})).unwrap();
    assert_eq!(core.available_task_slots(), 0);

    let mut second = core.submit(task());
    let Io::AwaitChange(seen) = second.next(fx.now()) else {
        panic!("no slot is free, so the submit waits");
    };
    assert!(fx.calls().len() == 2, "the second submit sent nothing");

    // A query that sees the first task finish frees its slot and moves `changes` on.
    fx.api.borrow_mut().push_back(Ok(
        r#"{"code":200,"data":{"task_id":"t-1","state":"failed"}}"#,
    ));
    let data = block_on(Driver::new(&fx.core, &fx).run(core.query(&first), |_| {})).unwrap();
    assert_eq!(data.state, TaskState::Failed);
    assert_ne!(core.changes(), seen);
    assert!(
        matches!(second.next(fx.now()), Io::Token { .. }),
        "now it goes on to its call"
    );
}

#[test]
fn a_query_of_an_unfinished_task_keeps_its_slot() {
    let core = core_with_slots(2);
    let fx = FakeFrontEnd::new(core.clone()).answers([TOKEN, SUBMITTED, PROCESSING]);
    let id = block_on(Driver::new(&fx.core, &fx).run(core.submit(task()), |_| {})).unwrap();
    block_on(Driver::new(&fx.core, &fx).run(core.query(&id), |_| {})).unwrap();
    assert_eq!(core.available_task_slots(), 1);
    assert!(core.release_task_slot(&id));
    assert_eq!(core.available_task_slots(), 2);
}

#[test]
fn a_refused_submit_gives_its_slot_back() {
    let core = core_with_slots(1);
    let fx = FakeFrontEnd::new(core.clone()).answers([
        TOKEN,
        r#"{"code":30010000,"data":{},"msg":"balance is not enough"}"#,
    ]);
    let error = block_on(Driver::new(&fx.core, &fx).run(core.submit(task()), |_| {})).unwrap_err();
    assert!(error.is_insufficient_balance());
    assert_eq!(core.available_task_slots(), 1);
}

#[test]
fn an_abandoned_wait_frees_the_slot_and_a_finished_one_frees_it_as_it_ends() {
    let core = core_with_slots(1);
    let fx = FakeFrontEnd::new(core.clone()).answers([TOKEN, SUBMITTED, SUCCESS]);
    let id = block_on(Driver::new(&fx.core, &fx).run(core.submit(task()), |_| {})).unwrap();

    let mut wait = core.wait(&id);
    let _ = wait.next(fx.now());
    drop(wait);
    assert_eq!(core.available_task_slots(), 1, "dropped: the slot is free");

    // Held again (as by a new submit of the same id), then waited for to the end.
    let fx2 = FakeFrontEnd::new(core.clone()).answers([SUBMITTED]);
    let id = block_on(Driver::new(&fx2.core, &fx2).run(core.submit(task()), |_| {})).unwrap();
    let mut wait = core.wait(&id);
    let outcome = block_on(Driver::new(&fx.core, &fx).run(&mut wait, |_| {})).unwrap();
    assert_eq!(outcome.task_id, id);
    assert_eq!(core.available_task_slots(), 1, "ended: the slot is free");
}

#[test]
fn a_submit_that_timed_out_after_sending_is_not_resent() {
    let fx = FakeFrontEnd::new(core()).answers([TOKEN]);
    fx.api
        .borrow_mut()
        .push_back(Err(TransportFailure::call_timed_out(Duration::from_secs(
            60,
        ))));

    let error =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.submit(task()), |_| {})).unwrap_err();

    assert!(error.is_submit_outcome_unknown(), "{error}");
    assert_eq!(
        fx.calls(),
        ["/open-api/v1/auth/token", "/open-api/v1/submit-task"],
        "one submit, never two"
    );
    assert_eq!(fx.core.available_task_slots(), 10);
}

#[test]
fn timeouts_are_classified_as_maybe_sent() {
    let call = TransportFailure::call_timed_out(Duration::from_secs(60));
    let idle = TransportFailure::idle_timed_out(Duration::from_secs(30));
    let body = TransportFailure::body_failed(&io::Error::new(io::ErrorKind::TimedOut, "slow"));
    let reset = TransportFailure::body_failed(&io::Error::new(io::ErrorKind::ConnectionReset, "x"));
    for failure in [&call, &idle, &body] {
        assert_eq!(failure.delivery(), Delivery::MaybeSent);
        assert!(failure.is_timeout(), "{failure}");
    }
    assert_eq!(reset.delivery(), Delivery::MaybeSent);
    assert!(!reset.is_timeout());
    assert!(call.to_string().contains("60 s"), "{call}");
}

#[test]
fn an_answer_read_up_to_the_limit_is_refused_as_too_large() {
    let body = vec![b' '; ANSWER_READ_LIMIT];
    let error = decode::balance(&Response::new(body)).unwrap_err();
    assert!(
        matches!(
            error,
            hitem3d_core::ApiError::Decode(DecodeError::TooLarge { .. })
        ),
        "{error:?}"
    );
}

#[test]
fn an_unreadable_callback_is_refused_without_a_query() {
    let fx = FakeFrontEnd::new(core());
    let error =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.verify_callback(b"not json"), |_| {}))
            .unwrap_err();
    assert!(matches!(error, Error::Callback(_)), "{error}");
    assert!(fx.calls().is_empty());
}

#[test]
fn a_callback_is_confirmed_by_the_queried_state() {
    let fx = FakeFrontEnd::new(core()).answers([TOKEN, SUCCESS]);
    let body = br#"{"task_id":"t-1","state":"success"}"#;
    let confirmed =
        block_on(Driver::new(&fx.core, &fx).run(fx.core.verify_callback(body), |_| {})).unwrap();
    assert_eq!(confirmed.task.state, TaskState::Success);
    assert_eq!(
        fx.calls(),
        ["/open-api/v1/auth/token", "/open-api/v1/query-task"]
    );
}

#[test]
fn a_job_asked_again_after_its_end_says_so_instead_of_repeating_io() {
    let fx = FakeFrontEnd::new(core()).answers([TOKEN, SUBMITTED]);
    let mut submit = fx.core.submit(task());
    block_on(Driver::new(&fx.core, &fx).run(&mut submit, |_| {})).unwrap();
    match submit.next(fx.now()) {
        Io::Done(Err(Error::Call(CallError::OutOfSequence(_)))) => {}
        other => panic!("expected an out-of-sequence error, got {other:?}"),
    }
    assert_eq!(fx.calls().len(), 2, "nothing was sent again");
}

#[test]
fn refused_file_links_end_after_the_requery_budget() {
    let fx = FakeFrontEnd::new(core())
        .answers([TOKEN, SUCCESS, SUCCESS])
        .file(status(403))
        .file(status(403))
        .file(status(403));
    let job = fx
        .core
        .download(&result(Timestamp::ZERO), ResultKind::Model, "m.glb".into());
    let error = block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap_err();
    match error {
        Error::Download(download) => assert!(
            matches!(
                download.kind,
                DownloadErrorKind::Expired {
                    refused_with: Some(StatusCode::FORBIDDEN)
                }
            ),
            "{download:?}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(fx.saved.borrow().is_empty(), "nothing was committed");
}

/// The multipart boundary of the first submit a core sends.
fn first_boundary(core: &hitem3d_core::ClientCore) -> String {
    let fx = FakeFrontEnd::new(core.clone());
    let mut submit = core.submit(task());
    loop {
        match submit.next(fx.now()) {
            Io::Token { .. } => submit.on(Input::Token(Ok(AccessToken::new("t0k3n"))), fx.now()),
            Io::Exchange(request) => {
                let content_type = request.headers()["content-type"].to_str().unwrap();
                return content_type.split("boundary=").nth(1).unwrap().to_owned();
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn every_submit_gets_its_own_randomness_from_the_clients_seed() {
    let core = core();
    assert_ne!(
        first_boundary(&core),
        first_boundary(&core),
        "one seed per call"
    );
    let config = || {
        hitem3d_core::ClientConfig::new(
            hitem3d_core::types::ClientId::new("ak"),
            hitem3d_core::types::ClientSecret::new("sk"),
        )
    };
    let seeded = |seed: u64| hitem3d_core::ClientCore::new(config(), seed, || {}).unwrap();
    assert_eq!(
        first_boundary(&seeded(7)),
        first_boundary(&seeded(7)),
        "the same seed replays"
    );
    assert_ne!(
        first_boundary(&seeded(7)),
        first_boundary(&seeded(8)),
        "another seed differs"
    );
}

#[test]
fn clients_seeded_from_the_os_get_different_randomness() {
    let config = || {
        hitem3d_core::ClientConfig::new(
            hitem3d_core::types::ClientId::new("ak"),
            hitem3d_core::types::ClientSecret::new("sk"),
        )
    };
    let fresh = || {
        let seed = std::collections::hash_map::RandomState::new();
        hitem3d_core::ClientCore::new(config(), seed, || {}).unwrap()
    };
    assert_ne!(first_boundary(&fresh()), first_boundary(&fresh()));
}

/// A caller's writer that notes whether it was flushed.
#[derive(Default)]
struct NotingWriter {
    bytes: Vec<u8>,
    flushed: bool,
}

impl io::Write for NotingWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.bytes.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flushed = true;
        Ok(())
    }
}

#[test]
fn a_writer_is_flushed_once_the_download_is_complete() {
    let fx = FakeFrontEnd::new(core()).file(body(vec![b"glTF\x02\0\0\0"]));
    let mut writer = NotingWriter::default();
    let job = fx
        .core
        .download_to_writer(&result(Timestamp::ZERO), ResultKind::Model);
    block_on(Driver::with_sink(&fx.core, &fx, &mut writer).run(job, |_| {})).unwrap();
    assert!(writer.flushed);
    assert_eq!(writer.bytes, b"glTF\x02\0\0\0");
}

#[test]
fn only_an_existing_file_is_reported_as_one_not_to_overwrite() {
    // A file is already at the path: the error says how to allow replacing it.
    let fx = FakeFrontEnd::new(core()).file(body(vec![b"glTF\x02\0\0\0"]));
    fx.saved
        .borrow_mut()
        .insert("m.glb".into(), b"the user's".to_vec());
    let job = fx
        .core
        .download(&result(Timestamp::ZERO), ResultKind::Model, "m.glb".into());
    let error = block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap_err();
    assert!(error.to_string().contains("with_overwrite"), "{error}");

    // Another file error is reported as it is.
    let mut fx = FakeFrontEnd::new(core());
    fx.refuse_dirs = true;
    let job = fx.core.download(
        &result(Timestamp::ZERO),
        ResultKind::Model,
        "out/m.glb".into(),
    );
    let error = block_on(Driver::new(&fx.core, &fx).run(job, |_| {})).unwrap_err();
    assert!(!error.to_string().contains("with_overwrite"), "{error}");
    assert!(error.to_string().contains("read-only"), "{error}");
}

#[test]
fn a_named_generate_whose_file_exists_stops_before_paying_unless_allowed() {
    let named = || GenerateOptions::new("out").with_file_stem("chair");

    let fx = FakeFrontEnd::new(core());
    fx.saved
        .borrow_mut()
        .insert("out/chair.glb".into(), b"mine".to_vec());
    let error = block_on(Driver::new(&fx.core, &fx).run(fx.core.generate(task(), named()), |_| {}))
        .unwrap_err();
    assert!(error.to_string().contains("chair.glb"), "{error}");
    assert!(fx.calls().is_empty(), "nothing was sent, nothing paid");

    let fx = FakeFrontEnd::new(core())
        .answers([TOKEN, SUBMITTED, SUCCESS])
        .file(body(vec![b"glTF\x02\0\0\0"]));
    fx.saved
        .borrow_mut()
        .insert("out/chair.glb".into(), b"mine".to_vec());
    let options = named().with_overwrite(true);
    block_on(Driver::new(&fx.core, &fx).run(fx.core.generate(task(), options), |_| {})).unwrap();
    assert_eq!(
        fx.saved.borrow()[Path::new("out/chair.glb")],
        b"glTF\x02\0\0\0"
    );

    let mut fx = FakeFrontEnd::new(core());
    fx.exists_fails = true;
    let error = block_on(Driver::new(&fx.core, &fx).run(fx.core.generate(task(), named()), |_| {}))
        .unwrap_err();
    assert!(error.to_string().contains("no access"), "{error}");
    assert!(
        fx.calls().is_empty(),
        "a path that cannot be checked is not paid for"
    );
}
