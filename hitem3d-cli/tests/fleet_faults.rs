//! The fleet under faults, with real processes: 4 workers on one PostgreSQL queue and one
//! mock that allows 3 unfinished tasks, 40 pictures; workers SIGKILLed and restarted, the
//! database restarted once, every worker's connections terminated once, one worker stopped
//! past its lease and continued. Every picture ends as a model on disk, paid once.

mod support;

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hitem3d_async::journal::{AsyncTaskJournal, AsyncWorkQueue, EntryQuery, ItemState, QueueItem};
use hitem3d_mock::Route;
use hitem3d_mock::{MockConfig, TimeMode};
use hitem3d_postgres::{DatabaseUrl, PgJournal, PgWorkQueue};
use support::*;

const PICTURES: usize = 40;
const WORKERS: usize = 4;
/// Seconds a claim holds without a heartbeat.
const LEASE: u64 = 2;
/// However slow the machine, the run ends within this (or the test fails saying so).
const DEADLINE: Duration = Duration::from_secs(300);

struct Fleet<'a> {
    bench: &'a Bench,
    url: String,
    workers: Vec<Child>,
    started: usize,
}

impl Fleet<'_> {
    fn spawn(&mut self) -> Child {
        self.started += 1;
        let log = std::fs::File::create(self.bench.path(&format!("worker-{}.log", self.started)))
            .unwrap();
        self.bench
            .command()
            .env("HITEM3D_LEASE_SECONDS", LEASE.to_string())
            .args([
                "--queue", &self.url, "worker", "-o", "models", "--slots", "2",
            ])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    /// Workers that ended (drained) or were killed are replaced while work is left.
    fn replace_ended(&mut self) {
        for index in 0..self.workers.len() {
            if self.workers[index].try_wait().unwrap().is_some() {
                self.workers[index] = self.spawn();
            }
        }
    }

    fn signal(&self, index: usize, signal: &str) {
        let pid = self.workers[index].id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(status.success(), "kill {signal} {pid}");
    }
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    /// SIGKILL a worker (it is restarted).
    Kill,
    /// `pg_terminate_backend` on every worker's connection.
    Terminate,
    /// Stop the database at once and start it again.
    Restart,
    /// SIGSTOP a worker past its lease, then SIGCONT.
    Stop,
}

/// A small deterministic generator: which worker to kill.
fn next(seed: &mut u64) -> usize {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    usize::try_from(*seed % 1_000_003).unwrap()
}

fn settled(items: &[QueueItem]) -> bool {
    items.len() == PICTURES
        && items
            .iter()
            .all(|item| !matches!(item.state, ItemState::Pending | ItemState::Claimed))
}

