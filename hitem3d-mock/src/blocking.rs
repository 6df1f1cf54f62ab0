//! The mock for plain `#[test]`s: it owns a runtime thread.

use std::ops::Deref;
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::{MockConfig, MockHandle, MockService};

/// A running mock for blocking code. It runs on its own thread and runtime; dropping it stops
/// the server and joins the thread.
///
/// ```
/// use hitem3d_mock::{BlockingMock, MockConfig};
///
/// let mock = BlockingMock::start_with(MockConfig::manual());
/// assert!(mock.base_url().starts_with("http://127.0.0.1:"));
/// mock.advance(std::time::Duration::from_secs(60));
/// assert_eq!(mock.now().as_secs(), 60);
/// ```
#[derive(Debug)]
pub struct BlockingMock {
    handle: MockHandle,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl BlockingMock {
    /// Starts a mock with the default configuration (real time).
    ///
    /// # Panics
    /// If no runtime thread can be started or no loopback port bound.
    #[must_use]
    pub fn start() -> Self {
        Self::start_with(MockConfig::default())
    }

    /// Starts a mock with `config`.
    ///
    /// # Panics
    /// If no runtime thread can be started or no loopback port bound.
    #[must_use]
    pub fn start_with(config: MockConfig) -> Self {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("hitem3d-mock".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the mock's runtime starts");
                runtime.block_on(async move {
                    let service = MockService::start_with(config).await;
                    let _ = ready_tx.send(service.handle());
                    let _ = shutdown_rx.await;
                    drop(service);
                });
            })
            .expect("the mock's thread starts");
        let handle = ready_rx.recv().expect("the mock starts");
        Self {
            handle,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        }
    }

    /// A handle that outlives borrow scopes (it does not keep the server alive).
    #[must_use]
    pub fn handle(&self) -> MockHandle {
        self.handle.clone()
    }
}

impl Deref for BlockingMock {
    type Target = MockHandle;

    fn deref(&self) -> &MockHandle {
        &self.handle
    }
}

impl Drop for BlockingMock {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
