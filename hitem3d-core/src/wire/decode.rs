//! Decoding responses into typed results.
//!
//! Every decoder branches on the body's `code`, not on the HTTP status: the service answers most
//! errors with HTTP 200. It reads `code` as a number or a string, the message from `msg` or
//! `message`, ignores unknown fields, and treats `data: {}` as no data. Bodies that are not the
//! API's JSON (a gateway's HTML 502 page, a proxy's 429) fall back on the HTTP status, keeping a
//! short excerpt with credentials redacted. A malformed field is reported with its path.
//!
//! ```
//! use hitem3d_core::decode;
//! use hitem3d_core::types::TaskState;
//!
//! let body = r#"{"code":"200","msg":"success","data":{"task_id":"t-1","state":"queueing","extra":1}}"#;
//! let task = decode::query_task(&http::Response::new(body))?;
//! assert_eq!(task.state, TaskState::Queueing);
//!
//! let gateway = http::Response::builder().status(502).body("<html>Bad Gateway</html>")?;
//! let error = decode::query_task(&gateway).unwrap_err();
//! assert!(error.is_transient());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod api_error;
mod decode_error;

use std::time::Duration;

use hitem3d_types::{
    AccessToken, ApiErrorCode, BalanceData, Envelope, ResponseCode, SubmitTaskData, TaskData,
    TaskId, TokenData, UploadCredentials,
};
use http::header::RETRY_AFTER;
use http::{HeaderMap, Response, StatusCode};
use serde::de::DeserializeOwned;

pub use api_error::ApiError;
pub use decode_error::DecodeError;

use crate::wire::redact;

/// The largest response body the decoders read: 1 MiB, far above any documented answer.
/// Drivers stop reading a body after this many bytes (plus one, to detect the excess).
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// How much of an API answer a front-end reads: one byte past [`MAX_RESPONSE_BYTES`] is enough
/// for the decoders to refuse the answer as too large, and an endless body stops there.
pub const ANSWER_READ_LIMIT: usize = MAX_RESPONSE_BYTES + 1;

/// Room to reserve for an API answer before reading it: its declared length, up to
/// [`ANSWER_READ_LIMIT`] (a lying header costs at most that), so that a typical answer is read
/// into one allocation; a small start when no length is declared.
///
/// ```
/// use hitem3d_core::{ANSWER_READ_LIMIT, decode::answer_capacity};
/// use hitem3d_core::http::HeaderMap;
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(answer_capacity(&headers), 256);
/// headers.insert("content-length", "120".parse().unwrap());
/// assert_eq!(answer_capacity(&headers), 120);
/// headers.insert("content-length", "99999999999".parse().unwrap());
/// assert_eq!(answer_capacity(&headers), ANSWER_READ_LIMIT);
/// ```
#[must_use]
pub fn answer_capacity(headers: &HeaderMap) -> usize {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok())
        .map_or(256, |length| {
            usize::try_from(length)
                .map_or(ANSWER_READ_LIMIT, |length| length.min(ANSWER_READ_LIMIT))
        })
}

/// The longest `Retry-After` honoured; a longer one is treated as this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// Decodes `POST /auth/token`.
///
/// # Errors
/// [`ApiError`] for an error answer (`40010000` for bad credentials) or an unreadable body.
pub fn token<B: AsRef<[u8]>>(response: &Response<B>) -> Result<TokenData, ApiError> {
    let mut data: TokenData = envelope(response)?;
    let refuse = |reason: &str| -> ApiError {
        DecodeError::Field {
            status: response.status(),
            path: "data.accessToken".to_owned(),
            reason: reason.to_owned(),
        }
        .into()
    };
    // Lenient in what we accept: white space around the token (a trailing newline has been
    // seen) is not part of it. Anything a header cannot carry is refused here, before the
    // token is cached and every call fails with it.
    let raw = data.access_token.expose_secret();
    let token = raw.trim();
    if token.is_empty() {
        return Err(refuse("the token is empty"));
    }
    if !token.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err(refuse(
            "the token has characters an Authorization header cannot carry",
        ));
    }
    if token.len() != raw.len() {
        data.access_token = AccessToken::new(token);
    }
    Ok(data)
}

/// Decodes `POST /submit-task`.
///
/// # Errors
/// [`ApiError`] for an error answer (e.g. `30010000`, `10031003`) or an unreadable body.
pub fn submit_task<B: AsRef<[u8]>>(response: &Response<B>) -> Result<SubmitTaskData, ApiError> {
    let data: SubmitTaskData = envelope(response)?;
    if data.task_id.as_str().trim().is_empty() {
        return Err(DecodeError::Field {
            status: response.status(),
            path: "data.task_id".to_owned(),
            reason: "the task id is empty".to_owned(),
        }
        .into());
    }
    Ok(data)
}

/// Decodes `GET /query-task`. A task that failed may come as `state: "failed"` (a success
/// answer) or as a top-level `50010001` error; the [`TaskWaiter`](crate::TaskWaiter) treats
/// both as the task's failure.
///
/// # Errors
/// [`ApiError`] for an error answer or an unreadable body.
pub fn query_task<B: AsRef<[u8]>>(response: &Response<B>) -> Result<TaskData, ApiError> {
    envelope(response)
}

