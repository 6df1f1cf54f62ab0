//! Everything a client needs to know before its first request, shared by both front-ends.

use std::sync::Arc;
use std::time::Duration;

use hitem3d_types::{ClientId, ClientSecret, limits};

use crate::journal::{AsyncTaskJournal, JournalStore, LearntDuration, TaskJournal};
use crate::{
    ApiRequests, BaseUrl, BaseUrlError, DownloadPolicy, RequestError, RetryPolicy, TaskKind,
    TokenCachePolicy, UploadTarget, WaitPolicy,
};

/// Environment variables read by [`ClientConfig::from_lookup`], first name first.
pub const CLIENT_ID_VARS: [&str; 2] = ["HITEM3D_CLIENT_ID", "HITEM3D_AK"];
/// Environment variables holding the client secret, first name first.
pub const CLIENT_SECRET_VARS: [&str; 2] = ["HITEM3D_CLIENT_SECRET", "HITEM3D_SK"];
/// Environment variable overriding the base URL (for a proxy or `hitem3d-mock`).
pub const BASE_URL_VAR: &str = "HITEM3D_BASE_URL";

/// The account limit on unfinished tasks, and so the default number of task slots.
pub const DEFAULT_TASK_SLOTS: usize = limits::DEFAULT_CONCURRENT_TASKS;

/// Credentials, endpoint, timeouts and policies of a client. Build one with
/// [`ClientConfig::new`] or [`ClientConfig::from_lookup`] and adjust it with the `with_*`
/// methods; both `hitem3d-async` and `hitem3d-blocking` take it as it is.
///
/// ```
/// use std::time::Duration;
/// use hitem3d_core::ClientConfig;
///
/// let env = |name: &str| match name {
///     "HITEM3D_AK" => Some("ak_123".to_owned()),
///     "HITEM3D_SK" => Some("sk_456".to_owned()),
///     _ => None,
/// };
/// let config = ClientConfig::from_lookup(env)?
///     .with_request_timeout(Duration::from_secs(30))
///     .with_task_slots(4)?;
/// assert_eq!(config.client_id.as_str(), "ak_123");
/// assert_eq!(config.base_url.as_str(), "https://api.hitem3d.ai/");
/// # Ok::<(), hitem3d_core::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The API client id (`ak_…`).
    pub client_id: ClientId,
    /// The API client secret; never printed.
    pub client_secret: ClientSecret,
    /// Where the API lives.
    pub base_url: BaseUrl,
    /// `User-Agent` sent with API calls; `None` sends [`crate::DEFAULT_USER_AGENT`].
    pub user_agent: Option<String>,
    /// Whether API requests carry their parsed URL as a [`crate::RequestUrl`], for a transport
    /// built on the `url` crate ([`ClientConfig::with_request_urls`]).
    pub request_urls: bool,
    /// Limit for opening a connection. A connect that fails is known not to have sent
    /// anything, so even submit-task is retried after it.
    pub connect_timeout: Duration,
    /// Limit for one API call, answer body included.
    pub request_timeout: Duration,
    /// Limit for a download to go without receiving a byte. Downloads have no overall limit:
    /// a large file on a slow line may take long and still be fine.
    pub download_idle_timeout: Duration,
    /// Retries of API calls.
    pub retry: RetryPolicy,
    /// How to wait for tasks.
    pub wait: WaitPolicy,
    /// Retries and re-queries of downloads.
    pub download: DownloadPolicy,
    /// Token lifetime and the retries of token requests.
    pub token: TokenCachePolicy,
    /// How many tasks this client keeps unfinished at once; further submits wait for a slot.
    pub task_slots: usize,
    /// Typical durations set for kinds of task, in place of the spec's published figures,
    /// until the client has learnt its own ([`ClientConfig::with_expected_duration`]).
    pub expected_durations: Vec<(TaskKind, Duration)>,
    /// Durations seen by earlier processes, which waits start from
    /// ([`ClientConfig::with_learnt_durations`]).
    pub learnt_durations: Vec<LearntDuration>,
    /// Where meshes are uploaded for `mesh_url` ([`ClientConfig::with_upload_target`]).
    pub upload: UploadTarget,
    /// Where every submitted task is recorded ([`ClientConfig::with_journal`]).
    pub journal: Option<JournalStore>,
    /// How long a journal write after a submit is retried before the operation reports the
    /// task as [`crate::journal::Unrecorded`] ([`ClientConfig::with_journal_retry`]).
    pub journal_retry: Duration,
    /// Whether the account's limit on unfinished tasks is kept by the journal's store for a
    /// whole fleet ([`ClientConfig::with_shared_task_limit`]) rather than learnt by this client.
    pub task_limit_shared: bool,
}

/// How long a journal write after a submit is retried by default: longer than a SQLite store
/// waits for another process's lock, so that one slow writer elsewhere loses no task.
pub const DEFAULT_JOURNAL_RETRY: Duration = Duration::from_secs(60);

