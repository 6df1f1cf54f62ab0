//! A task's life in the mock.

use std::time::Duration;

use hitem3d_types::{Model, OutputFormat, RequestType, Resolution, TaskState};

use crate::assets::GeneratedFile;
use crate::workshop::Product;
use crate::{TaskFailure, Timeline};

/// What a submit asked for, as the mock parsed it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SubmitRecord {
    pub(crate) model: Model,
    pub(crate) request_type: RequestType,
    pub(crate) resolution: Option<Resolution>,
    pub(crate) format: OutputFormat,
    pub(crate) callback_url: Option<String>,
    /// The front (or only) picture: the model is made from it. Emptied once ordered, so that
    /// ended tasks do not hold their uploads.
    pub(crate) picture: Vec<u8>,
    /// The front (or only) picture's file name, as the form gave it.
    pub(crate) picture_name: Option<String>,
    /// What a task of another type than image-to-3D makes; `None` for image-to-3D.
    pub(crate) product: Option<Product>,
}

#[derive(Debug)]
pub(crate) struct MockTask {
    pub(crate) id: String,
    pub(crate) record: SubmitRecord,
    pub(crate) submitted_at: Duration,
    pub(crate) timeline: Timeline,
    /// When the task ends, if moved by a test; else `submitted_at + finished_after`.
    pub(crate) finish_at: Option<Duration>,
    pub(crate) failure: Option<TaskFailure>,
    pub(crate) credits: f64,
    pub(crate) settled: bool,
    /// The model and cover, once the workshop made them.
    pub(crate) files: Option<(GeneratedFile, GeneratedFile)>,
}

impl MockTask {
    pub(crate) fn finishes_at(&self) -> Duration {
        self.finish_at
            .unwrap_or(self.submitted_at + self.timeline.finished_after)
    }

    pub(crate) fn state_at(&self, now: Duration) -> TaskState {
        if now >= self.finishes_at() {
            return if self.failure.is_some() {
                TaskState::Failed
            } else if self.files.is_some() {
                TaskState::Success
            } else {
                // Its time is up but its files are still being made.
                TaskState::Processing
            };
        }
        let age = now.saturating_sub(self.submitted_at);
        if age >= self.timeline.processing_after {
            TaskState::Processing
        } else if age >= self.timeline.queueing_after {
            TaskState::Queueing
        } else {
            TaskState::Created
        }
    }

    /// Percent done while processing.
    pub(crate) fn progress_at(&self, now: Duration) -> Option<f64> {
        let start = self.submitted_at + self.timeline.processing_after;
        let end = self.finishes_at();
        if now >= end && self.failure.is_none() && self.files.is_none() {
            return Some(99.0);
        }
        if now < start || now >= end || end <= start {
            return None;
        }
        let done = (now - start).as_secs_f64() / (end - start).as_secs_f64();
        Some((done * 100.0).floor().clamp(0.0, 99.0))
    }
}
