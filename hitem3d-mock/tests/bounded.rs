//! The mock's server stays bounded under abuse: idle and slow connections are closed, one
//! connection past the cap is refused saying why, heads and bodies are capped each and
//! together, and what it remembers (requests, ended tasks, uploads) stays within its
//! retention. Raw sockets, so that nothing between the test and the server is polite.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use hitem3d_mock::{BlockingMock, MockConfig, Retention, ServerLimits};

mod support;

/// Far above any wait here: a socket read that takes this long means the server kept it open.
const PATIENCE: Duration = Duration::from_secs(60);

fn address(mock: &BlockingMock) -> SocketAddr {
    mock.base_url()
        .trim_start_matches("http://")
        .parse()
        .expect("the mock listens on an address")
}

fn connect(mock: &BlockingMock) -> TcpStream {
    let stream = TcpStream::connect(address(mock)).expect("the mock accepts");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
}

fn with_server(server: ServerLimits) -> BlockingMock {
    let mut config = MockConfig::manual();
    config.server = server;
    BlockingMock::start_with(config)
}

/// Everything the server sends until it closes the connection; an error (the read timing out
/// after [`PATIENCE`]) fails the test: the server kept the connection open.
fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => String::from_utf8_lossy(&answer).into_owned(),
        // A reset after the answer also closes it.
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {
            String::from_utf8_lossy(&answer).into_owned()
        }
        Err(error) => panic!("the server kept the connection open: {error}"),
    }
}

/// One request on a fresh connection that asks to be closed after the answer.
fn request(mock: &BlockingMock, head: &str, body: &[u8]) -> String {
    let mut stream = connect(mock);
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    read_to_close(&mut stream)
}

const BALANCE: &str =
    "GET /open-api/v1/balance HTTP/1.1\r\nHost: mock\r\nConnection: close\r\n\r\n";

#[test]
fn idle_and_slow_connections_are_closed_at_the_idle_timeout() {
    let mock = with_server(ServerLimits {
        idle_timeout: Duration::from_millis(300),
        ..ServerLimits::default()
    });

    // Connected, never a byte.
    let mut silent = connect(&mock);
    assert_eq!(read_to_close(&mut silent), "");

    // Half a head, then silence.
    let mut slow = connect(&mock);
    slow.write_all(b"GET /open-api/v1/balance HTTP/1.1\r\nHost: mo")
        .unwrap();
    let answer = read_to_close(&mut slow);
    assert!(!answer.contains("200 OK"), "{answer}");

    // A whole request kept alive, then silence: answered, then closed.
    let mut kept = connect(&mock);
    kept.write_all(b"GET /open-api/v1/balance HTTP/1.1\r\nHost: mock\r\n\r\n")
        .unwrap();
    let answer = read_to_close(&mut kept);
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");

    // Half a body, then silence.
    let mut stalled = connect(&mock);
    stalled
        .write_all(
            b"POST /open-api/v1/submit-task HTTP/1.1\r\nHost: mock\r\nContent-Length: 1000\r\n\
              Content-Type: multipart/form-data; boundary=b\r\n\r\n--b\r\n",
        )
        .unwrap();
    read_to_close(&mut stalled);
}

#[test]
fn a_connection_past_the_cap_is_refused_saying_why_and_one_is_served_once_another_closes() {
    let mock = with_server(ServerLimits {
        max_connections: 3,
        ..ServerLimits::default()
    });
    let mut held: Vec<TcpStream> = (0..3).map(|_| connect(&mock)).collect();

    let refused = request(&mock, BALANCE, b"");
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("at most 3 connections"), "{refused}");
    assert!(refused.contains("--max-connections"), "{refused}");
    assert_eq!(mock.counters().connections_refused, 1);

    // Once one closes, its place is free (the server sees the close a moment later).
    held.pop();
    let started = Instant::now();
    loop {
        let answer = request(&mock, BALANCE, b"");
        if !answer.starts_with("HTTP/1.1 503") {
            assert!(answer.contains("\"code\""), "{answer}");
            break;
        }
        assert!(started.elapsed() < PATIENCE, "never served again");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(held);
}

