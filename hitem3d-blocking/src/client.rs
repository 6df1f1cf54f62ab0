//! The client: its shared state, and one expression per operation, each a core job run by
//! the core's driver on this crate's effects.

use std::collections::hash_map::RandomState;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use hitem3d_core::front_end::*;

use crate::change_signal::ChangeSignal;
use crate::finish::finish;
use crate::{SendLimits, TaskWatch, Transport, UreqTransport};

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
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

/// What the core leaves to this crate: the network, the clock, and a way to wait.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) core: ClientCore,
    pub(crate) transport: Arc<dyn Transport>,
    /// Notified by the core after each change callers may wait for (a slot freed, a token).
    pub(crate) changed: Arc<ChangeSignal>,
    /// The zero of the core's timestamps.
    pub(crate) epoch: Instant,
}

impl Client {
    /// A client for `config`, on a ureq transport built with its timeouts.
    ///
    /// # Errors
    /// [`Error::Config`] when the configuration cannot work (zero task slots, an invalid user
    /// agent).
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let calls = SendLimits::whole(config.request_timeout);
        let transport = UreqTransport::with_preset(config.connect_timeout, Some(calls));
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
    /// [`Error::Config`] when the configuration cannot work.
    #[doc(alias = "with_agent")]
    pub fn with_http_client(config: ClientConfig, http: ureq::Agent) -> Result<Self, Error> {
        Self::with_transport(config, UreqTransport::from_agent(http))
    }

    /// A client on any [`Transport`].
    ///
    /// # Errors
    /// [`Error::Config`] when the configuration cannot work.
    pub fn with_transport(config: ClientConfig, transport: impl Transport) -> Result<Self, Error> {
        let changed = Arc::new(ChangeSignal::default());
        let wake = Arc::clone(&changed);
        let core = ClientCore::without_runtime(config, RandomState::new(), move || wake.notify())?;
        Ok(Self {
            inner: Arc::new(Inner {
                core,
                transport: Arc::new(transport),
                changed,
                epoch: Instant::now(),
            }),
        })
    }

