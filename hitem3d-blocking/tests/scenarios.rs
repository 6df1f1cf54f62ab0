//! The shared end-to-end scenarios (`kit`), run against the blocking client: the very same
//! file the async client's suite runs, so every scenario holds for both.

#[path = "../../hitem3d-async/tests/kit/mod.rs"]
mod kit;

use std::path::Path;

use hitem3d_blocking::Client;
use hitem3d_blocking::hitem3d_core::types::{BalanceData, TaskData, TaskId};
use hitem3d_blocking::hitem3d_core::{
    ClientConfig, ConfirmedCallback, DownloadSummary, Error, GenerateOptions, GenerateProgress,
    Generated, Image, MeshFile, NewTask, ResultKind, SavedFile, SubmitTask, TaskResult, WaitEvent,
    WaitOutcome, WaitUpdate,
};

/// The blocking client, called directly.
struct BlockingSdk {
    client: Client,
}

impl kit::Sdk for BlockingSdk {
    fn connect(config: ClientConfig) -> Self {
        let client = Client::new(config).expect("a client");
        Self { client }
    }

    fn balance(&self) -> Result<BalanceData, Error> {
        self.client.balance()
    }

    fn submit(&self, task: impl Into<NewTask>) -> Result<TaskId, Error> {
        self.client.submit(task)
    }

    fn query(&self, task_id: &TaskId) -> Result<TaskData, Error> {
        self.client.query(task_id)
    }

    fn wait_with(
        &self,
        task_id: &TaskId,
        on_event: &mut dyn FnMut(&WaitEvent),
    ) -> Result<WaitOutcome, Error> {
        self.client.wait_with(task_id, on_event)
    }

    fn watch_events(&self, task_id: &TaskId) -> (Vec<WaitEvent>, Result<WaitOutcome, Error>) {
        let mut watch = self.client.watch(task_id);
        let mut events = Vec::new();
        for update in watch.by_ref() {
            match update {
                WaitUpdate::Event(event) => events.push(event),
                WaitUpdate::Finished(outcome) => {
                    assert!(watch.next().is_none(), "Finished is the last item");
                    return (events, outcome);
                }
            }
        }
        panic!("the watch ended without Finished");
    }

    fn download(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        path: &Path,
    ) -> Result<SavedFile, Error> {
        self.client.download(result, kind, path)
    }

    fn download_to_vec(
        &self,
        result: &TaskResult,
        kind: ResultKind,
    ) -> Result<(Vec<u8>, DownloadSummary), Error> {
        let mut bytes = Vec::new();
        let summary = self
            .client
            .download_to_writer(result, kind, &mut bytes, |_| {})?;
        Ok((bytes, summary))
    }

    fn generate_with(
        &self,
        task: SubmitTask,
        options: GenerateOptions,
        on_progress: &mut dyn FnMut(GenerateProgress),
    ) -> Result<Generated, Error> {
        self.client.generate_with(task, options, on_progress)
    }

    fn verify_callback(&self, body: &[u8]) -> Result<ConfirmedCallback, Error> {
        self.client.verify_callback(body)
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
        hitem3d_blocking::image_from_path(path)
    }

    fn mesh_from_path(&self, path: &Path) -> Result<MeshFile, Error> {
        hitem3d_blocking::mesh_from_path(path)
    }

    fn upload_mesh(&self, mesh: MeshFile) -> Result<String, Error> {
        self.client.upload_mesh(mesh)
    }
}

scenarios!(BlockingSdk);
