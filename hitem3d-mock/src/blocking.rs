//! The mock for plain `#[test]`s, without async.

use std::ops::Deref;

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
    service: MockService,
}

impl BlockingMock {
    /// Starts a mock with the default configuration (real time).
    ///
    /// # Panics
    /// If no server thread can be started or no loopback port bound.
    #[must_use]
    pub fn start() -> Self {
        Self::start_with(MockConfig::default())
    }

    /// Starts a mock with `config`.
    ///
    /// # Panics
    /// If no server thread can be started or no loopback port bound.
    #[must_use]
    pub fn start_with(config: MockConfig) -> Self {
        Self {
            service: MockService::launch(config, None),
        }
    }

    /// A handle that outlives borrow scopes (it does not keep the server alive).
    #[must_use]
    pub fn handle(&self) -> MockHandle {
        self.service.handle()
    }
}

impl Deref for BlockingMock {
    type Target = MockHandle;

    fn deref(&self) -> &MockHandle {
        &self.service
    }
}
