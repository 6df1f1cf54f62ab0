//! How the mock holds up as a server (issue 15, items 14 and 15): the memory it keeps after
//! large uploads, and how long other requests wait while large pictures are turned into
//! models and a decompression bomb is refused.
//!
//! `cargo bench -p hitem3d-mock --bench serving`

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hitem3d_mock::{BlockingMock, MockConfig};

const MIB: u64 = 1 << 20;

fn main() {
    // The workspace builds reqwest with the async client's TLS, which has no provider of its own.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mock = BlockingMock::start_with(MockConfig::manual().with_balance(1e9));
    let http = reqwest::blocking::Client::new();
    let token = token(&http, &mock);
    uploads(&mock, &token);
    responsiveness(&mock, &http, &token);
}

fn token(http: &reqwest::blocking::Client, mock: &BlockingMock) -> String {
    let answer: serde_json::Value = http
        .post(format!("{}/open-api/v1/auth/token", mock.base_url()))
        .basic_auth(mock.client_id(), Some(mock.client_secret()))
        .send()
        .unwrap()
        .json()
        .unwrap();
    answer["data"]["accessToken"].as_str().unwrap().to_owned()
}

/// Resident and peak memory of this process, from `/proc/self/status` (Linux).
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map_or(0, |kib| kib * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Ten submits of 200 MB each, streamed from a generator so that the sender holds nothing:
/// what the mock keeps afterwards.
fn uploads(mock: &BlockingMock, token: &str) {
    let address = mock.base_url().trim_start_matches("http://").to_owned();
    let (before, _) = memory();
    let mut codes = Vec::new();
    for _ in 0..10 {
        codes.push(upload_zeros(&address, token, 200 * MIB));
    }
    let (after, peak) = memory();
    println!("10 uploads of 200 MiB: answers {codes:?}");
    println!(
        "  resident before {} MiB, after {} MiB (growth {} MiB), peak {} MiB",
        before / MIB,
        after / MIB,
        after.saturating_sub(before) / MIB,
        peak / MIB
    );
}

fn upload_zeros(address: &str, token: &str, size: u64) -> String {
    let head = b"--b\r\nContent-Disposition: form-data; name=\"images\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n";
    let tail = b"\r\n--b--\r\n";
    let length = head.len() as u64 + size + tail.len() as u64;
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST /open-api/v1/submit-task HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![0_u8; 1 << 16];
    let mut sent = 0;
    let mut write_all = |bytes: &[u8]| stream.write_all(bytes).is_ok();
    let mut complete = write_all(head);
    while complete && sent < size {
        let n = usize::try_from(size - sent).map_or(chunk.len(), |left| left.min(chunk.len()));
        complete = write_all(&chunk[..n]);
        sent += n as u64;
    }
    complete = complete && write_all(tail);
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let code = answer
        .split("\"code\":")
        .nth(1)
        .map(|rest| rest.split([',', '}']).next().unwrap_or("").to_owned())
        .unwrap_or_else(|| answer.lines().next().unwrap_or("no answer").to_owned());
    if complete {
        code
    } else {
        format!("{code} (cut off)")
    }
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        let band = |at: u32| u8::try_from(at / 64 % 256).unwrap_or(0);
        image::Rgb([band(x), band(y), 90])
    });
    let mut bytes = Vec::new();
    picture
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// While four 8000×8000 pictures become models and a 20000×20000 bomb is refused, a second
/// client asks for the balance over and over: the longest and the median wait.
fn responsiveness(mock: &BlockingMock, http: &reqwest::blocking::Client, token: &str) {
    let big = png(8000, 8000);
    let bomb = png_header_only(20_000, 20_000);
    let base = mock.base_url();
    let done = AtomicBool::new(false);
    let submit = |picture: &[u8]| {
        let form = reqwest::blocking::multipart::Form::new()
            .part(
                "images",
                reqwest::blocking::multipart::Part::bytes(picture.to_vec())
                    .file_name("p.png")
                    .mime_str("image/png")
                    .unwrap(),
            )
            .text("model", "hitem3dv1.5")
            .text("format", "2");
        let answer: serde_json::Value = http
            .post(format!("{base}/open-api/v1/submit-task"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .unwrap()
            .json()
            .unwrap();
        answer
    };
    let query = |task_id: &str| -> serde_json::Value {
        http.get(format!("{base}/open-api/v1/query-task?task_id={task_id}"))
            .bearer_auth(token)
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let (waits, finished_in, bomb_answer) = std::thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let mut waits = Vec::new();
            while !done.load(Ordering::SeqCst) {
                let started = Instant::now();
                let answer = http
                    .get(format!("{base}/open-api/v1/balance"))
                    .bearer_auth(token)
                    .send()
                    .unwrap();
                assert!(answer.status().is_success());
                waits.push(started.elapsed());
            }
            waits
        });
        let started = Instant::now();
        let bomb_started = Instant::now();
        let bomb_answer = submit(&bomb);
        let bomb_answer = format!(
            "code {} in {:?}",
            bomb_answer["code"],
            bomb_started.elapsed()
        );
        let ids: Vec<String> = (0..4)
            .map(|_| submit(&big)["data"]["task_id"].as_str().unwrap().to_owned())
            .collect();
        mock.advance(Duration::from_secs(3600));
        for id in &ids {
            while query(id)["data"]["state"] != "success" {}
        }
        let finished_in = started.elapsed();
        done.store(true, Ordering::SeqCst);
        (sampler.join().unwrap(), finished_in, bomb_answer)
    });
    let mut sorted = waits.clone();
    sorted.sort();
    println!(
        "4 pictures of 8000x8000 ({} KiB each) made into models in {finished_in:?}; bomb: {bomb_answer}",
        big.len() / 1024
    );
    println!(
        "  balance meanwhile: {} answers, median {:?}, longest {:?}",
        sorted.len(),
        sorted[sorted.len() / 2],
        sorted.last().unwrap()
    );
}

/// A PNG whose header declares `width`×`height` pixels: a decompression bomb's signature.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let small = png(8, 8);
    let mut bytes = small.clone();
    // The IHDR chunk's width and height sit at bytes 16..24; its CRC at 29..33.
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32fast::hash(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}
