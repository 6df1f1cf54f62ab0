//! A 256 MiB model downloaded from a local file host by both clients and by `curl -o` (when
//! it is installed), in interleaved rounds (issue 16: each client at least 0.9x curl's speed,
//! kept). Every case writes to a file on the same disk, which it removes after each round.
//! The clients flush the file to disk before they rename it into place, so that a finished
//! download survives a crash; `curl -o` does not, so a second baseline runs `sync` on curl's
//! file.
//!
//! `cargo bench -p hitem3d-bench --bench download_speed`

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use hitem3d_blocking::hitem3d_core::Timestamp;
use hitem3d_blocking::types::{ClientId, ClientSecret, TaskData};
use hitem3d_blocking::{ClientConfig, ResultKind, TaskResult};

const MIB: usize = 1 << 20;

fn size_mib() -> usize {
    if std::env::var_os("HITEM3D_BENCH_SMOKE").is_some() {
        8
    } else {
        256
    }
}

fn rounds() -> usize {
    if std::env::var_os("HITEM3D_BENCH_SMOKE").is_some() {
        1
    } else {
        11
    }
}

fn main() {
    let url = file_host(size_mib());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let target = dir.path().join("model.glb");
    let result = task_result(&url);
    let config = ClientConfig::new(ClientId::new("id"), ClientSecret::new("secret"));
    let blocking = hitem3d_blocking::Client::new(config.clone()).expect("a blocking client");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let asynchronous = hitem3d_async::Client::new(config).expect("an async client");
    let curl = Command::new("curl").arg("--version").output().is_ok();

    let by_curl = |synced: bool| {
        let status = Command::new("curl")
            .args(["-s", "-o"])
            .arg(&target)
            .arg(&url)
            .status()
            .expect("curl runs");
        assert!(status.success());
        if synced {
            let status = Command::new("sync")
                .arg(&target)
                .status()
                .expect("sync runs");
            assert!(status.success());
        }
    };
    let mut cases: Vec<(&str, Case<'_>)> = vec![
        (
            "hitem3d-blocking",
            Box::new(|| {
                blocking
                    .download(&result, ResultKind::Model, &target)
                    .expect("the blocking download");
            }),
        ),
        (
            "hitem3d-async",
            Box::new(|| {
                runtime
                    .block_on(asynchronous.download(&result, ResultKind::Model, &target))
                    .expect("the async download");
            }),
        ),
    ];
    if curl {
        cases.insert(0, ("curl -o", Box::new(|| by_curl(false))));
        cases.push(("curl -o, then sync", Box::new(|| by_curl(true))));
    }
    // The disk and the page cache drift over a run: the cases take turns, each first in some
    // rounds, and each client is compared with curl round by round.
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    for round in 0..rounds() {
        for offset in 0..cases.len() {
            let index = (round + offset) % cases.len();
            times[index].push(timed(&target, &mut cases[index].1));
        }
    }
    println!(
        "download of {} MiB from a local host, {} rounds in turn: time median [min, max], speed; \
         against curl -o, the median paired speed ratio [quartiles] (target: at least 0.9x)",
        size_mib(),
        rounds()
    );
    if !curl {
        println!("  curl -o              not installed");
    }
    for ((name, _), rounds) in cases.iter().zip(&times) {
        let mut sorted = rounds.clone();
        sorted.sort();
        let median = sorted[sorted.len() / 2];
        let speed = size_mib() as f64 / median.as_secs_f64();
        let versus = if curl {
            let mut ratios: Vec<f64> = times[0]
                .iter()
                .zip(rounds)
                .map(|(base, time)| base.as_secs_f64() / time.as_secs_f64())
                .collect();
            ratios.sort_by(f64::total_cmp);
            let quartile = |q: usize| ratios[(ratios.len() - 1) * q / 4];
            format!(
                "  {:.2}x [{:.2}, {:.2}]",
                quartile(2),
                quartile(1),
                quartile(3)
            )
        } else {
            String::new()
        };
        println!(
            "  {name:<20} {median:>9.2?} [{:.2?}, {:.2?}]  {speed:>5.0} MiB/s{versus}",
            sorted[0],
            sorted[sorted.len() - 1]
        );
    }
}

/// One measured download, which writes the target file.
type Case<'a> = Box<dyn FnMut() + 'a>;

/// Runs `download`, which writes `target`, and removes the file after; times the download.
fn timed(target: &Path, download: &mut dyn FnMut()) -> Duration {
    let started = Instant::now();
    download();
    let took = started.elapsed();
    assert_eq!(
        std::fs::metadata(target)
            .expect("the file was written")
            .len(),
        (size_mib() * MIB) as u64
    );
    std::fs::remove_file(target).expect("the file is removed");
    // Whatever the case left for the kernel to write back is written now, not during the
    // next case's time.
    let _ = Command::new("sync").status();
    took
}

fn task_result(url: &str) -> TaskResult {
    let data: TaskData = serde_json::from_value(serde_json::json!({
        "task_id": "t-1", "state": "success", "url": url
    }))
    .expect("a success answer");
    TaskResult::from_task(&data, Timestamp::ZERO).expect("a result with a model link")
}

/// A file host on 127.0.0.1 serving one GLB of `mib` MiB from memory, kept-alive.
fn file_host(mib: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}/files/model.glb", listener.local_addr().unwrap());
    let mut block = vec![0_u8; MIB];
    block[..8].copy_from_slice(b"glTF\x02\0\0\0");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let block = block.clone();
            std::thread::spawn(move || serve(stream, &block, mib));
        }
    });
    url
}

fn serve(stream: TcpStream, block: &[u8], mib: usize) {
    let mut reader = BufReader::new(stream.try_clone().expect("a second handle"));
    let mut writer = stream;
    loop {
        let mut header = String::new();
        loop {
            header.clear();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header.trim().is_empty() {
                break;
            }
        }
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: model/gltf-binary\r\ncontent-length: {}\r\n\r\n",
            mib * MIB
        );
        if writer.write_all(head.as_bytes()).is_err() {
            return;
        }
        let mut zeros = block.to_vec();
        zeros[..8].fill(0);
        for index in 0..mib {
            let chunk = if index == 0 { block } else { &zeros[..] };
            if writer.write_all(chunk).is_err() {
                return;
            }
        }
    }
}
