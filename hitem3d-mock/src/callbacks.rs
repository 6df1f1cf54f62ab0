//! Posting final task states to callback URLs, loopback only, with the service's retries.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::journal::CallbackDelivery;
use crate::world::{self, PendingCallback, World};

/// Real time between delivery attempts.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// Posts callbacks: plain HTTP, because receivers are on loopback, and no TLS stack, whose
/// provider a process using the mock would otherwise have to choose.
pub(crate) type CallbackClient = Client<HttpConnector, Full<Bytes>>;

/// A client for [`deliver`], with its pool of connections.
pub(crate) fn client() -> CallbackClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Whether `url` points at this machine: the mock never posts anywhere else.
fn is_loopback(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|url| match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    })
}

fn record(world: &Arc<Mutex<World>>, delivery: CallbackDelivery) {
    world::lock(world).journal.record_callback(delivery);
}

/// Delivers one callback: up to `attempts` POSTs until one gets a 2xx.
pub(crate) async fn deliver(
    world: Arc<Mutex<World>>,
    client: CallbackClient,
    callback: PendingCallback,
    attempts: u32,
) {
    if !is_loopback(&callback.url) {
        record(
            &world,
            CallbackDelivery {
                task_id: callback.task_id,
                url: callback.url,
                attempt: 1,
                status: None,
            },
        );
        return;
    }
    for attempt in 1..=attempts.max(1) {
        let request = hyper::Request::post(callback.url.as_str())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(callback.body.clone())));
        let status = match request {
            Ok(request) => client
                .request(request)
                .await
                .ok()
                .map(|response| response.status().as_u16()),
            Err(_) => None,
        };
        record(
            &world,
            CallbackDelivery {
                task_id: callback.task_id.clone(),
                url: callback.url.clone(),
                attempt,
                status,
            },
        );
        if status.is_some_and(|s| (200..300).contains(&s)) {
            return;
        }
        tokio::time::sleep(RETRY_PAUSE).await;
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn only_loopback_receivers_are_called() {
        assert!(is_loopback("http://127.0.0.1:9000/hook"));
        assert!(is_loopback("http://localhost/hook"));
        assert!(is_loopback("http://[::1]:80/hook"));
        assert!(!is_loopback("https://example.com/hook"));
        assert!(!is_loopback("not a url"));
    }
}
