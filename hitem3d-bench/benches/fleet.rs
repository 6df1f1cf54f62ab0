//! `cargo bench -p hitem3d-bench --bench fleet`: a fleet of workers on one PostgreSQL queue
//! (a throwaway server) against the mock playing 100 ms tasks with `--max-tasks 10` (issue 28).
//!
//! For 1, 4 and 16 workers, each its own connection pool and client, as separate machines
//! would be: the time to make every input against the concurrency bound (tasks × 100 ms / 10),
//! database transactions per task (`pg_stat_database`), and how long a claim takes. Each worker
//! runs the SDK's `FleetWorker` the way `hitem3d worker` does, with `generate` per input.
//! `TASKS` changes the size; `HITEM3D_BENCH_SMOKE` (CI) runs 30 tasks.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hitem3d_async::journal::{AsyncWorkQueue, ItemOutcome, JournalKey, QueuedInput, WorkerId};
use hitem3d_async::types::{ClientId, ClientSecret, Model};
use hitem3d_async::{
    Client, ClientConfig, FleetWorker, GenerateOptions, Image, PollSchedule, SubmitTask, Timestamp,
    WaitPolicy, WorkerPolicy, WorkerStep,
};
use hitem3d_mock::{MockConfig, MockService};
use hitem3d_postgres::{DatabaseUrl, PgJournal, PgWorkQueue, ThrowawayCluster};
use tokio::task::JoinSet;

const LIMIT: usize = 10;
const TASK_TIME: Duration = Duration::from_millis(100);

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

/// One worker until the queue is drained; the time each claim took.
async fn worker(
    name: String,
    url: DatabaseUrl,
    mock: (String, String, String),
    slots: usize,
    pictures: Arc<HashMap<String, Vec<u8>>>,
    output: std::path::PathBuf,
) -> Vec<Duration> {
    let journal = Arc::new(PgJournal::connect(&url).await.expect("the database"));
    let queue = PgWorkQueue::new(&journal);
    let config = ClientConfig::new(ClientId::new(mock.1), ClientSecret::new(mock.2))
        .with_base_url(&mock.0)
        .expect("the mock's URL")
        .with_wait(
            WaitPolicy::default()
                .with_schedule(PollSchedule::fixed(Duration::from_millis(2)))
                .with_deadline(Duration::from_secs(600)),
        )
        .with_task_slots(slots)
        .expect("slots")
        .with_async_journal(journal)
        .with_shared_task_limit();
    let client = Client::new(config).expect("a client");
    let me = WorkerId::new(name);
    let policy = WorkerPolicy::with_lease(slots, Duration::from_secs(30));
    let epoch = Instant::now();
    let now = || Timestamp::from_elapsed(epoch.elapsed());
    let mut machine = FleetWorker::new(policy, now());
    let mut jobs = JoinSet::new();
    let mut claims = Vec::new();
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
            WorkerStep::Stop => return claims,
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

async fn round(cluster: &ThrowawayCluster, workers: usize, tasks: usize) {
    let mut config = MockConfig::fast().with_balance(1e12);
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
    // Enough slots in all that the fleet's limit, not the workers', is the bound.
    let slots = (LIMIT + 2).div_ceil(workers).max(1);
    let claims = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let mut running = JoinSet::new();
    for w in 0..workers {
        let mock = (mock.base_url(), mock.client_id(), mock.client_secret());
        let (url, pictures, path) = (url.clone(), Arc::clone(&pictures), output.path().to_owned());
        let claims = Arc::clone(&claims);
        running.spawn(async move {
            let took = worker(format!("w{w}"), url, mock, slots, pictures, path).await;
            claims.lock().expect("the list").extend(took);
        });
    }
    while let Some(joined) = running.join_next().await {
        joined.expect("a worker ran");
    }
    let took = started.elapsed();
    let after = transactions(&text).await;
    let bound = TASK_TIME * u32::try_from(tasks.div_ceil(LIMIT)).expect("a count");
    let mut claims = claims.lock().expect("the list").clone();
    claims.sort();
    // The claim at `percent` of the sorted list.
    let at = |percent: usize| claims[(claims.len() - 1) * percent / 100];
    println!(
        "| {workers} | {slots} | {tasks} | {took:.2?} | {:.1} % | {:.1} | {:.2?} / {:.2?} ({} claims) | {} |",
        100.0 * bound.as_secs_f64() / took.as_secs_f64(),
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
    let Some(cluster) = ThrowawayCluster::start_or_skip("the fleet bench") else {
        return;
    };
    println!(
        "| workers | slots each | tasks | took | of the bound ({TASK_TIME:?} × tasks / {LIMIT}) | \
         database transactions per task | claim median / p99 | peak unfinished |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let fleets: &[usize] = if smoke { &[4] } else { &[1, 4, 16] };
    for &workers in fleets {
        round(&cluster, workers, tasks).await;
    }
}
