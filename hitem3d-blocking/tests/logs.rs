//! Secrets, structurally: with a `tracing` subscriber and a `log` logger recording every crate
//! at TRACE, a generate that meets an expired link and a redirect, and a download that fails,
//! leave no secret, token or signed link in any log line, error message or `Debug` output. In
//! its own test binary, with both installed before anything logs: they are process-wide, and
//! `tracing` caches per call site whether anyone listens.

#[path = "../../hitem3d-async/tests/kit/mod.rs"]
mod kit;

use hitem3d_blocking::hitem3d_core::types::{ErrorClass, OutputFormat};
use hitem3d_blocking::{Client, GenerateOptions, ResultKind};
use hitem3d_mock::BlockingMock;
use kit::{capture_all_logs, config_for, single_view};

#[test]
fn nothing_secret_reaches_a_log_an_error_or_debug() {
    let captured = capture_all_logs();
    let mock = BlockingMock::start_with(kit::fast_config());
    let client = Client::new(config_for(&mock)).unwrap();
    let dir = kit::out_dir();

    // ureq dumps its traffic, credentials included, at TRACE: while the logger would record
    // that, the client sends nothing and says what to change.
    let refused = client
        .generate(single_view(OutputFormat::Glb), dir.path())
        .unwrap_err();
    assert_eq!(refused.class(), ErrorClass::Input, "{refused}");
    assert!(!refused.is_retryable());
    assert!(
        refused.to_string().contains("ureq_proto::util"),
        "{refused}"
    );
    assert!(mock.journal().is_empty(), "nothing reached the service");
    kit::assert_no_credentials(&captured.text(), &mock);

    // Everything else stays at TRACE.
    captured.record_ureq_traffic(false);
    kit::script_an_expired_then_redirected_link(&mock);
    let options = GenerateOptions::new(dir.path()).with_cover(true);
    let generated = client
        .generate(single_view(OutputFormat::Glb), options)
        .unwrap();
    kit::script_dead_links(&mock);
    let again = dir.path().join("again.glb");
    let failed = client
        .download(&generated.wait.result, ResultKind::Model, &again)
        .unwrap_err();

    client.upload_mesh(kit::tiny_glb()).unwrap();
    let elsewhere = config_for(&mock).with_upload_target(kit::wrong_region_of(&mock));
    let refused = Client::new(elsewhere)
        .unwrap()
        .upload_mesh(kit::tiny_glb())
        .unwrap_err();
    kit::assert_upload_refusal_holds_no_secret(&refused, &mock);

    kit::assert_nothing_secret_anywhere(&captured, &generated, &failed, &mock);
    assert!(
        captured.text().contains("DEBUG ureq"),
        "ureq's own records are captured"
    );
}
