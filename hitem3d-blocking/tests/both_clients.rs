//! Both front-ends in one process: the async client (reqwest, rustls on ring) and the blocking
//! one (ureq, rustls on ring). Each hands rustls its provider explicitly, so neither depends on
//! which default the process has.

#[path = "../../hitem3d-async/tests/kit/mod.rs"]
mod kit;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;

use hitem3d_blocking::hitem3d_core::types::{ClientId, ClientSecret, OutputFormat, TaskData};
use hitem3d_blocking::hitem3d_core::{ClientConfig, ResultKind, TaskResult, Timestamp};
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

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "the clients ask Linux alone to write a file back early"
)]
fn both_clients_have_a_large_download_written_to_disk_as_it_arrives() {
    const MIB: usize = 1 << 20;
    let mut model = vec![0_u8; 20 * MIB];
    model[..8].copy_from_slice(b"glTF\x02\0\0\0");
    let url = file_host(model.clone());
    let data: TaskData = serde_json::from_value(serde_json::json!({
        "task_id": "t-1", "state": "success", "url": url
    }))
    .unwrap();
    let result = TaskResult::from_task(&data, Timestamp::ZERO).unwrap();
    let dir = kit::out_dir();
    let config = ClientConfig::new(ClientId::new("id"), ClientSecret::new("secret"));
    let blocking = hitem3d_blocking::Client::new(config.clone()).unwrap();
    let asynchronous = hitem3d_async::Client::new(config).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let log = Arc::new(Mutex::new(Vec::new()));
    let writer = {
        let log = Arc::clone(&log);
        move || SharedLog(Arc::clone(&log))
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(writer)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        blocking
            .download(&result, ResultKind::Model, dir.path().join("blocking.glb"))
            .unwrap();
        runtime
            .block_on(asynchronous.download(
                &result,
                ResultKind::Model,
                dir.path().join("async.glb"),
            ))
            .unwrap();
    });

    for name in ["blocking.glb", "async.glb"] {
        assert!(
            std::fs::read(dir.path().join(name)).unwrap() == model,
            "{name} complete"
        );
    }
    let log = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    // 8 and 16 MiB into each download; the flush writes the last 4 MiB.
    assert_eq!(log.matches("starting to write back").count(), 4, "{log}");
    assert!(!log.contains("did not take the hint"), "{log}");
}

/// A writer into a log shared with the test.
struct SharedLog(Arc<Mutex<Vec<u8>>>);

impl Write for SharedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Serves `body` on 127.0.0.1 to every request, kept alive; returns its URL.
fn file_host(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/files/model.glb", listener.local_addr().unwrap());
    let body = Arc::new(body);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let body = Arc::clone(&body);
            thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    if line.trim().is_empty() {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: model/gltf-binary\r\n\
                             content-length: {}\r\n\r\n",
                            body.len()
                        );
                        if writer.write_all(head.as_bytes()).is_err()
                            || writer.write_all(&body).is_err()
                        {
                            return;
                        }
                    }
                    line.clear();
                }
            });
        }
    });
    url
}

/// Compiled, never run: both clients (and their watches) can be cloned and shared across
/// threads, and every future of the async client can be spawned on a multi-threaded runtime.
#[test]
fn both_clients_are_send_sync_clone_and_async_futures_are_send() {
    use hitem3d_blocking::hitem3d_core::types::TaskId;
    use hitem3d_blocking::hitem3d_core::{ResultKind, SubmitTask, TaskResult};

    fn shareable<T: Send + Sync + Clone + 'static>() {}
    fn sendable<T: Send>(_: &T) {}

    fn async_futures(client: &hitem3d_async::Client, task: SubmitTask, result: &TaskResult) {
        let id = TaskId::new("t");
        sendable(&client.balance());
        sendable(&client.query(&id));
        sendable(&client.wait(&id));
        sendable(&client.watch(&id));
        sendable(&client.download(result, ResultKind::Model, "m.glb"));
        sendable(&client.download_to_writer(result, ResultKind::Model, &mut Vec::new(), |_| {}));
        sendable(&client.verify_callback(b"{}"));
        sendable(&client.generate(task, "out"));
    }

    fn blocking_watch(client: &hitem3d_blocking::Client) {
        sendable(&client.watch(&TaskId::new("t")));
    }

    shareable::<hitem3d_async::Client>();
    shareable::<hitem3d_blocking::Client>();
    let _ = async_futures as fn(&hitem3d_async::Client, SubmitTask, &TaskResult);
    let _ = blocking_watch as fn(&hitem3d_blocking::Client);
}
