//! Live progress of one task: a spinner with the task's state, then the download's bytes; or
//! JSON lines; or, without a terminal, one line per change.

use std::time::Duration;

use hitem3d_async::types::TaskState;
use hitem3d_async::{DownloadProgress, GenerateProgress, ResultKind, WaitEvent};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::report::Report;

/// The display of one task's progress.
pub struct Live {
    bar: ProgressBar,
    report: Report,
    /// Which file is downloading, so that a new one starts its bar from zero.
    downloading: Option<ResultKind>,
    /// The batch input this display is about, named in its lines and JSON events.
    input: Option<String>,
}

impl Live {
    /// A spinner on a terminal, saying `first`; nothing drawn otherwise.
    pub fn start(report: Report, first: &str) -> Self {
        let bar = if report.draws_progress() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(spinner_style());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        bar.set_message(first.to_owned());
        Self {
            bar,
            report,
            downloading: None,
            input: None,
        }
    }

    /// A spinner for one batch input, under the batch's [`indicatif::MultiProgress`].
    pub fn for_input(report: Report, bar: ProgressBar, input: String) -> Self {
        if !bar.is_hidden() {
            bar.set_style(spinner_style());
            bar.set_prefix(format!("{input}: "));
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        Self {
            bar,
            report,
            downloading: None,
            input: Some(input),
        }
    }

    /// A JSON event, naming the batch input if any.
    fn emit(&self, event: &str, mut fields: serde_json::Value) {
        if let (Some(input), Some(object)) = (&self.input, fields.as_object_mut()) {
            object.insert("input".to_owned(), serde_json::Value::from(input.as_str()));
        }
        self.report.emit(event, fields, "");
    }

    /// Shows one step of a generate.
    pub fn on_generate(&mut self, step: &GenerateProgress) {
        match step {
            GenerateProgress::Submitted { task_id } => {
                self.say(&format!("task {task_id} submitted"));
                self.emit("submitted", json!({"task_id": task_id.as_str()}));
                self.bar.set_message("waiting for the service");
            }
            GenerateProgress::Resumed { task_id } => {
                self.say(&format!(
                    "task {task_id} was already paid for (found in the journal): resuming it"
                ));
                self.emit("resumed", json!({"task_id": task_id.as_str()}));
                self.bar.set_message("waiting for the service");
            }
            GenerateProgress::Waiting(event) => self.on_wait(event),
            GenerateProgress::Downloading(progress) => self.on_download(progress),
            GenerateProgress::Saved(file) => {
                self.emit(
                    "saved",
                    json!({
                        "path": file.path.display().to_string(),
                        "bytes": file.bytes(),
                        "by_another_run": file.summary.by_another_run,
                    }),
                );
                self.downloading = None;
                self.bar.set_style(spinner_style());
            }
            _ => {}
        }
    }

    /// A step of a save whose saved files the command reports itself, with its own fields.
    pub fn on_save_step(&mut self, step: &GenerateProgress) {
        if !matches!(step, GenerateProgress::Saved(_)) {
            self.on_generate(step);
        }
    }

    /// Shows one step of a wait.
    pub fn on_wait(&mut self, event: &WaitEvent) {
        match event {
            WaitEvent::StateChanged { task_id, to, .. } => {
                self.bar.set_message(describe(to, None));
                self.line(&format!("task {task_id}: {}", describe(to, None)));
                self.emit(
                    "state",
                    json!({"task_id": task_id.as_str(), "state": to.as_str()}),
                );
            }
            WaitEvent::Progress {
                task_id,
                state,
                percent,
                ..
            } => {
                self.bar.set_message(describe(state, Some(*percent)));
                self.emit(
                    "progress",
                    json!({"task_id": task_id.as_str(), "state": state.as_str(), "percent": percent}),
                );
            }
            WaitEvent::PollFailed { error, .. } => {
                self.say(&format!("a status check failed, retrying: {error}"));
            }
            _ => {}
        }
    }

    /// Shows a download's bytes: each file's bar starts from zero with its own total.
    pub fn on_download(&mut self, progress: &DownloadProgress) {
        if self.downloading != Some(progress.kind) {
            self.downloading = Some(progress.kind);
            // Message, length and position first: the new style's first frame shows them.
            self.bar.set_message(match progress.kind {
                ResultKind::Model => "downloading the model",
                _ => "downloading the cover",
            });
            self.bar.reset();
            self.bar.set_length(progress.total.unwrap_or(0));
            self.bar.set_position(0);
            self.bar.set_style(bytes_style());
        }
        if let Some(total) = progress.total {
            self.bar.set_length(total);
        }
        self.bar.set_position(progress.bytes);
    }

    /// Removes the display.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// A line above the bar on a terminal, or on stderr without one (never in JSON mode).
    fn say(&self, line: &str) {
        if self.report.is_json() {
            return;
        }
        let line = match &self.input {
            Some(input) => format!("{input}: {line}"),
            None => line.to_owned(),
        };
        if self.bar.is_hidden() {
            self.report.note(&line);
        } else {
            self.bar.println(line);
        }
    }

    /// A line only where no bar shows the same (logs of non-terminal runs).
    fn line(&self, line: &str) {
        if self.bar.is_hidden() {
            self.say(line);
        }
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} [{elapsed_precise}] {prefix}{msg}")
        .expect("a valid template")
}

fn bytes_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {prefix}{msg} {bar:30} {bytes}/{total_bytes} ({bytes_per_sec})",
    )
    .expect("a valid template")
}

/// A task state in words, with its percentage when known.
pub fn describe(state: &TaskState, percent: Option<f64>) -> String {
    let what = match state {
        TaskState::Created => "created",
        TaskState::Queueing => "queued at the service",
        TaskState::Processing => "generating",
        TaskState::Success => "done",
        TaskState::Failed => "failed",
        _ => "in an unknown state",
    };
    match percent {
        Some(percent) => format!("{what} ({percent:.0}%)"),
        None => what.to_owned(),
    }
}