impl ClientConfig {
    /// A configuration for the production service with default timeouts and policies.
    #[must_use]
    pub fn new(client_id: ClientId, client_secret: ClientSecret) -> Self {
        Self {
            client_id,
            client_secret,
            base_url: BaseUrl::production(),
            user_agent: None,
            request_urls: false,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            download_idle_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            wait: WaitPolicy::default(),
            download: DownloadPolicy::default(),
            token: TokenCachePolicy::default(),
            task_slots: DEFAULT_TASK_SLOTS,
            expected_durations: Vec::new(),
            learnt_durations: Vec::new(),
            upload: UploadTarget::default(),
            journal: None,
            journal_retry: DEFAULT_JOURNAL_RETRY,
            task_limit_shared: false,
        }
    }

    /// Reads credentials and the base URL through `lookup` (the clients' `from_env` passes
    /// the process environment; tests pass a map): [`CLIENT_ID_VARS`],
    /// [`CLIENT_SECRET_VARS`] and, optionally, [`BASE_URL_VAR`].
    ///
    /// # Errors
    /// [`ConfigError::MissingCredentials`] when neither the id nor the secret is set,
    /// [`ConfigError::HalfCredentials`] when only one of them is, and
    /// [`ConfigError::BaseUrl`] when the base URL cannot be used.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let first = |names: [&'static str; 2]| {
            names
                .iter()
                .find_map(|name| lookup(name).filter(|value| !value.trim().is_empty()))
                .map(|value| value.trim().to_owned())
        };
        let (id, secret) = match (first(CLIENT_ID_VARS), first(CLIENT_SECRET_VARS)) {
            (Some(id), Some(secret)) => (id, secret),
            (None, None) => return Err(ConfigError::MissingCredentials),
            // One half alone is a mistake to report, not a reason to fall back to anything.
            (id, _) => {
                let names = if id.is_some() {
                    CLIENT_ID_VARS
                } else {
                    CLIENT_SECRET_VARS
                };
                let set = names
                    .iter()
                    .filter(|name| lookup(name).is_some_and(|value| !value.trim().is_empty()))
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(ConfigError::HalfCredentials { set });
            }
        };
        let config = Self::new(ClientId::new(id), ClientSecret::new(secret));
        match lookup(BASE_URL_VAR).filter(|value| !value.trim().is_empty()) {
            Some(url) => config.with_base_url(url.trim()),
            None => Ok(config),
        }
    }

    /// Talks to `url` instead of production: `https://…`, or `http://` on a loopback address
    /// (`hitem3d-mock`).
    ///
    /// # Errors
    /// [`ConfigError::BaseUrl`] when the URL is not absolute, has a query, or is plain http to
    /// a remote host.
    pub fn with_base_url(mut self, url: &str) -> Result<Self, ConfigError> {
        self.base_url = BaseUrl::parse(url).map_err(|source| ConfigError::BaseUrl {
            value: url.to_owned(),
            source,
        })?;
        Ok(self)
    }

    /// Records every task this client submits in `journal` before the submit goes out, then
    /// its id, states and saved files, so that a crash loses no paid task; `generate` with a
    /// [`crate::GenerateOptions::with_journal_key`] resumes a task the journal holds instead
    /// of paying for it again. See [`crate::journal`].
    #[must_use]
    pub fn with_journal(mut self, journal: Arc<dyn TaskJournal>) -> Self {
        self.journal = Some(JournalStore::Blocking(journal));
        self
    }

    /// [`ClientConfig::with_journal`] with a store that answers asynchronously (a database
    /// across the network), which the async client awaits on its runtime. The blocking client
    /// has no runtime to await it on and refuses it ([`ConfigError::AsyncJournal`]).
    #[must_use]
    pub fn with_async_journal(mut self, journal: Arc<dyn AsyncTaskJournal>) -> Self {
        self.journal = Some(JournalStore::Async(journal));
        self
    }

    /// Starts from the durations earlier processes saw (oldest first, as
    /// [`crate::journal::TaskJournal::learnt_durations`] returns them), so that the first waits
    /// of this process poll when tasks of their kind usually finish instead of on the spec's
    /// figure. The client adds what it sees to its journal as it goes.
    #[must_use]
    pub fn with_learnt_durations(mut self, learnt: Vec<LearntDuration>) -> Self {
        self.learnt_durations = learnt;
        self
    }

    /// Retries a journal write that fails after a submit for `retry` (pauses growing from a
    /// quarter second to five), and tries it once more at the operation's end, before the
    /// operation ends with [`crate::journal::Unrecorded`]; the task goes on meanwhile.
    #[must_use]
    pub fn with_journal_retry(mut self, retry: Duration) -> Self {
        self.journal_retry = retry;
        self
    }

    /// Uploads meshes to `target` instead of the vendor's bucket (`hitem3d-mock` serves one).
    #[must_use]
    pub fn with_upload_target(mut self, target: UploadTarget) -> Self {
        self.upload = target;
        self
    }

    /// Uses an already checked base URL.
    #[must_use]
    pub fn with_base(mut self, base_url: BaseUrl) -> Self {
        self.base_url = base_url;
        self
    }

    /// Sends `user_agent` (checked when the client is built).
    #[must_use]
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Has every API request carry its parsed URL as a [`crate::RequestUrl`] (off by default).
    /// A transport built on the `url` crate then needs no URL parsing, which costs more than
    /// the copy; `hitem3d-async` turns it on for its HTTP client. For any other transport it
    /// costs a little on every call and buys nothing.
    #[must_use]
    pub fn with_request_urls(mut self, on: bool) -> Self {
        self.request_urls = on;
        self
    }

    /// Sets the connect timeout.
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the limit for one API call.
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets how long a download may go without receiving a byte.
    #[must_use]
    pub fn with_download_idle_timeout(mut self, timeout: Duration) -> Self {
        self.download_idle_timeout = timeout;
        self
    }

    /// Sets the retry policy of API calls.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets how tasks are waited for.
    #[must_use]
    pub fn with_wait(mut self, wait: WaitPolicy) -> Self {
        self.wait = wait;
        self
    }

    /// Says that tasks of `kind` typically take `typical`, submit to success, in place of the
    /// spec's published figure: the waiter polls around it until it has seen a few such tasks
    /// finish ([`crate::TASKS_TO_LEARN_FROM`]), and around what it saw from then on. Set again
    /// for the same kind, the last one counts.
    #[must_use]
    pub fn with_expected_duration(mut self, kind: TaskKind, typical: Duration) -> Self {
        self.expected_durations.retain(|(known, _)| *known != kind);
        self.expected_durations.push((kind, typical));
        self
    }

    /// Sets the download policy.
    #[must_use]
    pub fn with_download(mut self, download: DownloadPolicy) -> Self {
        self.download = download;
        self
    }

    /// Sets the token policy.
    #[must_use]
    pub fn with_token(mut self, token: TokenCachePolicy) -> Self {
        self.token = token;
        self
    }

    /// Keeps at most `slots` tasks unfinished at once. Raise it only if the account's limit
    /// was raised: the service refuses tasks beyond it.
    ///
    /// # Errors
    /// [`ConfigError::NoTaskSlots`] for zero, which would make every submit wait forever.
    pub fn with_task_slots(mut self, slots: usize) -> Result<Self, ConfigError> {
        if slots == 0 {
            return Err(ConfigError::NoTaskSlots);
        }
        self.task_slots = slots;
        Ok(self)
    }

    /// Leaves the account's limit to the journal's store, which a fleet shares (it decides
    /// at each submit's intent how many tasks the fleet holds, and makes the submit wait for
    /// a slot): a refusal for the
    /// limit is reported to the store ([`crate::journal::JournalOp::LimitRefused`]) and this
    /// client backs off and submits again, without lowering its own slots. Without it, racing
    /// refusals between machines drive each client's learnt limit down to one.
    #[must_use]
    pub fn with_shared_task_limit(mut self) -> Self {
        self.task_limit_shared = true;
        self
    }

    /// The request builder for this configuration.
    ///
    /// # Errors
    /// [`ConfigError::UserAgent`] when the user agent is not a valid header value.
    pub fn requests(&self) -> Result<ApiRequests, ConfigError> {
        let requests = ApiRequests::new(self.base_url.clone()).with_request_urls(self.request_urls);
        match &self.user_agent {
            Some(agent) => requests
                .with_user_agent(agent)
                .map_err(ConfigError::UserAgent),
            None => Ok(requests),
        }
    }
}

