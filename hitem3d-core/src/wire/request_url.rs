//! The parsed URL a request carries beside its `Uri`, so that a transport built on the `url`
//! crate does not format the `Uri` and parse it again for every call.

use http::Request;
use url::{Position, Url};

/// The URL of a request the core built, as a request extension: on downloads always, on API
/// requests when asked for ([`crate::ClientConfig::with_request_urls`]).
///
/// A transport that needs a [`Url`] reads it with [`RequestUrl::of`], which hands it out only
/// while it still names the request's `Uri`: a layer in between that rewrote the `Uri` (a
/// proxy rule, a recorder) wins over this copy.
///
/// ```
/// use hitem3d_core::{ApiRequests, BaseUrl, RequestUrl};
/// use hitem3d_core::types::{AccessToken, TaskId};
///
/// let api = ApiRequests::new(BaseUrl::production()).with_request_urls(true);
/// let mut request = api.query_task(&AccessToken::new("t0k3n"), &TaskId::new("a+b")).unwrap();
/// let url = RequestUrl::of(&request).expect("the core's requests carry their URL");
/// assert_eq!(url.as_str(), "https://api.hitem3d.ai/open-api/v1/query-task?task_id=a%2Bb");
///
/// *request.uri_mut() = "https://elsewhere.example/".parse().unwrap();
/// assert!(RequestUrl::of(&request).is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestUrl(Url);

impl RequestUrl {
    pub(crate) fn new(url: Url) -> Self {
        Self(url)
    }

    /// The URL `request` carries, if it names the same resource as its `Uri`.
    #[must_use]
    pub fn of<B>(request: &Request<B>) -> Option<&Url> {
        let url = &request.extensions().get::<Self>()?.0;
        let uri = request.uri();
        let agrees = uri.scheme_str() == Some(url.scheme())
            && uri.authority().map(http::uri::Authority::as_str)
                == Some(&url[Position::BeforeUsername..Position::AfterPort])
            && uri.path_and_query().map(http::uri::PathAndQuery::as_str)
                == Some(&url[Position::BeforePath..Position::AfterQuery]);
        agrees.then_some(url)
    }

    /// As [`RequestUrl::of`], taken out of `request` rather than copied.
    pub fn take<B>(request: &mut Request<B>) -> Option<Url> {
        Self::of(request)?;
        request.extensions_mut().remove::<Self>().map(|url| url.0)
    }
}
