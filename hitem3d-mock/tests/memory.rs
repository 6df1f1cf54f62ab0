//! The mock's binary stays within bounded memory where it grew before: requests with large
//! headers (the journal kept each whole: 1,000 of them took it from 12 to 301 MiB, never
//! freed) and large pictures decoded at once (an 8192² picture of a few MB took about 250 MiB
//! to turn into a model, 959 MiB for four). Resident memory is read from `/proc`.

#![cfg(target_os = "linux")]

mod support;

use std::time::{Duration, Instant};

use reqwest::blocking::multipart;
use support::running_binary::RunningMock;

/// Far above any wait here.
const PATIENCE: Duration = Duration::from_secs(120);

fn start(flags: &[&str]) -> RunningMock {
    RunningMock::start(env!("CARGO_BIN_EXE_hitem3d-mock"), flags)
}

fn token(mock: &RunningMock, http: &reqwest::blocking::Client) -> String {
    let answer: serde_json::Value = http
        .post(format!("{}/open-api/v1/auth/token", mock.base))
        .basic_auth(&mock.id, Some(&mock.secret))
        .send()
        .unwrap()
        .json()
        .unwrap();
    answer["data"]["accessToken"].as_str().unwrap().to_owned()
}

#[test]
fn a_thousand_requests_with_large_headers_leave_its_memory_where_it_was() {
    let mock = start(&[]);
    let http = support::blocking_http();
    let balance = format!("{}/open-api/v1/balance", mock.base);
    // Warm up: the first requests allocate what every later one reuses.
    for _ in 0..20 {
        http.get(&balance).send().unwrap();
    }
    let before = mock.memory("VmRSS");

    let header = "h".repeat(60 * 1024);
    for _ in 0..1_000 {
        let answer = http
            .get(&balance)
            .header("x-padding", &header)
            .send()
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
    let too_large = "h".repeat(292 * 1024);
    let refused = http
        .get(&balance)
        .header("x-padding", &too_large)
        .send()
        .unwrap();
    assert_eq!(refused.status(), 431);

    let grown = mock.memory("VmRSS") - before;
    // Kept whole, the headers alone would be 60 MiB.
    assert!(grown < 24.0, "grew by {grown:.1} MiB");
}

/// A PNG of `side`² grey pixels at one bit each, its data stored without compression: a few
/// MB that decode to `side`² bytes and more.
fn large_png(side: u32) -> Vec<u8> {
    let row = 1 + side.div_ceil(8) as usize;
    let raw: Vec<u8> = (0..side as usize)
        .flat_map(|y| {
            // Filter byte 0, then a band of set pixels across the middle rows.
            let set = if (side as usize / 4..side as usize * 3 / 4).contains(&y) {
                0x0F
            } else {
                0
            };
            std::iter::once(0).chain(std::iter::repeat_n(set, row - 1))
        })
        .collect();
    let mut zlib = vec![0x78, 0x01];
    let blocks = raw.chunks(65_535).count();
    for (index, block) in raw.chunks(65_535).enumerate() {
        zlib.push(u8::from(index + 1 == blocks));
        let length = u16::try_from(block.len()).unwrap();
        zlib.extend_from_slice(&length.to_le_bytes());
        zlib.extend_from_slice(&(!length).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1_u32, 0_u32);
    for byte in &raw {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut typed = kind.to_vec();
        typed.extend_from_slice(data);
        png.extend_from_slice(&typed);
        png.extend_from_slice(&crc32fast::hash(&typed).to_be_bytes());
    };
    let mut header = side.to_be_bytes().to_vec();
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&[1, 0, 0, 0, 0]);
    chunk(b"IHDR", &header);
    chunk(b"IDAT", &zlib);
    chunk(b"IEND", &[]);
    png
}

#[test]
fn four_large_pictures_at_once_are_made_into_models_in_bounded_memory() {
    let mock = start(&["--task-seconds", "1"]);
    let http = support::blocking_http();
    let token = token(&mock, &http);
    let picture = large_png(8192);
    assert!(picture.len() < 20 << 20, "within the service's 20 MB");

    let ids: Vec<String> = std::thread::scope(|scope| {
        let submits: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let part = multipart::Part::bytes(picture.clone()).file_name("large.png");
                    let form = multipart::Form::new()
                        .part("images", part)
                        .text("model", "hitem3dv2.1")
                        .text("resolution", "1536fast")
                        .text("format", "2");
                    let answer: serde_json::Value = http
                        .post(format!("{}/open-api/v1/submit-task", mock.base))
                        .bearer_auth(&token)
                        .multipart(form)
                        .send()
                        .unwrap()
                        .json()
                        .unwrap();
                    answer["data"]["task_id"]
                        .as_str()
                        .unwrap_or_else(|| panic!("refused: {answer}"))
                        .to_owned()
                })
            })
            .collect();
        submits
            .into_iter()
            .map(|submit| submit.join().unwrap())
            .collect()
    });

    // Every model made (the pictures decoded), then the peak read.
    let started = Instant::now();
    for id in &ids {
        loop {
            let answer: serde_json::Value = http
                .get(format!("{}/open-api/v1/query-task?task_id={id}", mock.base))
                .bearer_auth(&token)
                .send()
                .unwrap()
                .json()
                .unwrap();
            if answer["data"]["state"] == "success" {
                break;
            }
            assert!(started.elapsed() < PATIENCE, "never made: {answer}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let peak = mock.memory("VmHWM");
    assert!(peak < 400.0, "peaked at {peak:.1} MiB");
}

/// A submit whose chunked body never ends: 1 MiB chunks until the mock stops taking them (it
/// answers and closes, or stops reading), then the status line it answered, if any.
fn endless_submit(base: &str) -> Option<String> {
    use std::io::{BufRead as _, BufReader, Write as _};
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    // Ends the writing when the mock stops reading without closing: never a measurement.
    stream.set_write_timeout(Some(PATIENCE)).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let head = format!(
        "POST /open-api/v1/submit-task HTTP/1.1\r\nhost: {address}\r\n\
         content-type: multipart/form-data; boundary=endless\r\n\
         transfer-encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut chunk = format!("{:x}\r\n", 1 << 20).into_bytes();
    chunk.extend(std::iter::repeat_n(b'x', 1 << 20));
    chunk.extend_from_slice(b"\r\n");
    // Far past the largest form the mock reads (about 81 MB).
    for _ in 0..200 {
        if stream.write_all(&chunk).is_err() {
            break;
        }
    }
    let mut status = String::new();
    BufReader::new(stream).read_line(&mut status).ok()?;
    Some(status.trim_end().to_owned()).filter(|status| !status.is_empty())
}

#[test]
fn ten_endless_submits_at_once_hold_no_more_than_the_bodies_cap() {
    let mock = start(&["--max-bodies-mib", "128"]);
    let before = mock.memory("VmRSS");
    let answers: Vec<Option<String>> = std::thread::scope(|scope| {
        let senders: Vec<_> = (0..10)
            .map(|_| scope.spawn(|| endless_submit(&mock.base)))
            .collect();
        senders.into_iter().map(|s| s.join().unwrap()).collect()
    });
    let peak = mock.memory("VmHWM");
    eprintln!("started at {before:.1} MiB, peaked at {peak:.1} MiB; answers: {answers:?}");
    // Ten bodies cut at 81 MB each would be 810 MB; the cap holds them to 128 MiB.
    assert!(peak < before + 200.0, "peaked at {peak:.1} MiB");
    assert!(
        answers
            .iter()
            .flatten()
            .any(|status| status.contains(" 503 ")),
        "some were told the mock is busy: {answers:?}"
    );
}
