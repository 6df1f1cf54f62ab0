//! The `{code, data, msg}` wrapper around every response body.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::ResponseCode;

/// A response body: `{"code": 200, "data": {...}, "msg": "success"}`.
///
/// Read leniently, as the service and its docs vary:
/// - `code` may be a number or a numeric string;
/// - the text is under `msg` on most endpoints and `message` on the token endpoint (both are
///   kept; [`Envelope::message`] reads either);
/// - `data` is `{}` on errors, which reads as `None`;
/// - unknown fields are ignored.
///
/// Written exactly: only the message field that is set is written.
///
/// ```
/// use hitem3d_types::{ApiErrorCode, Envelope, TaskData};
///
/// let body = r#"{"code":50010001,"data":{},"msg":"generate failed"}"#;
/// let envelope: Envelope<TaskData> = serde_json::from_str(body).unwrap();
/// assert_eq!(envelope.code.error(), Some(ApiErrorCode::GenerateFailed));
/// assert_eq!(envelope.message(), Some("generate failed"));
/// assert!(envelope.data.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned", serialize = "T: Serialize"))]
pub struct Envelope<T> {
    /// Success (`200`) or an error code.
    pub code: ResponseCode,
    /// The payload; `None` when absent, `null` or `{}`.
    #[serde(
        default = "none",
        deserialize_with = "crate::lenient::optional_data",
        skip_serializing_if = "Option::is_none"
    )]
    pub data: Option<T>,
    /// The text under `msg`, as most endpoints send it.
    #[serde(
        default,
        deserialize_with = "crate::lenient::optional_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub msg: Option<String>,
    /// The text under `message`, as the token endpoint sends it.
    #[serde(
        default,
        deserialize_with = "crate::lenient::optional_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub message: Option<String>,
}

fn none<T>() -> Option<T> {
    None
}

impl<T> Envelope<T> {
    /// A success envelope with the `msg` key, as query-task, submit-task and balance send it.
    pub fn success(data: T) -> Self {
        Self {
            code: ResponseCode::SUCCESS,
            data: Some(data),
            msg: Some("success".to_owned()),
            message: None,
        }
    }

    /// An error envelope with `data: {}` omitted and the `msg` key.
    pub fn error(code: impl Into<ResponseCode>, msg: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            data: None,
            msg: Some(msg.into()),
            message: None,
        }
    }

    /// The text, from `msg` or else `message`.
    #[must_use]
    pub fn message(&self) -> Option<&str> {
        self.msg.as_deref().or(self.message.as_deref())
    }
}
