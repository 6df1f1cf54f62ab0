//! What the async client logs, with a subscriber at TRACE for everything: task ids and
//! attempts, never a secret. In its own test binary, with the subscriber installed globally
//! before anything logs: `tracing` caches per call site whether anyone listens, so a
//! subscriber installed for one test while others run could miss events.

mod kit;

use std::sync::{Arc, Mutex};

use hitem3d_async::Client;
use hitem3d_async::hitem3d_core::types::OutputFormat;
use hitem3d_mock::{BlockingMock, MockConfig};
use kit::{assert_no_secrets, config_for, single_view};

/// Collects everything `tracing` writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn logs_name_tasks_and_attempts_but_never_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mock = BlockingMock::start_with(MockConfig::fast());
    let client = Client::new(config_for(&mock)).unwrap();
    let dir = kit::out_dir();

    let generated = runtime
        .block_on(client.generate(single_view(OutputFormat::Glb), dir.path()))
        .unwrap();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("hitem3d.generate"), "{logs}");
    assert!(
        logs.contains(generated.task_id.as_str()),
        "task ids are logged"
    );
    assert!(logs.contains("attempt"), "attempts are logged");
    assert_no_secrets(&logs, &mock);
    assert_no_secrets(&format!("{generated:?}"), &mock);
}
