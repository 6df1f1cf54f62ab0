//! A run stopped halfway (killed, or Ctrl-C) and run again pays for no task twice: the
//! journal holds every task from before its submit went out.

#![cfg(unix)]

mod support;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use hitem3d_async::journal::{EntryQuery, TaskJournal};
use support::{Bench, Run};

fn spawn(bench: &Bench, args: &[&str]) -> Child {
    bench
        .command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Runs `child` to its end while moving the mock's clock, so its tasks finish however slow
/// the machine is.
fn finish_with_time_moving(bench: &Bench, mut child: Child) -> Run {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return Run::from(child.wait_with_output().unwrap());
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the run did not end"
        );
        bench.mock().advance(Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How many of the journal's entries hold a task id: a kill after that point leaves tasks the
/// next run can resume, where a kill between the service's answer and the journal's write
/// leaves an outcome nobody knows (and rightly not resent).
fn journaled_task_ids(bench: &Bench) -> usize {
    let path = bench.path("journal.sqlite3");
    if !path.exists() {
        return 0;
    }
    let journal = hitem3d_journal::SqliteJournal::open(&path).expect("the journal opens");
    journal
        .entries(&EntryQuery::All)
        .expect("the journal reads")
        .iter()
        .filter(|entry| entry.task_id.is_some())
        .count()
}

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn a_batch_killed_halfway_and_run_again_pays_for_no_task_twice() {
    let bench = Bench::manual();
    for (view, name) in [("front", "a"), ("back", "b"), ("left", "c"), ("right", "d")] {
        bench.picture(view, &format!("photos/{name}.png"));
    }
    let args = [
        "batch", "photos", "--slots", "2", "--format", "stl", "-o", "models",
    ];

    // Two tasks are submitted, then the mock's clock stands still; the batch is killed.
    let first = spawn(&bench, &args);
    bench.until("two tasks journaled", |_| journaled_task_ids(&bench) == 2);
    signal(&first, "-KILL");
    let _ = Run::from(first.wait_with_output().unwrap());
    assert_eq!(bench.mock().counters().submit_requests, 2);

    let run = finish_with_time_moving(&bench, spawn(&bench, &args));
    run.expect(0);
    assert_eq!(
        run.stdout.matches("resumed").count(),
        2,
        "the two paid tasks are resumed: {run}"
    );
    assert_eq!(run.stdout.matches(" saved ").count(), 2, "{run}");
    let counters = bench.mock().counters();
    assert_eq!(counters.submit_requests, 4, "each picture submitted once");
    assert_eq!(counters.tasks_created, 4);
    bench.mock().assert_no_duplicate_submits();
    for name in ["a", "b", "c", "d"] {
        assert!(bench.path(&format!("models/{name}.stl")).exists(), "{name}");
    }

    // A third run finds everything done and sends nothing.
    let run = bench.run(&args);
    run.expect(0);
    assert_eq!(run.stdout.matches("done earlier").count(), 4, "{run}");
    assert_eq!(bench.mock().counters().submit_requests, 4);
}

#[test]
fn ctrl_c_leaves_no_partial_file_and_resume_finishes_the_task_without_paying() {
    let bench = Bench::manual();
    bench.picture("front", "chair.png");
    let child = spawn(&bench, &["generate", "chair.png", "-o", "models"]);
    bench.until("the task journaled", |_| journaled_task_ids(&bench) == 1);
    signal(&child, "-INT");
    let run = Run::from(child.wait_with_output().unwrap());
    run.expect(130);
    assert!(run.stderr.contains("interrupted"), "{run}");
    let left: Vec<_> = std::fs::read_dir(bench.path("models"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|entry| entry.path())
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "nothing half-written: {left:?}");

    let (listed, tasks) = bench.json(&["tasks"]);
    listed.expect(0);
    assert_eq!(tasks.len(), 1, "{listed}");
    assert!(
        tasks[0]["task_id"].is_string(),
        "the task id was kept: {listed}"
    );

    let run = finish_with_time_moving(&bench, spawn(&bench, &["resume"]));
    run.expect(0);
    assert!(run.stdout.contains("saved models/chair.glb"), "{run}");
    assert_eq!(bench.mock().counters().submit_requests, 1, "paid once");
    assert!(bench.run(&["tasks"]).stdout.contains("Nothing unfinished"));
}

/// A closed terminal (SIGHUP) killed the run outright, leaving its partial files behind: it is
/// handled like Ctrl-C and SIGTERM.
#[test]
fn a_hang_up_is_an_interruption_like_ctrl_c() {
    for name in ["-HUP", "-TERM"] {
        let bench = Bench::manual();
        bench.picture("front", "chair.png");
        let child = spawn(&bench, &["generate", "chair.png", "-o", "models"]);
        bench.until("the task journaled", |_| journaled_task_ids(&bench) == 1);
        signal(&child, name);
        let run = Run::from(child.wait_with_output().unwrap());
        run.expect(130);
        assert!(run.stderr.contains("interrupted"), "{name}: {run}");
    }
}

/// On the built-in mock Ctrl-C said the task "stays in the journal (`hitem3d resume`)", though
/// the journal is in memory and the mock ends with the process.
#[test]
fn ctrl_c_on_the_built_in_mock_promises_no_resume() {
    use std::io::{BufRead, BufReader};
    let bench = Bench::offline();
    let mut child = spawn(&bench, &["generate", "--mock-speed", "1"]);
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in stderr.by_ref().map_while(Result::ok) {
        let submitted = line.contains("submitted");
        seen.push(line);
        if submitted {
            break;
        }
    }
    assert!(
        seen.iter().any(|line| line.contains("submitted")),
        "{seen:?}"
    );
    signal(&child, "-INT");
    seen.extend(stderr.map_while(Result::ok));
    let status = child.wait().unwrap();
    let said = seen.join("\n");
    assert_eq!(status.code(), Some(130), "{said}");
    assert!(said.contains("end with this process"), "{said}");
    assert!(!said.contains("hitem3d resume"), "{said}");
}

/// A run killed outright (SIGKILL, a power cut: no handler runs) left its partial file
/// behind, for ever. The next run saving the same file removes it, and never the partial file
/// of a process still writing it (which holds it locked).
#[test]
fn a_killed_runs_partial_file_is_removed_by_the_next_run_and_a_live_ones_is_kept() {
    use std::fs::File;
    use std::time::SystemTime;

    let bench = Bench::fast();
    bench.picture("front", "chair.png");
    std::fs::create_dir_all(bench.path("models")).unwrap();
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let stale = bench.path("models/.chair.glb.k1LLed.part");
    File::create(&stale)
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    let live = bench.path("models/.chair.glb.L1ve00.part");
    let writer = File::create(&live).unwrap();
    writer.set_modified(an_hour_ago).unwrap();
    writer.try_lock().unwrap();

    let run = bench.run(&["generate", "chair.png", "-o", "models"]);
    run.expect(0);
    assert!(
        run.stderr.contains(
            "removed 1 partial file an interrupted run left: models/.chair.glb.k1LLed.part"
        ),
        "{run}"
    );
    assert!(!stale.exists(), "the dead run's partial file is removed");
    assert!(live.exists(), "the live writer's is kept");
    assert!(bench.path("models/chair.glb").exists());
    drop(writer);
}
