//! Saving a task's files as one step machine, for every kind of task: output directory, the
//! names it would take checked before anything is paid, submit (or a task that exists), wait,
//! model, fresh links, cover.

use std::collections::VecDeque;
use std::mem;
use std::path::PathBuf;

use hitem3d_types::{OutputFormat, TaskId};

use crate::job::{Input, Io, Job};
use crate::{
    CallError, ClientCore, DownloadJob, DownloadSummary, Error, GenerateOptions, GenerateProgress,
    Generated, NewTask, ResultKind, SavedFile, SubmitJob, TaskResult, TaskSource, Timestamp,
    WaitJob, WaitOutcome,
};

/// Submits a task of any kind (or takes one that exists), waits for it and downloads the model
/// (and the cover, if asked). The output directory is created first and the names the files
/// could take are checked, so that a path that cannot hold them fails before the task is paid
/// for; the cover is fetched with the links the model download used, which it may have
/// refreshed. Made by [`ClientCore::generate`].
#[derive(Debug)]
pub struct GenerateJob {
    core: ClientCore,
    options: GenerateOptions,
    /// The format asked for, when the task kind names its file's extension in advance.
    format: Option<OutputFormat>,
    model: String,
    stage: Stage,
    events: VecDeque<GenerateProgress>,
    /// How the wait ended, once it has: what `generate` returns with the files.
    outcome: Option<WaitOutcome>,
    /// The model's file while the cover downloads.
    model_file: Option<SavedFile>,
    /// Where the running download saves.
    saving_to: PathBuf,
}

/// Where the task comes from.
#[derive(Debug)]
enum Start {
    /// A submit, once the checks pass.
    Submit(Box<SubmitJob>),
    /// A task that exists already: nothing is paid.
    Existing(TaskId),
}

#[derive(Debug)]
enum Stage {
    MakeDir(Start),
    MakingDir(Start),
    /// Making sure files it would write under a given name do not exist yet (paths left).
    Check(Start, Vec<PathBuf>),
    Checking(Start, Vec<PathBuf>),
    /// The submit, the wait or a file's download, one at a time.
    Running(Inner),
    Finished(Box<Result<Generated, Error>>),
    Over,
}

/// The inner job running now, seen as one job of `generate`'s events: its steps pass through,
/// and its end comes back saying which job ended.
#[derive(Debug)]
enum Inner {
    Submit(Box<SubmitJob>),
    Wait(Box<WaitJob>),
    Download(Box<DownloadJob>),
}

/// How an inner job ended.
#[derive(Debug)]
enum Ended {
    Submitted {
        task: Result<TaskId, Error>,
        /// The task id came from the journal: nothing was paid this time.
        resumed: bool,
    },
    Waited(Result<WaitOutcome, Error>),
    Downloaded(Result<DownloadSummary, Error>),
}

impl Job for Inner {
    type Event = GenerateProgress;
    type Output = Ended;

    fn next(&mut self, now: Timestamp) -> Io<GenerateProgress, Ended> {
        match self {
            Self::Submit(job) => {
                let step = job.next(now).forward(|never| match never {});
                step.unwrap_or_else(|task| {
                    let resumed = job.resumed();
                    Io::Done(Ended::Submitted { task, resumed })
                })
            }
            Self::Wait(job) => (job.next(now).forward(GenerateProgress::Waiting))
                .unwrap_or_else(|waited| Io::Done(Ended::Waited(waited))),
            Self::Download(job) => (job.next(now).forward(GenerateProgress::Downloading))
                .unwrap_or_else(|saved| Io::Done(Ended::Downloaded(saved))),
        }
    }

    fn on(&mut self, input: Input, now: Timestamp) {
        match self {
            Self::Submit(job) => job.on(input, now),
            Self::Wait(job) => job.on(input, now),
            Self::Download(job) => job.on(input, now),
        }
    }
}

