//! Controlling and inspecting a running mock.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hitem3d_types::TaskState;

use crate::journal::{CallbackDelivery, Counters, JournalEntry};
use crate::world::{self, World, storage};
use crate::{Fault, Route, TaskFailure};

/// A handle on a running mock: its address and credentials, its clock, scripted faults, and
/// what it received. Cheap to clone; every clone controls the same mock.
#[derive(Debug, Clone)]
pub struct MockHandle {
    pub(crate) world: Arc<Mutex<World>>,
}

impl MockHandle {
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        world::lock(&self.world)
    }

    /// The bearer tokens the mock issued, in order (expired ones too): the newest 1,000. The
    /// journal keeps them redacted; tests that check that no log or error shows a token need
    /// the real ones.
    #[must_use]
    pub fn issued_tokens(&self) -> Vec<String> {
        self.world().issued_tokens.iter().cloned().collect()
    }

    /// The base URL to give a client, e.g. `http://127.0.0.1:38501`.
    #[must_use]
    pub fn base_url(&self) -> String {
        self.world().base_url.clone()
    }

    /// The client id the mock accepts.
    #[must_use]
    pub fn client_id(&self) -> String {
        self.world().config.client_id.clone()
    }

    /// The client secret the mock accepts.
    #[must_use]
    pub fn client_secret(&self) -> String {
        self.world().config.client_secret.clone()
    }

    /// Mock time since start.
    #[must_use]
    pub fn now(&self) -> Duration {
        self.world().now()
    }

    /// Moves mock time forward (in either time mode).
    pub fn advance(&self, by: Duration) {
        let mut world = self.world();
        world.clock.advance(by);
        world::await_files(world);
    }

    /// The credit balance.
    #[must_use]
    pub fn balance(&self) -> f64 {
        self.world().balance
    }

    /// Sets the credit balance.
    pub fn set_balance(&self, credits: f64) {
        self.world().balance = credits;
    }

    /// The next call to `route` answers `fault` instead of its normal reply.
    pub fn inject(&self, route: Route, fault: Fault) {
        self.inject_times(route, fault, 1);
    }

    /// The next `times` calls to `route` answer `fault`.
    pub fn inject_times(&self, route: Route, fault: Fault, times: usize) {
        self.world().inject(route, fault, times);
    }

    /// Every token issued so far stops working: the next call answers `code 401`.
    pub fn expire_tokens(&self) {
        self.world().expire_tokens();
    }

    /// The next `count` tasks submitted will fail, the way `how` says, when they end.
    pub fn fail_next_tasks(&self, how: TaskFailure, count: usize) {
        self.world().fail_next_tasks(how, count);
    }

    /// Ends a task successfully now. Returns whether the task exists.
    pub fn complete_task(&self, task_id: &str) -> bool {
        let mut world = self.world();
        let exists = world.finish_task(task_id, None);
        world::await_files(world);
        exists
    }

    /// Ends a task as failed now. Returns whether the task exists.
    pub fn fail_task(&self, task_id: &str, how: TaskFailure) -> bool {
        self.world().finish_task(task_id, Some(how))
    }

    /// The state of a task now.
    #[must_use]
    pub fn task_state(&self, task_id: &str) -> Option<TaskState> {
        self.world().task_state(task_id)
    }

    /// The ids of the tasks the mock knows, in id order: every unfinished one, and the ended
    /// ones within [`crate::Retention::ended_tasks`] ([`Counters::tasks_created`] counts all).
    #[must_use]
    pub fn task_ids(&self) -> Vec<String> {
        self.world().tasks.keys().cloned().collect()
    }

    /// The requests received, in order: the newest [`crate::Retention::requests`] of them
    /// ([`Counters::requests_dropped`] counts the others). Header values and request lines
    /// are kept up to 2 KiB.
    #[must_use]
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.world().journal.entries()
    }

    /// The object storage meshes are uploaded to (`PUT`, signed with the credentials of
    /// `upload/token` in its query or headers, S3's or TOS's form; the bucket's own host,
    /// `<bucket>.localhost:<port>`, takes the same puts): give it, with [`MockHandle::upload_region`],
    /// [`MockHandle::upload_bucket`] and [`MockHandle::upload_public_base`], to the client's
    /// upload target.
    #[must_use]
    pub fn upload_endpoint(&self) -> String {
        format!("{}{}", self.base_url(), storage::STORAGE_PATH)
    }

    /// The storage's region.
    #[must_use]
    pub fn upload_region(&self) -> &'static str {
        storage::REGION
    }

    /// The storage's bucket.
    #[must_use]
    pub fn upload_bucket(&self) -> &'static str {
        storage::BUCKET
    }

    /// Where uploaded keys are public: `<this>/<key>` is a `mesh_url`.
    #[must_use]
    pub fn upload_public_base(&self) -> String {
        format!(
            "{}{}",
            self.base_url(),
            storage::PUBLIC_PATH.trim_end_matches('/')
        )
    }

    /// Every storage secret key and session token issued by `upload/token`, to look for in
    /// logs.
    #[must_use]
    pub fn issued_upload_secrets(&self) -> Vec<String> {
        self.world().storage.issued_secrets()
    }

    /// The bytes uploaded under `key`, if any.
    #[must_use]
    pub fn uploaded(&self, key: &str) -> Option<Vec<u8>> {
        self.world().storage.object(key)
    }

    /// The keys of the meshes uploaded so far.
    #[must_use]
    pub fn uploaded_keys(&self) -> Vec<String> {
        self.world().storage.keys()
    }

    /// The callback deliveries attempted, in order: the newest
    /// [`crate::Retention::requests`] of them.
    #[must_use]
    pub fn callbacks(&self) -> Vec<CallbackDelivery> {
        self.world().journal.callbacks()
    }

    /// Bytes of request bodies the server holds now, over all connections (within
    /// [`crate::ServerLimits::max_bodies_in_flight`]).
    #[must_use]
    pub fn body_bytes_held(&self) -> u64 {
        self.world().bodies.held()
    }

    /// Requests per route.
    #[must_use]
    pub fn counters(&self) -> Counters {
        self.world().journal.counters()
    }

    /// The most tasks there have been unfinished at once, counted at each task creation.
    #[must_use]
    pub fn peak_unfinished_tasks(&self) -> usize {
        self.world().peak_unfinished
    }

    /// The tasks not finished now.
    #[must_use]
    pub fn unfinished_tasks(&self) -> usize {
        let world = self.world();
        world.unfinished_tasks(world.now())
    }

    /// Submits with identical fields and files that each created a task.
    #[must_use]
    pub fn duplicate_submits(&self) -> Vec<(String, usize)> {
        self.world().journal.duplicate_submits()
    }

    /// Panics if the same submit (same fields and files) created more than one task.
    ///
    /// # Panics
    /// When it did, listing the duplicates.
    pub fn assert_no_duplicate_submits(&self) {
        let duplicates = self.duplicate_submits();
        assert!(
            duplicates.is_empty(),
            "submitted more than once: {duplicates:?}"
        );
    }

    /// Panics if any download request carried an `Authorization` header.
    ///
    /// # Panics
    /// When one did.
    pub fn assert_no_token_on_downloads(&self) {
        let leaked = self.world().journal.downloads_with_token().to_vec();
        assert!(
            leaked.is_empty(),
            "the bearer token reached the download route: {leaked:?}"
        );
    }
}
