//! Every request the SDK sends, as an `http::Request`, byte-exact and I/O-free.

use base64::Engine as _;
use bytes::Bytes;
use hitem3d_types::{AccessToken, ClientId, ClientSecret, Endpoint, TaskId};
use http::header::{
    ACCEPT, ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, USER_AGENT,
};
use http::{HeaderValue, Method, Request};
use url::Url;

use crate::{BaseUrl, Body, MultipartForm, SubmitTask};

/// The `User-Agent` sent unless the caller picks another.
pub const DEFAULT_USER_AGENT: &str = concat!("hitem3d-rs/", env!("CARGO_PKG_VERSION"));

/// A request that could not be built from the values given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// A credential is empty or has characters HTTP Basic cannot carry.
    #[error("{0}")]
    InvalidCredentials(&'static str),
    /// The token has characters an HTTP header cannot carry.
    #[error("the access token has characters an HTTP header cannot carry; get a new token")]
    InvalidToken,
    /// A URL the service returned (or the caller gave) is not an absolute http(s) URL.
    #[error("{url:?} is not an absolute http(s) URL")]
    InvalidUrl {
        /// The URL, without its query string (signed links carry their signature there).
        url: String,
    },
    /// The chosen User-Agent is not a valid header value.
    #[error("the User-Agent {0:?} is not a valid HTTP header value")]
    InvalidUserAgent(String),
}

/// Builds the API's requests for one base URL.
///
/// ```
/// use hitem3d_core::{ApiRequests, BaseUrl};
/// use hitem3d_core::types::{AccessToken, TaskId};
///
/// let api = ApiRequests::new(BaseUrl::production());
/// let request = api.query_task(&AccessToken::new("t0k3n"), &TaskId::new("abc")).unwrap();
/// assert_eq!(request.uri(), "https://api.hitem3d.ai/open-api/v1/query-task?task_id=abc");
/// assert_eq!(request.headers()["authorization"], "Bearer t0k3n");
/// ```
#[derive(Debug, Clone)]
pub struct ApiRequests {
    base_url: BaseUrl,
    user_agent: HeaderValue,
}

impl ApiRequests {
    /// Requests for `base_url` with the default User-Agent.
    #[must_use]
    pub fn new(base_url: BaseUrl) -> Self {
        Self {
            base_url,
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
        }
    }

    /// Uses another `User-Agent`.
    ///
    /// # Errors
    /// [`RequestError::InvalidUserAgent`] if it is not a valid header value.
    pub fn with_user_agent(mut self, user_agent: &str) -> Result<Self, RequestError> {
        self.user_agent = HeaderValue::from_str(user_agent)
            .map_err(|_| RequestError::InvalidUserAgent(user_agent.to_owned()))?;
        Ok(self)
    }

    /// The base URL.
    #[must_use]
    pub fn base_url(&self) -> &BaseUrl {
        &self.base_url
    }

    fn start(&self, endpoint: Endpoint, url: &Url) -> http::request::Builder {
        Request::builder()
            .method(endpoint.method())
            .uri(url.as_str())
            .header(USER_AGENT, self.user_agent.clone())
            .header(ACCEPT, "application/json")
    }

    /// `POST /open-api/v1/auth/token` with HTTP Basic credentials and an empty JSON object.
    ///
    /// # Errors
    /// [`RequestError::InvalidCredentials`] for an empty id or secret, or an id with `:`.
    pub fn get_token(
        &self,
        client_id: &ClientId,
        client_secret: &ClientSecret,
    ) -> Result<Request<Body>, RequestError> {
        let (id, secret) = (client_id.as_str(), client_secret.expose_secret());
        if id.trim().is_empty() {
            return Err(RequestError::InvalidCredentials(
                "the client id is empty; set HITEM3D_CLIENT_ID to the API key's client_id",
            ));
        }
        if secret.trim().is_empty() {
            return Err(RequestError::InvalidCredentials(
                "the client secret is empty; set HITEM3D_CLIENT_SECRET to the API key's client_secret",
            ));
        }
        if id.contains(':') {
            return Err(RequestError::InvalidCredentials(
                "the client id contains ':', which HTTP Basic cannot carry; check that id and secret are not swapped or joined",
            ));
        }
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        let mut authorization =
            HeaderValue::from_str(&format!("Basic {encoded}")).map_err(|_| {
                RequestError::InvalidCredentials(
                    "the credentials cannot be encoded as an HTTP header",
                )
            })?;
        authorization.set_sensitive(true);
        let body = Body::from_bytes(Bytes::from_static(b"{}"));
        Ok(assemble(
            self.start(
                Endpoint::GetToken,
                &self.base_url.join(Endpoint::GetToken.path()),
            )
            .header(AUTHORIZATION, authorization)
            .header(CONTENT_TYPE, "application/json")
            .header(CONTENT_LENGTH, body.len()),
            body,
        ))
    }

