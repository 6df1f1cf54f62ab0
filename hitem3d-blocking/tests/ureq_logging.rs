//! ureq hex-dumps HTTP traffic (credentials included) at `log` TRACE under `ureq_proto`, and
//! nothing in ureq turns that off: the client warns when an application's logger records it.
//! In its own test binary, since the `log` logger is process-wide.

#[path = "../../hitem3d-async/tests/kit/mod.rs"]
mod kit;

use hitem3d_blocking::hitem3d_core::types::{ClientId, ClientSecret};
use hitem3d_blocking::{Client, ClientConfig};

/// A `log` backend that records everything, as `RUST_LOG=trace` would.
struct EverythingAtTrace;

impl log::Log for EverythingAtTrace {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, _: &log::Record<'_>) {}

    fn flush(&self) {}
}

#[test]
fn a_logger_that_records_ureqs_traffic_gets_a_warning() {
    let captured = kit::capture_all_logs();
    log::set_logger(&EverythingAtTrace).expect("the only logger");
    log::set_max_level(log::LevelFilter::Trace);

    let config = ClientConfig::new(ClientId::new("ak"), ClientSecret::new("sk"));
    let _client = Client::new(config.clone()).unwrap();
    let _another = Client::new(config).unwrap();

    let logs = captured.text();
    assert_eq!(
        logs.matches("records ureq_proto at TRACE").count(),
        1,
        "warned once: {logs}"
    );
}
