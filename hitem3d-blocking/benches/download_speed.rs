//! A 256 MiB model downloaded from a local file host by both clients and by `curl -o` (when
//! it is installed), in interleaved rounds (issue 16: each client at least 0.9x curl's speed,
//! kept). Every case writes to a file on the same disk, which it removes after each round.
//! The clients flush the file to disk before they rename it into place, so that a finished
//! download survives a crash; `curl -o` does not, so a second baseline runs `sync` on curl's
//! file.
//!
//! `cargo bench -p hitem3d-blocking --bench download_speed`

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
        5
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

    let mut times: [Vec<Duration>; 4] = Default::default();
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
    for _ in 0..rounds() {
        if curl {
            times[0].push(timed(&target, || by_curl(false)));
            times[3].push(timed(&target, || by_curl(true)));
        }
        times[1].push(timed(&target, || {
            blocking
                .download(&result, ResultKind::Model, &target)
                .expect("the blocking download");
        }));
        times[2].push(timed(&target, || {
            runtime
                .block_on(asynchronous.download(&result, ResultKind::Model, &target))
                .expect("the async download");
        }));
    }
    let median = |values: &mut Vec<Duration>| {
        values.sort();
        values.get(values.len() / 2).copied()
    };
    let [
        mut by_curl,
        mut by_blocking,
        mut by_async,
        mut by_curl_synced,
    ] = times;
    let curl_time = median(&mut by_curl);
    println!(
        "download of {} MiB from a local host, medians of {} rounds (target: at least 0.9x curl's speed)",
        size_mib(),
        rounds()
    );
    for (name, time) in [
        ("curl -o", curl_time),
        ("curl -o, then sync", median(&mut by_curl_synced)),
        ("hitem3d-blocking", median(&mut by_blocking)),
        ("hitem3d-async", median(&mut by_async)),
    ] {
        let Some(time) = time else {
            println!("  {name:<20} not installed");
            continue;
        };
        let speed = size_mib() as f64 / time.as_secs_f64();
        let versus = curl_time.map_or(String::new(), |curl| {
            format!(
                "  {:.2}x curl's speed",
                curl.as_secs_f64() / time.as_secs_f64()
            )
        });
        println!("  {name:<20} {time:>9.2?}  {speed:>7.0} MiB/s{versus}");
    }
}

/// Runs `download`, which writes `target`, and removes the file after.
fn timed(target: &Path, download: impl FnOnce()) -> Duration {
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
