//! Peak memory of a submit of four 19.9 MB views (issue 16, item 1): how much each client
//! holds above the pictures themselves, against raw reqwest's multipart as the baseline; and,
//! for pictures taken from files (`image_from_path`), the whole process's peak (target 40 MB).
//! Each case runs in a process of its own (peak resident memory is per process) against a
//! local server that reads and forgets every body (`local_server`).
//!
//! `cargo bench -p hitem3d-bench --bench upload_memory`

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

mod local_server;

use std::process::Command;

use hitem3d_blocking::types::{ClientId, ClientSecret, Model, View};
use hitem3d_blocking::{ClientConfig, Image, SubmitTask};
use local_server::LocalServer;

const VIEW_BYTES: usize = 19_900_000;
const MB: f64 = 1e6;
const CASES: [&str; 3] = ["raw reqwest multipart", "hitem3d-async", "hitem3d-blocking"];
/// The same submits with the pictures in files, taken by path.
const FROM_PATHS: [&str; 2] = ["hitem3d-async", "hitem3d-blocking"];

fn main() {
    // The workspace builds reqwest with the async client's TLS, which has no provider of its own.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|arg| arg == "--case") {
        let case = &args[at + 1];
        let (above, peak) = match args.get(at + 2) {
            Some(dir) => run_case_from_paths(case, std::path::Path::new(dir)),
            None => run_case(case),
        };
        println!("{above} {peak}");
        return;
    }
    println!(
        "submit of 4 x {} MB views: peak resident memory above the pictures",
        VIEW_BYTES as f64 / MB
    );
    let mut baseline = None;
    for case in CASES {
        let output = Command::new(&args[0])
            .args(["--case", case])
            .output()
            .expect("the bench runs itself");
        let text = String::from_utf8_lossy(&output.stdout);
        let mut figures = text
            .split_whitespace()
            .map(|n| n.parse::<f64>().unwrap_or(f64::NAN));
        let above = figures.next().unwrap_or(f64::NAN);
        let peak = figures.next().unwrap_or(f64::NAN);
        let base = *baseline.get_or_insert(above);
        println!(
            "  {case:<24} {:>7.1} MB above (peak {:>6.1} MB)  {:>5.1}x the baseline",
            above / MB,
            peak / MB,
            above / base
        );
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (index, view) in (0..4).map(picture).enumerate() {
        std::fs::write(dir.path().join(format!("{index}.png")), view).expect("a picture file");
    }
    println!("the same, pictures taken from files: peak resident memory of the whole process");
    for case in FROM_PATHS {
        let output = Command::new(&args[0])
            .args(["--case", case])
            .arg(dir.path())
            .output()
            .expect("the bench runs itself");
        let text = String::from_utf8_lossy(&output.stdout);
        let peak = text
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or(f64::NAN);
        println!(
            "  {case:<24} peak {:>6.1} MB (target <= 40 MB, the pictures are {:.1} MB)",
            peak / MB,
            4.0 * VIEW_BYTES as f64 / MB
        );
    }
}

/// Growth of resident memory during the submit, and the peak, in bytes, for pictures in the
/// files `0.png` … `3.png` of `dir`.
fn run_case_from_paths(case: &str, dir: &std::path::Path) -> (f64, f64) {
    let server = LocalServer::start();
    let before = status_field("VmRSS:");
    let paths: Vec<_> = (0..4)
        .map(|index| dir.join(format!("{index}.png")))
        .collect();
    let views = [View::Front, View::Back, View::Left, View::Right];
    match case {
        "hitem3d-async" => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            let client = hitem3d_async::Client::new(config(&server.url)).unwrap();
            runtime.block_on(async {
                let mut task = SubmitTask::builder(Model::Hitem3dV2_1);
                for (view, path) in views.into_iter().zip(&paths) {
                    task = task.view(view, hitem3d_async::image_from_path(path).await.unwrap());
                }
                client.submit(task.build().unwrap()).await.unwrap();
            });
        }
        "hitem3d-blocking" => {
            let client = hitem3d_blocking::Client::new(config(&server.url)).unwrap();
            let mut task = SubmitTask::builder(Model::Hitem3dV2_1);
            for (view, path) in views.into_iter().zip(&paths) {
                task = task.view(view, hitem3d_blocking::image_from_path(path).unwrap());
            }
            client.submit(task.build().unwrap()).unwrap();
        }
        other => panic!("unknown case {other}"),
    }
    let peak = status_field("VmHWM:");
    (peak - before, peak)
}

/// Peak resident memory above the pictures, and the peak, in bytes.
fn run_case(case: &str) -> (f64, f64) {
    let server = LocalServer::start();
    let before = status_field("VmRSS:");
    let views: Vec<Vec<u8>> = (0..4).map(picture).collect();
    match case {
        "raw reqwest multipart" => raw_reqwest(&server.url, views),
        "hitem3d-async" => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let client = hitem3d_async::Client::new(config(&server.url)).unwrap();
            runtime.block_on(client.submit(task(views))).unwrap();
        }
        "hitem3d-blocking" => {
            let client = hitem3d_blocking::Client::new(config(&server.url)).unwrap();
            client.submit(task(views)).unwrap();
        }
        other => panic!("unknown case {other}"),
    }
    let peak = status_field("VmHWM:");
    let above = peak - before - 4.0 * VIEW_BYTES as f64;
    (above, peak)
}

fn raw_reqwest(url: &str, views: Vec<Vec<u8>>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut form = reqwest::multipart::Form::new();
        for view in views {
            form = form.part(
                "multi_images",
                reqwest::multipart::Part::bytes(view).file_name("v.png"),
            );
        }
        let response = reqwest::Client::new()
            .post(format!("{url}/open-api/v1/submit-task"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    });
}

fn config(url: &str) -> ClientConfig {
    ClientConfig::new(ClientId::new("id"), ClientSecret::new("secret"))
        .with_base_url(url)
        .unwrap()
}

fn task(views: Vec<Vec<u8>>) -> SubmitTask {
    let [front, back, left, right]: [Vec<u8>; 4] = views.try_into().unwrap();
    SubmitTask::builder(Model::Hitem3dV2_1)
        .view(View::Front, Image::new(front))
        .view(View::Back, Image::new(back))
        .view(View::Left, Image::new(left))
        .view(View::Right, Image::new(right))
        .build()
        .unwrap()
}

/// A small real PNG padded to the view size (decoders stop at its end).
fn picture(index: u8) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(VIEW_BYTES);
    image::RgbImage::from_pixel(8, 8, image::Rgb([index, 0, 0]))
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes.resize(VIEW_BYTES, index);
    bytes
}

fn status_field(name: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(f64::NAN, |kib| kib * 1024.0)
}
