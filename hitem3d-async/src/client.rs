//! The client: its shared state, and one expression per operation, each a core job run by
//! the core's driver on this crate's effects.

use std::collections::hash_map::RandomState;
use std::path::Path;
use std::sync::Arc;

use hitem3d_core::front_end::*;
use tokio::io::AsyncWrite;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::effects::WriterSink;
use crate::{ReqwestTransport, TaskWatch, Transport};

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
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

/// What the core leaves to this crate: the network, the clock, and a way to wait.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) core: ClientCore,
    pub(crate) transport: Arc<dyn Transport>,
    /// Signalled by the core after each change callers may wait for (a slot freed, a token).
    pub(crate) changed: Arc<Notify>,
    /// The zero of the core's timestamps.
    pub(crate) epoch: Instant,
}

impl Client {
    /// A client for `config`, on a reqwest transport built with its timeouts.
    ///
    /// # Errors
    /// [`Error::Config`] when the configuration cannot work (zero task slots, an invalid user
    /// agent) or TLS cannot be set up.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let transport = ReqwestTransport::new(config.connect_timeout)?;
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
    /// timeouts apply besides the client's own call limits. Build it with
    /// `.redirect(reqwest::redirect::Policy::none())`; see [`ReqwestTransport::from_client`].
    /// With this crate's `rustls` feature, reqwest has rustls without a provider of its own:
    /// install one first (`rustls::crypto::ring::default_provider().install_default()`), or
    /// enable reqwest's own `rustls` feature.
    ///
    /// # Errors
    /// [`Error::Config`] when the configuration cannot work.
    pub fn with_http_client(config: ClientConfig, http: reqwest::Client) -> Result<Self, Error> {
        Self::with_transport(config, ReqwestTransport::from_client(http))
    }

