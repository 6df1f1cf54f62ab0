//! The client: configuration, shared state, and the loop that drives one API call.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use hitem3d_core::types::{AccessToken, BalanceData, TaskData, TaskId};
use hitem3d_core::{
    ApiRequests, Call, CallError, CallStep, ClientConfig, Error, MAX_RESPONSE_BYTES, SeedSequence,
    SubmitTask, Timestamp, TokenCache, TokenNeed, TransportFailure,
};
use http::{Request, Response};
use tracing::Instrument;

use crate::clock::Clock;
use crate::task_slots::TaskSlots;
use crate::{ReqwestTransport, Transport};

/// An async client of the Hitem3D API. Cheap to clone: clones share the token, the task
/// slots and the connection pool.
///
/// ```no_run
/// use hitem3d_async::{Client, SubmitTask, Image, types::Model};
///
/// # async fn run() -> Result<(), hitem3d_async::Error> {
/// let client = Client::from_env()?;
/// let picture = std::fs::read("chair.png").expect("a picture");
/// let task = SubmitTask::builder(Model::Hitem3dV2_1).image(Image::new(picture)).build()?;
/// let generated = client.generate(task, "out").await?;
/// println!("{} ({} bytes)", generated.model.path.display(), generated.model.bytes());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: ClientConfig,
    pub(crate) requests: ApiRequests,
    pub(crate) transport: Arc<dyn Transport>,
    tokens: tokio::sync::Mutex<TokenCache>,
    pub(crate) slots: TaskSlots,
    seeds: SeedSequence,
    pub(crate) clock: Clock,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.config.base_url.as_str())
            .field("client_id", &self.inner.config.client_id)
            .field("transport", &self.inner.transport)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `config`, on a reqwest transport built with its timeouts.
    ///
    /// # Errors
    /// [`Error::Config`] when the user agent is invalid or TLS cannot be set up.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let transport =
            ReqwestTransport::new(config.connect_timeout, config.download_idle_timeout)?;
        Self::with_transport(config, transport)
    }

    /// A client configured from the environment: `HITEM3D_CLIENT_ID` and
    /// `HITEM3D_CLIENT_SECRET` (or `HITEM3D_AK` and `HITEM3D_SK`), and optionally
    /// `HITEM3D_BASE_URL`.
    ///
    /// # Errors
    /// [`Error::Config`] when the credentials are missing or the base URL is unusable.
    pub fn from_env() -> Result<Self, Error> {
        Self::new(ClientConfig::from_lookup(|name| std::env::var(name).ok())?)
    }

    /// A client on your own `reqwest::Client` (proxies, custom roots, a shared pool). Its
    /// timeouts apply besides the client's own call limits.
    ///
    /// # Errors
    /// [`Error::Config`] when the user agent is invalid.
    pub fn with_http_client(config: ClientConfig, http: reqwest::Client) -> Result<Self, Error> {
        Self::with_transport(config, ReqwestTransport::from_client(http))
    }

    /// A client on any [`Transport`].
    ///
    /// # Errors
    /// [`Error::Config`] when the user agent is invalid.
    pub fn with_transport(config: ClientConfig, transport: impl Transport) -> Result<Self, Error> {
        let requests = config.requests()?;
        let tokens = TokenCache::new(
            &requests,
            config.client_id.clone(),
            config.client_secret.clone(),
            config.token,
        );
        let inner = Inner {
            requests,
            transport: Arc::new(transport),
            tokens: tokio::sync::Mutex::new(tokens),
            slots: TaskSlots::new(config.task_slots),
            seeds: SeedSequence::new(RandomState::new().hash_one(0_u8)),
            clock: Clock::start(),
            config,
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The configuration in use.
    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The account's credits.
    ///
    /// # Errors
    /// [`Error::Call`] when the call fails after its retries.
    pub async fn balance(&self) -> Result<BalanceData, Error> {
        let call = Call::balance(&self.inner.requests, self.inner.config.retry, self.seed());
        Ok(self.run(call).await?)
    }

    /// Creates a task and returns its id as soon as the service has accepted it; this is when
    /// credits are charged. Waits first for one of the client's task slots; the slot stays
    /// taken until the task is seen to finish ([`Client::wait`], [`Client::query`]) or
    /// [`Client::release_task_slot`] is called.
    ///
    /// A submit is resent only after failures that surely struck before sending, so it never
    /// creates two tasks.
    ///
    /// # Errors
    /// [`Error::Call`] when the service refused the task (balance, input, auth) or no usable
    /// answer came; see [`Error::is_submit_outcome_unknown`].
    pub async fn submit(&self, task: SubmitTask) -> Result<TaskId, Error> {
        let span = tracing::info_span!("hitem3d.submit", model = %task.model(), task_id = tracing::field::Empty);
        async {
            let permit = self.inner.slots.reserve().await;
            let call = Call::submit_task(
                &self.inner.requests,
                task,
                self.inner.config.retry,
                self.seed(),
            );
            let task_id = self.run(call).await?.task_id;
            tracing::Span::current().record("task_id", task_id.as_str());
            self.inner.slots.hold(task_id.clone(), permit);
            Ok(task_id)
        }
        .instrument(span)
        .await
    }

    /// The task's current state, and its result links on success. A task seen in a final state
    /// frees its task slot.
    ///
    /// # Errors
    /// [`Error::Call`] when the query fails after its retries.
    pub async fn query(&self, task_id: &TaskId) -> Result<TaskData, Error> {
        let data = self.query_once(task_id).await?;
        if data.state.is_terminal() {
            self.inner.slots.release(task_id);
        }
        Ok(data)
    }

    /// Frees the task slot of a task you will not wait for. Returns whether it held one.
    pub fn release_task_slot(&self, task_id: &TaskId) -> bool {
        self.inner.slots.release(task_id)
    }

    /// Task slots free right now.
    #[must_use]
    pub fn available_task_slots(&self) -> usize {
        self.inner.slots.available()
    }

    pub(crate) async fn query_once(&self, task_id: &TaskId) -> Result<TaskData, CallError> {
        let call = Call::query_task(
            &self.inner.requests,
            task_id.clone(),
            self.inner.config.retry,
            self.seed(),
        );
        self.run(call)
            .instrument(tracing::debug_span!("hitem3d.query", task_id = %task_id))
            .await
    }

    pub(crate) fn seed(&self) -> u64 {
        self.inner.seeds.next_seed()
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// Drives one call to its end: tokens, sends, waits between retries.
    pub(crate) async fn run<T: Clone>(&self, mut call: Call<T>) -> Result<T, CallError> {
        loop {
            match call.next(self.now()) {
                CallStep::NeedToken { stale } => call.set_token(self.token(stale).await?),
                CallStep::Send(request) => {
                    tracing::debug!(
                        operation = %call.operation(),
                        attempt = call.attempts(),
                        "sending"
                    );
                    match self.exchange(request).await {
                        Ok(response) => call.on_response(response, self.now()),
                        Err(failure) => {
                            tracing::debug!(%failure, "no answer");
                            call.on_transport_failure(failure, self.now());
                        }
                    }
                }
                CallStep::Wait { until } => self.inner.clock.sleep_until(until).await,
                CallStep::Done(result) => return result,
            }
        }
    }

    /// A valid token; one fetch at a time, however many callers need one.
    async fn token(&self, stale: Option<AccessToken>) -> Result<AccessToken, CallError> {
        let mut cache = self.inner.tokens.lock().await;
        if let Some(stale) = &stale {
            cache.invalidate(stale);
        }
        match cache.token_or_request(self.now(), self.seed()) {
            TokenNeed::Valid(token) => Ok(token),
            TokenNeed::Fetch(call) => {
                // Boxed: the token call runs through the same loop that asked for it.
                let data = Box::pin(self.run(*call))
                    .instrument(tracing::debug_span!("hitem3d.token"))
                    .await?;
                Ok(cache.store(data, self.now()))
            }
        }
    }

    /// Sends an API request and reads its answer in full, within the call limit.
    async fn exchange(
        &self,
        request: Request<hitem3d_core::Body>,
    ) -> Result<Response<Bytes>, TransportFailure> {
        let limit = self.inner.config.request_timeout;
        let exchange = async {
            let response = self.inner.transport.send(request).await?;
            let (parts, mut body) = response.into_parts();
            let mut bytes = BytesMut::new();
            // One byte past the cap is enough for the decoder to refuse the body as too large.
            while let Some(chunk) = body.next().await {
                bytes.extend_from_slice(&chunk?);
                if bytes.len() > MAX_RESPONSE_BYTES {
                    bytes.truncate(MAX_RESPONSE_BYTES + 1);
                    break;
                }
            }
            Ok(Response::from_parts(parts, bytes.freeze()))
        };
        tokio::time::timeout(limit, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(TransportFailure::timed_out(
                    hitem3d_core::Delivery::MaybeSent,
                    format!("no complete answer within {} s", limit.as_secs_f64()),
                ))
            })
    }
}
