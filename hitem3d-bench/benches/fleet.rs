//! `cargo bench -p hitem3d-bench --bench fleet`: a fleet of workers on one PostgreSQL queue
//! (a throwaway server) against the mock playing 100 ms tasks with `--max-tasks 10` (issue 28).
//!
//! For 1, 4 and 16 workers, each its own connection pool and client, as separate machines
//! would be: the time until every input is made against the concurrency bound (tasks × 100 ms
//! / 10), and until every worker has stopped (an idle worker asks again each second); database
//! transactions per task (`pg_stat_database`); how many of the 10 slots the journal kept busy on
//! average (from the intents begun and the successes recorded); when the first intent was
//! begun; the polls per task; how long a task held its slot (from its intent to its success
//! recorded: the task, its submit, the poll that saw it end and the record); how long an
//! intent, a record and a claim take. Each worker runs the SDK's `FleetWorker` the way
//! `hitem3d worker` does, with `generate` per input, polling on the default schedule run at
//! the mock's speed.
//! `TASKS` changes the size, `TASK_MS` the tasks' length (100), `SLOTS` each worker's slots,
//! `WORKERS` the fleets (`1,4,16`);
//! `HITEM3D_BENCH_SMOKE` (CI) runs 30 tasks.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hitem3d_async::journal::{
    AsyncTaskJournal, AsyncWorkQueue, Begun, EntryId, EntryQuery, Intent, ItemOutcome,
    JournalEntry, JournalKey, LearntDuration, QueuedInput, Settled, StoreFuture, TaskEvent,
    WorkerId,
};
use hitem3d_async::types::{ClientId, ClientSecret, Model, TaskId, TaskState};
use hitem3d_async::{
    Client, ClientConfig, FleetWorker, GenerateOptions, Image, PollSchedule, SubmitTask, Timestamp,
    WaitPolicy, WorkerPolicy, WorkerStep,
};
use hitem3d_mock::{MockConfig, MockService, TimeMode};
use hitem3d_postgres::{DatabaseUrl, PgJournal, PgWorkQueue, ThrowawayCluster};
use tokio::task::JoinSet;

const LIMIT: usize = 10;
/// A task's length on `MockConfig::fast()`, whose clock runs this many times faster than the
/// service's.
const FAST_TASK: Duration = Duration::from_millis(100);
const FAST_SPEED: f64 = 4200.0;

/// What the journals of one round saw: when slots were taken (an intent begun) and freed (a
/// task's success recorded), and how long intents and records took.
#[derive(Debug, Default)]
struct Observations {
    /// +1 when an intent was begun, -1 when a task's success was first recorded.
    slots: Vec<(Instant, i32)>,
    succeeded: HashSet<TaskId>,
    begins: Vec<Duration>,
    records: Vec<Duration>,
    /// When each entry's intent was begun, then, once submitted, each task's.
    begun_at: HashMap<EntryId, Instant>,
    task_begun_at: HashMap<TaskId, Instant>,
    /// How long each task held its slot: from its intent to its success recorded.
    held: Vec<Duration>,
}

impl Observations {
    fn begun(&mut self, entry: EntryId) {
        let now = Instant::now();
        self.begun_at.insert(entry, now);
        self.slots.push((now, 1));
    }

    /// The slots held on average from the first intent to the last success.
    fn busy_slots(&mut self) -> f64 {
        self.slots.sort_by_key(|(at, _)| *at);
        let (Some(first), Some(last)) = (self.slots.first(), self.slots.last()) else {
            return 0.0;
        };
        let span = last.0.duration_since(first.0).as_secs_f64();
        let (mut held, mut area, mut since) = (0_i32, 0.0, first.0);
        for &(at, change) in &self.slots {
            area += at.duration_since(since).as_secs_f64() * f64::from(held);
            held += change;
            since = at;
        }
        area / span
    }
}

/// A worker's journal, observed for the round's figures.
#[derive(Debug)]
struct Observed {
    journal: Arc<PgJournal>,
    seen: Arc<Mutex<Observations>>,
}

impl Observed {
    fn seen(&self) -> std::sync::MutexGuard<'_, Observations> {
        self.seen.lock().expect("the observations")
    }
}

impl AsyncTaskJournal for Observed {
    fn begin<'a>(&'a self, intent: &'a Intent) -> StoreFuture<'a, Begun> {
        Box::pin(async move {
            let asked = Instant::now();
            let begun = self.journal.begin(intent).await;
            if let Ok(Begun::New(entry)) = &begun {
                let mut seen = self.seen();
                seen.begins.push(asked.elapsed());
                seen.begun(*entry);
            }
            begun
        })
    }

