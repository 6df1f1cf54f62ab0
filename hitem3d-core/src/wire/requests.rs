//! Every request the SDK sends, as an `http::Request`, byte-exact and I/O-free.

use base64::Engine as _;
use bytes::Bytes;
use hitem3d_types::{AccessToken, ClientId, ClientSecret, Endpoint, TaskId, TaskType};
use http::header::{
    ACCEPT, ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, USER_AGENT,
};
use http::{HeaderName, HeaderValue, Method, Request, Uri};
use std::borrow::Cow;
use std::sync::Arc;
use url::Url;

use crate::wire::endpoint_uri::EndpointUri;
use crate::{BaseUrl, Body, MultipartForm, NewTask, RequestUrl, SubmitTask};

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
    /// A task id that no task can have: empty, or with spaces or control characters. Nothing is
    /// sent, since the service would only answer "task not found".
    #[error("the task id {0}: give it exactly as the submit returned it")]
    InvalidTaskId(&'static str),
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
///
/// Cheap to clone: every call holds one, so the endpoints' URLs are joined once and shared.
#[derive(Debug, Clone)]
pub struct ApiRequests(Arc<Shared>);

#[derive(Debug, Clone)]
struct Shared {
    base_url: BaseUrl,
    user_agent: HeaderValue,
    /// Whether requests carry a [`RequestUrl`].
    request_urls: bool,
    /// Each endpoint's URL, joined to the base URL once instead of for every request.
    endpoints: Box<[(Endpoint, Joined)]>,
}

/// An endpoint's URL, as a `Url` (for [`RequestUrl`]) and in the parts of a `Uri`.
#[derive(Debug, Clone)]
struct Joined {
    url: Url,
    uri: EndpointUri,
}

impl Joined {
    fn new(base_url: &BaseUrl, endpoint: Endpoint) -> Self {
        let url = base_url.join(endpoint.path());
        let uri = EndpointUri::new(&url);
        Self { url, uri }
    }
}

impl ApiRequests {
    /// Requests for `base_url` with the default User-Agent.
    #[must_use]
    pub fn new(base_url: BaseUrl) -> Self {
        let endpoints = Endpoint::ALL
            .iter()
            .map(|&endpoint| (endpoint, Joined::new(&base_url, endpoint)))
            .collect();
        Self(Arc::new(Shared {
            base_url,
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            request_urls: false,
            endpoints,
        }))
    }

    /// Uses another `User-Agent`.
    ///
    /// # Errors
    /// [`RequestError::InvalidUserAgent`] if it is not a valid header value.
    pub fn with_user_agent(mut self, user_agent: &str) -> Result<Self, RequestError> {
        Arc::make_mut(&mut self.0).user_agent = HeaderValue::from_str(user_agent)
            .map_err(|_| RequestError::InvalidUserAgent(user_agent.to_owned()))?;
        Ok(self)
    }

    /// Has every request carry its parsed URL as a [`RequestUrl`] (off unless asked for): a
    /// transport built on the `url` crate then needs no parsing. Downloads always carry it.
    #[must_use]
    pub fn with_request_urls(mut self, on: bool) -> Self {
        Arc::make_mut(&mut self.0).request_urls = on;
        self
    }

    /// The base URL.
    #[must_use]
    pub fn base_url(&self) -> &BaseUrl {
        &self.0.base_url
    }

    fn joined(&self, endpoint: Endpoint) -> Cow<'_, Joined> {
        self.0
            .endpoints
            .iter()
            .find(|(known, _)| *known == endpoint)
            .map_or_else(
                || Cow::Owned(Joined::new(&self.0.base_url, endpoint)),
                |(_, joined)| Cow::Borrowed(joined),
            )
    }

    /// An API request: built field by field rather than through `http`'s builder, which moves
    /// the whole request at every step (this runs for every poll).
    fn request<const N: usize>(
        &self,
        endpoint: Endpoint,
        query: Option<(&str, &str)>,
        headers: [(HeaderName, HeaderValue); N],
        body: Body,
    ) -> Request<Body> {
        let joined = self.joined(endpoint);
        let mut request = Request::new(body);
        *request.method_mut() = Method::from_bytes(endpoint.method().as_bytes())
            .expect("the spec's methods are valid HTTP methods");
        *request.uri_mut() = match query {
            None => joined.uri.uri(),
            Some((name, value)) => joined.uri.with_query(name, value),
        };
        if self.0.request_urls {
            let mut url = joined.url.clone();
            if let Some((name, value)) = query {
                url.query_pairs_mut().append_pair(name, value);
            }
            request.extensions_mut().insert(RequestUrl::new(url));
        }
        let all = request.headers_mut();
        all.reserve(N + 2);
        all.insert(USER_AGENT, self.0.user_agent.clone());
        all.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in headers {
            all.insert(name, value);
        }
        request
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
        let headers = [
            (AUTHORIZATION, authorization),
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (CONTENT_LENGTH, HeaderValue::from(body.len())),
        ];
        Ok(self.request(Endpoint::GetToken, None, headers, body))
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
        let headers = [
            (AUTHORIZATION, bearer(token)?),
            (CONTENT_TYPE, form_content_type(&boundary)),
            (CONTENT_LENGTH, HeaderValue::from(body.len())),
        ];
        Ok(self.request(Endpoint::SubmitTask, None, headers, body))
    }

    /// Creates a task of any type at its create endpoint: `submit-task` for image-to-3D,
    /// `depth/create-task` for a relief, `split/`, `segmentation/` or `muilticolor/create-task`
    /// for a mesh task.
    ///
    /// `seed` picks the multipart boundary; pass fresh randomness.
    ///
    /// # Errors
    /// [`RequestError::InvalidToken`] if the token cannot be a header value.
    pub fn create_task(
        &self,
        token: &AccessToken,
        task: &NewTask,
        seed: u64,
    ) -> Result<Request<Body>, RequestError> {
        let form = match task {
            NewTask::ImageTo3d(task) => return self.submit_task(token, task, seed),
            NewTask::Relief(task) => task.to_form(),
            NewTask::Mesh(task) => task.to_form(),
        };
        let endpoint = task.task_type().create_endpoint();
        let (boundary, body) = form.encode_with_seed(seed);
        let headers = [
            (AUTHORIZATION, bearer(token)?),
            (CONTENT_TYPE, form_content_type(&boundary)),
            (CONTENT_LENGTH, HeaderValue::from(body.len())),
        ];
        Ok(self.request(endpoint, None, headers, body))
    }

    /// `GET /open-api/v1/query-task?task_id=…`, or the query endpoint of the task's type when
    /// its id says it is another kind (`depth_…` is read at `/open-api/v1/depth/query-task`).
    ///
    /// # Errors
    /// [`RequestError::InvalidToken`] if the token cannot be a header value,
    /// [`RequestError::InvalidTaskId`] for an id no task can have (empty, spaces).
    pub fn query_task(
        &self,
        token: &AccessToken,
        task_id: &TaskId,
    ) -> Result<Request<Body>, RequestError> {
        let id = task_id.as_str();
        if id.is_empty() {
            return Err(RequestError::InvalidTaskId("is empty"));
        }
        if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(RequestError::InvalidTaskId(
                "has spaces or control characters",
            ));
        }
        // Each kind of task has its own query endpoint; the id's prefix says which.
        let endpoint = TaskType::of(task_id).query_endpoint();
        let query = Some(("task_id", task_id.as_str()));
        Ok(self.request(endpoint, query, read_headers(token)?, Body::empty()))
    }

    /// `GET /open-api/v1/balance`.
    ///
    /// # Errors
    /// [`RequestError::InvalidToken`] if the token cannot be a header value.
    pub fn balance(&self, token: &AccessToken) -> Result<Request<Body>, RequestError> {
        let headers = read_headers(token)?;
        Ok(self.request(Endpoint::Balance, None, headers, Body::empty()))
    }

    /// `GET /open-api/v1/upload/token`: storage credentials for one mesh upload.
    ///
    /// # Errors
    /// [`RequestError::InvalidToken`] if the token cannot be a header value.
    pub fn upload_token(&self, token: &AccessToken) -> Result<Request<Body>, RequestError> {
        let headers = read_headers(token)?;
        Ok(self.request(Endpoint::UploadToken, None, headers, Body::empty()))
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
            url: crate::wire::redact::link(url),
        };
        // Lenient in what we accept: a link with a raw space or other characters a URI may not
        // hold is sent in its percent-encoded form, as a browser would.
        let parsed = Url::parse(url).map_err(|_| invalid())?;
        if !crate::wire::base_url::is_absolute_http_url(parsed.as_str()) {
            return Err(invalid());
        }
        if Uri::try_from(parsed.as_str()).is_err() {
            return Err(invalid());
        }
        let mut request = with_url(Method::GET, parsed, Body::empty());
        let headers = request.headers_mut();
        headers.insert(USER_AGENT, self.0.user_agent.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
        Ok(request)
    }
}