#[test]
fn a_head_past_the_limit_is_refused_and_a_long_header_is_kept_cut_short() {
    let mock = with_server(ServerLimits::default());
    let huge = "x".repeat(300 * 1024);
    let refused = request(
        &mock,
        &format!("GET /open-api/v1/balance HTTP/1.1\r\nHost: mock\r\nX-Big: {huge}\r\n\r\n"),
        b"",
    );
    assert!(refused.starts_with("HTTP/1.1 431"), "{refused}");

    let long = "y".repeat(40 * 1024);
    let answered = request(
        &mock,
        &format!(
            "GET /open-api/v1/balance HTTP/1.1\r\nHost: mock\r\nConnection: close\r\n\
             X-Long: {long}\r\n\r\n"
        ),
        b"",
    );
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    let journal = mock.journal();
    let kept = journal
        .iter()
        .flat_map(|entry| &entry.headers)
        .find(|(name, _)| name == "x-long")
        .map(|(_, value)| value.clone())
        .expect("the request is in the journal");
    assert!(kept.len() < 4096, "kept {} bytes", kept.len());
}

#[test]
fn bodies_held_at_once_stay_within_the_shared_budget() {
    let mock = with_server(ServerLimits {
        max_bodies_in_flight: 1 << 20,
        ..ServerLimits::default()
    });
    let submit = |length: usize| {
        format!(
            "POST /open-api/v1/submit-task HTTP/1.1\r\nHost: mock\r\nConnection: close\r\n\
             Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {length}\r\n\r\n"
        )
    };
    // 700 KiB of one body sent and held, the rest not yet.
    let mut first = connect(&mock);
    first.write_all(submit(800 * 1024).as_bytes()).unwrap();
    first.write_all(&vec![b'a'; 700 * 1024]).unwrap();
    let started = Instant::now();
    while mock.body_bytes_held() < 700 * 1024 {
        assert!(
            started.elapsed() < PATIENCE,
            "the first body was never read"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let refused = request(&mock, &submit(600 * 1024), &vec![b'b'; 600 * 1024]);
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("request bodies"), "{refused}");
    assert!(mock.counters().bodies_over_budget >= 1);

    // The first one's bytes go back to the budget when it ends.
    drop(first);
    let started = Instant::now();
    loop {
        let answer = request(&mock, &submit(600 * 1024), &vec![b'c'; 600 * 1024]);
        if !answer.starts_with("HTTP/1.1 503") {
            break;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "the budget was never given back"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn ended_tasks_and_requests_past_the_retention_are_forgotten_and_counted() {
    let mut config = MockConfig::manual();
    config.retention = Retention {
        ended_tasks: 2,
        requests: 5,
        ..Retention::default()
    };
    let (mock, client, token) = support::session(config).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let form = support::form(
            support::png(),
            &[
                ("model", "hitem3dv2.1"),
                ("resolution", "1536fast"),
                ("format", "2"),
            ],
        );
        ids.push(client.submit_task(&token, form).await);
    }
    mock.advance(Duration::from_secs(3600));

    let kept = mock.task_ids();
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(mock.counters().tasks_forgotten, 1);
    let [forgotten] = ids
        .iter()
        .filter(|id| !kept.contains(id))
        .collect::<Vec<_>>()[..]
    else {
        panic!("one forgotten of {ids:?}: {kept:?}");
    };
    let answer = client.query(&token, forgotten).await;
    assert_eq!(support::code(&answer), 40_040_000, "{answer}");
    for id in &kept {
        let answer = client.query(&token, id).await;
        assert_eq!(answer["data"]["state"], "success", "{answer}");
    }

    for _ in 0..7 {
        client.balance(&token).await;
    }
    assert_eq!(mock.journal().len(), 5);
    let counters = mock.counters();
    assert_eq!(counters.balances, 7, "counted though dropped");
    assert_eq!(
        (counters.tokens, counters.tasks_created, counters.queries),
        (1, 3, 3)
    );
    // 1 token, 3 submits, 3 queries, 7 balances: 14 requests, 5 kept.
    assert_eq!(counters.requests_dropped, 9, "{counters:?}");
}

#[tokio::test]
async fn tokens_past_the_retention_are_forgotten_oldest_first_and_counted() {
    let mut config = MockConfig::manual();
    config.retention = Retention {
        live_tokens: 2,
        ..Retention::default()
    };
    let (mock, client, first) = support::session(config).await;
    let second = client.token(&mock).await;
    assert_eq!(support::code(&client.balance(&first).await), 200);
    let third = client.token(&mock).await;
    let answer = client.balance(&first).await;
    assert_eq!(
        support::code(&answer),
        401,
        "the oldest forgotten: {answer}"
    );
    for token in [&second, &third] {
        assert_eq!(support::code(&client.balance(token).await), 200);
    }
    assert_eq!(mock.counters().tokens_forgotten, 1);
}
