//! Many machines on one account: `batch --queue` and `worker` processes sharing a PostgreSQL
//! queue against one mock that allows 3 unfinished tasks.

mod support;

use std::process::Stdio;

use hitem3d_mock::MockConfig;
use support::*;

/// A mock whose tasks take ~100 ms and which refuses a fourth unfinished task.
fn three_at_once() -> Bench {
    let mut config = MockConfig::fast();
    config.max_unfinished_tasks = 3;
    Bench::with(config)
}

#[test]
fn a_batch_and_two_workers_share_one_queue_and_pay_for_each_picture_once() {
    let Some((_cluster, _runtime, url)) = fleet_database("fleet") else {
        return;
    };
    let bench = three_at_once();
    bench.distinct_pictures(8);

    // From one machine the pictures go in; two workers and a batch of the same folder (which
    // adds nothing new) make them.
    let queued = bench.run(&[
        "--queue",
        &url,
        "batch",
        "photos",
        "--task-limit",
        "3",
        "--enqueue-only",
    ]);
    queued.expect(0);
    assert!(
        queued.stdout.contains("8 inputs in the queue (8 new)"),
        "{queued}"
    );
    let workers: Vec<_> = (0..2)
        .map(|_| {
            bench
                .command()
                .args([
                    "--json", "--queue", &url, "worker", "-o", "models", "--slots", "2",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let (batch, batch_events) = bench.json(&[
        "--queue", &url, "batch", "photos", "-o", "models", "--slots", "2",
    ]);
    batch.expect(0);
    let mut saved: Vec<String> = events(&batch_events, "input_finished")
        .iter()
        .filter(|event| event["result"] == "saved" && event["here"] == true)
        .map(|event| event["input"].as_str().unwrap().to_owned())
        .collect();
    // The batch's table lists every input of its folder, whoever made it.
    assert_eq!(
        events(&batch_events, "batch_finished")[0]["failed"],
        0,
        "{batch}"
    );
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
    assert_eq!(bench.mock().counters().tasks_created, 8, "each paid once");
    bench.mock().assert_no_duplicate_submits();
    assert!(
        bench.mock().peak_unfinished_tasks() <= 3,
        "never more than the account allows: {}",
        bench.mock().peak_unfinished_tasks()
    );

    // The same folder again adds nothing and pays nothing.
    let again = bench.run(&["--queue", &url, "batch", "photos", "-o", "models"]);
    again.expect(0);
    assert!(again.stdout.contains("(0 new)"), "{again}");
    assert_eq!(bench.mock().counters().tasks_created, 8);

    let (tasks, printed) = bench.json(&["--queue", &url, "tasks"]);
    tasks.expect(0);
    let fleet = events(&printed, "fleet");
    assert_eq!(fleet[0]["states"]["saved"], 8, "{tasks}");
    assert_eq!(fleet[0]["tasks_paid"], 8, "{tasks}");
}

#[test]
fn a_fleet_credit_limit_stops_submits_and_a_higher_one_goes_on() {
    let Some((_cluster, _runtime, url)) = fleet_database("fleet") else {
        return;
    };
    let bench = three_at_once();
    bench.distinct_pictures(4);
    let (estimate, printed) = bench.json(&["estimate", "--model", "hitem3dv2.1"]);
    estimate.expect(0);
    let price = events(&printed, "estimate")
        .first()
        .map(|event| event["credits_each"].as_u64().unwrap())
        .unwrap_or_else(|| panic!("a price: {estimate}"));
    let limit = (2 * price + price / 2).to_string();

    let (batch, printed) = bench.json(&[
        "--queue",
        &url,
        "batch",
        "photos",
        "-o",
        "models",
        "--max-credits",
        &limit,
    ]);
    batch.expect(4);
    assert_eq!(bench.mock().counters().tasks_created, 2, "{batch}");
    let finished = events(&printed, "batch_finished");
    assert_eq!(finished[0]["failed"], 2, "two wait for credits: {batch}");
    let waiting: Vec<_> = events(&printed, "input_finished")
        .into_iter()
        .filter(|event| event["result"] == "waiting")
        .collect();
    assert_eq!(waiting.len(), 2, "{batch}");
    assert!(
        waiting[0]["detail"]
            .as_str()
            .unwrap()
            .contains("credit limit"),
        "{batch}"
    );

    let (tasks, printed) = bench.json(&["--queue", &url, "tasks"]);
    tasks.expect(0);
    let fleet = &events(&printed, "fleet")[0];
    assert_eq!(fleet["credits_spent"], 2 * price, "{tasks}");
    assert_eq!(fleet["states"]["pending"], 2, "{tasks}");

    let worker = bench.run(&[
        "--queue",
        &url,
        "worker",
        "-o",
        "models",
        "--max-credits",
        &(4 * price).to_string(),
    ]);
    worker.expect(0);
    assert_eq!(bench.mock().counters().tasks_created, 4);
}

/// A worker killed after its model file was in place and before the journal said so leaves a
/// paid task and a file at the input's own path: the next claim saves it (paying nothing) and
/// does not fail for the file it finds. Seen in CI's fault run, made deterministic here.
#[test]
fn a_resumed_input_whose_model_is_already_in_place_is_saved_not_failed() {
    use hitem3d_async::journal::{
        AsyncTaskJournal, AsyncWorkQueue, Begun, Intent, ItemState, Settled,
    };
    use hitem3d_async::types::{TaskId, TaskType};
    use hitem3d_postgres::{DatabaseUrl, PgJournal, PgWorkQueue};

    let Some((_cluster, runtime, url)) = fleet_database("fleet") else {
        return;
    };
    let bench = three_at_once();
    bench.distinct_pictures(1);
    bench
        .run(&["--queue", &url, "batch", "photos", "--enqueue-only"])
        .expect(0);
    // The dead worker's paid task, recorded under the input's key.
    let (submit, printed) = bench.json(&["submit", "photos/p0.png"]);
    submit.expect(0);
    let task_id = events(&printed, "submitted")[0]["task_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let database: DatabaseUrl = url.parse().unwrap();
    runtime.block_on(async {
        let journal = PgJournal::connect(&database).await.unwrap();
        let items = PgWorkQueue::new(&journal).items().await.unwrap();
        let intent = Intent {
            key: Some(items[0].queued.key.clone()),
            task_type: TaskType::ImageTo3d,
            label: "hitem3dv2.1".to_owned(),
            estimated_credits: Some(25),
            destination: None,
        };
        let Begun::New(entry) = journal.begin(&intent).await.unwrap() else {
            panic!("a new entry");
        };
        journal
            .settle(entry, &Settled::Submitted(TaskId::new(&task_id)))
            .await
            .unwrap();
    });
    // Its model was renamed into place just before it died.
    std::fs::create_dir_all(bench.path("models")).unwrap();
    std::fs::write(bench.path("models/p0.glb"), b"the dead worker's copy").unwrap();

    bench
        .run(&["--queue", &url, "worker", "-o", "models"])
        .expect(0);
    let items = runtime.block_on(async {
        let journal = PgJournal::connect(&database).await.unwrap();
        PgWorkQueue::new(&journal).items().await.unwrap()
    });
    assert_eq!(items[0].state, ItemState::Saved, "{items:?}");
    assert_eq!(
        bench.mock().counters().tasks_created,
        1,
        "nothing paid again"
    );
    assert!(
        std::fs::read(bench.path("models/p0.glb"))
            .unwrap()
            .starts_with(b"glTF")
    );
}

/// A new input whose file name is taken is refused before it is paid, in words a worker's
/// user can act on (a worker has no --force or --name).
#[test]
fn a_worker_refuses_a_taken_file_name_before_paying_and_says_what_to_do() {
    let Some((_cluster, _runtime, url)) = fleet_database("fleet") else {
        return;
    };
    let bench = three_at_once();
    bench.distinct_pictures(1);
    std::fs::create_dir_all(bench.path("models")).unwrap();
    std::fs::write(bench.path("models/p0.glb"), b"someone's own file").unwrap();
    let worked = bench.run(&["--queue", &url, "batch", "photos", "-o", "models"]);
    worked.expect(2);
    assert!(worked.stdout.contains("move it away"), "{worked}");
    assert!(!worked.stdout.contains("--force"), "{worked}");
    assert_eq!(bench.mock().counters().submit_requests, 0);
    assert_eq!(
        std::fs::read(bench.path("models/p0.glb")).unwrap(),
        b"someone's own file"
    );
}

/// Over TLS, checked as the URL says: a database whose certificate the URL's authority signed
/// is used; one it did not sign is refused before anything is paid, in words that say what to
/// change and without the password.
#[test]
fn a_fleet_database_is_reached_over_tls_checked_as_the_url_says() {
    let Some(cluster) = hitem3d_postgres::ThrowawayCluster::start_or_skip("fleet") else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(cluster.create_owner("fleet", "tls-fleet-secret"))
        .unwrap();
    let fixture = |name: &str| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../hitem3d-postgres/tests/tls")
            .join(name)
    };
    cluster
        .serve_tls_only(&fixture("server.crt"), &fixture("server.key"))
        .unwrap();
    let url = |authority: &str| {
        format!(
            "postgres://fleet:tls-fleet-secret@127.0.0.1:{}/fleet?sslmode=verify-full\
             &sslrootcert={}",
            cluster.port(),
            fixture(authority).display()
        )
    };
    let bench = three_at_once();
    bench.distinct_pictures(1);

    let refused = bench.run(&[
        "--queue",
        &url("other_ca.crt"),
        "batch",
        "photos",
        "-o",
        "models",
    ]);
    refused.expect(1);
    let said = format!("{}{}", refused.stdout, refused.stderr);
    assert!(
        said.contains("signed by an authority this connection does not trust")
            && said.contains("sslrootcert=PATH")
            && !said.contains("PostgreSQL run"),
        "{refused}"
    );
    assert!(!said.contains("tls-fleet-secret"), "{refused}");
    assert_eq!(bench.mock().counters().submit_requests, 0);

    // Every logger at TRACE, the TLS and database drivers' own included: no password.
    let made = bench.run(&[
        "-vvv",
        "--queue",
        &url("ca.crt"),
        "batch",
        "photos",
        "-o",
        "models",
    ]);
    made.expect(0);
    assert!(made.stderr.contains("TRACE"), "{made}");
    assert!(!made.stderr.contains("tls-fleet-secret"), "{made}");
    assert!(!made.stdout.contains("tls-fleet-secret"), "{made}");
    assert!(bench.path("models/p0.glb").is_file());
    assert_eq!(bench.mock().counters().submit_requests, 1);
}

/// `batch --queue` whose submits are refused for the credentials (revoked after the worker
/// started, say): it marks nothing failed, hands the input back, says why it stopped and what
/// the other inputs wait for, and exits 3; the next batch makes them all, paying once each.
#[test]
fn a_queued_batch_whose_credentials_are_refused_fails_no_input() {
    use hitem3d_mock::{Fault, Route};

    let Some((_cluster, _runtime, url)) = fleet_database("fleet") else {
        return;
    };
    let bench = three_at_once();
    bench.distinct_pictures(4);
    let revoked = Fault::Envelope {
        code: 40_010_000,
        msg: "client credentials are invalid".to_owned(),
    };
    // A refused submit is not sent again: it created no task.
    bench.mock().inject(Route::Submit, revoked);
    let refused = bench.run_with_env(
        &[("HITEM3D_LEASE_SECONDS", "1")],
        &[
            "--json", "--queue", &url, "batch", "photos", "-o", "models", "--slots", "1",
        ],
    );
    refused.expect(3);
    assert!(
        refused
            .stderr
            .contains("This process stopped claiming inputs")
            && refused.stderr.contains("HITEM3D_CLIENT_SECRET"),
        "{refused}"
    );
    assert_eq!(bench.mock().counters().submit_requests, 1, "{refused}");
    let printed = refused.json_lines();
    let here: Vec<_> = events(&printed, "input_finished")
        .into_iter()
        .filter(|event| event["here"] == true)
        .collect();
    assert_eq!(here.len(), 1, "one claim, then none: {refused}");
    assert_eq!(here[0]["result"], "handed back", "{refused}");
    let waiting: Vec<_> = events(&printed, "input_finished")
        .into_iter()
        .filter(|event| event["result"] == "waiting")
        .collect();
    assert_eq!(waiting.len(), 3, "{refused}");
    for input in waiting {
        assert_eq!(input["exit_code"], 3, "{refused}");
        assert!(
            !input["detail"].as_str().unwrap().contains("credit"),
            "not the credit limit: {refused}"
        );
    }

    let made = bench.run(&["--queue", &url, "batch", "photos", "-o", "models"]);
    made.expect(0);
    assert_eq!(
        std::fs::read_dir(bench.path("models")).unwrap().count(),
        4,
        "{made}"
    );
    assert_eq!(bench.mock().counters().tasks_created, 4, "each paid once");
}
