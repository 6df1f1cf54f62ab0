//! The state one client shares across its clones, and the jobs for each of its operations.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use hitem3d_types::{AccessToken, BalanceData, TaskData, TaskId};

use crate::job::{CallbackJob, DownloadJob, GenerateJob, QueryJob, SubmitJob, TokenJob, WaitJob};
use crate::{
    ApiRequests, Call, ClientConfig, ConfigError, GenerateOptions, ResultKind, SeedSequence,
    SubmitTask, TaskResult, TaskSlots, Timestamp, TokenCache,
};

/// Everything a client knows and decides, without I/O: its configuration, request builder,
/// token cache, task slots and seeds, and a [`crate::Job`] for each operation. Clones share
/// all of it. `hitem3d-async` and `hitem3d-blocking` hold one and drive its jobs.
///
/// ```
/// use hitem3d_core::{ClientConfig, ClientCore, Input, Io, Job, Timestamp};
/// use hitem3d_core::types::{AccessToken, ClientId, ClientSecret, TaskId, TaskState};
///
/// let config = ClientConfig::new(ClientId::new("ak_1"), ClientSecret::new("sk_1"));
/// let core = ClientCore::new(config, 7, || {})?;
/// let now = Timestamp::ZERO;
///
/// let mut query = core.query(&TaskId::new("t-1"));
/// // A call starts by asking for a token, which a front-end fetches once for all callers.
/// let Io::Token { stale: None } = query.next(now) else { panic!() };
/// query.on(Input::Token(Ok(AccessToken::new("t0k3n"))), now);
/// let Io::Exchange(request) = query.next(now) else { panic!() };
/// assert_eq!(request.uri().path(), "/open-api/v1/query-task");
///
/// let body = r#"{"code":200,"data":{"task_id":"t-1","state":"processing"}}"#;
/// query.on(Input::Answer(Ok(http::Response::new(body.into()))), now);
/// let Io::Done(Ok(task)) = query.next(now) else { panic!() };
/// assert_eq!(task.state, TaskState::Processing);
/// # Ok::<(), hitem3d_core::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientCore {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    config: ClientConfig,
    requests: ApiRequests,
    tokens: Mutex<TokenCache>,
    slots: Arc<TaskSlots>,
    seeds: SeedSequence,
}

impl ClientCore {
    /// The core of a client for `config`. `seed` starts the jitter and boundary randomness
    /// (the front-ends pass fresh OS randomness); `wake_slot_waiters` is called whenever a task
    /// slot is freed, so that a front-end can wake a submit waiting for one.
    ///
    /// # Errors
    /// [`ConfigError::NoTaskSlots`] for zero task slots, [`ConfigError::UserAgent`] for a user
    /// agent that is no valid header value.
    pub fn new(
        config: ClientConfig,
        seed: u64,
        wake_slot_waiters: impl Fn() + Send + Sync + 'static,
    ) -> Result<Self, ConfigError> {
        if config.task_slots == 0 {
            return Err(ConfigError::NoTaskSlots);
        }
        let requests = config.requests()?;
        let tokens = TokenCache::new(
            &requests,
            config.client_id.clone(),
            config.client_secret.clone(),
            config.token,
        );
        let shared = Shared {
            slots: TaskSlots::new(config.task_slots, Box::new(wake_slot_waiters)),
            tokens: Mutex::new(tokens),
            seeds: SeedSequence::new(seed),
            requests,
            config,
        };
        Ok(Self {
            shared: Arc::new(shared),
        })
    }

    /// The configuration in use.
    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.shared.config
    }

    /// The task slots.
    #[must_use]
    pub fn slots(&self) -> &Arc<TaskSlots> {
        &self.shared.slots
    }

    /// A valid bearer token: at once from the cache, or by fetching one. `stale` is a token the
    /// service refused; it is dropped first unless another caller replaced it already. Run
    /// one token job at a time per client, so that concurrent callers share one fetch.
    #[must_use]
    pub fn token(&self, stale: Option<&AccessToken>, now: Timestamp) -> TokenJob {
        let mut cache = self.tokens();
        if let Some(stale) = stale {
            cache.invalidate(stale);
        }
        TokenJob::new(self.clone(), cache.token_or_request(now, self.seed()))
    }

    /// The account's credits.
    #[must_use]
    pub fn balance(&self) -> Call<BalanceData> {
        Call::balance(&self.shared.requests, self.shared.config.retry, self.seed())
    }

    /// Creates a task once a task slot is free; the slot stays with the task.
    #[must_use]
    pub fn submit(&self, task: SubmitTask) -> SubmitJob {
        SubmitJob::new(self.clone(), task)
    }

    /// The task's state; a final state frees its slot.
    #[must_use]
    pub fn query(&self, task_id: &TaskId) -> QueryJob {
        QueryJob::new(self.clone(), task_id)
    }

    /// Waits for a task from `now`; its slot is freed when waiting ends or is abandoned.
    #[must_use]
    pub fn wait(&self, task_id: &TaskId, now: Timestamp) -> WaitJob {
        WaitJob::new(self.clone(), task_id, now)
    }

    /// Downloads one result file to `path`, through a temporary file beside it.
    #[must_use]
    pub fn download(&self, result: &TaskResult, kind: ResultKind, path: PathBuf) -> DownloadJob {
        DownloadJob::to_file(self.clone(), result, kind, path)
    }

    /// Downloads one result file into a caller's writer, which cannot start over.
    #[must_use]
    pub fn download_to_writer(&self, result: &TaskResult, kind: ResultKind) -> DownloadJob {
        DownloadJob::to_writer(self.clone(), result, kind)
    }

    /// Submits, waits and downloads.
    #[must_use]
    pub fn generate(&self, task: SubmitTask, options: GenerateOptions) -> GenerateJob {
        GenerateJob::new(self.clone(), task, options)
    }

    /// Reads a callback body and confirms it by querying the task.
    #[must_use]
    pub fn verify_callback(&self, body: &[u8]) -> CallbackJob {
        CallbackJob::new(self, body)
    }

    /// Frees the slot of a task nobody will wait for; whether it held one.
    pub fn release_task_slot(&self, task_id: &TaskId) -> bool {
        self.shared.slots.release(task_id)
    }

    /// Task slots free right now.
    #[must_use]
    pub fn available_task_slots(&self) -> usize {
        self.shared.slots.available()
    }

    /// A query that leaves slots alone (polls, re-queries for fresh links).
    pub(crate) fn query_call(&self, task_id: &TaskId) -> Call<TaskData> {
        Call::query_task(
            &self.shared.requests,
            task_id.clone(),
            self.shared.config.retry,
            self.seed(),
        )
    }

    pub(crate) fn submit_call(&self, task: SubmitTask) -> Call<hitem3d_types::SubmitTaskData> {
        Call::submit_task(
            &self.shared.requests,
            task,
            self.shared.config.retry,
            self.seed(),
        )
    }

    pub(crate) fn requests(&self) -> &ApiRequests {
        &self.shared.requests
    }

    pub(crate) fn seed(&self) -> u64 {
        self.shared.seeds.next_seed()
    }

    pub(crate) fn tokens(&self) -> std::sync::MutexGuard<'_, TokenCache> {
        // A caller that panicked mid-fetch left no token behind; the next one fetches.
        self.shared
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
