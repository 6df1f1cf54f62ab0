//! A request that got no answer, and whether its bytes may have reached the server.

use std::fmt;
use std::io;
use std::time::Duration;

use crate::wire::redact;

/// How far a failed request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Delivery {
    /// Known not to have reached the server: DNS failure, connection refused, TLS handshake
    /// failure. Safe to send again, even for submit-task.
    NotSent,
    /// May have reached the server: the connection broke or timed out after the request started.
    MaybeSent,
}

/// A transport failure as a driver reports it to the core.
///
/// ```
/// use hitem3d_core::{Delivery, TransportFailure};
///
/// let failure = TransportFailure::maybe_sent("connection reset by peer");
/// assert_eq!(failure.delivery(), Delivery::MaybeSent);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportFailure {
    delivery: Delivery,
    timed_out: bool,
    refused: bool,
    message: String,
}

impl TransportFailure {
    /// The request never left: DNS, connect, TLS.
    pub fn not_sent(message: impl Into<String>) -> Self {
        Self::new(Delivery::NotSent, false, &message.into())
    }

    /// The request may have reached the server before the failure.
    pub fn maybe_sent(message: impl Into<String>) -> Self {
        Self::new(Delivery::MaybeSent, false, &message.into())
    }

    /// A failure of the connection's I/O: known not to have sent anything only when no
    /// connection was made (refused, or no local address free for one); otherwise the request
    /// may have left.
    ///
    /// ```
    /// use std::io::{Error, ErrorKind};
    /// use hitem3d_core::{Delivery, TransportFailure};
    ///
    /// let refused = Error::from(ErrorKind::ConnectionRefused);
    /// assert_eq!(TransportFailure::io(&refused, "refused").delivery(), Delivery::NotSent);
    /// let reset = Error::from(ErrorKind::ConnectionReset);
    /// assert_eq!(TransportFailure::io(&reset, "reset").delivery(), Delivery::MaybeSent);
    /// ```
    pub fn io(error: &io::Error, message: impl Into<String>) -> Self {
        match error.kind() {
            io::ErrorKind::ConnectionRefused | io::ErrorKind::AddrNotAvailable => {
                Self::not_sent(message)
            }
            _ => Self::maybe_sent(message),
        }
    }

    /// The transport would not send the request, for a reason that sending again does not
    /// change (the message says what to fix). Nothing was sent and nothing is retried.
    pub fn refused(message: impl Into<String>) -> Self {
        Self {
            refused: true,
            ..Self::new(Delivery::NotSent, false, &message.into())
        }
    }

    /// A timeout; `delivery` says whether it struck before the request was sent (a connect
    /// timeout) or after.
    pub fn timed_out(delivery: Delivery, message: impl Into<String>) -> Self {
        Self::new(delivery, true, &message.into())
    }

    /// An API call that got no complete answer within its limit. The request may have been
    /// read and acted on, so a submit must not be resent after it.
    #[must_use]
    pub fn call_timed_out(limit: Duration) -> Self {
        let message = format!("no complete answer within {} s", limit.as_secs_f64());
        Self::timed_out(Delivery::MaybeSent, message)
    }

    /// A download that received nothing for `idle`.
    #[must_use]
    pub fn idle_timed_out(idle: Duration) -> Self {
        let message = format!("nothing received for {} s", idle.as_secs_f64());
        Self::timed_out(Delivery::MaybeSent, message)
    }

    /// A response body whose reading failed: the request had been sent and answered, so only a
    /// read timeout is told apart from a body cut off midway.
    #[must_use]
    pub fn body_failed(error: &io::Error) -> Self {
        if error.kind() == io::ErrorKind::TimedOut {
            Self::timed_out(Delivery::MaybeSent, error.to_string())
        } else {
            Self::maybe_sent(error.to_string())
        }
    }

    fn new(delivery: Delivery, timed_out: bool, message: &str) -> Self {
        // Transport messages often quote the URL, and result URLs carry a CDN signature.
        let message = redact::redact_secrets(message);
        Self {
            delivery,
            timed_out,
            refused: false,
            message,
        }
    }

    /// How far the request got.
    #[must_use]
    pub fn delivery(&self) -> Delivery {
        self.delivery
    }

    /// Whether it was a timeout.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        self.timed_out
    }

    /// Whether the transport refused to send it ([`TransportFailure::refused`]): trying again
    /// is pointless until the cause is fixed.
    #[must_use]
    pub fn is_refused(&self) -> bool {
        self.refused
    }

    /// The transport's description, credentials redacted.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.refused {
            return write!(f, "the request was not sent: {}", self.message);
        }
        let what = if self.timed_out {
            "timed out"
        } else {
            "failed"
        };
        let when = match self.delivery {
            Delivery::NotSent => "before sending",
            Delivery::MaybeSent => "after sending began",
        };
        write!(f, "the connection {what} {when}: {}", self.message)
    }
}

impl std::error::Error for TransportFailure {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_kept_without_signatures() {
        let failure =
            TransportFailure::maybe_sent("GET https://cdn.example/m.glb?auth_key=1-abc: reset");
        assert!(
            failure
                .message()
                .starts_with("GET https://cdn.example/m.glb")
        );
        assert!(
            failure.message().ends_with(" reset"),
            "{}",
            failure.message()
        );
        assert!(
            !failure.message().contains("1-abc"),
            "{}",
            failure.message()
        );
        assert_eq!(
            TransportFailure::refused("turn the logger down").message(),
            "turn the logger down"
        );
    }
}
