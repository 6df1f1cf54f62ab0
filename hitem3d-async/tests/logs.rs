//! What the async client logs, with a subscriber at TRACE for everything: task ids and
//! attempts, never a secret. In its own test binary, with the subscriber installed globally
//! before anything logs: `tracing` caches per call site whether anyone listens, so a
//! subscriber installed for one test while others run could miss events.

mod kit;

use hitem3d_async::Client;
use hitem3d_async::hitem3d_core::types::OutputFormat;
use hitem3d_mock::BlockingMock;
use kit::{assert_generate_logs, capture_all_logs, config_for, single_view};

#[test]
fn logs_name_tasks_and_attempts_but_never_secrets() {
    let captured = capture_all_logs();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mock = BlockingMock::start_with(kit::fast_config());
    let client = Client::new(config_for(&mock)).unwrap();
    let dir = kit::out_dir();

    let generated = runtime
        .block_on(client.generate(single_view(OutputFormat::Glb), dir.path()))
        .unwrap();

    assert_generate_logs(&captured.text(), &generated, &mock);
}
