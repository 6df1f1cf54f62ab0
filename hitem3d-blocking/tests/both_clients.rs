//! Both front-ends in one process: the async client (reqwest, rustls on aws-lc-rs) and the
//! blocking one (ureq, rustls on ring). Each hands rustls its provider explicitly and neither
//! installs a process-wide default, so with both providers compiled in nothing is ambiguous.

#[path = "../../hitem3d-async/tests/kit/mod.rs"]
mod kit;

use std::io::Write;
use std::net::TcpListener;
use std::thread;

use hitem3d_blocking::hitem3d_core::ClientConfig;
use hitem3d_blocking::hitem3d_core::types::{ClientId, ClientSecret, OutputFormat};
use hitem3d_mock::{BlockingMock, MockConfig};
use kit::{config_for, single_view_numbered};

#[test]
fn one_process_generates_with_both_clients_on_one_mock() {
    let mock = BlockingMock::start_with(MockConfig::fast());
    let dir = kit::out_dir();
    let blocking = hitem3d_blocking::Client::new(config_for(&mock)).unwrap();
    let asynchronous = hitem3d_async::Client::new(config_for(&mock)).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let from_blocking = blocking
        .generate(single_view_numbered(OutputFormat::Glb, 1), dir.path())
        .unwrap();
    let from_async = runtime
        .block_on(asynchronous.generate(single_view_numbered(OutputFormat::Glb, 2), dir.path()))
        .unwrap();

    assert_ne!(from_blocking.task_id, from_async.task_id);
    assert!(from_blocking.model.path.exists() && from_async.model.path.exists());
    assert_eq!(mock.counters().tasks_created, 2);
    mock.assert_no_duplicate_submits();
}

#[test]
fn both_tls_stacks_start_in_one_process() {
    // A loopback "server" that hangs up at once: each client must set up TLS (choosing its
    // crypto provider) and then fail the handshake with an error, not a panic.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.write_all(b"not tls\r\n");
        }
    });
    let config = ClientConfig::new(ClientId::new("id"), ClientSecret::new("secret"))
        .with_base_url(&format!("https://127.0.0.1:{port}"))
        .unwrap()
        .with_retry(hitem3d_blocking::RetryPolicy::NEVER);
    let blocking = hitem3d_blocking::Client::new(config.clone()).unwrap();
    let asynchronous = hitem3d_async::Client::new(config).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let blocking_error = blocking.balance().unwrap_err();
    let async_error = runtime.block_on(asynchronous.balance()).unwrap_err();

    for error in [blocking_error, async_error] {
        let call = error.call_error().expect("a call error");
        assert!(
            matches!(call, hitem3d_core::CallError::Transport { .. }),
            "a failed handshake, reported: {error}"
        );
    }
}
