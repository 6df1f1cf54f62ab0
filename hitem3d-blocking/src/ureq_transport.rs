//! The default transport, on ureq.

use std::io::{self, Read};
use std::time::Duration;

use hitem3d_core::front_end::*;
use ureq::{Agent, SendBody, config::Config, unversioned::transport::DefaultConnector};

use crate::{ResponseBody, SendLimits, Transport, effects::open_file, resolver::AddressShortcut};

/// Sends requests with a [`ureq::Agent`].
///
/// [`UreqTransport::new`] builds an agent with the configured connect timeout;
/// [`UreqTransport::from_agent`] takes yours (proxies, custom roots, a shared pool). Either
/// way, every request is sent with the settings the client relies on: HTTP error statuses
/// are answers (their bodies carry the API's error codes), redirects are not followed, and the
/// [`SendLimits`] become ureq's per-call and per-read timeouts.
///
/// ureq writes every byte it sends and receives (credentials, tokens, signed result links) to
/// the `log` crate at TRACE, under the targets `ureq_proto::util` and `ureq::util`. While the
/// application's logger records either at TRACE, this transport sends nothing: each call
/// fails with a [`TransportFailure::refused`] saying which target to turn down (for example
/// `RUST_LOG=trace,ureq=debug,ureq_proto=debug`).
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: Agent,
    /// The limits the agent applies itself, with error statuses as answers and no redirects: a
    /// request within them needs no settings of its own, which ureq would build by copying
    /// the agent's whole configuration into every request.
    preset: Option<SendLimits>,
}

impl UreqTransport {
    /// An agent that gives up connecting after `connect_timeout`, and connects to an IP
    /// address without ureq's resolver thread.
    ///
    /// # Errors
    /// None today; the `Result` matches the async client's transport, whose TLS set-up can
    /// fail, so that code switching between the two does not change.
    pub fn new(connect_timeout: Duration) -> Result<Self, ConfigError> {
        Ok(Self::with_preset(connect_timeout, None))
    }

    /// As [`UreqTransport::new`], with `preset` as the agent's own limits: the client's API
    /// calls, all sent within the same limits, then carry no settings per request.
    pub(crate) fn with_preset(connect_timeout: Duration, preset: Option<SendLimits>) -> Self {
        let (whole, read, write) = preset.map_or((None, None, None), timeouts);
        let config = Config::builder()
            .timeout_connect(Some(connect_timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_per_call(whole)
            .timeout_per_read(read)
            .timeout_per_write(write)
            .build();
        let agent = Agent::with_parts(config, DefaultConnector::new(), AddressShortcut::default());
        Self { agent, preset }
    }

    /// Uses `agent` with its own settings, except for the per-request ones above.
    #[must_use]
    pub fn from_agent(agent: Agent) -> Self {
        let preset = None;
        Self { agent, preset }
    }
}

/// ureq's limits for the whole call, each read and each write. It sets a socket's time limits
/// only when they change, and a deadline's remainder changes with every call: two system calls
/// each time. Limits just below the deadline stay the same for every fast call; the deadline
/// still bounds the whole exchange.
fn timeouts(limits: SendLimits) -> (Option<Duration>, Option<Duration>, Option<Duration>) {
    let steady = limits.whole.map(|whole| whole - whole / 100);
    (limits.whole, limits.idle.or(steady), steady)
}

/// The `log` targets under which ureq writes secrets when TRACE is on: its protocol layer
/// hex-dumps every request and answer (credentials, tokens, signed links), and its request log
/// prints full URLs. Nothing in ureq turns either off.
const TRACE_TARGETS_THAT_LEAK: [&str; 2] = ["ureq_proto::util", "ureq::util"];

/// Refuses to send while the application's `log` logger would record ureq's traffic dump: a
/// library cannot filter the application's logger, and secrets must never reach a log.
/// Checked for every request, since a logger can be installed or reconfigured at any time.
fn refuse_if_traffic_would_be_logged() -> Result<(), TransportFailure> {
    let recorded = |target: &&str| log::log_enabled!(target: target, log::Level::Trace);
    match TRACE_TARGETS_THAT_LEAK.into_iter().find(recorded) {
        None => Ok(()),
        Some(target) => Err(TransportFailure::refused(format!(
            "the application's `log` logger records {target} at TRACE, where ureq logs every byte \
             it sends and receives, credentials included: set that target to DEBUG (e.g. \
             RUST_LOG=trace,ureq=debug,ureq_proto=debug), or use hitem3d-async"
        ))),
    }
}

impl Transport for UreqTransport {
    fn send(
        &self,
        request: Request<Body>,
        limits: SendLimits,
    ) -> Result<Response<ResponseBody>, TransportFailure> {
        refuse_if_traffic_would_be_logged()?;
        // Kept to strip it from error messages; formatted only if one occurs.
        let url = request.uri().clone();
        let (parts, body) = request.into_parts();
        // The segments are read one after another under the Content-Length the core set, so
        // an upload's pictures are never copied into one buffer.
        let body = if body.is_empty() {
            SendBody::none()
        } else {
            SendBody::from_owned_reader(body.into_reader(open_file())?)
        };
        let request = Request::from_parts(parts, body);
        let answer = if self.preset == Some(limits) {
            self.agent.run(request)
        } else {
            let (whole, read, write) = timeouts(limits);
            let request = self.agent.configure_request(request);
            let request = request.http_status_as_error(false).max_redirects(0);
            let request = request.timeout_per_call(whole).timeout_per_read(read);
            self.agent.run(request.timeout_per_write(write).build())
        };
        let (parts, body) = answer.map_err(|error| failure(error, &url))?.into_parts();
        let reader = TimeoutAwareReader {
            inner: body.into_reader(),
            url,
        };
        Ok(Response::from_parts(parts, Box::new(reader)))
    }
}

/// Reports ureq's timeouts as [`io::ErrorKind::TimedOut`], as [`ResponseBody`] promises.
struct TimeoutAwareReader<R> {
    inner: R,
    url: Uri,
}

impl<R: Read> Read for TimeoutAwareReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|error| {
            let error = ureq::Error::from(error);
            let kind = match &error {
                ureq::Error::Timeout(_) => io::ErrorKind::TimedOut,
                ureq::Error::Io(io) => io.kind(),
                _ => io::ErrorKind::Other,
            };
            io::Error::new(kind, redact(&error, &self.url))
        })
    }
}

/// Maps a ureq error to how far the request got. Only failures before any connection was
/// made are known not to have sent anything.
fn failure(error: ureq::Error, url: &Uri) -> TransportFailure {
    let message = redact(&error, url);
    match error {
        ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => {
            TransportFailure::timed_out(Delivery::NotSent, message)
        }
        ureq::Error::Timeout(_) => TransportFailure::timed_out(Delivery::MaybeSent, message),
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::BadUri(_)
        | ureq::Error::Http(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::Tls(_) => TransportFailure::not_sent(message),
        ureq::Error::Io(io) => TransportFailure::io(&io, message),
        _ => TransportFailure::maybe_sent(message),
    }
}

/// The error on one line, without the URL (result links carry a signature).
fn redact(error: &ureq::Error, url: &Uri) -> String {
    error.to_string().replace(&url.to_string(), "<url>")
}
