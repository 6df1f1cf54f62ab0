//! The mock as an HTTP server, on wiremock, for async tests.

use std::net::TcpListener;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hitem3d_types::Endpoint;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::callbacks;
use crate::workshop::Workshop;
use crate::world::{self, Incoming, World};
use crate::{MockConfig, MockHandle, Route};

/// Real time between checks for tasks that ended (for callbacks).
const TICK: Duration = Duration::from_millis(10);

struct RouteResponder {
    route: Route,
    world: Arc<Mutex<World>>,
}

impl Respond for RouteResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let headers = request
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let incoming = Incoming {
            method: request.method.as_str(),
            path: request.url.path(),
            query: request.url.query(),
            headers,
            body: &request.body,
        };
        let (reply, real_delay) = {
            let mut world = world::lock(&self.world);
            let reply = world.handle(self.route, &incoming);
            let delay = reply.delay;
            (reply, delay)
        };
        let mut response =
            ResponseTemplate::new(reply.status).set_body_raw(reply.body, reply.content_type);
        if let Some(location) = reply.location {
            response = response.insert_header("location", location);
        }
        response.set_delay(real_delay)
    }
}

/// A running mock for async code: `MockService::start().await`.
///
/// It dereferences to [`MockHandle`] for control and inspection. Dropping it stops the server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use hitem3d_mock::{MockConfig, MockService};
///
/// let mock = MockService::start_with(MockConfig::fast()).await;
/// let url = mock.base_url();
/// assert!(url.starts_with("http://127.0.0.1:"));
/// assert_eq!(mock.counters().tokens, 0);
/// # }
/// ```
#[derive(Debug)]
pub struct MockService {
    handle: MockHandle,
    _server: MockServer,
    ticker: tokio::task::JoinHandle<()>,
}

impl MockService {
    /// Starts a mock with the default configuration (real time) on a free loopback port.
    pub async fn start() -> Self {
        Self::start_with(MockConfig::default()).await
    }

    /// Starts a mock with `config` on a free loopback port.
    pub async fn start_with(config: MockConfig) -> Self {
        Self::start_on(config, None).await
    }

    /// Starts a mock with `config` on `listener` (or a free loopback port).
    pub async fn start_on(config: MockConfig, listener: Option<TcpListener>) -> Self {
        // A server of its own, not one from wiremock's pool: dropping the mock must stop it.
        // Requests are not recorded by wiremock: the mock keeps its own journal (without
        // bodies), so an upload's bytes are freed as soon as it is answered.
        let builder = MockServer::builder().disable_request_recording();
        let server = match listener {
            Some(listener) => builder.listener(listener).start().await,
            None => builder.start().await,
        };
        let callback_attempts = config.callback_attempts;
        let world = Arc::new(Mutex::new(World::new(config, server.uri())));
        let workers = std::thread::available_parallelism().map_or(2, usize::from);
        world::lock(&world).workshop = Some(Workshop::start(&world, workers));
        let routes = [
            (Endpoint::GetToken, Route::Token),
            (Endpoint::SubmitTask, Route::Submit),
            (Endpoint::QueryTask, Route::Query),
            (Endpoint::Balance, Route::Balance),
        ];
        for (endpoint, route) in routes {
            Mock::given(method(endpoint.method()))
                .and(path(endpoint.path()))
                .respond_with(RouteResponder {
                    route,
                    world: Arc::clone(&world),
                })
                .mount(&server)
                .await;
        }
        Mock::given(method("GET"))
            .and(path_regex("^/files/"))
            .respond_with(RouteResponder {
                route: Route::Download,
                world: Arc::clone(&world),
            })
            .mount(&server)
            .await;
        let ticker = tokio::spawn(tick(Arc::clone(&world), callback_attempts));
        Self {
            handle: MockHandle { world },
            _server: server,
            ticker,
        }
    }

    /// A handle that outlives borrow scopes (it does not keep the server alive).
    #[must_use]
    pub fn handle(&self) -> MockHandle {
        self.handle.clone()
    }
}

impl Deref for MockService {
    type Target = MockHandle;

    fn deref(&self) -> &MockHandle {
        &self.handle
    }
}

impl Drop for MockService {
    fn drop(&mut self) {
        self.ticker.abort();
    }
}

/// Settles ended tasks and delivers their callbacks, until aborted.
async fn tick(world: Arc<Mutex<World>>, attempts: u32) {
    let client = reqwest::Client::new();
    loop {
        let due = { std::mem::take(&mut world::lock(&world).pending_callbacks) };
        for callback in due {
            tokio::spawn(callbacks::deliver(
                Arc::clone(&world),
                client.clone(),
                callback,
                attempts,
            ));
        }
        tokio::time::sleep(TICK).await;
    }
}
