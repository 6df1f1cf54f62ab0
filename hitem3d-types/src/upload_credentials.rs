//! The upload-token endpoint's payload: temporary object-storage credentials.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret half of the storage credentials. Never printed.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StorageSecret(String);

impl StorageSecret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself. Call this only to sign the upload.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for StorageSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StorageSecret(\"<redacted>\")")
    }
}

/// `data` of `GET /upload/token`: short-lived credentials for one upload (Volcengine STS).
///
/// ```
/// use hitem3d_types::UploadCredentials;
///
/// let data: UploadCredentials = serde_json::from_str(
///     r#"{"accessKeyId":"AKTP1","secretAccessKey":"s3cr3t","sessionKey":"t0k3n"}"#,
/// ).unwrap();
/// assert_eq!(data.access_key_id, "AKTP1");
/// assert!(!format!("{data:?}").contains("s3cr3t"));
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadCredentials {
    /// The temporary access key id.
    #[serde(rename = "accessKeyId")]
    pub access_key_id: String,
    /// Its secret.
    #[serde(rename = "secretAccessKey")]
    pub secret_access_key: StorageSecret,
    /// The STS session token that must accompany them.
    #[serde(rename = "sessionKey", alias = "sessionToken", alias = "securityToken")]
    pub session_key: StorageSecret,
    /// The storage these credentials are for, when the answer names it: `hitem3d-mock` does,
    /// so that uploads reach its own storage; the service names none (its storage is the
    /// spec's `[upload]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<AnnouncedStorage>,
}

/// A storage named in an upload-token answer, on the API's own host: paths, never another
/// host, so that an answer cannot send a mesh anywhere the caller did not point the client.
///
/// ```
/// use hitem3d_types::UploadCredentials;
///
/// let data: UploadCredentials = serde_json::from_str(
///     r#"{"accessKeyId":"AK","secretAccessKey":"s","sessionKey":"t","storage":
///        {"endpointPath":"/storage/","region":"r","bucket":"b","publicPath":"/public/"}}"#,
/// ).unwrap();
/// assert_eq!(data.storage.unwrap().bucket, "b");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncedStorage {
    /// The storage endpoint's path on the API's host.
    #[serde(rename = "endpointPath")]
    pub endpoint_path: String,
    /// The storage's region.
    pub region: String,
    /// The bucket.
    pub bucket: String,
    /// The path on the API's host under which uploaded keys are public.
    #[serde(rename = "publicPath")]
    pub public_path: String,
}
