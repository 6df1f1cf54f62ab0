//! The seam between the client and an HTTP stack.

use std::fmt;
use std::pin::Pin;

use futures_util::future::BoxFuture;
use futures_util::stream::Stream;
use hitem3d_core::front_end::*;

/// A response body as it arrives: chunks, or the failure that cut it off.
pub type ResponseBody = Pin<Box<dyn Stream<Item = Result<Bytes, TransportFailure>> + Send>>;

/// Sends one request and hands back the status, headers and a streaming body.
///
/// The client builds every request (URL, headers, multipart body) and reads every answer
/// itself; a transport only moves bytes. Plug in your own to use another HTTP stack, a proxy
/// that needs custom handling, or a recorder in tests. [`crate::ReqwestTransport`] is the
/// default.
///
/// `send` returns a boxed future rather than being an `async fn` so that the client can hold
/// any transport as `Arc<dyn Transport>`: one concrete `Client` type, no generic parameter in
/// your signatures.
///
/// Contract:
/// - Answer every HTTP status as `Ok`, 4xx and 5xx included: the client reads error bodies.
/// - Report failures with [`TransportFailure::not_sent`] only when the request surely never
///   reached the server (DNS, refused connection, TLS handshake): the client then resends even
///   a paid submit. Anything else is [`TransportFailure::maybe_sent`].
/// - Do not follow redirects to other hosts with credentials, and do not retry on your own:
///   the client's policies decide retries.
/// - Timeouts may be left to the client, which bounds every call by its configured limits.
///
/// ```
/// use futures_util::future::BoxFuture;
/// use hitem3d_async::{ResponseBody, Transport};
/// use hitem3d_async::hitem3d_core::{Body, TransportFailure};
///
/// /// Refuses everything, as if the network were down.
/// #[derive(Debug)]
/// struct Offline;
///
/// impl Transport for Offline {
///     fn send(
///         &self,
///         _request: http::Request<Body>,
///     ) -> BoxFuture<'_, Result<http::Response<ResponseBody>, TransportFailure>> {
///         Box::pin(async { Err(TransportFailure::not_sent("offline")) })
///     }
/// }
/// ```
pub trait Transport: fmt::Debug + Send + Sync + 'static {
    /// Sends `request`; resolves when the status and headers have arrived.
    fn send(
        &self,
        request: Request<Body>,
    ) -> BoxFuture<'_, Result<Response<ResponseBody>, TransportFailure>>;
}
