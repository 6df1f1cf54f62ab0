//! Each documented exit code, from a run that earns it, with a message in the command line's
//! words.

mod support;

use hitem3d_mock::{Fault, MockConfig, Route, TaskFailure};
use support::{Bench, events};

#[test]
fn invalid_input_exits_2_before_anything_is_sent_and_names_the_fix() {
    let bench = Bench::fast();
    std::fs::write(
        bench.path("photo.png"),
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
    )
    .unwrap();
    let run = bench.run(&["generate", "photo.png"]);
    run.expect(2);
    assert!(run.stderr.contains("photo.png is a GIF picture"), "{run}");

    let run = bench.run(&["generate", "missing.png"]);
    run.expect(2);
    assert!(run.stderr.contains("cannot read missing.png"), "{run}");

    bench.picture("back", "back.png");
    let run = bench.run(&["generate", "--back", "back.png"]);
    run.expect(2);
    assert!(run.stderr.contains("front view"), "{run}");

    bench.picture("front", "chair.png");
    let run = bench.run(&["generate", "chair.png", "--face", "5"]);
    run.expect(2);
    assert!(run.stderr.contains("--face"), "{run}");
    assert!(run.stderr.contains("nothing was sent or charged"), "{run}");
    assert!(
        !run.stderr.contains("::") && !run.stderr.contains(".face("),
        "{run}"
    );

    let run = bench.run(&["generate", "chair.png", "--format", "dwg"]);
    run.expect(2);
    assert!(run.stderr.contains("--format"), "{run}");

    let counters = bench.mock().counters();
    assert_eq!(
        (counters.tokens, counters.submit_requests),
        (0, 0),
        "not a byte sent"
    );
}

#[test]
fn refused_credentials_exit_3() {
    let bench = Bench::fast();
    let run = bench
        .command()
        .env("HITEM3D_CLIENT_SECRET", "sk_wrong")
        .arg("balance")
        .output()
        .unwrap();
    let run = support::Run::from(run);
    run.expect(3);
    assert!(!run.stderr.contains("sk_wrong"), "{run}");
    // The SDK's words for its retry policy ("after 1 attempt (not retryable)") are not the
    // command line's.
    assert!(run.stderr.contains("get-token failed: "), "{run}");
    assert!(!run.stderr.contains("retryable"), "{run}");
    let run = bench
        .command()
        .env_remove("HITEM3D_CLIENT_SECRET")
        .arg("balance")
        .output()
        .unwrap();
    let run = support::Run::from(run);
    run.expect(2);
    assert!(run.stderr.contains("not both halves"), "{run}");
}

/// One refused login ends the whole run: a batch of 8 with a wrong secret sent 8 token
/// requests, `generate` 2.
#[test]
fn refused_credentials_end_the_run_after_one_login() {
    let bench = Bench::fast();
    bench.distinct_pictures(8);
    bench.picture("front", "chair.png");
    for args in [
        &["batch", "photos", "-o", "models"][..],
        &["generate", "chair.png"][..],
    ] {
        let before = bench.mock().counters().tokens;
        let run = bench
            .command()
            .env("HITEM3D_CLIENT_SECRET", "sk_wrong")
            .args(args)
            .output()
            .unwrap();
        let run = support::Run::from(run);
        run.expect(3);
        assert!(!run.stderr.contains("sk_wrong"), "{run}");
        let counters = bench.mock().counters();
        assert_eq!(counters.tokens - before, 1, "one refused login: {run}");
        assert_eq!(counters.submit_requests, 0, "nothing submitted");
        let said = run.stdout.matches("40010000").count() + run.stderr.matches("40010000").count();
        assert_eq!(said, 1, "the refusal said once: {run}");
    }
}

/// The same file as front and back was accepted and paid for.
#[test]
fn one_picture_for_two_views_is_refused_before_paying() {
    let bench = Bench::fast();
    bench.picture("front", "chair.png");
    let run = bench.run(&["generate", "chair.png", "--back", "chair.png"]);
    run.expect(2);
    assert!(
        run.stderr.contains("the same picture") && run.stderr.contains("a picture of its own side"),
        "{run}"
    );
    assert_eq!(bench.mock().counters().submit_requests, 0, "nothing paid");
}

