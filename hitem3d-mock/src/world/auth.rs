//! Issuing bearer tokens for client credentials, and checking them on every call.

use std::time::Duration;

use base64::Engine as _;
use hitem3d_types::ApiErrorCode;
use serde_json::json;

use super::{Incoming, World, hex};
use crate::refusal::Refusal;
use crate::reply::Reply;

/// Issued tokens (and storage secrets) kept for tests that look for them in logs.
pub(super) const KEPT_ISSUED: usize = 1000;

impl World {
    pub(super) fn token(&mut self, request: &Incoming<'_>) -> Reply {
        let credentials = request
            .header("authorization")
            .and_then(|value| value.strip_prefix("Basic "))
            .and_then(|encoded| {
                base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .ok()
            })
            .and_then(|decoded| String::from_utf8(decoded).ok());
        let expected = format!("{}:{}", self.config.client_id, self.config.client_secret);
        if credentials.as_deref() != Some(expected.as_str()) {
            let refusal = Refusal::documented(&ApiErrorCode::InvalidClientCredentials);
            return Reply::refusal_with_key(refusal, self.config.quirks, "message");
        }
        let random = hex(&self.random.bytes("token"));
        let token = format!("mock*{}*{random}", self.counter);
        let (now, lifetime) = (self.now(), self.config.token_lifetime);
        let expired = |issued: &Duration| now.saturating_sub(*issued) >= lifetime;
        self.tokens.insert(token.clone(), now, expired);
        // Past the bound the oldest token is forgotten: its next call answers "login
        // expired", which a client meets anyway after a day.
        self.token_order.push_back(token.clone());
        while self.token_order.len() > self.config.retention.live_tokens {
            if let Some(oldest) = self.token_order.pop_front()
                && self
                    .tokens
                    .remove(&oldest)
                    .is_some_and(|issued| !expired(&issued))
            {
                self.journal.counters_mut().tokens_forgotten += 1;
            }
        }
        self.issued_tokens.push_back(token.clone());
        if self.issued_tokens.len() > KEPT_ISSUED {
            self.issued_tokens.pop_front();
        }
        let data = json!({"accessToken": token, "tokenType": "Bearer", "nonce": format!("{}hitem3d", self.counter)});
        Reply::success(data, self.config.quirks, "message")
    }

    pub(super) fn authorize(&mut self, request: &Incoming<'_>, now: Duration) -> Result<(), Reply> {
        let token = request
            .header("authorization")
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim);
        let lifetime = self.config.token_lifetime;
        let valid = token
            .and_then(|token| self.tokens.get(token))
            .is_some_and(|issued| now.saturating_sub(*issued) < lifetime);
        if valid {
            Ok(())
        } else {
            Err(Reply::login_expired(self.config.quirks))
        }
    }
}
