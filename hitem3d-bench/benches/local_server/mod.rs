//! A minimal local API server for the benches: plain threads, keep-alive, a fixed answer per
//! route, and every request body read and forgotten. Both the SDK and the raw HTTP clients
//! are measured against it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

const TOKEN: &str =
    r#"{"code":200,"data":{"accessToken":"t0k3n","tokenType":"Bearer"},"message":"success"}"#;
const SUBMITTED: &str = r#"{"code":200,"data":{"task_id":"t-1"},"msg":"success"}"#;
const PROCESSING: &str =
    r#"{"code":200,"data":{"task_id":"t-1","state":"processing"},"msg":"success"}"#;

/// The server; it runs until the process ends.
pub struct LocalServer {
    /// `http://127.0.0.1:port`.
    pub url: String,
}

impl LocalServer {
    /// Starts it on a free loopback port.
    pub fn start() -> Self {
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
    let _ = stream.set_nodelay(true);
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
        if std::io::copy(&mut (&mut reader).take(length), &mut std::io::sink()).is_err() {
            return;
        }
        let body = if line.contains("auth/token") {
            TOKEN
        } else if line.contains("submit-task") {
            SUBMITTED
        } else {
            PROCESSING
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
