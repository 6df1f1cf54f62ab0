//! The bearer-token cache: when a token is good, and when to get another.

use std::fmt;
use std::time::Duration;

use hitem3d_types::{AccessToken, ClientId, ClientSecret, TokenData, limits};

use crate::{ApiRequests, Call, CallError, RetryPolicy, Timestamp};

/// How long tokens are trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenCachePolicy {
    /// How long the service keeps a token valid. The answer carries no expiry, so this is
    /// assumed: 24 h, as documented.
    pub lifetime: Duration,
    /// How long before the assumed expiry a new token is fetched, so that no call goes out
    /// with a token about to lapse.
    pub refresh_margin: Duration,
    /// Retries for the token request itself.
    pub retry: RetryPolicy,
}

impl Default for TokenCachePolicy {
    fn default() -> Self {
        Self {
            lifetime: limits::TOKEN_LIFETIME,
            refresh_margin: Duration::from_secs(60 * 60),
            retry: RetryPolicy::default(),
        }
    }
}

impl TokenCachePolicy {
    /// The same policy with another assumed lifetime and margin.
    #[must_use]
    pub fn with_lifetime(self, lifetime: Duration, refresh_margin: Duration) -> Self {
        Self {
            lifetime,
            refresh_margin,
            ..self
        }
    }
}

/// The cache's answer to "which token?".
#[derive(Debug)]
#[must_use]
pub enum TokenNeed {
    /// Use this token.
    Valid(AccessToken),
    /// Run this call, then give its result to [`TokenCache::store`].
    Fetch(Box<Call<TokenData>>),
}

#[derive(Clone)]
struct Cached {
    token: AccessToken,
    refresh_at: Timestamp,
}

/// Keeps the bearer token and says when to fetch a new one.
///
/// It trusts a token for the assumed lifetime minus a margin, measured from when its request
/// was handed out. A token the service refuses (`code 401` in an HTTP 200, or HTTP 401) is
/// dropped with [`TokenCache::invalidate`], so the next call fetches a fresh one; the
/// [`Call`] that saw the refusal replays once. A fetch refused as bad credentials (`40010000`)
/// ends with an error and is never repeated by the cache itself.
///
/// ```
/// use std::time::Duration;
/// use hitem3d_core::machines::{TokenCache, TokenNeed};
/// use hitem3d_core::{ApiRequests, BaseUrl, TokenCachePolicy, Timestamp};
/// use hitem3d_core::types::{AccessToken, ClientId, ClientSecret, TokenData};
///
/// let api = ApiRequests::new(BaseUrl::production());
/// let mut cache = TokenCache::new(
///     &api,
///     ClientId::new("ak_1"),
///     ClientSecret::new("sk_1"),
///     TokenCachePolicy::default(),
/// );
/// let start = Timestamp::ZERO;
/// assert!(matches!(cache.token_or_request(start, 1), TokenNeed::Fetch(_)));
///
/// let data: TokenData = serde_json::from_str(r#"{"accessToken":"t0k3n"}"#).unwrap();
/// cache.store(data, start);
/// assert!(matches!(cache.token_or_request(start + Duration::from_secs(3600), 2), TokenNeed::Valid(_)));
/// // 23 h later (24 h lifetime − 1 h margin) a new token is fetched.
/// let later = start + Duration::from_secs(23 * 3600);
/// assert!(matches!(cache.token_or_request(later, 3), TokenNeed::Fetch(_)));
/// ```
pub struct TokenCache {
    requests: ApiRequests,
    client_id: ClientId,
    client_secret: ClientSecret,
    policy: TokenCachePolicy,
    cached: Option<Cached>,
    fetch_started: Option<Timestamp>,
    /// The token endpoint refused these credentials: they will not change, so nothing more is
    /// sent with them.
    refused: Option<CallError>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("client_id", &self.client_id)
            .field("policy", &self.policy)
            .field("has_token", &self.cached.is_some())
            .field("refresh_at", &self.refresh_at())
            .field("refused", &self.refused.is_some())
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// An empty cache for these credentials.
    #[must_use]
    pub fn new(
        requests: &ApiRequests,
        client_id: ClientId,
        client_secret: ClientSecret,
        policy: TokenCachePolicy,
    ) -> Self {
        Self {
            requests: requests.clone(),
            client_id,
            client_secret,
            policy,
            cached: None,
            fetch_started: None,
            refused: None,
        }
    }

    /// The client id the cache fetches tokens for.
    #[must_use]
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// A token that is good at `now`, or the call that fetches one. `seed` feeds the call's
    /// retry jitter.
    pub fn token_or_request(&mut self, now: Timestamp, seed: u64) -> TokenNeed {
        if let Some(cached) = &self.cached
            && now < cached.refresh_at
        {
            return TokenNeed::Valid(cached.token.clone());
        }
        self.fetch_started = Some(now);
        TokenNeed::Fetch(Box::new(Call::get_token(
            &self.requests,
            &self.client_id,
            &self.client_secret,
            self.policy.retry,
            seed,
        )))
    }

    /// Keeps a fetched token and returns it. Its lifetime counts from when the fetch was handed
    /// out (or `now`, whichever is earlier), since the service started the clock on receipt.
    pub fn store(&mut self, data: TokenData, now: Timestamp) -> AccessToken {
        let issued = self
            .fetch_started
            .take()
            .map_or(now, |started| started.min(now));
        let trusted_for = self
            .policy
            .lifetime
            .saturating_sub(self.policy.refresh_margin);
        let token = data.access_token;
        self.cached = Some(Cached {
            token: token.clone(),
            refresh_at: issued + trusted_for,
        });
        token
    }

    /// Drops `stale` if it is still the cached token; a token another caller already replaced
    /// stays. Returns whether something was dropped.
    pub fn invalidate(&mut self, stale: &AccessToken) -> bool {
        let is_cached = self
            .cached
            .as_ref()
            .is_some_and(|cached| cached.token.expose_secret() == stale.expose_secret());
        if is_cached {
            self.cached = None;
        }
        is_cached
    }

    /// Keeps a fetch's error if it says the credentials were refused: a client's id and secret
    /// do not change, so every later call would be refused the same way, and each refused
    /// request is one more failed login on the account. Returns whether it was kept.
    pub fn note_fetch_error(&mut self, error: &CallError) -> bool {
        let refused = error.is_auth();
        if refused && self.refused.is_none() {
            self.refused = Some(error.clone());
        }
        refused
    }

    /// The refusal of these credentials, once the token endpoint answered one: the error every
    /// call ends with from then on, without sending anything.
    #[must_use]
    pub fn refusal(&self) -> Option<&CallError> {
        self.refused.as_ref()
    }

    /// Drops any cached token.
    pub fn clear(&mut self) {
        self.cached = None;
    }

    /// When the cached token will be replaced, if there is one.
    #[must_use]
    pub fn refresh_at(&self) -> Option<Timestamp> {
        self.cached.as_ref().map(|cached| cached.refresh_at)
    }
}