    /// The configuration in use.
    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        self.inner.core.config()
    }

    /// The account's credits.
    ///
    /// # Errors
    /// [`Error::Call`] when the call fails after its retries.
    pub fn balance(&self) -> Result<BalanceData, Error> {
        Ok(self.run(self.inner.core.balance())?)
    }

    /// Creates a task (a [`SubmitTask`] for a model, a [`ReliefTask`] for a relief) and
    /// returns its id as soon as the service has accepted it; this is when credits are charged. Blocks first until one of the client's task slots is free; the slot
    /// stays taken until the task is seen to finish ([`Client::wait`], [`Client::query`]) or
    /// [`Client::release_task_slot`] is called.
    ///
    /// A submit is resent only after failures that surely struck before sending, so it never
    /// creates two tasks.
    ///
    /// # Errors
    /// [`Error::Call`] when the service refused the task (balance, input, auth) or no usable
    /// answer came; see [`Error::is_submit_outcome_unknown`].
    pub fn submit(&self, task: impl Into<NewTask>) -> Result<TaskId, Error> {
        self.run(self.inner.core.submit(task))
    }

    /// Uploads a mesh (from [`crate::mesh_from_path`] or [`MeshFile::new`]) to the configured
    /// object storage and returns its public URL, to pass as `mesh_url` (texture an existing
    /// mesh). The storage credentials come from `GET /upload/token`; the signed link is never
    /// logged.
    ///
    /// # Errors
    /// [`Error::Call`] when the credentials cannot be had, [`Error::Upload`] when the storage
    /// refuses or cannot be reached.
    pub fn upload_mesh(&self, mesh: MeshFile) -> Result<String, Error> {
        self.run(self.inner.core.upload(mesh, std::time::SystemTime::now()))
    }

    /// The task's current state, and its result links on success. A task seen in a final state
    /// frees its task slot.
    ///
    /// # Errors
    /// [`Error::Call`] when the query fails after its retries.
    pub fn query(&self, task_id: &TaskId) -> Result<TaskData, Error> {
        self.run(self.inner.core.query(task_id))
    }

    /// Frees the task slot of a task you will not wait for. Returns whether it held one.
    pub fn release_task_slot(&self, task_id: &TaskId) -> bool {
        self.inner.core.release_task_slot(task_id)
    }

    /// Task slots free right now.
    #[must_use]
    pub fn available_task_slots(&self) -> usize {
        self.inner.core.available_task_slots()
    }

    /// Removes the temporary files of this client's downloads in progress (and of its clones)
    /// and returns how many there were. For a signal handler about to end the process: an exit
    /// skips the destructors that would remove them. A download still running then fails;
    /// nothing half-written is left under the final name either way.
    ///
    /// ```no_run
    /// # fn run(client: hitem3d_blocking::Client) {
    /// let removed = client.remove_partial_files();
    /// eprintln!("interrupted; {removed} unfinished download(s) removed");
    /// std::process::exit(130);
    /// # }
    /// ```
    pub fn remove_partial_files(&self) -> usize {
        let core = &self.inner.core;
        core.remove_partial_files(|path| std::fs::remove_file(path))
    }

    /// Watches a task, submitted by this client or any other process, until it succeeds,
    /// fails or the wait policy's deadline passes.
    ///
    /// ```no_run
    /// use hitem3d_blocking::{Client, WaitUpdate, types::TaskId};
    ///
    /// # fn run(client: Client) -> Result<(), hitem3d_blocking::Error> {
    /// for update in client.watch(&TaskId::new("2c2ad20c_jjewelry-aigc-api_1NraEb5ohU")) {
    ///     match update {
    ///         WaitUpdate::Event(event) => println!("{event:?}"),
    ///         WaitUpdate::Finished(outcome) => println!("model at {}", outcome?.result.model_url),
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn watch(&self, task_id: &TaskId) -> TaskWatch {
        TaskWatch::new(self.clone(), self.inner.core.wait(task_id))
    }

    /// Waits for a task to end; see [`Client::watch`].
    ///
    /// # Errors
    /// [`Error::Wait`]: the task failed, the deadline passed (the task may still finish), or
    /// querying failed for good.
    pub fn wait(&self, task_id: &TaskId) -> Result<WaitOutcome, Error> {
        self.wait_with(task_id, |_| {})
    }

    /// Waits for a task to end, calling `on_event` for each state change, progress step and
    /// failed poll.
    ///
    /// # Errors
    /// As [`Client::wait`].
    pub fn wait_with(
        &self,
        task_id: &TaskId,
        mut on_event: impl FnMut(&WaitEvent),
    ) -> Result<WaitOutcome, Error> {
        let job = self.inner.core.wait(task_id);
        finish(self.driver().run(job, |event| on_event(&event)))
    }

    /// Downloads one result file to `path`: streamed to a temporary file in the same directory
    /// (made if missing) and renamed to `path` only when complete, so `path` never holds half
    /// a model. Stale or refused links (a result link lives an hour) are replaced by querying
    /// the task again; the bearer token is never sent to the file host.
    ///
    /// # Errors
    /// [`Error::Download`] when the file cannot be fetched, [`Error::File`] when it cannot be
    /// written.
    pub fn download(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        path: impl AsRef<Path>,
    ) -> Result<SavedFile, Error> {
        self.download_with(result, kind, path, |_| {})
    }

    /// [`Client::download`], reporting bytes as they arrive.
    ///
    /// # Errors
    /// As [`Client::download`].
    pub fn download_with(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        path: impl AsRef<Path>,
        on_progress: impl FnMut(DownloadProgress),
    ) -> Result<SavedFile, Error> {
        let job = self.inner.core.download(result, kind, path.as_ref().into());
        let summary = finish(self.driver().run(job, on_progress))?;
        Ok(SavedFile::new(path, summary))
    }

    /// Streams one result file into `writer` (a socket, a hasher, memory). A writer cannot
    /// start over, so a body that breaks off midway ends with an error instead of a refetch on
    /// top of the bytes written; [`Client::download`] has no such limit.
    ///
    /// # Errors
    /// [`Error::Download`] when the file cannot be fetched, [`Error::Write`] when the writer
    /// fails.
    pub fn download_to_writer<W: Write>(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        writer: &mut W,
        on_progress: impl FnMut(DownloadProgress),
    ) -> Result<DownloadSummary, Error> {
        let job = self.inner.core.download_to_writer(result, kind);
        finish(Driver::with_sink(&self.inner.core, &*self.inner, writer).run(job, on_progress))
    }

    /// The common case in one call: submits `task` (of any kind), waits for it, and downloads
    /// the model (and the cover, if asked) into the output directory, named after the task id
    /// unless [`GenerateOptions::with_file_stem`] says otherwise. The directory is created and
    /// the names the files could take are checked first, so that a path that cannot hold them
    /// fails before the task is paid for. Given [`TaskSource::existing`], it saves a task that
    /// exists the same way, paying nothing.
    ///
    /// ```no_run
    /// use hitem3d_blocking::{Client, GenerateOptions, Image, SubmitTask, types::{Model, OutputFormat}};
    ///
    /// # fn run(client: Client) -> Result<(), hitem3d_blocking::Error> {
    /// let task = SubmitTask::builder(Model::Hitem3dV2_0)
    ///     .image(Image::new(std::fs::read("chair.png").expect("a picture")))
    ///     .format(OutputFormat::Stl)
    ///     .build()?;
    /// let generated =
    ///     client.generate(task, GenerateOptions::new("out").with_file_stem("chair").with_cover(true))?;
    /// assert!(generated.model.path.ends_with("chair.stl"));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// Any error of [`Client::submit`], [`Client::wait`] or [`Client::download`]. Once the
    /// task exists, [`Error::task_id`] names it, so it can be resumed with [`Client::wait`].
    pub fn generate(
        &self,
        task: impl Into<TaskSource>,
        options: impl Into<GenerateOptions>,
    ) -> Result<Generated, Error> {
        self.generate_with(task, options, |_| {})
    }

    /// [`Client::generate`], reporting each step: submitted, task events, download bytes,
    /// saved files.
    ///
    /// # Errors
    /// As [`Client::generate`].
    pub fn generate_with(
        &self,
        task: impl Into<TaskSource>,
        options: impl Into<GenerateOptions>,
        on_progress: impl FnMut(GenerateProgress),
    ) -> Result<Generated, Error> {
        let job = self.inner.core.generate(task, options.into());
        finish(self.driver().run(job, on_progress))
    }

    /// Reads a callback body and confirms it by querying the task: callbacks carry no
    /// signature, so the queried state is the truth, and `agrees` says whether the callback
    /// claimed the same. Check the URL with [`hitem3d_core::CallbackSecret::verify`] first to
    /// drop forged calls without a query.
    ///
    /// ```no_run
    /// # fn run(client: hitem3d_blocking::Client, body: &[u8]) -> Result<(), hitem3d_blocking::Error> {
    /// let confirmed = client.verify_callback(body)?;
    /// if confirmed.task.state.is_terminal() {
    ///     println!("task {} is {}", confirmed.task.task_id, confirmed.task.state);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::Callback`] for a body that is not a task update, [`Error::Call`] when the
    /// confirming query fails.
    pub fn verify_callback(&self, body: &[u8]) -> Result<ConfirmedCallback, Error> {
        self.run(self.inner.core.verify_callback(body))
    }

    /// A driver for this client's jobs.
    pub(crate) fn driver(&self) -> Driver<'_, Inner> {
        Driver::new(&self.inner.core, &self.inner)
    }

    /// Runs a job that reports nothing.
    fn run<J: Job<Event = NoEvent>>(&self, job: J) -> J::Output {
        finish(self.driver().run(job, |never| match never {}))
    }
}