impl GenerateJob {
    pub(crate) fn new(core: ClientCore, source: TaskSource, options: GenerateOptions) -> Self {
        let task = match source {
            TaskSource::New(task) => task,
            TaskSource::Existing { task_id, format } => {
                let label = task_id.to_string();
                return Self::starting(core, Start::Existing(task_id), format, label, options);
            }
        };
        let format = match &task {
            NewTask::ImageTo3d(task) => Some(task.format().clone()),
            // A relief's or a mesh task's link names its file type (parts come zipped).
            _ => None,
        };
        let model = task.label();
        let destination = options.journal_destination(format.as_ref());
        let submit = SubmitJob::new(core.clone(), task)
            .with_journal(options.journal_key.clone(), Some(destination));
        Self::starting(
            core,
            Start::Submit(Box::new(submit)),
            format,
            model,
            options,
        )
    }

    fn starting(
        core: ClientCore,
        start: Start,
        format: Option<OutputFormat>,
        model: String,
        options: GenerateOptions,
    ) -> Self {
        Self {
            format,
            model,
            stage: Stage::MakeDir(start),
            core,
            options,
            events: VecDeque::new(),
            outcome: None,
            model_file: None,
            saving_to: PathBuf::new(),
        }
    }

    /// The paths to find free before going on: none when replacing is allowed.
    fn paths_to_check(&self, start: &Start) -> Vec<PathBuf> {
        if self.options.overwrite {
            return Vec::new();
        }
        let task_id = match start {
            Start::Existing(task_id) => Some(task_id),
            Start::Submit(_) => None,
        };
        self.options
            .predictable_paths(self.format.as_ref(), task_id)
    }

    /// The step after the checks: the submit, or the wait for the task that exists.
    fn started(&self, start: Start) -> Stage {
        Stage::Running(match start {
            Start::Submit(submit) => Inner::Submit(submit),
            Start::Existing(task_id) => {
                Inner::Wait(Box::new(WaitJob::new(self.core.clone(), &task_id)))
            }
        })
    }

    /// The stage after an inner job ended.
    fn after(&mut self, ended: Ended) -> Stage {
        match ended {
            Ended::Submitted {
                task: Ok(task_id),
                resumed,
            } => {
                let wait = WaitJob::new(self.core.clone(), &task_id);
                self.events.push_back(if resumed {
                    GenerateProgress::Resumed { task_id }
                } else {
                    GenerateProgress::Submitted { task_id }
                });
                Stage::Running(Inner::Wait(Box::new(wait)))
            }
            Ended::Waited(Ok(outcome)) => {
                let result = outcome.result.clone();
                self.outcome = Some(outcome);
                let path = self
                    .options
                    .path_for(&result, ResultKind::Model, self.format.as_ref());
                self.download(&result, ResultKind::Model, path)
            }
            Ended::Downloaded(Ok(summary)) => {
                let file = SavedFile::new(&self.saving_to, summary);
                self.events.push_back(GenerateProgress::Saved(file.clone()));
                match self.model_file.take() {
                    None => self.after_model(file),
                    Some(model) => self.finish(model, Some(file)),
                }
            }
            // The task is paid for: a file it could not write is not the caller's input to fix
            // before paying, but a result to save again.
            Ended::Downloaded(Err(error @ Error::File { .. })) => {
                let not_saved = match &self.outcome {
                    Some(outcome) => Error::NotSaved {
                        task_id: outcome.task_id.clone(),
                        source: Box::new(error),
                    },
                    None => error,
                };
                Stage::Finished(Box::new(Err(not_saved)))
            }
            Ended::Submitted {
                task: Err(error), ..
            }
            | Ended::Waited(Err(error))
            | Ended::Downloaded(Err(error)) => Stage::Finished(Box::new(Err(error))),
        }
    }

    /// The cover after the model, with the links the model download used (it may have
    /// refreshed them), or the end.
    fn after_model(&mut self, model: SavedFile) -> Stage {
        let fresh = model.summary.result.clone();
        match self.options.cover_path_for(&fresh, self.format.as_ref()) {
            Some(path) => {
                self.model_file = Some(model);
                self.download(&fresh, ResultKind::Cover, path)
            }
            None => self.finish(model, None),
        }
    }

