//! One HTTP request to the simulated service: routed, its body read within the route's limit,
//! answered by the world. A body over the limit is refused from its declared length before it
//! is read, then drained in the background without being kept, so that the client, still
//! sending, gets the answer instead of a reset connection.

use std::borrow::Cow;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming as Body;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};

use crate::Route;
use crate::body_budget::{BodyBudget, BodyRead};
use crate::refusal::Refusal;
use crate::submit_form::MAX_FORM_BYTES;
use crate::world::{self, Incoming, World, storage};

/// The largest body read for routes that take none.
const MAX_OTHER_BODY: u64 = 64 * 1024;

/// The route a request is for, by method and path; a put to a bucket's own host (as the
/// vendor's `tos` SDK sends it) is the storage's.
pub(crate) fn route_of_request<B>(request: &Request<B>) -> Option<Route> {
    let host = request
        .headers()
        .get(hyper::header::HOST)
        .and_then(|host| host.to_str().ok());
    if request.method() == Method::PUT && host.and_then(storage::virtual_bucket).is_some() {
        return Some(Route::StoragePut);
    }
    route_of(request.method(), request.uri().path())
}

/// The route a request is for, by method and path.
pub(crate) fn route_of(method: &Method, path: &str) -> Option<Route> {
    if method == Method::GET && path.starts_with("/files/") {
        return Some(Route::Download);
    }
    if method == Method::PUT && path.starts_with(storage::STORAGE_PATH) {
        return Some(Route::StoragePut);
    }
    if method == Method::GET && path.starts_with(storage::PUBLIC_PATH) {
        return Some(Route::PublicGet);
    }
    Route::API
        .into_iter()
        .find(|(endpoint, _)| endpoint.method() == method.as_str() && endpoint.path() == path)
        .map(|(_, route)| route)
}

/// Answers `request` from `world`, reading its body within `budget`, each piece of it within
/// `idle` of the last.
pub(crate) async fn answer(
    world: Arc<Mutex<World>>,
    budget: Arc<BodyBudget>,
    idle: Duration,
    request: Request<Body>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let Some(route) = route_of_request(&request) else {
        return Ok(no_such_route(request.method(), request.uri().path()));
    };
    let limit = match route {
        route if route.creates_task() && route != Route::Submit && route != Route::CreateRelief => {
            storage::MAX_OBJECT_BYTES
        }
        Route::Submit | Route::CreateRelief => MAX_FORM_BYTES,
        Route::StoragePut => storage::MAX_OBJECT_BYTES,
        _ => MAX_OTHER_BODY,
    };
    let (head, body) = request.into_parts();
    let declared = head
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let read = if declared.is_some_and(|length| length > limit) {
        tokio::spawn(drain(body, idle));
        None
    } else {
        match budget.read(body, limit, idle).await {
            BodyRead::Whole(bytes, held) => Some((bytes, held)),
            BodyRead::TooLarge => None,
            BodyRead::OverBudget => {
                world::lock(&world)
                    .journal
                    .counters_mut()
                    .bodies_over_budget += 1;
                return Ok(over_budget(budget.held()));
            }
            BodyRead::Broken => return Ok(plain(StatusCode::BAD_REQUEST)),
        }
    };
    let headers = header_pairs(&head.headers);
    let incoming = Incoming {
        method: head.method.as_str(),
        path: head.uri.path(),
        query: head.uri.query(),
        headers,
        body: read
            .as_ref()
            .map(|(bytes, _)| bytes.as_ref())
            .unwrap_or_default(),
        body_too_large: read.is_none(),
    };
    let reply = world::lock(&world).handle(route, &incoming);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = Response::builder()
        .status(reply.status)
        .header(CONTENT_TYPE, reply.content_type);
    for (name, value) in reply.headers {
        response = response.header(name, value);
    }
    Ok(response
        .body(Full::new(Bytes::from(reply.body)))
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR)))
}

/// Headers as the world reads them: names, and values decoded lossily (borrowed unless a value
/// is not UTF-8).
pub(crate) fn header_pairs(headers: &hyper::HeaderMap) -> Vec<(&str, Cow<'_, str>)> {
    headers
        .iter()
        .map(|(name, value)| (name.as_str(), String::from_utf8_lossy(value.as_bytes())))
        .collect()
}

/// Reads and forgets a refused body, so that its sender sees the answer; a sender gone silent
/// for `idle` is left.
async fn drain(mut body: Body, idle: Duration) {
    while let Ok(Some(Ok(_))) = tokio::time::timeout(idle, body.frame()).await {}
}

/// The answer to a body that would take the bodies held at once past the server's cap: a busy
/// server's 503, with an envelope saying why, so that a client tries again later.
fn over_budget(held: u64) -> Response<Full<Bytes>> {
    let msg = format!(
        "the mock is busy: it holds {} MiB of request bodies, its limit (--max-bodies-mib); \
         try again when the others are done",
        held >> 20
    );
    envelope(StatusCode::SERVICE_UNAVAILABLE, 503, &msg)
}

/// An unknown route: HTTP 404 with an error envelope naming it, so that a client shows what went
/// wrong instead of an empty body.
fn no_such_route(method: &Method, path: &str) -> Response<Full<Bytes>> {
    let refusal = Refusal::NO_SUCH_ROUTE;
    let msg = format!("{}: {method} {path}", refusal.msg);
    envelope(StatusCode::NOT_FOUND, refusal.code, &msg)
}

/// An error envelope, as JSON, with an HTTP status of its own.
pub(crate) fn envelope(status: StatusCode, code: i64, msg: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "code": code, "data": {}, "msg": msg });
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

fn plain(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}