    /// A client on any [`Transport`].
    ///
    /// # Errors
    /// [`Error::Config`] when the configuration cannot work.
    pub fn with_transport(config: ClientConfig, transport: impl Transport) -> Result<Self, Error> {
        let changed = Arc::new(Notify::new());
        let wake = Arc::clone(&changed);
        // reqwest, wrapped or not, takes a parsed URL: carried with each request, it is not
        // parsed again.
        let config = config.with_request_urls(true);
        let core = ClientCore::new(config, RandomState::new(), move || wake.notify_waiters())?;
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
    pub async fn balance(&self) -> Result<BalanceData, Error> {
        Ok(self.run(self.inner.core.balance()).await?)
    }

    /// Creates a task (a [`SubmitTask`] for a model, a [`ReliefTask`] for a relief) and
    /// returns its id as soon as the service has accepted it; this is when credits are charged. Waits first for one of the client's task slots; the slot stays
    /// taken until the task is seen to finish ([`Client::wait`], [`Client::query`]) or
    /// [`Client::release_task_slot`] is called.
    ///
    /// A submit is resent only after failures that surely struck before sending, so it never
    /// creates two tasks.
    ///
    /// # Errors
    /// [`Error::Call`] when the service refused the task (balance, input, auth) or no usable
    /// answer came; see [`Error::is_submit_outcome_unknown`].
    pub async fn submit(&self, task: impl Into<NewTask>) -> Result<TaskId, Error> {
        self.run(self.inner.core.submit(task)).await
    }

    /// Uploads a mesh (from [`crate::mesh_from_path`] or [`MeshFile::new`]) to the configured
    /// object storage and returns its public URL, to pass as `mesh_url` (texture an existing
    /// mesh). The storage credentials come from `GET /upload/token`; the signed link is never
    /// logged.
    ///
    /// # Errors
    /// [`Error::Call`] when the credentials cannot be had, [`Error::Upload`] when the storage
    /// refuses or cannot be reached.
    pub async fn upload_mesh(&self, mesh: MeshFile) -> Result<String, Error> {
        self.run(self.inner.core.upload(mesh, std::time::SystemTime::now()))
            .await
    }

    /// The task's current state, and its result links on success. A task seen in a final state
    /// frees its task slot.
    ///
    /// # Errors
    /// [`Error::Call`] when the query fails after its retries.
    pub async fn query(&self, task_id: &TaskId) -> Result<TaskData, Error> {
        self.run(self.inner.core.query(task_id)).await
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
    /// # fn run(client: hitem3d_async::Client) {
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
    /// use futures_util::StreamExt;
    /// use hitem3d_async::{Client, WaitUpdate, types::TaskId};
    ///
    /// # async fn run(client: Client) -> Result<(), hitem3d_async::Error> {
    /// let mut watch = client.watch(&TaskId::new("2c2ad20c_jjewelry-aigc-api_1NraEb5ohU"));
    /// while let Some(update) = watch.next().await {
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
    pub async fn wait(&self, task_id: &TaskId) -> Result<WaitOutcome, Error> {
        self.wait_with(task_id, |_| {}).await
    }

    /// Waits for a task to end, calling `on_event` for each state change, progress step and
    /// failed poll.
    ///
    /// # Errors
    /// As [`Client::wait`].
    pub async fn wait_with(
        &self,
        task_id: &TaskId,
        mut on_event: impl FnMut(&WaitEvent),
    ) -> Result<WaitOutcome, Error> {
        let job = self.inner.core.wait(task_id);
        self.driver().run(job, |event| on_event(&event)).await
    }

    /// Downloads one result file to `path`: streamed to a temporary file in the same directory
    /// (made if missing) and renamed to `path` only when complete, so `path` never holds half
    /// a model. Stale or refused links (a result link lives an hour) are replaced by querying
    /// the task again; the bearer token is never sent to the file host.
    ///
    /// # Errors
    /// [`Error::Download`] when the file cannot be fetched, [`Error::File`] when it cannot be
    /// written.
    pub async fn download(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        path: impl AsRef<Path>,
    ) -> Result<SavedFile, Error> {
        self.download_with(result, kind, path, |_| {}).await
    }

    /// [`Client::download`], reporting bytes as they arrive.
    ///
    /// # Errors
    /// As [`Client::download`].
    pub async fn download_with(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        path: impl AsRef<Path>,
        on_progress: impl FnMut(DownloadProgress),
    ) -> Result<SavedFile, Error> {
        let job = self.inner.core.download(result, kind, path.as_ref().into());
        let summary = self.driver().run(job, on_progress).await?;
        Ok(SavedFile::new(path, summary))
    }

    /// Streams one result file into `writer` (a socket, a hasher, memory). A writer cannot
    /// start over, so a body that breaks off midway ends with an error instead of a refetch on
    /// top of the bytes written; [`Client::download`] has no such limit.
    ///
    /// # Errors
    /// [`Error::Download`] when the file cannot be fetched, [`Error::Write`] when the writer
    /// fails.
    pub async fn download_to_writer<W: AsyncWrite + Unpin>(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        writer: &mut W,
        on_progress: impl FnMut(DownloadProgress),
    ) -> Result<DownloadSummary, Error> {
        let job = self.inner.core.download_to_writer(result, kind);
        let sink = WriterSink(writer);
        Driver::with_sink(&self.inner.core, &*self.inner, sink)
            .run(job, on_progress)
            .await
    }

    /// The common case in one call: submits `task` (of any kind), waits for it, and downloads
    /// the model (and the cover, if asked) into the output directory, named after the task id
    /// unless [`GenerateOptions::with_file_stem`] says otherwise. The directory is created and
    /// the names the files could take are checked first, so that a path that cannot hold them
    /// fails before the task is paid for. Given [`TaskSource::existing`], it saves a task that
    /// exists the same way, paying nothing.
    ///
    /// ```no_run
    /// use hitem3d_async::{Client, GenerateOptions, Image, SubmitTask, types::{Model, OutputFormat}};
    ///
    /// # async fn run(client: Client) -> Result<(), hitem3d_async::Error> {
    /// let task = SubmitTask::builder(Model::Hitem3dV2_0)
    ///     .image(Image::new(std::fs::read("chair.png").expect("a picture")))
    ///     .format(OutputFormat::Stl)
    ///     .build()?;
    /// let generated = client
    ///     .generate(task, GenerateOptions::new("out").with_file_stem("chair").with_cover(true))
    ///     .await?;
    /// assert!(generated.model.path.ends_with("chair.stl"));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// Any error of [`Client::submit`], [`Client::wait`] or [`Client::download`]. Once the
    /// task exists, [`Error::task_id`] names it, so it can be resumed with [`Client::wait`].
    pub async fn generate(
        &self,
        task: impl Into<TaskSource>,
        options: impl Into<GenerateOptions>,
    ) -> Result<Generated, Error> {
        self.generate_with(task, options, |_| {}).await
    }

    /// [`Client::generate`], reporting each step: submitted, task events, download bytes,
    /// saved files.
    ///
    /// # Errors
    /// As [`Client::generate`].
    pub async fn generate_with(
        &self,
        task: impl Into<TaskSource>,
        options: impl Into<GenerateOptions>,
        on_progress: impl FnMut(GenerateProgress),
    ) -> Result<Generated, Error> {
        let job = self.inner.core.generate(task, options.into());
        self.driver().run(job, on_progress).await
    }

    /// Reads a callback body and confirms it by querying the task: callbacks carry no
    /// signature, so the queried state is the truth, and `agrees` says whether the callback
    /// claimed the same. Check the URL with [`hitem3d_core::CallbackSecret::verify`] first to
    /// drop forged calls without a query.
    ///
    /// ```no_run
    /// # async fn run(client: hitem3d_async::Client, body: &[u8]) -> Result<(), hitem3d_async::Error> {
    /// let confirmed = client.verify_callback(body).await?;
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
    pub async fn verify_callback(&self, body: &[u8]) -> Result<ConfirmedCallback, Error> {
        self.run(self.inner.core.verify_callback(body)).await
    }

    /// A driver for this client's jobs.
    pub(crate) fn driver(&self) -> Driver<'_, Inner> {
        Driver::new(&self.inner.core, &self.inner)
    }

    /// Runs a job that reports nothing.
    fn run<J: Job<Event = NoEvent>>(&self, job: J) -> impl Future<Output = J::Output> {
        self.driver().into_run(job, |never| match never {})
    }
}