    fn settle<'a>(&'a self, entry: EntryId, settled: &'a Settled) -> StoreFuture<'a, ()> {
        if let Settled::Submitted(task) = settled {
            let mut seen = self.seen();
            if let Some(begun) = seen.begun_at.remove(&entry) {
                seen.task_begun_at.insert(task.clone(), begun);
            }
        }
        self.journal.settle(entry, settled)
    }

    fn record<'a>(&'a self, task_id: &'a TaskId, event: &'a TaskEvent) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let asked = Instant::now();
            let recorded = self.journal.record(task_id, event).await;
            let mut seen = self.seen();
            seen.records.push(asked.elapsed());
            let success = matches!(event, TaskEvent::State(TaskState::Success, _));
            if success && seen.succeeded.insert(task_id.clone()) {
                let now = Instant::now();
                seen.slots.push((now, -1));
                if let Some(begun) = seen.task_begun_at.remove(task_id) {
                    seen.held.push(now.duration_since(begun));
                }
            }
            recorded
        })
    }

    fn entries<'a>(&'a self, query: &'a EntryQuery) -> StoreFuture<'a, Vec<JournalEntry>> {
        self.journal.entries(query)
    }

    fn forget(&self, entry: EntryId) -> StoreFuture<'_, bool> {
        self.journal.forget(entry)
    }

    fn learn_duration<'a>(&'a self, learnt: &'a LearntDuration) -> StoreFuture<'a, ()> {
        self.journal.learn_duration(learnt)
    }

    fn learnt_durations(&self) -> StoreFuture<'_, Vec<LearntDuration>> {
        self.journal.learnt_durations()
    }

    fn limit_refused(&self) -> StoreFuture<'_, ()> {
        self.journal.limit_refused()
    }

    fn await_slot(&self, at_most: Duration) -> StoreFuture<'_, ()> {
        self.journal.await_slot(at_most)
    }

    fn await_slot_and_begin<'a>(
        &'a self,
        intent: &'a Intent,
        at_most: Duration,
    ) -> StoreFuture<'a, Option<Begun>> {
        Box::pin(async move {
            let handed = self.journal.await_slot_and_begin(intent, at_most).await;
            if let Ok(Some(Begun::New(entry))) = &handed {
                self.seen().begun(*entry);
            }
            handed
        })
    }
}

/// What one worker reports: how long each claim took, and when it finished its last input.
struct Worked {
    claims: Vec<Duration>,
    last_finish: Option<Instant>,
}

fn picture(seed: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(32, 32, |x, y| {
        let value = u8::try_from((x * 7 + y * 13 + seed) % 256).unwrap_or(0);
        image::Rgb([value, 255 - value, 128])
    });
    let mut png = Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("a PNG in memory");
    png.into_inner()
}

/// Where the mock is, and how much faster its clock runs than the service's.
struct MockAt {
    url: String,
    client_id: String,
    secret: String,
    speed: f64,
}

