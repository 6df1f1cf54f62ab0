//! The client: configuration, shared state, and the loop that drives one API call.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use hitem3d_core::types::{AccessToken, BalanceData, TaskData, TaskId};
use hitem3d_core::{
    ApiRequests, Call, CallError, CallStep, ClientConfig, Error, MAX_RESPONSE_BYTES, SeedSequence,
    SubmitTask, Timestamp, TokenCache, TokenNeed, TransportFailure,
};
use http::{Request, Response};

use crate::clock::Clock;
use crate::task_slots::TaskSlots;
use crate::transport::body_failure;
use crate::{SendLimits, Transport, UreqTransport};

/// A blocking client of the Hitem3D API. Cheap to clone, and shareable across threads:
/// clones share the token, the task slots and the connection pool.
///
/// ```no_run
/// use hitem3d_blocking::{Client, SubmitTask, Image, types::Model};
///
/// # fn run() -> Result<(), hitem3d_blocking::Error> {
/// let client = Client::from_env()?;
/// let picture = std::fs::read("chair.png").expect("a picture");
/// let task = SubmitTask::builder(Model::Hitem3dV2_1).image(Image::new(picture)).build()?;
/// let generated = client.generate(task, "out")?;
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
    tokens: Mutex<TokenCache>,
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
    /// A client for `config`, on a ureq transport built with its timeouts.
    ///
    /// # Errors
    /// [`Error::Config`] when the user agent is invalid.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let transport = UreqTransport::new(config.connect_timeout)?;
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

    /// A client on your own [`ureq::Agent`] (proxies, custom roots, a shared pool). Its
    /// settings apply, except that each request asks for error statuses as answers, no
    /// redirects, and the client's call limits.
    ///
    /// # Errors
    /// [`Error::Config`] when the user agent is invalid.
    #[doc(alias = "with_agent")]
    pub fn with_http_client(config: ClientConfig, http: ureq::Agent) -> Result<Self, Error> {
        Self::with_transport(config, UreqTransport::from_agent(http))
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
            tokens: Mutex::new(tokens),
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
    pub fn balance(&self) -> Result<BalanceData, Error> {
        let call = Call::balance(&self.inner.requests, self.inner.config.retry, self.seed());
        Ok(self.run(call)?)
    }

    /// Creates a task and returns its id as soon as the service has accepted it; this is when
    /// credits are charged. Blocks first until one of the client's task slots is free; the
    /// slot stays taken until the task is seen to finish ([`Client::wait`], [`Client::query`])
    /// or [`Client::release_task_slot`] is called.
    ///
    /// A submit is resent only after failures that surely struck before sending, so it never
    /// creates two tasks.
    ///
    /// # Errors
    /// [`Error::Call`] when the service refused the task (balance, input, auth) or no usable
    /// answer came; see [`Error::is_submit_outcome_unknown`].
    pub fn submit(&self, task: SubmitTask) -> Result<TaskId, Error> {
        let span = tracing::info_span!("hitem3d.submit", model = %task.model(), task_id = tracing::field::Empty);
        let _entered = span.enter();
        let permit = self.inner.slots.reserve();
        let call = Call::submit_task(
            &self.inner.requests,
            task,
            self.inner.config.retry,
            self.seed(),
        );
        let task_id = self.run(call)?.task_id;
        span.record("task_id", task_id.as_str());
        self.inner.slots.hold(task_id.clone(), permit);
        Ok(task_id)
    }

    /// The task's current state, and its result links on success. A task seen in a final state
    /// frees its task slot.
    ///
    /// # Errors
    /// [`Error::Call`] when the query fails after its retries.
    pub fn query(&self, task_id: &TaskId) -> Result<TaskData, Error> {
        let data = self.query_once(task_id)?;
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

    pub(crate) fn query_once(&self, task_id: &TaskId) -> Result<TaskData, CallError> {
        let call = Call::query_task(
            &self.inner.requests,
            task_id.clone(),
            self.inner.config.retry,
            self.seed(),
        );
        let _entered = tracing::debug_span!("hitem3d.query", task_id = %task_id).entered();
        self.run(call)
    }

    pub(crate) fn seed(&self) -> u64 {
        self.inner.seeds.next_seed()
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// Drives one call to its end: tokens, sends, waits between retries.
    pub(crate) fn run<T: Clone>(&self, mut call: Call<T>) -> Result<T, CallError> {
        loop {
            match call.next(self.now()) {
                CallStep::NeedToken { stale } => call.set_token(self.token(stale.as_ref())?),
                CallStep::Send(request) => {
                    tracing::debug!(
                        operation = %call.operation(),
                        attempt = call.attempts(),
                        "sending"
                    );
                    match self.exchange(request) {
                        Ok(response) => call.on_response(response, self.now()),
                        Err(failure) => {
                            tracing::debug!(%failure, "no answer");
                            call.on_transport_failure(failure, self.now());
                        }
                    }
                }
                CallStep::Wait { until } => self.inner.clock.sleep_until(until),
                CallStep::Done(result) => return result,
            }
        }
    }

    /// A valid token; one fetch at a time, however many threads need one: the others block
    /// on the lock and then find the fresh token.
    fn token(&self, stale: Option<&AccessToken>) -> Result<AccessToken, CallError> {
        // A thread that panicked mid-fetch left no token behind, which the next caller fetches.
        let mut cache = self
            .inner
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(stale) = stale {
            cache.invalidate(stale);
        }
        match cache.token_or_request(self.now(), self.seed()) {
            TokenNeed::Valid(token) => Ok(token),
            TokenNeed::Fetch(call) => {
                let _entered = tracing::debug_span!("hitem3d.token").entered();
                let data = self.run(*call)?;
                Ok(cache.store(data, self.now()))
            }
        }
    }

    /// Sends an API request and reads its answer in full, within the call limit.
    fn exchange(
        &self,
        request: Request<hitem3d_core::Body>,
    ) -> Result<Response<Bytes>, TransportFailure> {
        let limits = SendLimits::whole(self.inner.config.request_timeout);
        let response = self.inner.transport.send(request, limits)?;
        let (parts, body) = response.into_parts();
        let mut bytes = Vec::new();
        // One byte past the cap is enough for the decoder to refuse the body as too large.
        body.take(MAX_RESPONSE_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| body_failure(&error))?;
        Ok(Response::from_parts(parts, Bytes::from(bytes)))
    }
}
