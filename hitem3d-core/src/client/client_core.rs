//! The state one client shares across its clones, and the jobs for each of its operations.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use hitem3d_types::{AccessToken, BalanceData, TaskData, TaskId};

use crate::job::{
    CallbackJob, DownloadJob, GenerateJob, QueryJob, Recorded, SubmitJob, TokenJob, TokenStep,
    UploadJob, WaitJob,
};
use crate::{
    ApiRequests, Call, ClientConfig, ConfigError, DurationHistory, GenerateOptions, MeshFile,
    NewTask, PartialFiles, ResultKind, SeedSequence, TaskDurations, TaskResult, TaskSlots,
    TaskSource, Timestamp, TokenCache, TokenNeed,
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
#[derive(Clone)]
pub struct ClientCore {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    config: ClientConfig,
    requests: ApiRequests,
    tokens: Mutex<Tokens>,
    slots: Arc<TaskSlots>,
    partial_files: Arc<PartialFiles>,
    durations: Mutex<TaskDurations>,
    seeds: SeedSequence,
    changes: Arc<Changes>,
}

/// The token cache, and whether a caller is fetching a token for everyone.
#[derive(Debug)]
pub(crate) struct Tokens {
    pub(crate) cache: TokenCache,
    fetching: bool,
}

/// Counts the changes callers may wait for (a freed slot, a fetched token) and wakes them.
struct Changes {
    count: AtomicU64,
    wake: Box<dyn Fn() + Send + Sync>,
}

impl Changes {
    fn announce(&self) {
        self.count.fetch_add(1, Ordering::SeqCst);
        (self.wake)();
    }
}

impl std::fmt::Debug for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Changes")
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ClientCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCore")
            .field("base_url", &self.config().base_url.as_str())
            .field("client_id", &self.config().client_id)
            .field("available_task_slots", &self.available_task_slots())
            .finish_non_exhaustive()
    }
}

impl ClientCore {
    /// The core of a client for `config`. `seed` starts the jitter and boundary randomness:
    /// the front-ends pass a fresh [`std::collections::hash_map::RandomState`] (OS randomness),
    /// tests a number; `wake` is called after every change callers
    /// may wait for ([`ClientCore::changes`]: a task slot freed, a token fetch ended), so that a
    /// front-end can wake them.
    ///
    /// # Errors
    /// [`ConfigError::NoTaskSlots`] for zero task slots, [`ConfigError::UserAgent`] for a user
    /// agent that is no valid header value.
    pub fn new(
        config: ClientConfig,
        seed: impl Seed,
        wake: impl Fn() + Send + Sync + 'static,
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
        let changes = Arc::new(Changes {
            count: AtomicU64::new(0),
            wake: Box::new(wake),
        });
        let announce = Arc::clone(&changes);
        let shared = Shared {
            slots: TaskSlots::new(config.task_slots, Box::new(move || announce.announce())),
            partial_files: Arc::default(),
            durations: Mutex::new({
                let mut durations = TaskDurations::new(config.expected_durations.clone());
                durations.learnt_before(&config.learnt_durations);
                durations
            }),
            tokens: Mutex::new(Tokens {
                cache: tokens,
                fetching: false,
            }),
            changes,
            seeds: SeedSequence::new(seed.into_seed()),
            requests,
            config,
        };
        Ok(Self {
            shared: Arc::new(shared),
        })
    }

    /// [`ClientCore::new`] for a front-end with no async runtime, which cannot await an async
    /// journal store.
    ///
    /// # Errors
    /// As [`ClientCore::new`], and [`ConfigError::AsyncJournal`] for an async journal store.
    pub fn without_runtime(
        config: ClientConfig,
        seed: impl Seed,
        wake: impl Fn() + Send + Sync + 'static,
    ) -> Result<Self, ConfigError> {
        if let Some(crate::journal::JournalStore::Async(_)) = &config.journal {
            return Err(ConfigError::AsyncJournal);
        }
        Self::new(config, seed, wake)
    }

