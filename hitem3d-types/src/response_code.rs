//! The envelope's `code` field.

use std::fmt;

use crate::ApiErrorCode;

/// The `code` of a response envelope: success, or an [`ApiErrorCode`].
///
/// Accepted as a number or as a numeric string (the docs type it as String, their examples send
/// numbers); always written as a number.
///
/// ```
/// use hitem3d_types::{ApiErrorCode, ResponseCode};
///
/// let code: ResponseCode = serde_json::from_str("\"30010000\"").unwrap();
/// assert_eq!(code.error(), Some(ApiErrorCode::InsufficientBalance));
/// assert!(ResponseCode::SUCCESS.is_success());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResponseCode(i64);

impl ResponseCode {
    /// The documented success code, `200`.
    pub const SUCCESS: Self = Self(200);

    /// Wraps a raw code.
    #[must_use]
    pub fn new(code: i64) -> Self {
        Self(code)
    }

    /// The raw number.
    #[must_use]
    pub fn get(self) -> i64 {
        self.0
    }

    /// Whether the call succeeded: `200`, or `0`, which some clients also treat as success.
    #[must_use]
    pub fn is_success(self) -> bool {
        matches!(self.0, 0 | 200)
    }

    /// The error this code stands for, or `None` on success.
    #[must_use]
    pub fn error(self) -> Option<ApiErrorCode> {
        (!self.is_success()).then(|| ApiErrorCode::from_code(self.0))
    }
}

impl From<ApiErrorCode> for ResponseCode {
    fn from(code: ApiErrorCode) -> Self {
        Self(code.code())
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl serde::Serialize for ResponseCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ResponseCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::lenient::integer(deserializer).map(Self)
    }
}
