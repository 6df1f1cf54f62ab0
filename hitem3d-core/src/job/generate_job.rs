//! Saving a task's files as one step machine, for every kind of task: output directory, the
//! names it would take checked before anything is paid, submit (or a task that exists), wait,
//! model, fresh links, cover.

use std::collections::VecDeque;
use std::mem;
use std::path::PathBuf;

use hitem3d_types::{OutputFormat, TaskId};

use crate::job::{Input, Io, Job};
use crate::{
    CallError, ClientCore, DownloadJob, Error, GenerateOptions, GenerateProgress, Generated,
    NewTask, ResultKind, SavedFile, SubmitJob, TaskResult, Timestamp, WaitJob, WaitOutcome,
};

/// Submits a task of any kind (or takes one that exists), waits for it and downloads the model
/// (and the cover, if asked). The output directory is created first and the names the files
/// could take are checked, so that a path that cannot hold them fails before the task is paid
/// for; the cover is fetched with the links the model download used, which it may have
/// refreshed. Made by [`ClientCore::generate`] and [`ClientCore::save`].
#[derive(Debug)]
pub struct GenerateJob {
    core: ClientCore,
    options: GenerateOptions,
    /// The format asked for, when the task kind names its file's extension in advance.
    format: Option<OutputFormat>,
    model: String,
    stage: Stage,
    events: VecDeque<GenerateProgress>,
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
    Submitting(Box<SubmitJob>),
    Waiting(Box<WaitJob>),
    Model(Box<Download>),
    Cover(Box<Download>, Box<SavedFile>),
    Finished(Box<Result<Generated, Error>>),
    Over,
}

/// A file download under way, with what `generate` returns once it is saved.
#[derive(Debug)]
struct Download {
    job: DownloadJob,
    path: PathBuf,
    outcome: WaitOutcome,
}

impl GenerateJob {
    pub(crate) fn new(core: ClientCore, task: NewTask, options: GenerateOptions) -> Self {
        let format = match &task {
            NewTask::ImageTo3d(task) => Some(task.format().clone()),
            // A relief's or a mesh task's link names its file type (parts come zipped).
            _ => None,
        };
        let model = task.label();
        let destination = options.journal_destination(format.as_ref());
        let submit = SubmitJob::new(core.clone(), task)
            .with_journal(options.journal_key.clone(), Some(destination));
        Self {
            format,
            model,
            stage: Stage::MakeDir(Start::Submit(Box::new(submit))),
            core,
            options,
            events: VecDeque::new(),
        }
    }

    pub(crate) fn existing(
        core: ClientCore,
        task_id: TaskId,
        format: Option<OutputFormat>,
        options: GenerateOptions,
    ) -> Self {
        Self {
            format,
            model: task_id.to_string(),
            stage: Stage::MakeDir(Start::Existing(task_id)),
            core,
            options,
            events: VecDeque::new(),
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
    fn started(&mut self, start: Start) -> Stage {
        match start {
            Start::Submit(submit) => Stage::Submitting(submit),
            Start::Existing(task_id) => {
                Stage::Waiting(Box::new(WaitJob::new(self.core.clone(), &task_id)))
            }
        }
    }

    /// The model's download, to the path the options give it.
    fn model_download(&self, outcome: WaitOutcome) -> Box<Download> {
        let path = self
            .options
            .path_for(&outcome.result, ResultKind::Model, self.format.as_ref());
        let job = self.file_download(&outcome.result, ResultKind::Model, path.clone());
        Box::new(Download { job, path, outcome })
    }

    fn file_download(&self, result: &TaskResult, kind: ResultKind, path: PathBuf) -> DownloadJob {
        let overwrite = self.options.overwrite;
        // The output directory was made before anything was paid.
        let job = DownloadJob::to_file(self.core.clone(), result, kind, path, overwrite)
            .in_existing_dir();
        match &self.format {
            Some(format) => job.expecting(format),
            None => job,
        }
    }

    /// The stage after the model is saved: the cover, or the end.
    fn after_model(&mut self, download: Download, model: SavedFile) -> Stage {
        self.events
            .push_back(GenerateProgress::Saved(model.clone()));
        // The model download may have refreshed the links; the cover uses the fresh ones.
        let fresh = &model.summary.result;
        match self.options.cover_path_for(fresh, self.format.as_ref()) {
            Some(path) => {
                let job = self.file_download(fresh, ResultKind::Cover, path.clone());
                let cover = Download {
                    job,
                    path,
                    outcome: download.outcome,
                };
                Stage::Cover(Box::new(cover), Box::new(model))
            }
            None => Stage::Finished(Box::new(Ok(Generated::new(download.outcome, model, None)))),
        }
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
                Stage::Submitting(mut submit) => {
                    match submit.next(now).forward(|never| match never {}) {
                        Ok(io) => {
                            self.stage = Stage::Submitting(submit);
                            return io;
                        }
                        Err(Ok(task_id)) => {
                            let wait = Box::new(WaitJob::new(self.core.clone(), &task_id));
                            self.events.push_back(if submit.resumed() {
                                GenerateProgress::Resumed { task_id }
                            } else {
                                GenerateProgress::Submitted { task_id }
                            });
                            Stage::Waiting(wait)
                        }
                        Err(Err(error)) => Stage::Finished(Box::new(Err(error))),
                    }
                }
                Stage::Waiting(mut wait) => match wait.next(now).forward(GenerateProgress::Waiting)
                {
                    Ok(io) => {
                        self.stage = Stage::Waiting(wait);
                        return io;
                    }
                    Err(Ok(outcome)) => Stage::Model(self.model_download(outcome)),
                    Err(Err(error)) => Stage::Finished(Box::new(Err(error))),
                },
                Stage::Model(mut download) => {
                    match download
                        .job
                        .next(now)
                        .forward(GenerateProgress::Downloading)
                    {
                        Ok(io) => {
                            self.stage = Stage::Model(download);
                            return io;
                        }
                        Err(Ok(summary)) => {
                            let model = SavedFile::new(&download.path, summary);
                            self.after_model(*download, model)
                        }
                        Err(Err(error)) => Stage::Finished(Box::new(Err(error))),
                    }
                }
                Stage::Cover(mut download, model) => {
                    match download
                        .job
                        .next(now)
                        .forward(GenerateProgress::Downloading)
                    {
                        Ok(io) => {
                            self.stage = Stage::Cover(download, model);
                            return io;
                        }
                        Err(Ok(summary)) => {
                            let cover = SavedFile::new(&download.path, summary);
                            self.events
                                .push_back(GenerateProgress::Saved(cover.clone()));
                            let generated = Generated::new(download.outcome, *model, Some(cover));
                            Stage::Finished(Box::new(Ok(generated)))
                        }
                        Err(Err(error)) => Stage::Finished(Box::new(Err(error))),
                    }
                }
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
            Stage::Submitting(submit) => submit.on(input, now),
            Stage::Waiting(wait) => wait.on(input, now),
            Stage::Model(download) | Stage::Cover(download, _) => download.job.on(input, now),
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