    /// The configuration in use.
    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.shared.config
    }

    /// A call of `op` on the configured journal, or none without one.
    pub(crate) fn journal_call(
        &self,
        op: crate::journal::JournalOp,
    ) -> Option<crate::journal::JournalCall> {
        let store = self.shared.config.journal.clone()?;
        Some(crate::journal::JournalCall { store, op })
    }

    /// The task slots.
    #[must_use]
    pub fn slots(&self) -> &Arc<TaskSlots> {
        &self.shared.slots
    }

    /// What this client learnt about how long its tasks take: the durations its waits saw,
    /// per kind of task.
    #[must_use]
    pub fn duration_history(&self) -> DurationHistory {
        self.durations().history().clone()
    }

    pub(crate) fn durations(&self) -> MutexGuard<'_, TaskDurations> {
        self.shared
            .durations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The temporary files of this client's downloads in progress.
    #[must_use]
    pub fn partial_files(&self) -> &Arc<PartialFiles> {
        &self.shared.partial_files
    }

    /// Unlists the temporary files of the downloads in progress and hands each to `remove`
    /// (the front-end's file removal); returns how many there were. A file already gone
    /// (renamed or removed a moment ago) is as good as removed.
    pub fn remove_partial_files(&self, mut remove: impl FnMut(&Path) -> io::Result<()>) -> usize {
        let paths = self.shared.partial_files.take_all();
        for path in &paths {
            let _ = remove(path);
        }
        paths.len()
    }

    /// How many changes callers may wait for have happened: read it before trying for a task
    /// slot or a token, and wait for it to move on if there was none.
    #[must_use]
    pub fn changes(&self) -> u64 {
        self.shared.changes.count.load(Ordering::SeqCst)
    }

    /// A bearer token for a call: from the cache, or fetched by this caller for everyone, or,
    /// while another caller fetches one, a number to wait on. `stale` is a token the service
    /// refused; it is dropped first unless another caller replaced it already.
    pub fn token(&self, stale: Option<&AccessToken>, now: Timestamp) -> TokenStep {
        let seen = self.changes();
        let mut tokens = self.tokens();
        if let Some(stale) = stale {
            tokens.cache.invalidate(stale);
        }
        if let Some(refused) = tokens.cache.refusal() {
            return TokenStep::Refused(refused.clone());
        }
        if tokens.fetching {
            return TokenStep::Wait(seen);
        }
        match tokens.cache.token_or_request(now, self.seed()) {
            TokenNeed::Valid(token) => TokenStep::Ready(token),
            TokenNeed::Fetch(call) => {
                tokens.fetching = true;
                TokenStep::Fetch(Box::new(TokenJob::new(self.clone(), *call)))
            }
        }
    }

    /// A token fetch ended, well or not: the callers waiting for it go on.
    pub(crate) fn token_fetch_ended(&self) {
        self.tokens().fetching = false;
        self.shared.changes.announce();
    }

    /// The account's credits.
    #[must_use]
    pub fn balance(&self) -> Call<BalanceData> {
        Call::balance(&self.shared.requests, self.shared.config.retry, self.seed())
    }

    /// Creates a task once a task slot is free; the slot stays with the task.
    #[must_use]
    pub fn submit(&self, task: impl Into<NewTask>) -> Recorded<SubmitJob> {
        Recorded::new(self, SubmitJob::new(self.clone(), task.into()))
    }

    /// The task's state; a final state frees its slot.
    #[must_use]
    pub fn query(&self, task_id: &TaskId) -> QueryJob {
        QueryJob::new(self.clone(), task_id)
    }

    /// Waits for a task from the job's first step; its slot is freed when waiting ends or is
    /// abandoned.
    #[must_use]
    pub fn wait(&self, task_id: &TaskId) -> Recorded<WaitJob> {
        Recorded::new(self, WaitJob::new(self.clone(), task_id))
    }

    /// Downloads one result file to `path`, through a temporary file beside it; a file
    /// already there is replaced only if [`crate::DownloadPolicy::overwrite`] allows it.
    #[must_use]
    pub fn download(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        path: PathBuf,
    ) -> Recorded<DownloadJob> {
        let overwrite = self.config().download.overwrite;
        let job = DownloadJob::to_file(self.clone(), result, kind, path, overwrite);
        Recorded::new(self, job)
    }

    /// Downloads one result file into a caller's writer, which cannot start over.
    #[must_use]
    pub fn download_to_writer(
        &self,
        result: &TaskResult,
        kind: ResultKind,
    ) -> Recorded<DownloadJob> {
        Recorded::new(self, DownloadJob::to_writer(self.clone(), result, kind))
    }

    /// Saves a task's files: a new task of any kind is submitted (and paid for) first, a task
    /// that exists is waited for and saved paying nothing ([`TaskSource`]).
    #[must_use]
    pub fn generate(
        &self,
        task: impl Into<TaskSource>,
        options: GenerateOptions,
    ) -> Recorded<GenerateJob> {
        Recorded::new(self, GenerateJob::new(self.clone(), task.into(), options))
    }

    /// Uploads a mesh to the configured object storage for `mesh_url`; `wall_clock` is the
    /// time now (the signature needs the date), passed in because the core reads no clock.
    #[must_use]
    pub fn upload(&self, mesh: MeshFile, wall_clock: std::time::SystemTime) -> UploadJob {
        UploadJob::new(self.clone(), mesh, wall_clock)
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

    pub(crate) fn submit_call(
        &self,
        task: impl Into<NewTask>,
    ) -> Call<hitem3d_types::SubmitTaskData> {
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

    pub(crate) fn tokens(&self) -> MutexGuard<'_, Tokens> {
        // A caller that panicked mid-fetch left no token behind; the next one fetches.
        self.shared
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where a client's randomness starts: a number, or a hasher state seeded by the OS.
pub trait Seed {
    /// The starting seed.
    fn into_seed(self) -> u64;
}

impl Seed for u64 {
    fn into_seed(self) -> u64 {
        self
    }
}

impl Seed for std::collections::hash_map::RandomState {
    fn into_seed(self) -> u64 {
        std::hash::BuildHasher::hash_one(&self, 0_u8)
    }
}