/// Decodes `GET /query-task` asked about `task_id`: an answer about another task (a proxy's or
/// the service's mix-up) is refused, so that another task's files are never taken for this
/// one's.
///
/// ```
/// use hitem3d_core::{ApiError, decode};
/// use hitem3d_core::types::TaskId;
///
/// let other = http::Response::new(r#"{"code":200,"data":{"task_id":"t-2","state":"queueing"}}"#);
/// let error = decode::query_task_for(&other, &TaskId::new("t-1")).unwrap_err();
/// assert!(matches!(error, ApiError::Decode(_)));
/// ```
///
/// # Errors
/// As [`query_task`], and [`DecodeError::Field`] for an answer naming another task.
pub fn query_task_for<B: AsRef<[u8]>>(
    response: &Response<B>,
    task_id: &TaskId,
) -> Result<TaskData, ApiError> {
    let data = query_task(response)?;
    if data.task_id != *task_id {
        return Err(DecodeError::Field {
            status: response.status(),
            path: "data.task_id".to_owned(),
            reason: format!("the answer is about task {}, not {task_id}", data.task_id),
        }
        .into());
    }
    Ok(data)
}

/// Decodes `GET /upload/token`.
///
/// # Errors
/// [`ApiError`] for an error answer or an unreadable body.
pub fn upload_token<B: AsRef<[u8]>>(response: &Response<B>) -> Result<UploadCredentials, ApiError> {
    envelope(response)
}

/// Decodes `GET /balance`.
///
/// # Errors
/// [`ApiError`] for an error answer, an unreadable body, or one with no balance in it.
pub fn balance<B: AsRef<[u8]>>(response: &Response<B>) -> Result<BalanceData, ApiError> {
    let data: BalanceData = envelope(response)?;
    if data.total().is_none() {
        return Err(DecodeError::Field {
            status: response.status(),
            path: "data.totalBalance".to_owned(),
            reason: "missing (neither totalBalance nor balance is present)".to_owned(),
        }
        .into());
    }
    Ok(data)
}

/// Decodes any `{code, data, msg}` answer into its `data`.
///
/// # Errors
/// [`ApiError::Service`] for a non-success `code`, [`ApiError::Http`] for an HTTP error without
/// an envelope, [`ApiError::Decode`] for anything unreadable.
pub fn envelope<T: DeserializeOwned, B: AsRef<[u8]>>(
    response: &Response<B>,
) -> Result<T, ApiError> {
    decode_envelope(
        response.status(),
        response.headers(),
        response.body().as_ref(),
    )
}

fn decode_envelope<T: DeserializeOwned>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, ApiError> {
    let http_error = || ApiError::Http {
        status,
        snippet: redact::snippet(body),
        retry_after: retry_after(headers),
    };
    if body.len() > MAX_RESPONSE_BYTES {
        if !status.is_success() {
            return Err(http_error());
        }
        return Err(DecodeError::TooLarge {
            status,
            len: body.len(),
            limit: MAX_RESPONSE_BYTES,
        }
        .into());
    }
    let json = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    // The common case, a success with usable data, in one pass straight into `T`. Anything
    // else is read again below, slowly, for an error that names the field at fault. The text
    // is checked as UTF-8 once, whole, rather than string by string as `from_slice` does.
    if let Ok(text) = std::str::from_utf8(json)
        && let Ok(Success {
            code,
            data: Some(data),
        }) = serde_json::from_str::<Success<T>>(text)
        && code.error().is_none()
    {
        return Ok(data);
    }
    let parsed: Result<Envelope<serde_json::Value>, _> =
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(json));
    let envelope = match parsed {
        Ok(envelope) => envelope,
        Err(_) if !status.is_success() => return Err(http_error()),
        Err(error) => {
            return Err(DecodeError::NotEnvelope {
                status,
                reason: describe(&error),
                snippet: redact::snippet(body),
            }
            .into());
        }
    };
    if let Some(code) = envelope.code.error() {
        let message = envelope
            .message()
            .map(redact::redact_secrets)
            .or_else(|| code.documented_message().map(str::to_owned))
            .unwrap_or_default();
        return Err(ApiError::Service {
            code,
            message,
            status,
        });
    }
    let Some(data) = envelope.data else {
        return Err(DecodeError::MissingData { status }.into());
    };
    serde_path_to_error::deserialize(data).map_err(|error| {
        let path = error.path().to_string();
        DecodeError::Field {
            status,
            path: if path == "." {
                "data".to_owned()
            } else {
                format!("data.{path}")
            },
            reason: error.inner().to_string(),
        }
        .into()
    })
}

/// A success answer's shape, read straight into `T`. [`Envelope`]'s lenient `data` (which
/// reads `{}` as none) keeps the text aside and parses it a second time; the fast path needs
/// neither, since an error's `{}` fails here and is read again by the slow path.
#[derive(serde::Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Success<T> {
    code: ResponseCode,
    data: Option<T>,
}

fn describe<E: std::fmt::Display>(error: &serde_path_to_error::Error<E>) -> String {
    let path = error.path().to_string();
    if path == "." {
        error.inner().to_string()
    } else {
        format!("at `{path}`: {}", error.inner())
    }
}

/// `Retry-After` in seconds; the HTTP-date form is not used by this service and is ignored.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

/// The typed code a `50010001`-style top-level failure carries, if `error` is one.
pub(crate) fn generation_failure(error: &ApiError) -> Option<&ApiErrorCode> {
    error
        .code()
        .filter(|code| code.class() == hitem3d_types::ErrorClass::GenerationFailed)
}
