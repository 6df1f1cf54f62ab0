//! The sans-IO core of the Hitem3D (Hi3D) SDK.
//!
//! All knowledge of the API lives here, once. This crate builds `http::Request`s, validates a
//! submit before a byte is sent, decodes `http::Response`s into typed results, and keeps every
//! decision as a pure state machine: the token cache, the retry policy, the call sequence, the
//! task waiter, the download plan and callback checks. It never opens a socket or a file, never
//! sleeps and never reads a clock: time ([`Timestamp`]) and randomness (a `u64` seed) are
//! inputs. `hitem3d-async` and `hitem3d-blocking` only move bytes between these machines and the
//! network, so both behave the same by construction.
//!
//! The source is laid out by layer: `wire` (requests, bodies, answers), `rules` (what may be
//! sent and saved), [`machines`] (the state machines: a call, the token cache, task slots, the
//! waiter, the download plan), `job` (each operation as one [`Job`] speaking [`Io`] and
//! [`Input`], the one protocol a front-end drives), [`journal`] (the task journal, as I/O a job
//! asks for) and `client` (configuration, the shared core, the driver loop, errors).
//!
//! Every machine follows one rule for misuse by its driver: an input it did not ask for, or a
//! step asked for while an answer is outstanding, ends it with a typed out-of-sequence error
//! ([`CallError::OutOfSequence`], [`WaitErrorKind::OutOfSequence`],
//! [`DownloadErrorKind::OutOfSequence`]) instead of a panic or a silent repeat, since repeating a
//! submit could pay twice; once ended, a machine keeps answering the same end and ignores
//! further input.
//!
//! ```
//! use hitem3d_core::{ApiRequests, BaseUrl, Image, SubmitTask, decode};
//! use hitem3d_core::types::{AccessToken, Model};
//!
//! // 1. Validate input locally: a wrong submit costs money.
//! let png = Image::new(&b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01...rest of the file..."[..]);
//! let task = SubmitTask::builder(Model::Hitem3dV2_1).image(png).build()?;
//!
//! // 2. Build the request; any HTTP client can send it.
//! let api = ApiRequests::new(BaseUrl::production());
//! let request = api.submit_task(&AccessToken::new("t0k3n"), &task, 42)?;
//! assert_eq!(request.uri().path(), "/open-api/v1/submit-task");
//!
//! // 3. Decode the answer.
//! let response = http::Response::new(r#"{"code":200,"data":{"task_id":"t-1"},"msg":"success"}"#);
//! let submitted = decode::submit_task(&response)?;
//! assert_eq!(submitted.task_id.as_str(), "t-1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod client;
pub mod client_api;
pub mod front_end;
mod job;
pub mod journal;
pub mod machines;
mod rules;
mod wire;

pub use client::client_config::{
    BASE_URL_VAR, CLIENT_ID_VARS, CLIENT_SECRET_VARS, ClientConfig, ConfigError,
    DEFAULT_JOURNAL_RETRY, DEFAULT_TASK_SLOTS,
};
pub use client::client_core::{ClientCore, Seed};
pub use client::drive::{Driver, NoSink, Sink};
pub use client::effects::{Effects, name_taken};
pub use client::error::Error;
pub use client::generate::{GenerateOptions, Generated, SavedFile};
pub use client::task_source::TaskSource;
pub use job::{
    CallbackJob, DownloadJob, GenerateJob, Input, Io, Job, NoEvent, QueryJob, Recorded, SubmitJob,
    TokenJob, UploadJob, WaitJob, Yield,
};
pub use machines::call::CallError;
pub use machines::callback::{
    CallbackError, CallbackSecret, CallbackUpdate, ConfirmedCallback, parse_callback,
};
pub use machines::download::{
    DEFAULT_MAX_DOWNLOAD_BYTES, DownloadError, DownloadErrorKind, DownloadPolicy, DownloadSummary,
};
pub use machines::partial_files::{PartialFiles, PartialListing};
pub use machines::partial_location::PartialLocation;
pub use machines::progress::{DownloadProgress, GenerateProgress};
pub use machines::retry::{AttemptFailure, RetryDecision, RetryPolicy, StopReason};
pub use machines::seed_sequence::SeedSequence;
pub use machines::task_durations::{KINDS_KEPT, TaskDurations};
pub use machines::task_result::{ResultKind, TaskResult};
pub use machines::task_slots::{LIMIT_PROBE_INTERVAL, SlotReservation, TaskSlots};
pub use machines::time::Timestamp;
pub use machines::token_cache::TokenCachePolicy;
pub use machines::wait_update::WaitUpdate;
pub use machines::waiter::{
    DurationForecast, DurationHistory, ForecastBasis, ObservedDuration, PollContext, PollSchedule,
    TASKS_KEPT_PER_KIND, TASKS_TO_LEARN_FROM, TaskKind, WaitError, WaitErrorKind, WaitEvent,
    WaitOutcome, WaitPolicy,
};
pub use machines::writeback::{WRITEBACK_STEP, WritebackSchedule};
pub use rules::file_name::{possible_file_names, safe_file_name};
pub use rules::mesh_file::{MeshError, MeshFile, MeshFormat};
pub use rules::mesh_task::{MeshSource, MeshTask, MeshTaskBuilder};
pub use rules::new_task::NewTask;
pub use rules::relief_task::{ReliefBase, ReliefSource, ReliefTask, ReliefTaskBuilder};
pub use rules::submit::{
    IMAGE_HEAD_BYTES, Image, Remedy, SubmitField, SubmitImages, SubmitTask, SubmitTaskBuilder,
    ValidationError, Violation,
};
pub use wire::base_url::{BaseUrl, BaseUrlError};
pub use wire::body::{
    Body, BodyReader, BodySegment, FileReader, FileSegment, OpenFile, OpenedSegment, file_access,
    read_chunk,
};
pub use wire::decode;
pub use wire::decode::{ANSWER_READ_LIMIT, ApiError, DecodeError, MAX_RESPONSE_BYTES};
pub use wire::multipart::{Boundary, BoundaryCollision, InvalidBoundary, MultipartForm};
pub use wire::operation::Operation;
pub use wire::request_url::RequestUrl;
pub use wire::requests::{ApiRequests, DEFAULT_USER_AGENT, RequestError};
pub use wire::transport_failure::{Delivery, TransportFailure};
pub use wire::upload_error::UploadError;
pub use wire::upload_target::UploadTarget;

// The lower layer's machines, by their short names inside the crate.
pub(crate) use machines::{
    BodyAction, Call, CallStep, DownloadPlan, DownloadStep, TaskWaiter, TokenCache, TokenNeed,
    TokenStep, WaitStep,
};

/// The data model, `hitem3d-types`.
pub use hitem3d_types as types;
/// The `http` crate this one builds on, so callers never fight version skew.
pub use http;
