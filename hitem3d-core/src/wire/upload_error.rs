//! The object storage's refusal of an upload, without anything that could leak the signature.

use http::StatusCode;

use crate::TransportFailure;

/// Why the object storage did not take a mesh.
///
/// S3-style error pages repeat the string that was signed and the signature; only the error's
/// `<Code>` is kept from them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// An HTTP error status, with the storage's error code when it sent one.
    #[error("the object storage refused the upload with HTTP {status}{}", code.as_deref().map(|code| format!(" ({code})")).unwrap_or_default())]
    Refused {
        /// The status.
        status: StatusCode,
        /// The storage's error code (`AccessDenied`, `SignatureDoesNotMatch`, …).
        code: Option<String>,
    },
    /// The upload did not get through after its retries.
    #[error("the upload failed: {0}")]
    Transport(TransportFailure),
}

impl UploadError {
    /// Whether trying again later may succeed: the storage was busy or out of reach.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Refused { status, .. } => status.is_server_error() || *status == 429,
            Self::Transport(failure) => !failure.is_refused(),
        }
    }

    /// The refusal in an answer from the storage: the status and the `<Code>` of its body.
    pub(crate) fn refused(status: StatusCode, body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        let code = text
            .split_once("<Code>")
            .and_then(|(_, rest)| rest.split_once("</Code>"))
            .map(|(code, _)| code.trim())
            .filter(|code| {
                !code.is_empty() && code.len() <= 64 && code.chars().all(char::is_alphanumeric)
            })
            .map(str::to_owned);
        Self::Refused { status, code }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_error_code_is_kept_from_a_storage_error_page() {
        let page = b"<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code>\
            <StringToSign>AWS4-HMAC-SHA256 secret stuff</StringToSign>\
            <SignatureProvided>abcdef0123</SignatureProvided></Error>";
        let error = UploadError::refused(StatusCode::FORBIDDEN, page);
        let text = error.to_string();
        assert_eq!(
            text,
            "the object storage refused the upload with HTTP 403 Forbidden (SignatureDoesNotMatch)"
        );
        assert!(!error.is_transient());
        let odd = UploadError::refused(StatusCode::BAD_GATEWAY, b"<Code>a b<script></Code>");
        assert_eq!(
            odd,
            UploadError::Refused {
                status: StatusCode::BAD_GATEWAY,
                code: None
            }
        );
        assert!(odd.is_transient());
    }
}