/// Four views, four problems: only the first (the GIF) was named, so a user fixed them one
/// run at a time; a pipe given as a picture was read as "0 bytes", and one no program writes
/// to hung the run for ever. All four are named in one run, in words (no "os error").
#[test]
fn every_problem_with_the_pictures_is_named_in_one_run_and_a_pipe_never_hangs() {
    let bench = Bench::fast();
    std::fs::write(
        bench.path("front.png"),
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
    )
    .unwrap();
    std::fs::create_dir(bench.path("left.png")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(bench.path("right.png"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let mut child = bench
        .command()
        .args(["generate", "front.png", "--back", "missing.png"])
        .args(["--left", "left.png", "--right", "right.png"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A run that hangs on the pipe fails here instead of hanging the suite.
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("the run hung on the pipe");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let run = support::Run::from(child.wait_with_output().unwrap());
    run.expect(2);
    for problem in [
        "front.png is a GIF picture",
        "cannot read missing.png: No such file or directory",
        "left.png is a folder",
        "right.png is a pipe or device",
    ] {
        assert!(run.stderr.contains(problem), "{problem}: {run}");
    }
    assert!(run.stderr.contains("4 problems"), "{run}");
    assert!(!run.stderr.contains("os error"), "{run}");
    assert_eq!(bench.mock().counters().submit_requests, 0, "nothing paid");
}

/// An empty task id was sent (and answered "task not found"), and the hint after it named an
/// empty task "still at the service".
#[test]
fn a_task_id_no_task_can_have_is_refused_before_sending_and_an_unknown_one_gets_no_false_hint() {
    let bench = Bench::fast();
    for command in ["status", "wait", "download"] {
        for id in ["", "a b"] {
            let run = bench.run(&[command, id]);
            run.expect(2);
            assert!(run.stderr.contains("the task id"), "{run}");
            assert!(!run.stderr.contains("still at the service"), "{run}");
        }
    }
    assert_eq!(bench.mock().counters().queries, 0, "nothing sent");

    for command in ["wait", "download"] {
        let run = bench.run(&[command, "0123456789abcdef0123456789abcdef.nowhere.1"]);
        assert_ne!(run.code, 0, "{run}");
        assert!(run.stderr.contains("task not found"), "{run}");
        assert!(
            !run.stderr.contains("still at the service"),
            "the service does not know it: {run}"
        );
    }
}

#[test]
fn an_unusable_journal_or_base_url_is_refused_in_the_command_lines_words() {
    let bench = Bench::fast();
    bench.picture("front", "chair.png");
    // A folder where the journal file should be: the journal cannot be opened (exit 1), and
    // nothing is paid without it.
    std::fs::create_dir(bench.path("journal-dir")).unwrap();
    let run = bench.run(&["--journal", "journal-dir", "generate", "chair.png"]);
    run.expect(1);
    assert!(run.stderr.contains("task journal"), "{run}");
    assert_eq!(bench.mock().counters().submit_requests, 0);

    let run = support::Run::from(
        bench
            .command()
            .env("HITEM3D_BASE_URL", "http://api.example.com")
            .arg("balance")
            .output()
            .unwrap(),
    );
    run.expect(2);
    assert!(run.stderr.contains("HITEM3D_BASE_URL"), "{run}");
    assert!(run.stderr.contains("use https"), "{run}");
    assert!(!run.stderr.contains("::"), "{run}");
}

#[test]
fn too_few_credits_exit_4() {
    let bench = Bench::fast();
    bench.mock().set_balance(0.0);
    bench.picture("front", "chair.png");
    let (run, lines) = bench.json(&["generate", "chair.png"]);
    run.expect(4);
    let error = events(&lines, "error");
    assert_eq!(error[0]["exit_code"], 4, "{run}");
}

#[test]
fn a_failed_task_exits_5_without_promising_it_may_finish() {
    let bench = Bench::fast();
    bench.mock().fail_next_tasks(TaskFailure::State, 1);
    bench.picture("front", "chair.png");
    let run = bench.run(&["generate", "chair.png"]);
    run.expect(5);
    assert!(run.stderr.contains("generation failed"), "{run}");
    assert!(!run.stderr.contains("still at the service"), "{run}");
    assert!(!run.stderr.contains("may still finish"), "{run}");
}

#[test]
fn a_wait_that_runs_out_exits_6_and_says_the_task_goes_on() {
    let bench = Bench::manual();
    bench.picture("front", "chair.png");
    let (run, submitted) = bench.json(&["submit", "chair.png"]);
    run.expect(0);
    let task_id = submitted[0]["task_id"].as_str().unwrap();
    // The mock's clock stands still: the task cannot finish within the second.
    let run = bench.run(&["wait", task_id, "--timeout", "1"]);
    run.expect(6);
    assert!(run.stderr.contains("still at the service"), "{run}");
    assert!(
        run.stderr.contains(&format!("hitem3d wait {task_id}")),
        "{run}"
    );
}

#[test]
fn a_submit_without_an_answer_exits_7_is_journaled_and_never_resent() {
    let bench = Bench::with(MockConfig::fast());
    bench
        .mock()
        .inject_times(Route::Submit, Fault::ProcessThenFail, 1);
    bench.picture("front", "chair.png");
    let run = bench.run(&["generate", "chair.png"]);
    run.expect(7);
    assert_eq!(bench.mock().counters().tasks_created, 1, "a task exists");

    let run = bench.run(&["tasks"]);
    run.expect(0);
    assert!(run.stdout.contains("unknown"), "{run}");
    assert!(run.stdout.contains("hitem3d forget 1"), "{run}");

    // Neither resume nor the same command sends it again.
    bench.run(&["resume"]).expect(7);
    let run = bench.run(&["generate", "chair.png"]);
    run.expect(7);
    assert!(run.stderr.contains("may have created"), "{run}");
    assert_eq!(bench.mock().counters().submit_requests, 1, "sent once");

    // Once a person has looked, forgetting it frees the command again.
    bench.run(&["forget", "1"]).expect(0);
    bench.run(&["generate", "chair.png"]).expect(0);
    assert_eq!(bench.mock().counters().submit_requests, 2);
    bench.run(&["forget", "99"]).expect(2);
}

/// With --json, a command line clap refuses printed clap's text: a script reading JSON lines
/// got none. It gets one error line with exit code 2, like every other refusal.
#[test]
fn a_refused_command_line_is_one_json_error_line_with_json() {
    let bench = Bench::offline();
    let (run, lines) = bench.json(&["generate", "--no-such-flag"]);
    run.expect(2);
    assert_eq!(lines.len(), 1, "{run}");
    assert_eq!(lines[0]["event"], "error");
    assert_eq!(lines[0]["exit_code"], 2);
    let message = lines[0]["message"].as_str().unwrap();
    assert!(message.contains("--no-such-flag"), "{message}");
    // Without --json, clap's own words, and help still prints as help.
    let run = bench.run(&["generate", "--no-such-flag"]);
    run.expect(2);
    assert!(run.stderr.contains("--no-such-flag"), "{run}");
    bench.run(&["--json", "generate", "--help"]).expect(0);
}

/// A service that cannot be reached was reported with the HTTP library's chain: "error sending
/// request for url (<url>): client error (Connect): tcp connect error: Connection refused (os
/// error 111)". It is now the cause in plain words and what to check.
#[test]
fn an_unreachable_service_is_reported_in_plain_words() {
    let bench = Bench::offline();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let run = bench
        .command()
        .env("HITEM3D_BASE_URL", &url)
        .env("HITEM3D_CLIENT_ID", "ak_test")
        .env("HITEM3D_CLIENT_SECRET", "sk_test")
        .arg("balance")
        .output()
        .unwrap();
    let run = support::Run::from(run);
    run.expect(6);
    assert!(run.stderr.contains("connection refused"), "{run}");
    assert!(run.stderr.contains("check HITEM3D_BASE_URL"), "{run}");
    for noise in [
        "client error",
        "(Connect)",
        "os error",
        "retryable",
        "<url>",
    ] {
        assert!(!run.stderr.contains(noise), "{noise}: {run}");
    }
}

/// One picture given as two views under two names (a copy, another path to the same file)
/// made a model of neither side and was paid all the same.
#[test]
fn one_picture_as_two_views_is_refused_before_paying() {
    let bench = Bench::fast();
    let front = bench.picture("front", "front.png");
    std::fs::copy(&front, bench.path("back.png")).unwrap();
    let run = bench.run(&["generate", "front.png", "--back", "./back.png"]);
    run.expect(2);
    assert!(
        run.stderr.contains(
            "front.png (front view) and ./back.png (back view) are the same picture: give each \
             view a picture of its own side"
        ),
        "{run}"
    );
    let run = bench.run(&["generate", "front.png", "--back", "./front.png"]);
    run.expect(2);
    assert!(run.stderr.contains("are the same picture"), "{run}");
    assert_eq!(bench.mock().counters().submit_requests, 0, "nothing paid");
}

/// A file that is only a PNG signature (8 bytes), or a picture cut short before its size, was
/// sent and paid for: its header is read before anything is sent.
#[test]
fn a_picture_cut_short_before_its_size_is_refused_before_paying() {
    let bench = Bench::fast();
    std::fs::write(bench.path("signature.png"), b"\x89PNG\r\n\x1a\n").unwrap();
    let whole = std::fs::read(bench.picture("front", "whole.png")).unwrap();
    std::fs::write(bench.path("cut.png"), &whole[..20]).unwrap();
    for name in ["signature.png", "cut.png"] {
        let run = bench.run(&["generate", name]);
        run.expect(2);
        assert!(
            run.stderr.contains("breaks off before its size in pixels"),
            "{name}: {run}"
        );
        assert!(run.stderr.contains(name), "{name} is named: {run}");
    }
    assert_eq!(bench.mock().counters().submit_requests, 0, "nothing paid");
}

/// The mock's rule failing the tasks of pictures whose name holds a text (`hitem3d mock
/// --fail-tasks name:TEXT`) never struck from the command line: every picture was sent as
/// `image.png`. A picture is now sent under its own file name (never its directory).
#[test]
fn a_mock_rule_failing_pictures_by_name_strikes_the_picture_so_named() {
    use hitem3d_mock::{FailingTasks, TaskFailureRule};

    let config = MockConfig::fast().with_failing_tasks(TaskFailureRule::new(
        FailingTasks::PictureNamed("broken".to_owned()),
        TaskFailure::State,
    ));
    let bench = Bench::with(config);
    let pictures = bench.distinct_pictures(2);
    std::fs::write(bench.path("good.png"), &pictures[0]).unwrap();
    std::fs::write(bench.path("broken-chair.png"), &pictures[1]).unwrap();

    let (run, lines) = bench.json(&["batch", "good.png", "broken-chair.png", "-o", "out"]);

    run.expect(5);
    let finished = events(&lines, "input_finished");
    let result_of = |input: &str| {
        finished
            .iter()
            .find(|line| line["input"] == input)
            .map(|line| line["result"].clone())
    };
    assert_eq!(result_of("good.png"), Some("saved".into()), "{run}");
    assert_eq!(
        result_of("broken-chair.png"),
        Some("failed".into()),
        "{run}"
    );
}

/// A JPEG's size lies past its metadata, often past the first bytes read of it: it is read on
/// to its frame header, so a JPEG cut short inside its metadata is refused too, and a whole
/// one with long metadata is sent.
#[test]
fn a_jpeg_is_judged_by_its_frame_header_past_long_metadata() {
    let bench = Bench::fast();
    let mut encoded = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(32, 24, image::Rgb([200, 80, 40]))
        .write_to(&mut encoded, image::ImageFormat::Jpeg)
        .unwrap();
    let encoded = encoded.into_inner();
    // Start of image, then a comment segment of 3,000 bytes, then the encoder's segments.
    let mut jpeg = encoded[..2].to_vec();
    jpeg.extend_from_slice(&[0xff, 0xfe, 0x0b, 0xba]);
    jpeg.resize(jpeg.len() + 0x0bba - 2, b' ');
    jpeg.extend_from_slice(&encoded[2..]);
    std::fs::write(bench.path("long.jpg"), &jpeg).unwrap();
    std::fs::write(bench.path("cut.jpg"), &jpeg[..1500]).unwrap();

    let run = bench.run(&["generate", "cut.jpg"]);
    run.expect(2);
    assert!(
        run.stderr.contains("breaks off before its size in pixels"),
        "{run}"
    );
    assert_eq!(bench.mock().counters().submit_requests, 0, "nothing paid");
    bench.run(&["generate", "long.jpg"]).expect(0);
}

/// Exit 2 says nothing was sent or paid: a paid task the service then says it does not know
/// ends in "another error", with its task id, not in "invalid input".
#[test]
fn a_paid_task_the_service_then_calls_unknown_does_not_exit_2() {
    let bench = Bench::fast();
    bench.picture("front", "chair.png");
    bench.mock().inject(
        Route::Query,
        Fault::Envelope {
            code: 40_040_000,
            msg: "task not found".to_owned(),
        },
    );
    let run = bench.run(&["generate", "chair.png"]);
    run.expect(1);
    assert_eq!(bench.mock().counters().tasks_created, 1, "{run}");
    let task = bench.mock().task_ids().remove(0);
    assert!(run.stderr.contains(&task), "the paid task is named: {run}");
    assert!(!run.stderr.contains("nothing was sent"), "{run}");
}

/// A batch exits with its worst input's code, but not with 2 once it paid for a task: an
/// invalid picture next to one that was made ends in "another error", the table saying which.
#[test]
fn a_batch_that_paid_for_one_input_does_not_exit_2_for_another_that_was_invalid() {
    let bench = Bench::fast();
    bench.picture("front", "chair.png");
    std::fs::write(bench.path("notes.png"), b"not a picture").unwrap();
    let run = bench.run(&["batch", "chair.png", "notes.png", "-o", "models"]);
    run.expect(1);
    assert_eq!(bench.mock().counters().tasks_created, 1, "{run}");
    assert!(bench.path("models/chair.glb").exists(), "{run}");
    assert!(run.stdout.contains("notes.png"), "{run}");

    // Again: the model was made earlier, and this run pays for nothing, so 2 holds.
    let run = bench.run(&["batch", "chair.png", "notes.png", "-o", "models"]);
    run.expect(2);
    assert!(run.stdout.contains("done earlier"), "{run}");
    assert_eq!(bench.mock().counters().tasks_created, 1, "{run}");
}
