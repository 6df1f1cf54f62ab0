//! What the mock's own server lets its clients take: connections, time, head and body bytes.
//! These guard the process, so they run in real time whatever the mock's clock does.

use std::time::Duration;

/// The server's bounds. The defaults suit a long-running local stand-in shared by test
/// suites; every one can be lowered to test how a client meets it.
///
/// ```
/// use std::time::Duration;
/// use hitem3d_mock::{MockConfig, ServerLimits};
///
/// let mut config = MockConfig::fast();
/// config.server = ServerLimits { max_connections: 8, ..ServerLimits::default() };
/// assert_eq!(config.server.idle_timeout, Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Connections served at once. One more is answered HTTP 503, saying so, and closed.
    pub max_connections: usize,
    /// How long a connection may take to send a request's head, and how long it may stay idle
    /// between requests or in the middle of a body, before the server closes it.
    pub idle_timeout: Duration,
    /// The largest request head (request line and headers) read; a larger one is answered
    /// HTTP 431. At least 8 KiB.
    pub max_head_bytes: usize,
    /// Request bodies held in memory at once, over all connections; a body that would go past
    /// it is answered HTTP 503 and not kept.
    pub max_bodies_in_flight: u64,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_connections: 512,
            idle_timeout: Duration::from_secs(60),
            max_head_bytes: 64 * 1024,
            max_bodies_in_flight: 512 << 20,
        }
    }
}

impl ServerLimits {
    /// The head limit as hyper takes it (it refuses less than 8 KiB).
    pub(crate) fn head_buffer(&self) -> usize {
        self.max_head_bytes.max(8 * 1024)
    }
}
