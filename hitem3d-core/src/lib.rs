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
//! let png = Image::new(&b"\x89PNG\r\n\x1a\n...rest of the file..."[..]);
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

mod base_url;
mod body;
mod call;
mod callback;
pub mod client_api;
mod client_config;
mod client_core;
mod content_check;
pub mod decode;
mod download;
mod drive;
mod endpoint_uri;
mod error;
mod file_name;
pub mod front_end;
mod generate;
mod job;
pub mod journal;
mod mesh_file;
mod mesh_task;
mod multipart;
mod new_task;
mod operation;
mod partial_files;
mod partial_location;
mod progress;
mod redact;
mod relief_task;
mod request_url;
mod requests;
mod retry;
mod seed_sequence;
mod seeded_random;
mod submit;
mod task_durations;
mod task_result;
mod task_slots;
mod time;
mod token_cache;
mod transport_failure;
mod upload_error;
mod upload_target;
mod wait_update;
mod waiter;
mod writeback;

pub use base_url::{BaseUrl, BaseUrlError};
pub use body::{
    Body, BodyReader, BodySegment, FileReader, FileSegment, OpenFile, OpenedSegment, file_access,
    read_chunk,
};
pub use call::{Call, CallError, CallStep};
pub use callback::{
    CallbackError, CallbackSecret, CallbackUpdate, ConfirmedCallback, parse_callback,
};
pub use client_config::{
    BASE_URL_VAR, CLIENT_ID_VARS, CLIENT_SECRET_VARS, ClientConfig, ConfigError,
    DEFAULT_JOURNAL_RETRY, DEFAULT_TASK_SLOTS,
};
pub use client_core::{ClientCore, Seed};
pub use decode::{ANSWER_READ_LIMIT, ApiError, DecodeError, MAX_RESPONSE_BYTES};
pub use download::{
    BodyAction, DEFAULT_MAX_DOWNLOAD_BYTES, DownloadError, DownloadErrorKind, DownloadPlan,
    DownloadPolicy, DownloadStep, DownloadSummary,
};
pub use drive::{Driver, Effects, NoSink, Sink};
pub use error::Error;
pub use file_name::{possible_file_names, safe_file_name};
pub use generate::{GenerateOptions, Generated, SavedFile};
pub use job::{
    CallbackJob, DownloadJob, GenerateJob, Input, Io, Job, NoEvent, QueryJob, Recorded, SubmitJob,
    TokenJob, TokenStep, UploadJob, WaitJob, Yield,
};
pub use mesh_file::{MeshError, MeshFile, MeshFormat};
pub use mesh_task::{MeshSource, MeshTask, MeshTaskBuilder};
pub use multipart::{Boundary, BoundaryCollision, InvalidBoundary, MultipartForm};
pub use new_task::NewTask;
pub use operation::Operation;
pub use partial_files::{PartialFiles, PartialListing};
pub use partial_location::PartialLocation;
pub use progress::{DownloadProgress, GenerateProgress};
pub use relief_task::{ReliefBase, ReliefSource, ReliefTask, ReliefTaskBuilder};
pub use request_url::RequestUrl;
pub use requests::{ApiRequests, DEFAULT_USER_AGENT, RequestError};
pub use retry::{AttemptFailure, RetryDecision, RetryPolicy, StopReason};
pub use seed_sequence::SeedSequence;
pub use submit::{
    IMAGE_HEAD_BYTES, Image, Remedy, SubmitField, SubmitImages, SubmitTask, SubmitTaskBuilder,
    ValidationError, Violation,
};
pub use task_durations::{KINDS_KEPT, TaskDurations};
pub use task_result::{ResultKind, TaskResult};
pub use task_slots::{LIMIT_PROBE_INTERVAL, SlotReservation, TaskSlots};
pub use time::Timestamp;
pub use token_cache::{TokenCache, TokenCachePolicy, TokenNeed};
pub use transport_failure::{Delivery, TransportFailure};
pub use upload_error::UploadError;
pub use upload_target::UploadTarget;
pub use wait_update::WaitUpdate;
pub use waiter::{
    DurationForecast, DurationHistory, ForecastBasis, ObservedDuration, PollContext, PollSchedule,
    TASKS_KEPT_PER_KIND, TASKS_TO_LEARN_FROM, TaskKind, TaskWaiter, WaitError, WaitErrorKind,
    WaitEvent, WaitOutcome, WaitPolicy, WaitStep,
};
pub use writeback::{WRITEBACK_STEP, WritebackSchedule};

/// The data model, `hitem3d-types`.
pub use hitem3d_types as types;
/// The `http` crate this one builds on, so callers never fight version skew.
pub use http;
