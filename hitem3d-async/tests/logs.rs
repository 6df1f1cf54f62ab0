//! Secrets, structurally: with a `tracing` subscriber and a `log` logger recording every crate
//! at TRACE, a generate that meets an expired link and a redirect, a download that fails, and a
//! mesh upload that works and one the storage refuses,
//! leave no secret, token or signed link in any log line, error message or `Debug` output. In
//! its own test binary, with both installed before anything logs: they are process-wide, and
//! `tracing` caches per call site whether anyone listens.

mod kit;

use hitem3d_async::hitem3d_core::types::OutputFormat;
use hitem3d_async::{Client, GenerateOptions, ResultKind};
use hitem3d_mock::BlockingMock;
use kit::{capture_all_logs, config_for, single_view};

#[test]
fn nothing_secret_reaches_a_log_an_error_or_debug() {
    let captured = capture_all_logs();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mock = BlockingMock::start_with(kit::fast_config());
    let client = Client::new(config_for(&mock)).unwrap();
    let dir = kit::out_dir();

    kit::script_an_expired_then_redirected_link(&mock);
    let options = GenerateOptions::new(dir.path()).with_cover(true);
    let generated = runtime
        .block_on(client.generate(single_view(OutputFormat::Glb), options))
        .unwrap();
    kit::script_dead_links(&mock);
    let again = dir.path().join("again.glb");
    let failed = runtime
        .block_on(client.download(&generated.wait.result, ResultKind::Model, &again))
        .unwrap_err();

    runtime
        .block_on(client.upload_mesh(kit::tiny_glb()))
        .unwrap();
    let elsewhere = config_for(&mock).with_upload_target(kit::wrong_region_of(&mock));
    let refused = runtime
        .block_on(Client::new(elsewhere).unwrap().upload_mesh(kit::tiny_glb()))
        .unwrap_err();
    kit::assert_upload_refusal_holds_no_secret(&refused, &mock);

    kit::assert_nothing_secret_anywhere(&captured, &generated, &failed, &mock);
}
