//! The `hitem3d-mock` binary started with `--json`, read for its address and credentials, its
//! memory read from `/proc`, killed when dropped. Shared by the memory tests and the soak
//! bench.

#![allow(dead_code, reason = "each user takes the part it needs")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

pub struct RunningMock {
    /// Behind a lock so that clients on other threads can share the rest.
    pub child: Mutex<Child>,
    pub base: String,
    pub id: String,
    pub secret: String,
    /// The storage it names for uploads (`endpoint`, `region`, `bucket`, `public_base`).
    pub upload: serde_json::Value,
}

impl Drop for RunningMock {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap();
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl RunningMock {
    /// The binary at `program` with `--json` and `flags`.
    pub fn start(program: &str, flags: &[&str]) -> Self {
        let mut child = Command::new(program)
            .arg("--json")
            .args(flags)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the mock's binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let started: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
        let text = |name: &str| started[name].as_str().unwrap().to_owned();
        Self {
            base: text("base_url"),
            id: text("client_id"),
            secret: text("client_secret"),
            upload: started["upload"].clone(),
            child: Mutex::new(child),
        }
    }

    /// A memory line of `/proc/<pid>/status` in MiB (`VmRSS` now, `VmHWM` the peak); 0 once
    /// the process is gone.
    pub fn memory(&self, field: &str) -> f64 {
        let pid = self.child.lock().unwrap().id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let kib: f64 = status
            .lines()
            .find(|line| line.starts_with(field))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0.0);
        kib / 1024.0
    }
}
