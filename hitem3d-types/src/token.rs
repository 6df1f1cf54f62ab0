//! The token endpoint's payload.

use serde::{Deserialize, Serialize};

use crate::AccessToken;

/// `data` of a successful get-token answer.
///
/// The token lasts 24 hours, but the answer has no expiry field: clients must assume one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenData {
    /// The bearer token for every other call.
    #[serde(rename = "accessToken")]
    pub access_token: AccessToken,
    /// Always `"Bearer"` in practice.
    #[serde(
        rename = "tokenType",
        default,
        deserialize_with = "crate::lenient::optional_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub token_type: Option<String>,
    /// A random value the docs describe as a security check.
    #[serde(
        default,
        deserialize_with = "crate::lenient::optional_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub nonce: Option<String>,
}
