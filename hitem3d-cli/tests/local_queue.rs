//! The workers of one machine on the journal file's queue (no PostgreSQL): `batch
//! --enqueue-only` and `worker` processes against one mock that allows 3 unfinished tasks.

mod support;

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use hitem3d_async::journal::{Begun, ClaimAnswer, Intent, TaskJournal, WorkQueue, WorkerId};
use hitem3d_async::types::TaskType;
use hitem3d_journal::{SqliteJournal, SqliteWorkQueue};
use hitem3d_mock::MockConfig;
use support::*;

/// A mock whose tasks take ~100 ms and which refuses a fourth unfinished task.
fn three_at_once() -> Bench {
    let mut config = MockConfig::fast();
    config.max_unfinished_tasks = 3;
    Bench::with(config)
}

#[test]
fn workers_on_one_machine_share_the_journal_file_and_its_limit_and_pay_each_picture_once() {
    let bench = three_at_once();
    bench.distinct_pictures(8);
    let queued = bench.run(&["batch", "photos", "--task-limit", "3", "--enqueue-only"]);
    queued.expect(0);
    assert!(
        queued.stdout.contains("8 inputs in the queue (8 new)"),
        "{queued}"
    );
    assert_eq!(
        bench.mock().counters().submit_requests,
        0,
        "nothing sent yet"
    );

    // Three workers of two slots each: six submits could race for the account's three.
    let workers: Vec<_> = (0..3)
        .map(|_| {
            bench
                .command()
                .args(["--json", "worker", "-o", "models", "--slots", "2"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut saved = Vec::new();
    for worker in workers {
        let run = Run::from(worker.wait_with_output().unwrap());
        bench.assert_no_secret_in(&run);
        run.expect(0);
        for line in run.stdout.lines() {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            if event["event"] == "input_finished" && event["result"] == "saved" {
                saved.push(event["input"].as_str().unwrap().to_owned());
            }
        }
    }
    saved.sort();
    let before = saved.len();
    saved.dedup();
    assert_eq!(
        (before, saved.len()),
        (8, 8),
        "each picture made once: {saved:?}"
    );
    let models = std::fs::read_dir(bench.path("models")).unwrap().count();
    assert_eq!(models, 8, "a model for every picture");
    let counters = bench.mock().counters();
    assert_eq!(counters.tasks_created, 8, "each paid once");
    // The file's limit kept the workers within the account's: not one submit was refused.
    assert_eq!(
        counters.submit_requests, 8,
        "no refused submit: {counters:?}"
    );
    bench.mock().assert_no_duplicate_submits();
    assert!(bench.mock().peak_unfinished_tasks() <= 3);

    // The same folder again adds nothing and pays nothing; `tasks` shows the queue.
    let again = bench.run(&["batch", "photos", "--enqueue-only"]);
    again.expect(0);
    assert!(again.stdout.contains("(0 new)"), "{again}");
    let one = std::fs::read_dir(bench.path("photos"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let single = bench.run(&["batch", one.to_str().unwrap(), "--enqueue-only"]);
    assert!(
        single.stdout.contains("1 input in the queue (0 new)"),
        "{single}"
    );
    let (tasks, printed) = bench.json(&["tasks"]);
    tasks.expect(0);
    let queue = events(&printed, "fleet");
    assert_eq!(queue[0]["states"]["saved"], 8, "{tasks}");
    assert_eq!(queue[0]["tasks_paid"], 8, "{tasks}");
    assert_eq!(queue[0]["task_limit"], 3, "{tasks}");
    let text = bench.run(&["tasks"]);
    assert!(
        text.stdout
            .contains("across the workers sharing this journal"),
        "{text}"
    );
    let idle = bench.run(&["worker", "-o", "models"]);
    idle.expect(0);
    assert_eq!(bench.mock().counters().tasks_created, 8);
}

/// A machine with a wrong secret must not touch the queue: each of its claims would fail the
/// same way, and marked failed one after another, a catalogue would be written off in
/// seconds. It stops before its first claim and says why; a worker with the right secret
/// makes every input, paying once.
#[test]
fn a_worker_whose_credentials_are_refused_claims_nothing() {
    let bench = three_at_once();
    bench.distinct_pictures(6);
    bench
        .run(&["batch", "photos", "--enqueue-only", "--task-limit", "3"])
        .expect(0);

    let refused = bench.run_with_env(
        &[("HITEM3D_CLIENT_SECRET", "sk_not_the_one_the_console_showed")],
        &["worker", "-o", "models", "--slots", "2"],
    );
    refused.expect(3);
    assert!(
        refused.stderr.contains("HITEM3D_CLIENT_SECRET")
            && refused.stderr.contains("No input was claimed"),
        "{refused}"
    );
    assert_eq!(bench.mock().counters().submit_requests, 0, "nothing sent");
    let (tasks, printed) = bench.json(&["tasks"]);
    let states = &events(&printed, "fleet")[0]["states"];
    assert_eq!(states["pending"], 6, "none claimed or failed: {tasks}");

    let made = bench.run(&["worker", "-o", "models"]);
    made.expect(0);
    assert_eq!(
        std::fs::read_dir(bench.path("models")).unwrap().count(),
        6,
        "{made}"
    );
    assert_eq!(bench.mock().counters().tasks_created, 6, "each paid once");
}

/// Queued pictures are read by path on the worker's machine. A machine that does not see
/// their folder (a share not mounted there) hands the input back and stops, instead of failing
/// every input in the folder; a picture gone from a folder that is there fails alone.
#[test]
fn a_worker_that_does_not_see_the_pictures_folder_stops_and_a_missing_picture_fails_alone() {
    let bench = three_at_once();
    bench.distinct_pictures(4);
    bench.run(&["batch", "photos", "--enqueue-only"]).expect(0);
    std::fs::rename(bench.path("photos"), bench.path("elsewhere")).unwrap();

    let unmounted = bench.run_with_env(
        &[("HITEM3D_LEASE_SECONDS", "1")],
        &["--json", "worker", "-o", "models", "--slots", "1"],
    );
    unmounted.expect(2);
    let printed = unmounted.json_lines();
    let ended = events(&printed, "input_finished");
    assert_eq!(ended.len(), 1, "{unmounted}");
    assert_eq!(ended[0]["result"], "handed back", "{unmounted}");
    let stopped_by = events(&printed, "worker_finished")[0]["stopped_by"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        stopped_by.contains("photos is not a folder on this machine"),
        "{unmounted}"
    );
    let (tasks, printed) = bench.json(&["tasks"]);
    let states = &events(&printed, "fleet")[0]["states"];
    assert!(states.get("failed").is_none(), "none failed: {tasks}");
    // The input it handed back is still its claim until the lease runs out (a second); then
    // `tasks` says so, and that the next worker takes it.
    bench.until("the handed-back claim to run out", |_| {
        let (_, printed) = bench.json(&["tasks"]);
        events(&printed, "fleet")[0]["claims_run_out"] == 1
    });
    let tasks = bench.run(&["tasks"]);
    assert!(
        tasks.stdout.contains(
            "1 claim ran out: its worker stopped or lost touch, and the next worker to ask for \
             work takes it"
        ),
        "{tasks}"
    );

    // The folder back, one picture gone from it: that one fails, the others are made. Not
    // exit 2, which says nothing was paid: this worker paid for three.
    std::fs::rename(bench.path("elsewhere"), bench.path("photos")).unwrap();
    std::fs::remove_file(bench.path("photos/p3.png")).unwrap();
    let made = bench.run(&["worker", "-o", "models"]);
    made.expect(1);
    assert!(made.stdout.contains("p3.png: failed"), "{made}");
    assert_eq!(
        std::fs::read_dir(bench.path("models")).unwrap().count(),
        3,
        "{made}"
    );
    assert_eq!(bench.mock().counters().tasks_created, 3);
}

/// A paid task whose file cannot be saved on this machine (its folder gone, as a disk
/// unmounted or full would leave every input after it) is handed back, not failed: the worker
/// says the task is paid for and kept, and the next worker saves it without paying again.
#[test]
fn a_paid_task_whose_file_cannot_be_saved_here_is_saved_by_the_next_worker_without_paying() {
    let bench = Bench::manual();
    bench.distinct_pictures(1);
    bench.run(&["batch", "photos", "--enqueue-only"]).expect(0);
    let worker = bench
        .command()
        .env("HITEM3D_LEASE_SECONDS", "1")
        .args(["--json", "worker", "-o", "models", "--slots", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    bench.until("the task submitted", |mock| mock.task_ids().len() == 1);
    let task_id = bench.mock().task_ids()[0].clone();
    std::fs::remove_dir_all(bench.path("models")).unwrap();
    std::fs::write(bench.path("models"), b"where the folder was").unwrap();
    assert!(bench.mock().complete_task(&task_id));

    let stopped = Run::from(worker.wait_with_output().unwrap());
    bench.assert_no_secret_in(&stopped);
    stopped.expect(1);
    let printed = stopped.json_lines();
    let ended = events(&printed, "input_finished");
    assert_eq!(ended[0]["result"], "handed back", "{stopped}");
    assert!(
        ended[0]["detail"].as_str().unwrap().contains(&format!(
            "its task {task_id} is paid for and kept in the journal"
        )),
        "{stopped}"
    );
    let (tasks, printed) = bench.json(&["tasks"]);
    let states = &events(&printed, "fleet")[0]["states"];
    assert!(states.get("failed").is_none(), "not failed: {tasks}");

    std::fs::remove_file(bench.path("models")).unwrap();
    let made = bench.run(&["worker", "-o", "models"]);
    made.expect(0);
    assert!(
        std::fs::read(bench.path("models/p0.glb"))
            .unwrap()
            .starts_with(b"glTF"),
        "{made}"
    );
    assert_eq!(bench.mock().counters().tasks_created, 1, "paid once");
}

#[test]
fn a_queue_on_the_built_in_mock_is_refused_before_anything_is_read() {
    let bench = Bench::offline();
    bench.distinct_pictures(2);
    for args in [
        &["worker", "-o", "models"][..],
        &["batch", "photos", "--enqueue-only"][..],
    ] {
        let run = bench.run(args);
        run.expect(2);
        assert!(
            run.stderr.contains("hitem3d mock") && run.stderr.contains("nothing was sent"),
            "{run}"
        );
    }
}

/// A worker killed after its submit's intent was written and before the submit left: nobody
/// knows whether a task exists. `tasks` says how to put the input back; once the person has
/// found no task in the console, `forget --again` does, and the next worker makes it, paying
/// once in all. An entry whose outcome is known is never put back.
#[test]
fn an_input_a_person_puts_back_after_a_killed_submit_is_made_by_the_next_worker() {
    let bench = three_at_once();
    bench.distinct_pictures(1);
    bench.run(&["batch", "photos", "--enqueue-only"]).expect(0);
    {
        // What the killed worker left behind: its claim, and its intent to submit.
        let journal = Arc::new(SqliteJournal::open(bench.path("journal.sqlite3")).unwrap());
        let queue = SqliteWorkQueue::new(&journal);
        let ClaimAnswer::Claimed(claim) = queue
            .claim(&WorkerId::new("killed"), Duration::ZERO)
            .unwrap()
        else {
            panic!("the picture is queued");
        };
        let intent = Intent {
            key: Some(claim.queued.key.clone()),
            task_type: TaskType::ImageTo3d,
            label: "hitem3dv1.5".to_owned(),
            estimated_credits: claim.queued.credits,
            destination: None,
        };
        let Begun::New(entry) = journal.begin(&intent).unwrap() else {
            panic!("a new entry");
        };
        assert_eq!(entry.0, 1);
    }

    let tasks = bench.run(&["tasks"]);
    tasks.expect(0);
    assert!(
        tasks
            .stdout
            .contains("not there: `hitem3d forget 1 --again`"),
        "{tasks}"
    );
    let put_back = bench.run(&["forget", "1", "--again"]);
    put_back.expect(0);
    assert!(put_back.stdout.contains("queued again"), "{put_back}");
    assert_eq!(bench.mock().counters().submit_requests, 0);

    let worker = bench.run(&["worker", "-o", "models"]);
    worker.expect(0);
    assert!(bench.path("models/p0.glb").exists(), "{worker}");
    assert_eq!(bench.mock().counters().tasks_created, 1);

    // The saved entry is known: nothing changes, and the exit says nothing was paid.
    let known = bench.run(&["forget", "2", "--again"]);
    known.expect(2);
    assert!(known.stderr.contains("nothing changed"), "{known}");
    bench.run(&["worker", "-o", "models"]).expect(0);
    assert_eq!(bench.mock().counters().tasks_created, 1);
}