#[test]
fn forty_pictures_through_killed_stopped_and_cut_off_workers_are_each_paid_once() {
    let Some((cluster, runtime, url)) = fleet_database("fleet_faults") else {
        return;
    };
    // Tasks of about 0.7 s: the run lasts long enough for every fault to strike mid-way.
    let mut config = MockConfig::default().with_time(TimeMode::Real { speed: 600.0 });
    config.max_unfinished_tasks = 3;
    let bench = Bench::with(config);
    let mut stems = HashMap::new();
    for (n, bytes) in bench.distinct_pictures(PICTURES).iter().enumerate() {
        stems.insert(sha256_hex(bytes), format!("p{n}"));
    }
    bench
        .run(&[
            "--queue",
            &url,
            "batch",
            "photos",
            "--task-limit",
            "3",
            "--enqueue-only",
        ])
        .expect(0);

    let database: DatabaseUrl = url.parse().unwrap();
    let queue =
        runtime.block_on(async { PgWorkQueue::new(&PgJournal::connect(&database).await.unwrap()) });
    let items = |runtime: &tokio::runtime::Runtime| loop {
        // The database may be down for its restart: ask again.
        if let Ok(items) = runtime.block_on(queue.items()) {
            return items;
        }
        std::thread::sleep(Duration::from_millis(200));
    };

    let mut fleet = Fleet {
        bench: &bench,
        url: url.clone(),
        workers: Vec::new(),
        started: 0,
    };
    for _ in 0..WORKERS {
        let worker = fleet.spawn();
        fleet.workers.push(worker);
    }
    let start = Instant::now();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    // Each fault strikes once the fleet has saved so many models: the same schedule on a fast
    // machine or a slow one.
    let mut schedule = vec![
        (2, Fault::Kill),
        (6, Fault::Terminate),
        (9, Fault::Kill),
        (12, Fault::Restart),
        (16, Fault::Kill),
        (20, Fault::Stop),
        (24, Fault::Kill),
        (28, Fault::Kill),
        (32, Fault::Kill),
    ]
    .into_iter()
    .peekable();
    let mut faults = Vec::new();
    loop {
        let now = items(&runtime);
        if settled(&now) {
            break;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the fleet did not finish in {DEADLINE:?} after faults {faults:?}: {now:?}"
        );
        let saved = now
            .iter()
            .filter(|item| item.state == ItemState::Saved)
            .count();
        while let Some((_, fault)) = schedule.next_if(|(at, _)| saved >= *at) {
            match fault {
                Fault::Kill => {
                    let index = next(&mut seed) % WORKERS;
                    fleet.workers[index].kill().unwrap();
                    let _ = fleet.workers[index].wait();
                    faults.push(format!("worker {index} killed at {saved} saved"));
                }
                Fault::Terminate => {
                    let cut = runtime
                        .block_on(cluster.execute(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                             WHERE application_name = 'hitem3d'",
                        ))
                        .unwrap();
                    faults.push(format!("{cut} connections terminated at {saved} saved"));
                }
                Fault::Restart => {
                    cluster.stop().unwrap();
                    std::thread::sleep(Duration::from_millis(500));
                    cluster.start_server().unwrap();
                    faults.push(format!("database restarted at {saved} saved"));
                }
                Fault::Stop => {
                    let index = next(&mut seed) % WORKERS;
                    fleet.signal(index, "-STOP");
                    std::thread::sleep(Duration::from_secs(LEASE + 2));
                    fleet.signal(index, "-CONT");
                    faults.push(format!(
                        "worker {index} stopped past its lease at {saved} saved"
                    ));
                }
            }
        }
        fleet.replace_ended();
        std::thread::sleep(Duration::from_millis(100));
    }
    let missed: Vec<_> = schedule.collect();
    assert!(
        missed.len() <= 2,
        "most faults struck before the end: missed {missed:?}, struck {faults:?}"
    );
    for worker in &mut fleet.workers {
        // Drained: each ends by itself; one still starting is stopped.
        let until = Instant::now() + Duration::from_secs(60);
        while worker.try_wait().unwrap().is_none() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = worker.kill();
        let _ = worker.wait();
    }

    // A person explains each outcome nobody knew. The console (the mock's record) shows a
    // task for its picture: they save it from its id, paying nothing. It shows none (the
    // worker was killed before its submit arrived): they put the input back in the queue.
    let mock = bench.mock();
    let created: Vec<(String, String)> = mock
        .journal()
        .into_iter()
        .filter(|entry| entry.route == Route::Submit && entry.task_id.is_some())
        .map(|entry| (entry.files[0].sha256.clone(), entry.task_id.unwrap()))
        .collect();
    let journal = runtime.block_on(PgJournal::connect(&database)).unwrap();
    let entries = runtime.block_on(journal.entries(&EntryQuery::All)).unwrap();
    let mut unknown = 0;
    let mut put_back = 0;
    for item in &items(&runtime) {
        match item.state {
            ItemState::Saved => {}
            ItemState::Unknown => {
                unknown += 1;
                let sha = sha256_hex(&std::fs::read(&item.queued.input).unwrap());
                if let Some((_, task)) = created.iter().find(|(created, _)| *created == sha) {
                    let stem = &stems[&sha];
                    bench
                        .run(&["download", task, "-o", "models", "--name", stem])
                        .expect(0);
                    continue;
                }
                let entry = entries
                    .iter()
                    .find(|entry| entry.key.as_ref() == Some(&item.queued.key))
                    .unwrap_or_else(|| panic!("an unknown outcome without an entry: {item:?}"));
                let id = entry.id.0.to_string();
                let run = bench.run(&["--queue", &url, "forget", &id, "--again"]);
                run.expect(0);
                assert!(run.stdout.contains("queued again"), "{run}");
                put_back += 1;
            }
            other => panic!("an input ended {other:?}: {item:?} after faults {faults:?}"),
        }
    }
    if put_back > 0 {
        // One more worker does what was put back, and stops once the queue is drained.
        let mut worker = fleet.spawn();
        let until = Instant::now() + Duration::from_secs(120);
        while worker.try_wait().unwrap().is_none() {
            assert!(Instant::now() < until, "the worker did not drain the queue");
            std::thread::sleep(Duration::from_millis(100));
        }
        let ended = items(&runtime);
        assert!(
            ended.iter().all(|item| item.state != ItemState::Pending),
            "what was put back was done: {ended:?}"
        );
    }

    let models: HashSet<String> = std::fs::read_dir(bench.path("models"))
        .unwrap()
        .filter_map(|entry| entry.unwrap().file_name().into_string().ok())
        .filter(|name| name.ends_with(".glb"))
        .collect();
    let expected: HashSet<String> = stems.values().map(|stem| format!("{stem}.glb")).collect();
    assert_eq!(
        models, expected,
        "every picture's model, after faults {faults:?}"
    );
    assert_eq!(
        mock.counters().tasks_created,
        PICTURES,
        "each picture paid once ({unknown} outcomes unknown, explained, {put_back} put back), \
         after {faults:?}"
    );
    mock.assert_no_duplicate_submits();
    assert!(
        mock.peak_unfinished_tasks() <= 3,
        "the account's limit held: {}",
        mock.peak_unfinished_tasks()
    );
    eprintln!(
        "fleet faults: {} workers started, faults {faults:?}, {unknown} unknown outcomes \
         ({put_back} put back), \
         {} submit requests, {} tasks created, peak {} unfinished, {:.1} s",
        fleet.started,
        mock.counters().submit_requests,
        mock.counters().tasks_created,
        mock.peak_unfinished_tasks(),
        start.elapsed().as_secs_f64()
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
