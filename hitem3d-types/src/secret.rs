//! Credentials and tokens, which never show up in logs.

use std::fmt;

use serde::{Deserialize, Serialize};

const REDACTED: &str = "<redacted>";

/// How many leading characters of a client id are shown: enough to tell keys apart
/// (`ak_1a2b…`), too few to matter.
const CLIENT_ID_SHOWN: usize = 7;

/// The API key's public half (`client_id`, "AK", usually `ak_` + 32 hex).
///
/// Not a secret, but `Debug` and `Display` show only its first characters, so logs can tell
/// accounts apart without recording full keys.
#[derive(Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(transparent)]
pub struct ClientId(String);

impl ClientId {
    /// Wraps a client id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The full id, for building the Basic credentials.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn shown(&self) -> String {
        let prefix: String = self.0.chars().take(CLIENT_ID_SHOWN).collect();
        if prefix.len() < self.0.len() {
            format!("{prefix}…")
        } else {
            prefix
        }
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientId").field(&self.shown()).finish()
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

/// The API key's secret half (`client_secret`, "SK"). Never printed.
///
/// It has no `PartialEq` and no `Serialize`, so it cannot be compared in variable time or
/// written out by accident.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// Wraps a client secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself. Call this only to build the request that needs it.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientSecret").field(&REDACTED).finish()
    }
}

impl fmt::Display for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// A bearer token from the token endpoint. Never printed.
///
/// It serializes to its plain value, because the token response carries it (a mock service
/// must be able to send one); keep it out of anything else you serialize.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token itself. Call this only to build the `Authorization` header.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AccessToken").field(&REDACTED).finish()
    }
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}
