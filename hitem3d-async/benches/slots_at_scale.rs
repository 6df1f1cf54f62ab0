//! `cargo bench -p hitem3d-async --bench slots_at_scale`: 1,000 tasks through one client with
//! 10 task slots, against the mock playing 100 ms tasks (`MockConfig::fast`). The bound is
//! 1,000 × 100 ms / 10 = 10 s; the figure is the bound over the time taken (issue 16: ≥ 95 %).
//!
//! Each task is a `submit` then a `wait` polling every 5 ms, all 1,000 started at once: the
//! client's slots hold them back, ten at a time. `TASKS` and `ROUNDS` in the environment change
//! the size; `HITEM3D_BENCH_SMOKE` (`cargo xtask bench --smoke`, CI) runs 30 tasks once.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::io::Cursor;
use std::time::{Duration, Instant};

use hitem3d_async::types::{ClientId, ClientSecret, Model};
use hitem3d_async::{Client, ClientConfig, Image, PollSchedule, SubmitTask, WaitPolicy};
use hitem3d_mock::{MockConfig, MockService};

const SLOTS: usize = 10;
/// How long a task takes on the fast mock: its seven minutes at 4200×.
const TASK_TIME: Duration = Duration::from_millis(100);

fn from_env(name: &str, default: usize, smoke: usize) -> usize {
    let default = if std::env::var_os("HITEM3D_BENCH_SMOKE").is_some() {
        smoke
    } else {
        default
    };
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn picture() -> Vec<u8> {
    let image = image::RgbImage::from_fn(48, 48, |x, y| {
        let (dx, dy) = (f64::from(x) - 24.0, f64::from(y) - 24.0);
        let dark = dx * dx + dy * dy < 200.0;
        image::Rgb(if dark { [20, 20, 20] } else { [255, 255, 255] })
    });
    let mut png = Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("a PNG in memory");
    png.into_inner()
}

async fn one_round(tasks: usize, task: &SubmitTask) -> Duration {
    let mock = MockService::start_with(MockConfig::fast().with_balance(1e12)).await;
    let config = ClientConfig::new(
        ClientId::new(mock.client_id()),
        ClientSecret::new(mock.client_secret()),
    )
    .with_base_url(&mock.base_url())
    .expect("the mock's URL")
    .with_wait(
        WaitPolicy::default()
            .with_schedule(PollSchedule::fixed(Duration::from_millis(5)))
            .with_deadline(Duration::from_secs(600)),
    )
    .with_task_slots(SLOTS)
    .expect("ten slots");
    let client = Client::new(config).expect("a client");
    let started = Instant::now();
    let runs: Vec<_> = (0..tasks)
        .map(|_| {
            let (client, task) = (client.clone(), task.clone());
            tokio::spawn(async move {
                let id = client.submit(task).await?;
                client.wait(&id).await
            })
        })
        .collect();
    for run in runs {
        run.await
            .expect("the task ran")
            .expect("the task succeeded");
    }
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let tasks = from_env("TASKS", 1000, 30);
    let rounds = from_env("ROUNDS", 3, 1);
    let task = SubmitTask::builder(Model::Hitem3dV2_1)
        .image(Image::new(picture()))
        .build()
        .expect("a valid task");
    let bound = TASK_TIME * u32::try_from(tasks / SLOTS).expect("a small count");
    println!("{tasks} tasks, {SLOTS} slots, {TASK_TIME:?} each: bound {bound:.2?}");
    let mut shares = Vec::new();
    for round in 1..=rounds {
        let took = one_round(tasks, &task).await;
        let share = bound.as_secs_f64() / took.as_secs_f64();
        shares.push(share);
        println!(
            "round {round}: {took:.2?}, {:.1} % of the bound",
            100.0 * share
        );
    }
    shares.sort_by(f64::total_cmp);
    println!(
        "median {:.1} % of the concurrency bound (range {:.1}–{:.1} %, target ≥ 95 %)",
        100.0 * shares[shares.len() / 2],
        100.0 * shares[0],
        100.0 * shares[shares.len() - 1]
    );
}
