//! The default transport, on reqwest.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{self, BoxFuture};
use futures_util::{StreamExt, stream};
use hitem3d_core::front_end::*;

use crate::upload_files::{file_chunks, open_file};
use crate::{ResponseBody, Transport};

/// Sends requests with a [`reqwest::Client`].
///
/// [`ReqwestTransport::new`] builds one with the configured connect timeout, no redirects and
/// no automatic retries; [`ReqwestTransport::from_client`] takes yours (proxies, custom roots,
/// a shared connection pool).
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A client that gives up connecting after `connect_timeout`. It sets no timeout of its
    /// own on answers: the client bounds each API call by the request timeout and each wait
    /// of a download for bytes by the idle timeout, and a second timer on every read would
    /// only cost time.
    ///
    /// # Errors
    /// [`ConfigError::Http`] when TLS cannot be set up (the platform's roots cannot be read).
    pub fn new(connect_timeout: Duration) -> Result<Self, ConfigError> {
        let builder = reqwest::Client::builder();
        #[cfg(feature = "rustls")]
        let builder = builder.tls_backend_preconfigured(rustls_with_ring()?);
        let client = builder
            .connect_timeout(connect_timeout)
            // Result links live on a CDN; a redirect is followed by the client's own plan, not
            // silently with whatever headers the request had.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| ConfigError::Http(Arc::new(error)))?;
        Ok(Self { client })
    }

    /// Uses `client` as it is configured. Build it with
    /// `.redirect(reqwest::redirect::Policy::none())`: the client follows file-host redirects
    /// itself, without credentials or a `Referer`, and never follows one of the API; a
    /// `reqwest::Client` that follows redirects on its own would send the signed result link
    /// on in a `Referer` header (reqwest's policy is per client, so this transport cannot
    /// turn it off per request).
    #[must_use]
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client }
    }
}

impl Transport for ReqwestTransport {
    fn send(
        &self,
        mut request: Request<Body>,
    ) -> BoxFuture<'_, Result<Response<ResponseBody>, TransportFailure>> {
        Box::pin(async move {
            // The core's parsed URL, if the request still has it, spares formatting the URI
            // and parsing it again.
            let url = RequestUrl::take(&mut request);
            let (parts, body) = request.into_parts();
            // Opening and checking the pictures on disk is a few system calls: done in place.
            let body = streamed(body.open(open_file())?);
            let request = match url {
                Some(url) => {
                    let mut request = reqwest::Request::new(parts.method, url);
                    *request.headers_mut() = parts.headers;
                    *request.version_mut() = parts.version;
                    *request.body_mut() = body;
                    request
                }
                None => {
                    let body = body.unwrap_or_else(|| reqwest::Body::from(Bytes::new()));
                    reqwest::Request::try_from(Request::from_parts(parts, body))
                        .map_err(|error| TransportFailure::not_sent(error_chain(&error)))?
                }
            };
            let mut response = self
                .client
                .execute(request)
                .await
                .map_err(|error| failure(&error))?;
            let mut head = Response::builder()
                .status(response.status())
                .version(response.version());
            if let Some(headers) = head.headers_mut() {
                // Moved, not copied: the body is read through `chunk`, which needs no headers.
                *headers = std::mem::take(response.headers_mut());
            }
            let chunks = response.bytes_stream();
            let body: ResponseBody = Box::pin(chunks.map(|chunk| chunk.map_err(|e| failure(&e))));
            head.body(body)
                .map_err(|error| TransportFailure::maybe_sent(error.to_string()))
        })
    }
}

/// The body as reqwest sends it: none for an empty one, one buffer as it is, several segments
/// one after another under the `Content-Length` the core set, without joining them (an
/// upload's pictures are never copied), and pictures on disk streamed from their files.
fn streamed(mut segments: Vec<OpenedSegment>) -> Option<reqwest::Body> {
    match segments.pop() {
        None => return None,
        Some(OpenedSegment::Bytes(one)) if segments.is_empty() => {
            return Some(reqwest::Body::from(one));
        }
        Some(last) => segments.push(last),
    }
    Some(reqwest::Body::wrap_stream(stream::iter(segments).flat_map(
        |segment| match segment {
            OpenedSegment::Bytes(bytes) => stream::once(future::ready(Ok(bytes))).left_stream(),
            OpenedSegment::File(file) => file_chunks(file).right_stream(),
        },
    )))
}

/// Maps a reqwest error to how far the request got. Only connect errors are known not to have
/// sent anything.
fn failure(error: &reqwest::Error) -> TransportFailure {
    let message = error_chain(error);
    match (error.is_timeout(), error.is_connect()) {
        (true, true) => TransportFailure::timed_out(Delivery::NotSent, message),
        (true, false) => TransportFailure::timed_out(Delivery::MaybeSent, message),
        (false, true) => TransportFailure::not_sent(message),
        (false, false) => TransportFailure::maybe_sent(message),
    }
}

/// rustls with ring's provider, checking servers against the platform's roots as reqwest's own
/// would. reqwest is built without a provider of its own, so ring also becomes the process's
/// default (one installed already is kept): any other reqwest client would panic without one.
///
/// Made once per process, and cloned (its parts are shared): reading the platform's roots took
/// each client about 2 ms, which a process building many (a test suite, a fleet of workers in
/// one process) paid every time. Roots that cannot be read fail every client alike.
#[cfg(feature = "rustls")]
fn rustls_with_ring() -> Result<rustls::ClientConfig, ConfigError> {
    use rustls::crypto::{CryptoProvider, ring};
    static MADE: std::sync::LazyLock<Result<rustls::ClientConfig, rustls::Error>> =
        std::sync::LazyLock::new(|| {
            let _ = CryptoProvider::install_default(ring::default_provider());
            rustls::ClientConfig::builder_with_provider(ring::default_provider().into())
                .with_safe_default_protocol_versions()
                .and_then(rustls_platform_verifier::BuilderVerifierExt::with_platform_verifier)
                .map(rustls::ConfigBuilder::<rustls::ClientConfig, _>::with_no_client_auth)
        });
    MADE.clone().map_err(|e| ConfigError::Http(Arc::new(e)))
}

/// The error and its causes on one line, without the URL (result links carry a signature).
fn error_chain(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    if let Some(url) = error.url() {
        message = message.replace(url.as_str(), "<url>");
    }
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    #[cfg(feature = "rustls")]
    #[test]
    fn clients_share_one_tls_configuration_made_once() {
        let (first, second) = (
            super::rustls_with_ring().unwrap(),
            super::rustls_with_ring().unwrap(),
        );
        assert!(std::sync::Arc::ptr_eq(
            first.crypto_provider(),
            second.crypto_provider()
        ));
    }
}