/// One worker until the queue is drained.
async fn worker(
    name: String,
    url: DatabaseUrl,
    mock: MockAt,
    slots: usize,
    pictures: Arc<HashMap<String, Vec<u8>>>,
    output: std::path::PathBuf,
    seen: Arc<Mutex<Observations>>,
) -> Worked {
    let journal = Arc::new(PgJournal::connect(&url).await.expect("the database"));
    let queue = PgWorkQueue::new(&journal);
    // The default schedule on the mock's clock: polls around the time tasks took before.
    let on_mock_clock = |real: Duration| real.div_f64(mock.speed);
    let schedule = PollSchedule::Learning {
        check_in: on_mock_clock(Duration::from_secs(60)),
        window_polls: 3,
        shortest: on_mock_clock(Duration::from_secs(2)),
        longest_in_window: on_mock_clock(Duration::from_secs(20)),
    };
    let config = ClientConfig::new(
        ClientId::new(mock.client_id),
        ClientSecret::new(mock.secret),
    )
    .with_base_url(&mock.url)
    .expect("the mock's URL")
    .with_wait(
        WaitPolicy::default()
            .with_schedule(schedule)
            .with_deadline(Duration::from_secs(600)),
    )
    .with_task_slots(slots)
    .expect("slots")
    .with_async_journal(Arc::new(Observed {
        journal: Arc::clone(&journal),
        seen,
    }))
    .with_shared_task_limit();
    let client = Client::new(config).expect("a client");
    let me = WorkerId::new(name);
    let policy = WorkerPolicy::with_lease(slots, Duration::from_secs(30));
    let epoch = Instant::now();
    let now = || Timestamp::from_elapsed(epoch.elapsed());
    let mut machine = FleetWorker::new(policy, now());
    let mut jobs = JoinSet::new();
    let mut claims = Vec::new();
    let mut last_finish = None;
    loop {
        match machine.next(now()) {
            WorkerStep::Claim => {
                let asked = Instant::now();
                let answer = queue.claim(&me, policy.lease).await;
                claims.push(asked.elapsed());
                machine.on_claim(answer, now());
            }
            WorkerStep::Start(claim) => {
                let task = SubmitTask::builder(Model::Hitem3dV2_1)
                    .image(Image::new(pictures[&claim.queued.input].clone()))
                    .build()
                    .expect("a valid task");
                let options = GenerateOptions::new(&output)
                    .with_file_stem(&claim.queued.input)
                    .with_journal_key(claim.queued.key.clone());
                let client = client.clone();
                jobs.spawn(async move {
                    let generated = client.generate(task, options).await;
                    (claim.item, ItemOutcome::of(&generated))
                });
            }
            WorkerStep::Heartbeat(claims) => {
                let answer = queue.heartbeat(&claims, policy.lease).await;
                machine.on_heartbeat(answer, now());
            }
            WorkerStep::Abort(_) => panic!("no claim is lost in this bench"),
            WorkerStep::Finish(claim, outcome) => {
                queue.finish(&claim, &outcome).await.expect("finished");
                last_finish = Some(Instant::now());
            }
            WorkerStep::Wait { until } => {
                let deadline = epoch + until.elapsed();
                tokio::select! {
                    Some(joined) = jobs.join_next(), if !jobs.is_empty() => {
                        let (item, outcome) = joined.expect("the job ran");
                        assert_eq!(outcome, Some(ItemOutcome::Saved), "the task was made");
                        machine.on_job_end(item, outcome, now());
                    }
                    () = tokio::time::sleep_until(deadline.into()) => {}
                }
            }
            WorkerStep::Stop => {
                return Worked {
                    claims,
                    last_finish,
                };
            }
        }
    }
}

/// Transactions the database committed or rolled back so far.
async fn transactions(url: &str) -> i64 {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("a connection");
    let driver = tokio::spawn(connection);
    let row = client
        .query_one(
            "SELECT (xact_commit + xact_rollback)::BIGINT FROM pg_stat_database \
             WHERE datname = current_database()",
            &[],
        )
        .await
        .expect("the statistics");
    drop(client);
    let _ended = driver.await;
    row.get(0)
}