    /// `POST /open-api/v1/submit-task` with the task as `multipart/form-data`.
    ///
    /// `seed` picks the multipart boundary; pass fresh randomness.
    ///
    /// # Errors
    /// [`RequestError::InvalidToken`] if the token cannot be a header value.
    pub fn submit_task(
        &self,
        token: &AccessToken,
        task: &SubmitTask,
        seed: u64,
    ) -> Result<Request<Body>, RequestError> {
        let (boundary, body) = task.to_form().encode_with_seed(seed);
        Ok(assemble(
            self.start(
                Endpoint::SubmitTask,
                &self.base_url.join(Endpoint::SubmitTask.path()),
            )
            .header(AUTHORIZATION, bearer(token)?)
            .header(CONTENT_TYPE, MultipartForm::content_type(&boundary))
            .header(CONTENT_LENGTH, body.len()),
            body,
        ))
    }

    /// `GET /open-api/v1/query-task?task_id=…`.
    ///
    /// # Errors
    /// [`RequestError::InvalidToken`] if the token cannot be a header value.
    pub fn query_task(
        &self,
        token: &AccessToken,
        task_id: &TaskId,
    ) -> Result<Request<Body>, RequestError> {
        let mut url = self.base_url.join(Endpoint::QueryTask.path());
        url.query_pairs_mut()
            .append_pair("task_id", task_id.as_str());
        Ok(assemble(
            self.start(Endpoint::QueryTask, &url)
                .header(AUTHORIZATION, bearer(token)?)
                // The vendor's own plugin asks for English messages; without it some come in Chinese.
                .header(ACCEPT_LANGUAGE, "en-US"),
            Body::empty(),
        ))
    }

    /// `GET /open-api/v1/balance`.
    ///
    /// # Errors
    /// [`RequestError::InvalidToken`] if the token cannot be a header value.
    pub fn balance(&self, token: &AccessToken) -> Result<Request<Body>, RequestError> {
        Ok(assemble(
            self.start(
                Endpoint::Balance,
                &self.base_url.join(Endpoint::Balance.path()),
            )
            .header(AUTHORIZATION, bearer(token)?)
            .header(ACCEPT_LANGUAGE, "en-US"),
            Body::empty(),
        ))
    }

    /// A plain `GET` of a result file (model or cover).
    ///
    /// It never carries an `Authorization` header: result URLs live on a CDN host, and the
    /// bearer token must not leak there.
    ///
    /// # Errors
    /// [`RequestError::InvalidUrl`] unless `url` is an absolute http(s) URL.
    pub fn download(&self, url: &str) -> Result<Request<Body>, RequestError> {
        let invalid = || RequestError::InvalidUrl {
            url: crate::redact::link(url),
        };
        // Lenient in what we accept: a link with a raw space or other characters a URI may not
        // hold is sent in its percent-encoded form, as a browser would.
        let parsed = Url::parse(url).map_err(|_| invalid())?;
        if !crate::base_url::is_absolute_http_url(parsed.as_str()) {
            return Err(invalid());
        }
        Request::builder()
            .method(Method::GET)
            .uri(parsed.as_str())
            .header(USER_AGENT, self.user_agent.clone())
            .header(ACCEPT, "*/*")
            .body(Body::empty())
            .map_err(|_| invalid())
    }
}

/// Every part was validated on the way in, so assembling the request cannot fail.
fn assemble(builder: http::request::Builder, body: Body) -> Request<Body> {
    builder
        .body(body)
        .expect("method, URI and headers are validated before assembly")
}

fn bearer(token: &AccessToken) -> Result<HeaderValue, RequestError> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
        .map_err(|_| RequestError::InvalidToken)?;
    value.set_sensitive(true);
    Ok(value)
}
