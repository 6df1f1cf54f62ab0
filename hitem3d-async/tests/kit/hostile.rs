//! A hostile HTTP server on 127.0.0.1: it answers each connection with the next scripted
//! misbehaviour, and records what it received. Plain threads and sockets, so that both
//! clients' suites use it alike.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the server does with one connection, after reading the request.
#[derive(Debug, Clone)]
pub enum Behavior {
    /// Answers these bytes as they are (status line, headers, body), then closes.
    Raw(Vec<u8>),
    /// Closes without a word, after the whole request (body included) arrived.
    ResetAfterRequest,
    /// Resets the connection (a TCP RST, not a close), after the whole request (body
    /// included) arrived: what a crashing server or a middlebox does.
    TcpResetAfterRequest,
    /// Answers `head`, then repeats `piece` until the client hangs up.
    Endless { head: String, piece: Vec<u8> },
    /// Answers these bytes, then holds the connection open until `until` opens, then closes.
    Stall { bytes: Vec<u8>, until: Gate },
}

/// Opened once by a test, to let a stalled answer go on.
#[derive(Debug, Clone, Default)]
pub struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    /// Lets whoever waits go on.
    pub fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }

    fn wait(&self) {
        let mut open = self.0.0.lock().unwrap();
        while !*open {
            open = self.0.1.wait(open).unwrap();
        }
    }
}

/// A JSON answer with a correct `Content-Length`.
pub fn json(status: u16, body: &str) -> Behavior {
    Behavior::Raw(
        format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// An answer with any content type and body, and a `Content-Length` that may lie.
pub fn answer(status: u16, content_type: &str, length: usize, body: &[u8]) -> Behavior {
    let mut bytes = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n"
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    Behavior::Raw(bytes)
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    /// Method and path with query.
    pub line: String,
    /// Header names in lower case, with their values.
    pub headers: Vec<(String, String)>,
    /// The body, as far as its `Content-Length` announced.
    pub body: Vec<u8>,
}

impl Received {
    /// The value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The server; dropping it stops it.
pub struct HostileServer {
    address: String,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HostileServer {
    /// Serves `script`, one behaviour per connection; connections past its end are closed.
    pub fn start(script: impl IntoIterator<Item = Behavior>) -> Self {
        Self::serve(script, false)
    }

    /// Serves `script`, then stops listening: later connections are refused, as by a host
    /// that is down (nothing of such a request is ever sent).
    pub fn start_then_refuse(script: impl IntoIterator<Item = Behavior>) -> Self {
        Self::serve(script, true)
    }

    fn serve(script: impl IntoIterator<Item = Behavior>, then_refuse: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let address = listener.local_addr().unwrap().to_string();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut script: VecDeque<Behavior> = script.into_iter().collect();
        let (log, stopping) = (Arc::clone(&received), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            let mut listener = Some(listener);
            while let Some(open) = &listener {
                let Ok((stream, _)) = open.accept() else {
                    continue;
                };
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let behavior = script.pop_front();
                if then_refuse && script.is_empty() {
                    // The port closes before the last answer goes out, so that no request the
                    // client makes after reading it can slip into the listener's backlog.
                    listener = None;
                }
                serve(stream, behavior, &log);
            }
        });
        Self {
            address,
            received,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:port`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The requests received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// How many submits arrived: a task may exist for each.
    pub fn submits_received(&self) -> usize {
        self.received()
            .iter()
            .filter(|request| request.line.contains("/submit-task"))
            .count()
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread so that it sees the flag.
        let _ = TcpStream::connect(&self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(stream: TcpStream, behavior: Option<Behavior>, log: &Mutex<Vec<Received>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream.try_clone().expect("a socket clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0_u8; length];
    let _ = reader.read_exact(&mut body);
    let request_line = line.trim().to_owned();
    log.lock().unwrap().push(Received {
        line: request_line,
        headers,
        body,
    });
    let mut stream = stream;
    match behavior {
        Some(Behavior::Raw(bytes)) => {
            let _ = stream.write_all(&bytes);
        }
        Some(Behavior::Endless { head, piece }) => {
            let _ = stream.write_all(head.as_bytes());
            while stream.write_all(&piece).is_ok() {}
        }
        Some(Behavior::Stall { bytes, until }) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
            until.wait();
        }
        Some(Behavior::TcpResetAfterRequest) => {
            // Lingering for no time makes the close a reset, with nothing flushed.
            let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
            drop(stream);
            return;
        }
        Some(Behavior::ResetAfterRequest) | None => {}
    }
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}
