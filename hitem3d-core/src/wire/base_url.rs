//! Where the API lives, and the rule that credentials never travel in clear text.

use std::fmt;
use std::str::FromStr;

use url::Url;

/// The API's base URL, e.g. `https://api.hitem3d.ai` (the default).
///
/// Plain `http://` is accepted only for loopback hosts (a local mock, a local proxy), unless the
/// caller opts in with [`BaseUrl::parse_allowing_insecure_http`]: every call carries the client
/// secret or a bearer token.
///
/// ```
/// use hitem3d_core::BaseUrl;
///
/// assert!(BaseUrl::parse("https://api.hitem3d.ai").is_ok());
/// assert!(BaseUrl::parse("http://127.0.0.1:8080").is_ok());
/// assert!(BaseUrl::parse("http://api.hitem3d.ai").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

/// Why a base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// Not an absolute URL.
    #[error(
        "base URL {input:?} is not an absolute URL ({reason}); use e.g. https://api.hitem3d.ai"
    )]
    Invalid {
        /// What was given.
        input: String,
        /// The parser's complaint.
        reason: String,
    },
    /// Neither http nor https.
    #[error("base URL {input:?} must use https (or http for a loopback host)")]
    UnsupportedScheme {
        /// What was given.
        input: String,
    },
    /// Plain http to a host that is not loopback.
    #[error(
        "base URL {input:?} uses plain http to a non-loopback host, which would send credentials \
         in clear text; use https, or BaseUrl::parse_allowing_insecure_http if this is intended"
    )]
    InsecureHttp {
        /// What was given.
        input: String,
    },
    /// A query string or fragment, which requests could not extend.
    #[error("base URL {input:?} must not have a query or fragment")]
    HasQueryOrFragment {
        /// What was given.
        input: String,
    },
}

impl BaseUrl {
    /// Parses a base URL: https anywhere, http only to a loopback host.
    ///
    /// # Errors
    /// [`BaseUrlError`] says what is wrong and what to use instead.
    pub fn parse(input: &str) -> Result<Self, BaseUrlError> {
        Self::parse_with(input, false)
    }

    /// Parses a base URL, allowing plain http to any host. Use only on networks you trust.
    ///
    /// # Errors
    /// [`BaseUrlError`] for anything that is not an absolute http(s) URL.
    pub fn parse_allowing_insecure_http(input: &str) -> Result<Self, BaseUrlError> {
        Self::parse_with(input, true)
    }

    fn parse_with(input: &str, allow_insecure: bool) -> Result<Self, BaseUrlError> {
        let url = Url::parse(input.trim()).map_err(|e| BaseUrlError::Invalid {
            input: input.to_owned(),
            reason: e.to_string(),
        })?;
        if url.query().is_some() || url.fragment().is_some() {
            return Err(BaseUrlError::HasQueryOrFragment {
                input: input.to_owned(),
            });
        }
        match url.scheme() {
            "https" => {}
            "http" if allow_insecure || is_loopback(&url) => {}
            "http" => {
                return Err(BaseUrlError::InsecureHttp {
                    input: input.to_owned(),
                });
            }
            _ => {
                return Err(BaseUrlError::UnsupportedScheme {
                    input: input.to_owned(),
                });
            }
        }
        if url.cannot_be_a_base() || url.host_str().is_none_or(str::is_empty) {
            return Err(BaseUrlError::Invalid {
                input: input.to_owned(),
                reason: "it has no host".to_owned(),
            });
        }
        Ok(Self(url))
    }

    /// The production API, `https://api.hitem3d.ai`.
    ///
    /// # Panics
    /// Never: the default URL is a constant checked by this crate's tests.
    #[must_use]
    pub fn production() -> Self {
        Self::parse(hitem3d_types::limits::DEFAULT_BASE_URL).expect("the default base URL is valid")
    }

    /// Whether the host is loopback (`localhost`, `127.0.0.0/8`, `::1`).
    #[must_use]
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.0)
    }

    /// The URL as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// `path` (which starts with `/`) below the base URL, keeping any path prefix of the base.
    /// The URL itself.
    pub(crate) fn url(&self) -> &Url {
        &self.0
    }

    pub(crate) fn join(&self, path: &str) -> Url {
        let mut url = self.0.clone();
        let joined = format!("{}{path}", url.path().trim_end_matches('/'));
        url.set_path(&joined);
        url
    }
}

impl Default for BaseUrl {
    fn default() -> Self {
        Self::production()
    }
}

impl FromStr for BaseUrl {
    type Err = BaseUrlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BaseUrl").field(&self.0.as_str()).finish()
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Whether `text` is an absolute http(s) URL with a host.
pub(crate) fn is_absolute_http_url(text: &str) -> bool {
    Url::parse(text).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback_http_only() {
        for ok in [
            "https://api.hitem3d.ai",
            "https://api.hitem3d.ai/",
            "http://localhost:9000",
            "http://127.0.0.5",
            "http://[::1]:8080/prefix/",
        ] {
            assert!(BaseUrl::parse(ok).is_ok(), "{ok}");
        }
        assert!(matches!(
            BaseUrl::parse("http://api.hitem3d.com"),
            Err(BaseUrlError::InsecureHttp { .. })
        ));
        assert!(BaseUrl::parse_allowing_insecure_http("http://10.0.0.2").is_ok());
        assert!(matches!(
            BaseUrl::parse("ftp://x"),
            Err(BaseUrlError::UnsupportedScheme { .. })
        ));
        assert!(matches!(
            BaseUrl::parse("api.hitem3d.ai"),
            Err(BaseUrlError::Invalid { .. })
        ));
        assert!(matches!(
            BaseUrl::parse("https://x/?a=1"),
            Err(BaseUrlError::HasQueryOrFragment { .. })
        ));
    }

    #[test]
    fn joins_below_any_path_prefix() {
        let base = BaseUrl::parse("https://gw.example.com/hitem3d/").unwrap();
        assert_eq!(
            base.join("/open-api/v1/balance").as_str(),
            "https://gw.example.com/hitem3d/open-api/v1/balance"
        );
        assert_eq!(
            BaseUrl::production().join("/open-api/v1/balance").as_str(),
            "https://api.hitem3d.ai/open-api/v1/balance"
        );
    }

    #[test]
    fn recognises_absolute_http_urls() {
        assert!(is_absolute_http_url("https://cb.example.com/hook?k=1"));
        assert!(is_absolute_http_url("http://127.0.0.1:9/x"));
        assert!(!is_absolute_http_url("/relative"));
        assert!(!is_absolute_http_url("ftp://x/y"));
        assert!(!is_absolute_http_url("mailto:a@b"));
    }
}