/// A request to `url`, carrying the parsed `url` too (see [`RequestUrl`]).
fn with_url(method: Method, url: Url, body: Body) -> Request<Body> {
    // A `Url` is always a valid URI: the `url` crate percent-encodes what a URI may not hold.
    let uri = Uri::from_maybe_shared(Bytes::copy_from_slice(url.as_str().as_bytes()))
        .expect("a parsed URL is a valid URI");
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    request.extensions_mut().insert(RequestUrl::new(url));
    request
}

/// The headers of a read (query, balance): the token, and English messages, which the
/// vendor's own plugin asks for (without it some come in Chinese).
/// `multipart/form-data` with `boundary`.
fn form_content_type(boundary: &crate::Boundary) -> HeaderValue {
    HeaderValue::try_from(MultipartForm::content_type(boundary))
        .expect("a boundary holds only characters a header may carry")
}

fn read_headers(token: &AccessToken) -> Result<[(HeaderName, HeaderValue); 2], RequestError> {
    Ok([
        (AUTHORIZATION, bearer(token)?),
        (ACCEPT_LANGUAGE, HeaderValue::from_static("en-US")),
    ])
}

fn bearer(token: &AccessToken) -> Result<HeaderValue, RequestError> {
    const SCHEME: &[u8] = b"Bearer ";
    let secret = token.expose_secret().as_bytes();
    let mut value = Vec::with_capacity(SCHEME.len() + secret.len());
    value.extend_from_slice(SCHEME);
    value.extend_from_slice(secret);
    let mut value = HeaderValue::from_maybe_shared(Bytes::from(value))
        .map_err(|_| RequestError::InvalidToken)?;
    value.set_sensitive(true);
    Ok(value)
}
