//! Peak memory of a submit of four 19.9 MB views (issue 16, item 1): how much each client
//! holds above the pictures themselves, against raw reqwest's multipart as the baseline. Each
//! case runs in a process of its own (peak resident memory is per process) against a local
//! server that reads and forgets every body.
//!
//! `cargo bench -p hitem3d-blocking --bench upload_memory`

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;

use hitem3d_blocking::types::{ClientId, ClientSecret, Model, View};
use hitem3d_blocking::{ClientConfig, Image, SubmitTask};

const VIEW_BYTES: usize = 19_900_000;
const MB: f64 = 1e6;
const CASES: [&str; 3] = ["raw reqwest multipart", "hitem3d-async", "hitem3d-blocking"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(case) = args.iter().position(|arg| arg == "--case") {
        let case = &args[case + 1];
        let (above, peak) = run_case(case);
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
}

/// Peak resident memory above the pictures, and the peak, in bytes.
fn run_case(case: &str) -> (f64, f64) {
    let server = DiscardServer::start();
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

/// Answers a token and a submit; reads every body and keeps none of it.
struct DiscardServer {
    url: String,
}

impl DiscardServer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || serve(stream));
            }
        });
        Self { url }
    }
}

fn serve(stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0_u64;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        std::io::copy(&mut (&mut reader).take(length), &mut std::io::sink()).unwrap();
        let body = if line.contains("auth/token") {
            r#"{"code":200,"data":{"accessToken":"t","tokenType":"Bearer"},"message":"success"}"#
        } else {
            r#"{"code":200,"data":{"task_id":"t-1"},"msg":"success"}"#
        };
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}
