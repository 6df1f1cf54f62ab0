//! Another program holds the journal file's lock while a paid task is recorded: the run
//! retries the write and loses nothing, or, if the lock outlasts the retry time, saves the
//! model all the same and exits 8 with the task id, never 0.

#![cfg(unix)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use hitem3d_async::journal::{EntryQuery, EntryState, TaskJournal};
use hitem3d_mock::{Fault, Route};
use support::Bench;

/// A `generate` whose submit is answered after a second, so that the test can take the
/// journal's lock between the intent's write and the task id's.
fn start_generate(bench: &Bench, retry_seconds: &str) -> (Child, mpsc::Receiver<String>) {
    bench.picture("front", "house.png");
    bench
        .mock()
        .inject(Route::Submit, Fault::Delay(Duration::from_secs(1)));
    let mut child = bench
        .command()
        .args(["-v", "generate", "house.png", "-o", "out"])
        .env("HITEM3D_JOURNAL_RETRY", retry_seconds)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().unwrap();
    let (lines, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    (child, receiver)
}

/// The lock a second program takes on the journal, until dropped.
fn lock_journal(bench: &Bench) -> rusqlite::Connection {
    let path = bench.path("journal.sqlite3");
    bench.until("the intent is written", |_| journal_entries(bench) == 1);
    let connection = rusqlite::Connection::open(path).unwrap();
    connection.busy_timeout(Duration::from_secs(30)).unwrap();
    connection.execute_batch("BEGIN EXCLUSIVE").unwrap();
    connection
}

fn journal_entries(bench: &Bench) -> usize {
    let path = bench.path("journal.sqlite3");
    if !path.exists() {
        return 0;
    }
    hitem3d_journal::SqliteJournal::open(&path)
        .and_then(|journal| journal.entries(&EntryQuery::All))
        .map_or(0, |entries| entries.len())
}

/// Reads stderr until a line contains `text`; every line read is kept in `seen`.
fn wait_for_line(lines: &mpsc::Receiver<String>, text: &str, seen: &mut Vec<String>) {
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no line with {text:?} in {seen:#?}"
        );
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(100)) {
            let found = line.contains(text);
            seen.push(line);
            if found {
                return;
            }
        }
    }
}

/// Runs `child` to its end while moving the mock's clock; its exit code.
fn finish(bench: &Bench, mut child: Child) -> i32 {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the run did not end"
        );
        bench.mock().advance(Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_journal_locked_while_the_task_id_is_written_loses_nothing() {
    let bench = Bench::manual();
    let (child, lines) = start_generate(&bench, "60");
    let lock = lock_journal(&bench);
    let mut seen = Vec::new();
    wait_for_line(&lines, "trying again", &mut seen);
    drop(lock);

    let code = finish(&bench, child);
    seen.extend(lines.try_iter());

    assert_eq!(code, 0, "{seen:#?}");
    let path = bench.path("journal.sqlite3");
    let journal = hitem3d_journal::SqliteJournal::open(&path).unwrap();
    let entries = journal.entries(&EntryQuery::All).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].state, EntryState::Saved, "{entries:?}");
    assert!(entries[0].task_id.is_some());
    assert!(bench.path("out/house.glb").exists());
}

#[test]
fn a_journal_locked_past_the_retry_time_exits_8_with_the_task_id_and_the_model_saved() {
    let bench = Bench::manual();
    let (child, lines) = start_generate(&bench, "1");
    let lock = lock_journal(&bench);

    let code = finish(&bench, child);
    drop(lock);
    let stderr: Vec<String> = lines.iter().collect();

    assert_eq!(code, 8, "{stderr:#?}");
    let task_ids = bench.mock().task_ids();
    assert_eq!(task_ids.len(), 1, "one task created");
    let task_id = &task_ids[0];
    let text = stderr.join("\n");
    assert!(
        text.contains(&format!("hitem3d download {task_id}")),
        "the id and how to fetch it: {text}"
    );
    assert!(text.contains("saved anyway"), "{text}");
    let error = text
        .lines()
        .skip_while(|line| !line.starts_with("error:"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !error.is_empty() && !error.contains("  "),
        "one space between words: {error}"
    );
    assert!(bench.path("out/house.glb").exists(), "the model was saved");
    // As the message says, the journal lacks the task id: its entry is there without one.
    assert!(text.contains("lacks the task id"), "{text}");
    let (run, tasks) = bench.json(&["tasks", "--all"]);
    run.expect(0);
    assert_eq!(tasks.len(), 1, "{run}");
    assert!(tasks[0]["task_id"].is_null(), "{run}");
}

#[test]
fn a_journal_retry_time_that_is_not_seconds_is_refused_before_anything_is_sent() {
    let bench = Bench::fast();
    let run = bench
        .command()
        .args(["balance"])
        .env("HITEM3D_JOURNAL_RETRY", "a minute")
        .output()
        .expect("the binary runs");
    let run = support::Run::from(run);

    run.expect(2);
    assert!(
        run.stderr.contains("HITEM3D_JOURNAL_RETRY=\"a minute\"")
            && run.stderr.contains("such as 60")
            && !run.stderr.contains("  "),
        "{run}"
    );
    assert!(bench.mock().journal().is_empty(), "nothing was sent");
}
