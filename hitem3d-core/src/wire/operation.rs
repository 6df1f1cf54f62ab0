//! The calls the SDK makes, and the facts the retry rules need about each.

use std::fmt;

use hitem3d_types::Endpoint;

/// One kind of call to the service (or its CDN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `POST /auth/token`.
    GetToken,
    /// `POST /submit-task`: creates a task and may charge credits.
    SubmitTask,
    /// `GET /query-task`.
    QueryTask,
    /// `GET /balance`.
    Balance,
    /// `GET` of a result file on the CDN.
    Download,
    /// `GET /upload/token`: storage credentials for a mesh upload.
    UploadToken,
    /// `PUT` of a mesh into the object storage.
    UploadMesh,
}

impl Operation {
    /// The API endpoint; `None` for downloads, which go to the CDN.
    #[must_use]
    pub fn endpoint(self) -> Option<Endpoint> {
        match self {
            Self::GetToken => Some(Endpoint::GetToken),
            Self::SubmitTask => Some(Endpoint::SubmitTask),
            Self::QueryTask => Some(Endpoint::QueryTask),
            Self::Balance => Some(Endpoint::Balance),
            Self::UploadToken => Some(Endpoint::UploadToken),
            Self::Download | Self::UploadMesh => None,
        }
    }

    /// Whether sending it twice has the effect of sending it once. Only these are ever replayed
    /// after their bytes may have reached the server. Getting a token is treated as idempotent:
    /// a second token costs nothing.
    #[must_use]
    pub fn is_idempotent(self) -> bool {
        match self {
            // A mesh goes to a fresh key each time: putting it twice overwrites the same object.
            Self::GetToken | Self::Download | Self::UploadMesh => true,
            other => other.endpoint().is_some_and(Endpoint::is_idempotent),
        }
    }

    /// Whether it carries the bearer token.
    #[must_use]
    pub fn needs_token(self) -> bool {
        matches!(
            self,
            Self::SubmitTask | Self::QueryTask | Self::Balance | Self::UploadToken
        )
    }

    /// A short name for messages and logs.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GetToken => "get-token",
            Self::SubmitTask => "submit-task",
            Self::QueryTask => "query-task",
            Self::Balance => "balance",
            Self::Download => "download",
            Self::UploadToken => "upload-token",
            Self::UploadMesh => "upload-mesh",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_submit_is_not_idempotent() {
        let all = [
            Operation::GetToken,
            Operation::SubmitTask,
            Operation::QueryTask,
            Operation::Balance,
            Operation::Download,
            Operation::UploadToken,
            Operation::UploadMesh,
        ];
        let not_idempotent: Vec<_> = all.into_iter().filter(|op| !op.is_idempotent()).collect();
        assert_eq!(not_idempotent, [Operation::SubmitTask]);
    }
}
