//! The items both clients re-export at their roots: what their operations take and return.
//! One list, so the two cannot drift apart.

/// Where a download writes before its file is complete, and under what name: a program that
/// cleans up after a killed run looks for these (each is locked while its writer lives).
pub use crate::PartialLocation;
/// The time the fleet worker takes as input.
pub use crate::Timestamp;
/// A fleet worker's decisions, which a program that runs a shared queue drives.
pub use crate::machines::{FleetWorker, WorkerPolicy, WorkerStep};
pub use crate::{
    BaseUrl, CallbackSecret, ClientConfig, ConfirmedCallback, DownloadPolicy, DownloadProgress,
    DownloadSummary, Error, GenerateOptions, GenerateProgress, Generated, Image, MeshFile,
    MeshFormat, MeshTask, NewTask, PollSchedule, ReliefBase, ReliefTask, ResultKind, RetryPolicy,
    SavedFile, SubmitTask, TaskKind, TaskResult, TaskSource, TokenCachePolicy, UploadTarget,
    WaitEvent, WaitOutcome, WaitPolicy, WaitUpdate,
};
pub use crate::{
    BaseUrlError, ConfigError, DEFAULT_TASK_SLOTS, MeshTaskBuilder, ReliefTaskBuilder, Remedy,
    SubmitField, ValidationError, Violation, journal, possible_file_names,
};
/// What a failed call's error holds, for matching on [`Error::Call`].
pub use crate::{CallError, TransportFailure};
/// The data model, `hitem3d-types`.
pub use hitem3d_types as types;
