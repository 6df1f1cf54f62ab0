//! At the process's file limit the mock's binary keeps serving the connections it has and
//! does not spin: `accept` then fails at once, again and again, and a server that retries at
//! once burns a core (91 % CPU once, answering nobody until clients closed).

#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Far above any wait here.
const PATIENCE: Duration = Duration::from_secs(60);

/// The file limit the mock runs under, and connections opened past it.
const FILE_LIMIT: u32 = 64;
const CONNECTIONS: usize = 100;

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// CPU time the process has used so far, in clock ticks (user and system).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the mock runs");
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let after = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn balance(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /open-api/v1/balance HTTP/1.1\r\nHost: mock\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

#[test]
fn at_the_file_limit_the_mock_serves_what_it_has_without_spinning() {
    let script = format!("ulimit -n {FILE_LIMIT} && exec \"$0\" --json --idle-seconds 600");
    let mut child = Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_hitem3d-mock")])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the mock's binary starts");
    let stdout = child.stdout.take().unwrap();
    let mock = Running(child);
    let mut started = String::new();
    BufReader::new(stdout).read_line(&mut started).unwrap();
    let started: serde_json::Value = serde_json::from_str(&started).expect("a JSON line");
    let address = started["base_url"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://")
        .to_owned();
    let connect = || {
        let stream = TcpStream::connect(&address).expect("the kernel takes the connection");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream
    };

    // More connections than it has files for: the first are served, the rest wait in the
    // backlog while `accept` fails.
    let mut held: Vec<TcpStream> = (0..CONNECTIONS).map(|_| connect()).collect();
    let answer = balance(&mut held[0]);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // Idle at the limit: next to no CPU (a retry at once would take a core).
    let before = cpu_ticks(mock.0.id());
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_ticks(mock.0.id()) - before;
    assert!(
        used < 50,
        "{used} ticks of CPU in 2 s while idle at the file limit"
    );

    // Once they close, it serves again.
    held.clear();
    let started = Instant::now();
    loop {
        let answer = balance(&mut connect());
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(started.elapsed() < PATIENCE, "never served again: {answer}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
