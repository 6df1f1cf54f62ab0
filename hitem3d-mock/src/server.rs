//! The mock as an HTTP server, on a thread and runtime of its own: for async tests, the
//! standalone binary and clients in other languages.
//!
//! It serves with hyper rather than wiremock's server, which reads every request body whole
//! before a handler sees it and keeps every matched request for as long as it runs (wiremock
//! 0.6.5, `mounted_mock.rs:58`): a mock serving uploads grew by each one, 2.3 GB after ten of
//! 200 MB. [`MockService::mount_on`] still puts the simulator on a wiremock server of yours.

use std::net::TcpListener;
use std::ops::Deref;
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::world::{self, World};
use crate::{MockConfig, MockHandle};
use crate::{callbacks, connections};

/// Real time between checks for tasks that ended (for callbacks).
const TICK: Duration = Duration::from_millis(10);

/// A running mock: `MockService::start().await`, or [`crate::BlockingMock`] without async.
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
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
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
    ///
    /// # Panics
    /// If no loopback port can be bound or no thread started.
    #[allow(
        clippy::unused_async,
        reason = "async since its first release; the server runs on a thread of its own"
    )]
    pub async fn start_on(config: MockConfig, listener: Option<TcpListener>) -> Self {
        Self::launch(config, listener)
    }

    /// Starts the server thread; returns once it listens.
    pub(crate) fn launch(config: MockConfig, listener: Option<TcpListener>) -> Self {
        let listener = listener
            .unwrap_or_else(|| TcpListener::bind(("127.0.0.1", 0)).expect("a free loopback port"));
        listener
            .set_nonblocking(true)
            .expect("a listener can be made non-blocking");
        let address = listener.local_addr().expect("a bound listener's address");
        let callback_attempts = config.callback_attempts;
        let world = World::served(config, format!("http://{address}"));
        let (shutdown, stopped) = oneshot::channel();
        let served = Arc::clone(&world);
        let thread = std::thread::Builder::new()
            .name("hitem3d-mock-server".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the mock's runtime starts");
                runtime.block_on(serve(listener, served, callback_attempts, stopped));
            })
            .expect("the mock's server thread starts");
        Self {
            handle: MockHandle { world },
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// A handle that outlives borrow scopes (it does not keep the server alive).
    #[must_use]
    pub fn handle(&self) -> MockHandle {
        self.handle.clone()
    }

    /// Puts the simulator on `server`, a wiremock server of yours, beside your own mocks, and
    /// returns its handle; callbacks are delivered from the current tokio runtime. wiremock
    /// keeps every request it matched for as long as it runs, uploads included, so prefer
    /// [`MockService::start`] for long runs.
    pub async fn mount_on(server: &wiremock::MockServer, config: MockConfig) -> MockHandle {
        crate::wiremock_mount::mount(server, config).await
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
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves connections until told to stop; every connection and the callback ticker end with
/// the runtime.
async fn serve(
    listener: TcpListener,
    world: Arc<Mutex<World>>,
    callback_attempts: u32,
    stopped: oneshot::Receiver<()>,
) {
    let listener =
        tokio::net::TcpListener::from_std(listener).expect("a listener the runtime can use");
    tokio::spawn(tick(Arc::downgrade(&world), callback_attempts));
    let limits = world::lock(&world).config.server;
    connections::accept(listener, world, limits, stopped).await;
}

/// Settles ended tasks and delivers their callbacks, until the world is gone. The HTTP client
/// is built for the first callback, not at start: building one takes long enough to hold up
/// the server's first answers, and most mocks never post a callback.
pub(crate) async fn tick(world: Weak<Mutex<World>>, attempts: u32) {
    let mut client: Option<callbacks::CallbackClient> = None;
    loop {
        let Some(world) = world.upgrade() else { return };
        let due = { std::mem::take(&mut world::lock(&world).pending_callbacks) };
        for callback in due {
            let client = client.get_or_insert_with(callbacks::client).clone();
            tokio::spawn(callbacks::deliver(
                Arc::clone(&world),
                client,
                callback,
                attempts,
            ));
        }
        drop(world);
        tokio::time::sleep(TICK).await;
    }
}