/// A configuration that cannot work.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No client id or secret was found.
    #[error(
        "no API credentials: set HITEM3D_CLIENT_ID and HITEM3D_CLIENT_SECRET (or HITEM3D_AK and \
         HITEM3D_SK) to the client id and secret from the Hitem3D API console, or pass them to \
         ClientConfig::new"
    )]
    MissingCredentials,
    /// Only the client id, or only the secret, is set (or the other is blank).
    #[error(
        "{set} is set but not both halves of the credentials: set HITEM3D_CLIENT_ID and \
         HITEM3D_CLIENT_SECRET (or HITEM3D_AK and HITEM3D_SK), or neither"
    )]
    HalfCredentials {
        /// The variables that are set.
        set: String,
    },
    /// The base URL cannot be used.
    #[error("base URL {value:?}: {source}")]
    BaseUrl {
        /// The value given.
        value: String,
        /// Why it was refused.
        source: BaseUrlError,
    },
    /// The user agent is not a valid header value.
    #[error("user agent: {0}")]
    UserAgent(RequestError),
    /// Zero task slots.
    #[error("task slots must be at least 1; the default, 10, is the account's limit")]
    NoTaskSlots,
    /// An async journal store was given to the blocking client, which has no runtime to await
    /// it on.
    #[error(
        "this journal store answers asynchronously and needs the async client: use \
         hitem3d-async, or a blocking store (hitem3d-journal's SQLite) here"
    )]
    AsyncJournal,
    /// The HTTP stack could not be set up (TLS roots, proxy settings); the HTTP client's
    /// error is the source.
    #[error("setting up the HTTP client failed: {0}")]
    Http(#[source] Arc<dyn std::error::Error + Send + Sync>),
}
