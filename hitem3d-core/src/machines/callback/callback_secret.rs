//! A shared secret carried in the callback URL, since callbacks are not signed.

use std::fmt;

use url::Url;

use super::CallbackError;
use crate::wire::base_url::is_absolute_http_url;

/// The shortest secret accepted: 128 bits as hex.
const MIN_SECRET_CHARS: usize = 32;

/// A secret the application puts in its callback URL and checks on each callback.
///
/// The service does not sign callbacks, so anyone who learns the URL could post fake updates.
/// With a secret in the URL, a request without it is rejected; the check runs in constant time.
/// Even so, act on a callback only after [`CallbackUpdate::confirm`](crate::CallbackUpdate::confirm).
///
/// ```
/// use hitem3d_core::CallbackSecret;
///
/// let secret = CallbackSecret::from_random_bytes(&[7; 32]);
/// let url = secret.callback_url("https://example.com/hooks/hitem3d?tenant=a")?;
/// assert!(url.starts_with("https://example.com/hooks/hitem3d?tenant=a&hitem3d_secret="));
///
/// let request_uri: http::Uri = url.parse().unwrap();
/// assert!(secret.verify(&request_uri).is_ok());
/// let forged: http::Uri = "https://example.com/hooks/hitem3d?tenant=a".parse().unwrap();
/// assert!(secret.verify(&forged).is_err());
/// # Ok::<(), hitem3d_core::CallbackError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CallbackSecret(String);

impl fmt::Debug for CallbackSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackSecret([redacted])")
    }
}

impl CallbackSecret {
    /// The query parameter that carries the secret.
    pub const PARAMETER: &'static str = "hitem3d_secret";

    /// A secret from text: at least 32 letters, digits, `-` or `_`.
    ///
    /// # Errors
    /// [`CallbackError::WeakSecret`] for anything shorter or with other characters.
    pub fn new(secret: impl Into<String>) -> Result<Self, CallbackError> {
        let secret = secret.into();
        let url_safe = secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if secret.len() < MIN_SECRET_CHARS || !url_safe {
            return Err(CallbackError::WeakSecret {
                min: MIN_SECRET_CHARS,
            });
        }
        Ok(Self(secret))
    }

    /// A secret made from random bytes (pass 32 from a cryptographic source), as hex.
    #[must_use]
    pub fn from_random_bytes(bytes: &[u8; 32]) -> Self {
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The secret, to store alongside the application's configuration.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// `url` with the secret added as the `hitem3d_secret` query parameter.
    ///
    /// # Errors
    /// [`CallbackError::InvalidUrl`] unless `url` is an absolute http(s) URL.
    pub fn callback_url(&self, url: &str) -> Result<String, CallbackError> {
        let invalid = || CallbackError::InvalidUrl {
            url: url.to_owned(),
        };
        if !is_absolute_http_url(url) {
            return Err(invalid());
        }
        let mut parsed = Url::parse(url).map_err(|_| invalid())?;
        parsed
            .query_pairs_mut()
            .append_pair(Self::PARAMETER, &self.0);
        Ok(parsed.into())
    }

    /// Checks that the callback request's URI carries this secret.
    ///
    /// # Errors
    /// [`CallbackError::SecretMismatch`] if it is missing or different.
    pub fn verify(&self, uri: &http::Uri) -> Result<(), CallbackError> {
        let query = uri.query().unwrap_or("");
        let presented = url::form_urlencoded::parse(query.as_bytes())
            .filter(|(name, _)| name == Self::PARAMETER)
            .map(|(_, value)| value.into_owned())
            .next();
        match presented {
            Some(value) if constant_time_eq(value.as_bytes(), self.0.as_bytes()) => Ok(()),
            _ => Err(CallbackError::SecretMismatch {
                parameter: Self::PARAMETER,
            }),
        }
    }
}

/// Compares without an early exit, so timing does not reveal how much of a guess was right.
/// (The length may leak; it is not secret.)
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_secrets_are_refused_and_secrets_never_print() {
        assert!(CallbackSecret::new("short").is_err());
        assert!(CallbackSecret::new("x".repeat(31)).is_err());
        assert!(CallbackSecret::new(format!("{}&", "x".repeat(40))).is_err());
        let secret = CallbackSecret::new("a".repeat(32)).unwrap();
        assert_eq!(format!("{secret:?}"), "CallbackSecret([redacted])");
    }

    #[test]
    fn comparison_is_exact() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
