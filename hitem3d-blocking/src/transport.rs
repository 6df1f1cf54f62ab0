//! The seam between the client and an HTTP stack.

use std::fmt;
use std::io::Read;
use std::time::Duration;

use hitem3d_core::front_end::*;

/// A response body as it arrives. A read that fails with [`std::io::ErrorKind::TimedOut`] is
/// taken as a timeout; any other failure as a body cut off midway.
pub type ResponseBody = Box<dyn Read + Send>;

/// How long one exchange may take. Blocking I/O cannot be abandoned from outside, so the
/// transport applies these itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendLimits {
    /// The whole exchange, from connecting to the last body byte (API calls).
    pub whole: Option<Duration>,
    /// The longest silence between two reads (file downloads, which may be large).
    pub idle: Option<Duration>,
}

impl SendLimits {
    /// At most `whole` for the entire exchange.
    #[must_use]
    pub fn whole(whole: Duration) -> Self {
        Self {
            whole: Some(whole),
            idle: None,
        }
    }

    /// No total limit, but at most `idle` without a byte.
    #[must_use]
    pub fn idle(idle: Duration) -> Self {
        Self {
            whole: None,
            idle: Some(idle),
        }
    }
}

/// Sends one request and hands back the status, headers and a streaming body.
///
/// The client builds every request (URL, headers, multipart body) and reads every answer
/// itself; a transport only moves bytes. Plug in your own to use another HTTP stack, a proxy
/// that needs custom handling, or a recorder in tests. [`crate::UreqTransport`] is the
/// default.
///
/// Contract:
/// - Answer every HTTP status as `Ok`, 4xx and 5xx included: the client reads error bodies.
/// - Report failures with [`TransportFailure::not_sent`] only when the request surely never
///   reached the server (DNS, refused connection, TLS handshake): the client then resends even
///   a paid submit. Anything else is [`TransportFailure::maybe_sent`].
/// - Do not follow redirects to other hosts with credentials, and do not retry on your own:
///   the client's policies decide retries.
/// - Apply the [`SendLimits`]: a transport that ignores them can block a thread for as long
///   as a peer stays silent.
///
/// ```
/// use hitem3d_blocking::{ResponseBody, SendLimits, Transport};
/// use hitem3d_blocking::hitem3d_core::{Body, TransportFailure};
///
/// /// Refuses everything, as if the network were down.
/// #[derive(Debug)]
/// struct Offline;
///
/// impl Transport for Offline {
///     fn send(
///         &self,
///         _request: http::Request<Body>,
///         _limits: SendLimits,
///     ) -> Result<http::Response<ResponseBody>, TransportFailure> {
///         Err(TransportFailure::not_sent("offline"))
///     }
/// }
/// ```
pub trait Transport: fmt::Debug + Send + Sync + 'static {
    /// Sends `request` within `limits`; returns when the status and headers have arrived.
    ///
    /// # Errors
    /// A [`TransportFailure`] saying whether the request may have reached the server.
    fn send(
        &self,
        request: Request<Body>,
        limits: SendLimits,
    ) -> Result<Response<ResponseBody>, TransportFailure>;
}
