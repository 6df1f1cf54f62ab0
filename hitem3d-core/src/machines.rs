//! The sans-IO state machines under the jobs: one call and its retries, the token cache, task
//! slots, the waiter, the download plan, callback checks, a fleet worker's pacing, and the
//! time and randomness they take as inputs.
//!
//! A lower layer: each machine speaks its own small step vocabulary ([`CallStep`],
//! [`WaitStep`], [`DownloadStep`], [`TokenStep`]), and the jobs ([`crate::Job`], with
//! [`crate::Io`] and [`crate::Input`], the one protocol a front-end drives) run them. Use these
//! directly only to build a job of your own or to test a rule in isolation.

pub(crate) mod call;
pub(crate) mod callback;
pub(crate) mod download;
pub(crate) mod fleet_worker;
pub(crate) mod partial_files;
pub(crate) mod partial_location;
pub(crate) mod progress;
pub(crate) mod retry;
pub(crate) mod seed_sequence;
pub(crate) mod seeded_random;
pub(crate) mod task_durations;
pub(crate) mod task_result;
pub(crate) mod task_slots;
pub(crate) mod time;
pub(crate) mod token_cache;
pub(crate) mod wait_update;
pub(crate) mod waiter;
pub(crate) mod writeback;

pub use call::{Call, CallStep};
pub use download::{BodyAction, DownloadPlan, DownloadStep};
pub use fleet_worker::{FleetWorker, WorkerPolicy, WorkerStep};
pub use token_cache::{TokenCache, TokenNeed};
pub use waiter::{TaskWaiter, WaitStep};

pub use crate::job::TokenStep;