    fn finish(&mut self, model: SavedFile, cover: Option<SavedFile>) -> Stage {
        let generated = match self.outcome.take() {
            Some(outcome) => Ok(Generated::new(outcome, model, cover)),
            None => Err(out_of_sequence()),
        };
        Stage::Finished(Box::new(generated))
    }

    /// One file's download, to `path`.
    fn download(&mut self, result: &TaskResult, kind: ResultKind, path: PathBuf) -> Stage {
        let overwrite = self.options.overwrite;
        // The output directory was made before anything was paid.
        let job = DownloadJob::to_file(self.core.clone(), result, kind, path.clone(), overwrite)
            .in_existing_dir();
        let job = match &self.format {
            Some(format) => job.expecting(format),
            None => job,
        };
        self.saving_to = path;
        Stage::Running(Inner::Download(Box::new(job)))
    }
}

impl Job for GenerateJob {
    type Event = GenerateProgress;
    type Output = Result<Generated, Error>;

    fn next(&mut self, now: Timestamp) -> Io<GenerateProgress, Self::Output> {
        loop {
            if let Some(event) = self.events.pop_front() {
                return Io::Emit(event);
            }
            self.stage = match mem::replace(&mut self.stage, Stage::Over) {
                Stage::MakeDir(start) => {
                    self.stage = Stage::MakingDir(start);
                    return Io::CreateDir(self.options.output_dir.clone());
                }
                Stage::Check(start, mut paths) => match paths.pop() {
                    Some(path) => {
                        let ask = Io::Exists(path.clone());
                        paths.push(path);
                        self.stage = Stage::Checking(start, paths);
                        return ask;
                    }
                    None => self.started(start),
                },
                Stage::Running(mut inner) => match inner.next(now).forward(|event| event) {
                    Ok(io) => {
                        self.stage = Stage::Running(inner);
                        return io;
                    }
                    Err(ended) => self.after(ended),
                },
                Stage::Finished(result) => {
                    if self.events.is_empty() {
                        return Io::Done(*result);
                    }
                    Stage::Finished(result)
                }
                Stage::MakingDir(_) | Stage::Checking(..) | Stage::Over => {
                    return Io::Done(Err(out_of_sequence()));
                }
            };
        }
    }

    fn on(&mut self, input: Input, now: Timestamp) {
        match &mut self.stage {
            Stage::MakingDir(_) => {
                let Stage::MakingDir(start) = mem::replace(&mut self.stage, Stage::Over) else {
                    return;
                };
                self.stage = match input {
                    Input::File(Ok(())) => {
                        let paths = self.paths_to_check(&start);
                        Stage::Check(start, paths)
                    }
                    Input::File(Err(source)) => Stage::Finished(Box::new(Err(Error::file(
                        "create the output directory",
                        &self.options.output_dir,
                        source,
                    )))),
                    _ => Stage::Finished(Box::new(Err(out_of_sequence()))),
                };
            }
            Stage::Checking(..) => {
                let Stage::Checking(start, mut paths) = mem::replace(&mut self.stage, Stage::Over)
                else {
                    return;
                };
                let path = paths.pop().unwrap_or_default();
                self.stage = match input {
                    Input::Exists(Ok(false)) => Stage::Check(start, paths),
                    // The file is there: fail before the task is paid for.
                    Input::Exists(Ok(true)) => {
                        Stage::Finished(Box::new(Err(Error::PathTaken { path })))
                    }
                    Input::Exists(Err(source)) => {
                        Stage::Finished(Box::new(Err(Error::file("check", path, source))))
                    }
                    _ => Stage::Finished(Box::new(Err(out_of_sequence()))),
                };
            }
            Stage::Running(inner) => inner.on(input, now),
            Stage::MakeDir(_) | Stage::Check(..) => {
                self.stage = Stage::Finished(Box::new(Err(out_of_sequence())));
            }
            Stage::Finished(_) | Stage::Over => {}
        }
    }

    fn span(&self) -> tracing::Span {
        tracing::info_span!("hitem3d.generate", model = %self.model)
    }
}

fn out_of_sequence() -> Error {
    Error::Call(CallError::OutOfSequence(
        "a generate job was driven out of turn",
    ))
}
