//! `generate` as one step machine: output directory, submit, wait, model, fresh links, cover.

use std::collections::VecDeque;
use std::mem;
use std::path::PathBuf;

use hitem3d_types::OutputFormat;

use crate::job::download_job::already_exists;
use crate::job::{Input, Io, Job};
use crate::{
    CallError, ClientCore, DownloadJob, Error, GenerateOptions, GenerateProgress, Generated,
    ResultKind, SavedFile, SubmitJob, SubmitTask, TaskResult, Timestamp, WaitJob, WaitOutcome,
};

/// Submits a task, waits for it and downloads the model (and the cover, if asked). The output
/// directory is created first, so that a path that cannot hold files fails before the task is
/// paid for; the cover is fetched with the links the model download used, which it may have
/// refreshed. Made by [`ClientCore::generate`].
#[derive(Debug)]
pub struct GenerateJob {
    core: ClientCore,
    options: GenerateOptions,
    format: OutputFormat,
    model: String,
    stage: Stage,
    events: VecDeque<GenerateProgress>,
}

#[derive(Debug)]
enum Stage {
    MakeDir(Box<SubmitJob>),
    MakingDir(Box<SubmitJob>),
    /// Making sure files it would write under a given name do not exist yet (paths left).
    Check(Box<SubmitJob>, Vec<PathBuf>),
    Checking(Box<SubmitJob>, Vec<PathBuf>),
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
    pub(crate) fn new(core: ClientCore, task: SubmitTask, options: GenerateOptions) -> Self {
        let format = task.format().clone();
        let model = task.model().to_string();
        let destination = options.journal_destination(&format);
        let submit = SubmitJob::new(core.clone(), task.into())
            .with_journal(options.journal_key.clone(), Some(destination));
        Self {
            format,
            model,
            stage: Stage::MakeDir(Box::new(submit)),
            core,
            options,
            events: VecDeque::new(),
        }
    }

    /// The model's download, to the path the options give it.
    fn model_download(&self, outcome: WaitOutcome) -> Box<Download> {
        let path = self
            .options
            .path_for(&outcome.result, ResultKind::Model, &self.format);
        let job = self.file_download(&outcome.result, ResultKind::Model, path.clone());
        Box::new(Download { job, path, outcome })
    }

    fn file_download(&self, result: &TaskResult, kind: ResultKind, path: PathBuf) -> DownloadJob {
        let overwrite = self.options.overwrite;
        DownloadJob::to_file(self.core.clone(), result, kind, path, overwrite)
            .expecting(&self.format)
    }

    /// The stage after the model is saved: the cover, or the end.
    fn after_model(&mut self, download: Download, model: SavedFile) -> Stage {
        self.events
            .push_back(GenerateProgress::Saved(model.clone()));
        // The model download may have refreshed the links; the cover uses the fresh ones.
        let fresh = &model.summary.result;
        match self.options.cover_path_for(fresh, &self.format) {
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
                Stage::MakeDir(submit) => {
                    self.stage = Stage::MakingDir(submit);
                    return Io::CreateDir(self.options.output_dir.clone());
                }
                Stage::Check(submit, mut paths) => match paths.pop() {
                    Some(path) => {
                        let ask = Io::Exists(path.clone());
                        paths.push(path);
                        self.stage = Stage::Checking(submit, paths);
                        return ask;
                    }
                    None => Stage::Submitting(submit),
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
                let Stage::MakingDir(submit) = mem::replace(&mut self.stage, Stage::Over) else {
                    return;
                };
                self.stage = match input {
                    Input::File(Ok(())) if self.options.overwrite => Stage::Submitting(submit),
                    Input::File(Ok(())) => {
                        Stage::Check(submit, self.options.predictable_paths(&self.format))
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
                let Stage::Checking(submit, mut paths) = mem::replace(&mut self.stage, Stage::Over)
                else {
                    return;
                };
                let path = paths.pop().unwrap_or_default();
                self.stage = match input {
                    Input::Exists(Ok(false)) => Stage::Check(submit, paths),
                    // The file is there: fail before the task is paid for.
                    Input::Exists(Ok(true)) => {
                        Stage::Finished(Box::new(Err(Error::file("save", path, already_exists()))))
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
