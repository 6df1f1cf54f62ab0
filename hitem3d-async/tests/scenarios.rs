//! The shared end-to-end scenarios (`kit`), run against the async client.
//!
//! The kit is written in blocking style so that one text serves both clients; here each call
//! runs to completion on a tokio runtime owned by the adapter.

mod kit;

use std::path::Path;

use futures_util::StreamExt;
use hitem3d_async::Client;
use hitem3d_async::hitem3d_core::types::{BalanceData, TaskData, TaskId};
use hitem3d_async::hitem3d_core::{
    ClientConfig, ConfirmedCallback, DownloadSummary, Error, GenerateOptions, GenerateProgress,
    Generated, Image, MeshFile, NewTask, ResultKind, SavedFile, SubmitTask, TaskResult, WaitEvent,
    WaitOutcome, WaitUpdate,
};

/// The async client, driven to completion call by call.
struct AsyncSdk {
    runtime: tokio::runtime::Runtime,
    client: Client,
}

impl kit::Sdk for AsyncSdk {
    fn connect(config: ClientConfig) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let client = Client::new(config).expect("a client");
        Self { runtime, client }
    }

    fn balance(&self) -> Result<BalanceData, Error> {
        self.runtime.block_on(self.client.balance())
    }

    fn submit(&self, task: impl Into<NewTask>) -> Result<TaskId, Error> {
        self.runtime.block_on(self.client.submit(task))
    }

    fn query(&self, task_id: &TaskId) -> Result<TaskData, Error> {
        self.runtime.block_on(self.client.query(task_id))
    }

    fn wait_with(
        &self,
        task_id: &TaskId,
        on_event: &mut dyn FnMut(&WaitEvent),
    ) -> Result<WaitOutcome, Error> {
        self.runtime
            .block_on(self.client.wait_with(task_id, |event| on_event(event)))
    }

    fn watch_events(&self, task_id: &TaskId) -> (Vec<WaitEvent>, Result<WaitOutcome, Error>) {
        self.runtime.block_on(async {
            let mut watch = self.client.watch(task_id);
            let mut events = Vec::new();
            while let Some(update) = watch.next().await {
                match update {
                    WaitUpdate::Event(event) => events.push(event),
                    WaitUpdate::Finished(outcome) => {
                        assert!(watch.next().await.is_none(), "Finished is the last item");
                        return (events, outcome);
                    }
                }
            }
            panic!("the watch ended without Finished");
        })
    }

    fn download(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        path: &Path,
    ) -> Result<SavedFile, Error> {
        self.runtime
            .block_on(self.client.download(result, kind, path))
    }

    fn download_to_vec(
        &self,
        result: &TaskResult,
        kind: ResultKind,
    ) -> Result<(Vec<u8>, DownloadSummary), Error> {
        self.runtime.block_on(async {
            let mut bytes = Vec::new();
            let summary = self
                .client
                .download_to_writer(result, kind, &mut bytes, |_| {})
                .await?;
            Ok((bytes, summary))
        })
    }

    fn generate_with(
        &self,
        task: SubmitTask,
        options: GenerateOptions,
        on_progress: &mut dyn FnMut(GenerateProgress),
    ) -> Result<Generated, Error> {
        self.runtime
            .block_on(self.client.generate_with(task, options, on_progress))
    }

    fn verify_callback(&self, body: &[u8]) -> Result<ConfirmedCallback, Error> {
        self.runtime.block_on(self.client.verify_callback(body))
    }

    fn available_task_slots(&self) -> usize {
        self.client.available_task_slots()
    }

    fn release_task_slot(&self, task_id: &TaskId) -> bool {
        self.client.release_task_slot(task_id)
    }

    fn remove_partial_files(&self) -> usize {
        self.client.remove_partial_files()
    }

    fn image_from_path(&self, path: &Path) -> Result<Image, Error> {
        self.runtime.block_on(hitem3d_async::image_from_path(path))
    }

    fn mesh_from_path(&self, path: &Path) -> Result<MeshFile, Error> {
        self.runtime.block_on(hitem3d_async::mesh_from_path(path))
    }

    fn upload_mesh(&self, mesh: MeshFile) -> Result<String, Error> {
        self.runtime.block_on(self.client.upload_mesh(mesh))
    }
}

scenarios!(AsyncSdk);