async fn round(cluster: &ThrowawayCluster, workers: usize, tasks: usize, task_time: Duration) {
    let speed = FAST_SPEED * FAST_TASK.as_secs_f64() / task_time.as_secs_f64();
    let mut config = MockConfig::fast()
        .with_time(TimeMode::Real { speed })
        .with_balance(1e12);
    config.max_unfinished_tasks = LIMIT;
    let mock = MockService::start_with(config).await;
    let text = cluster.create_database().await.expect("a database");
    let url: DatabaseUrl = text.parse().expect("its URL");
    let journal = PgJournal::connect(&url).await.expect("the database");
    let queue = PgWorkQueue::new(&journal);
    queue
        .set_task_limit(u32::try_from(LIMIT).expect("ten"))
        .await
        .expect("the limit");
    let mut pictures = HashMap::new();
    let mut inputs = Vec::new();
    for n in 0..tasks {
        let name = format!("p{n}");
        pictures.insert(name.clone(), picture(u32::try_from(n).expect("a count")));
        inputs.push(QueuedInput {
            key: JournalKey::new(&name),
            input: name,
            options: "{}".to_owned(),
            credits: Some(25),
        });
    }
    queue.enqueue(&inputs).await.expect("enqueued");
    let pictures = Arc::new(pictures);
    let output = tempfile::tempdir().expect("a folder");
    let before = transactions(&text).await;
    // Each worker at least one submit more than its share of the limit: a slot it frees is
    // handed to a submit of its own that waits. Measured at 1,000 tasks, one more each was the
    // best of none, one and two for 4 and 16 workers (16 × 1: 89–91 %, 16 × 2: 93.6 %, 16 × 3:
    // 90 %). And about 6 waiting in all: a job takes a few milliseconds to save its model and
    // claim the next input, and a slot freed meanwhile with no submit waiting stays idle (1
    // worker at 300 tasks: 11 slots left 2.5 % of the slots idle between start and end, 16
    // left 0.1 %; 92.4 % of the bound then 94.1–94.5 %).
    let slots = std::env::var("SLOTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or((LIMIT.div_ceil(workers) + 1).max((LIMIT + 6).div_ceil(workers)));
    let claims = Arc::new(Mutex::new(Vec::new()));
    let last_finish = Arc::new(Mutex::new(None::<Instant>));
    let seen = Arc::new(Mutex::new(Observations::default()));
    let started = Instant::now();
    let mut running = JoinSet::new();
    for w in 0..workers {
        let mock = MockAt {
            url: mock.base_url(),
            client_id: mock.client_id(),
            secret: mock.client_secret(),
            speed,
        };
        let (url, pictures, path) = (url.clone(), Arc::clone(&pictures), output.path().to_owned());
        let (claims, last_finish, seen) = (
            Arc::clone(&claims),
            Arc::clone(&last_finish),
            Arc::clone(&seen),
        );
        running.spawn(async move {
            let worked = worker(format!("w{w}"), url, mock, slots, pictures, path, seen).await;
            claims.lock().expect("the list").extend(worked.claims);
            let mut last = last_finish.lock().expect("the last");
            *last = (*last).max(worked.last_finish);
        });
    }
    while let Some(joined) = running.join_next().await {
        joined.expect("a worker ran");
    }
    let stopped = started.elapsed();
    let made = last_finish
        .lock()
        .expect("the last")
        .map_or(stopped, |last| last.duration_since(started));
    let after = transactions(&text).await;
    let bound = task_time * u32::try_from(tasks.div_ceil(LIMIT)).expect("a count");
    let mut claims = claims.lock().expect("the list").clone();
    let mut seen = seen.lock().expect("the observations");
    let busy = seen.busy_slots();
    let first_intent = seen
        .slots
        .first()
        .map_or(Duration::ZERO, |(at, _)| at.duration_since(started));
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        times.get(times.len() / 2).copied().unwrap_or_default()
    };
    let (begin, record) = (median(&mut seen.begins), median(&mut seen.records));
    seen.held.sort();
    let held_p90 = seen
        .held
        .get(seen.held.len() * 9 / 10)
        .copied()
        .unwrap_or_default();
    let held = median(&mut seen.held);
    claims.sort();
    // The claim at `percent` of the sorted list.
    let at = |percent: usize| claims[(claims.len() - 1) * percent / 100];
    println!(
        "| {workers} | {slots} | {tasks} | {made:.2?} | **{:.1} %** | {stopped:.2?} | \
         {first_intent:.1?} | {held:.1?} / {held_p90:.1?} | {:.1} | {:.1} | {busy:.2} of {LIMIT} | \
         {begin:.2?} / {record:.2?} | {:.2?} / {:.2?} ({} claims) | {} |",
        100.0 * bound.as_secs_f64() / made.as_secs_f64(),
        mock.counters().queries as f64 / tasks as f64,
        (after - before) as f64 / tasks as f64,
        at(50),
        at(99),
        claims.len(),
        mock.peak_unfinished_tasks()
    );
}

#[tokio::main]
async fn main() {
    let smoke = std::env::var_os("HITEM3D_BENCH_SMOKE").is_some();
    let tasks = std::env::var("TASKS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(if smoke { 30 } else { 300 });
    let task_time = std::env::var("TASK_MS")
        .ok()
        .and_then(|value| value.parse().ok())
        .map_or(FAST_TASK, Duration::from_millis);
    let Some(cluster) = ThrowawayCluster::start_or_skip("the fleet bench") else {
        return;
    };
    println!(
        "| workers | slots each | tasks | every input made | of the bound ({task_time:?} × tasks \
         / {LIMIT}) | every worker stopped | first intent | a slot held per task, median / \
         p90 | polls per task | database transactions per task | slots busy (journal) | \
         intent / record median | claim median / p99 | peak unfinished |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let fleets: Vec<usize> = match std::env::var("WORKERS") {
        Ok(list) => list
            .split(',')
            .map(|count| count.trim().parse().expect("WORKERS: counts like 1,4,16"))
            .collect(),
        Err(_) if smoke => vec![4],
        Err(_) => vec![1, 4, 16],
    };
    for workers in fleets {
        round(&cluster, workers, tasks, task_time).await;
    }
}
