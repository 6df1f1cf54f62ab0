//! Downloading a result file: the plan's requests and re-queries, the body streamed into a
//! temporary file (or a caller's writer), progress, and the final rename.

use std::mem;
use std::ops::Range;
use std::path::PathBuf;

use hitem3d_types::{OutputFormat, TaskData};

use crate::job::{Input, Io, Job, JournalOutbox, NoEvent};
use crate::journal::{EntryQuery, JournalOp, JournalReply, TaskEvent};
use crate::rules::content_check::{self, Expected, HEAD_BYTES};
use crate::{
    BodyAction, Call, CallError, ClientCore, DownloadPlan, DownloadProgress, DownloadStep,
    DownloadSummary, Error, PartialLocation, ResultKind, TaskResult, Timestamp, WritebackSchedule,
};

/// Fetches one result file. To a path, it streams into a temporary file beside it (a new one
/// for each attempt) that is renamed into place only when complete; to a caller's writer,
/// which cannot start over, a body that breaks off ends the download instead of being fetched
/// again on top of what was written. Made by [`ClientCore::download`] and
/// [`ClientCore::download_to_writer`].
#[derive(Debug)]
pub struct DownloadJob {
    core: ClientCore,
    plan: DownloadPlan,
    /// The final path; `None` for a caller's writer.
    path: Option<PathBuf>,
    /// Whether a file already at the path may be replaced.
    overwrite: bool,
    /// What the bytes must be.
    expected: Expected,
    /// The first bytes of the body being saved, for the content check.
    head: Vec<u8>,
    state: State,
    progress: Option<DownloadProgress>,
    /// Whether the temporary file holds bytes of an attempt that broke off.
    written: bool,
    /// The saved file, for the journal.
    outbox: JournalOutbox,
    /// When to have the temporary file written back to disk as it grows.
    writeback: WritebackSchedule,
    /// Whether the file's directory is known to exist.
    dir_ready: bool,
}

#[derive(Debug)]
enum State {
    /// Open a temporary file; `then_read` when a body waits to be saved into it.
    Open {
        then_read: bool,
    },
    Opening {
        then_read: bool,
    },
    /// Creating the file's directory (once), then [`State::Open`].
    MakingDir {
        then_read: bool,
    },
    Planning,
    Requerying(Box<Call<TaskData>>),
    AwaitingHead,
    Reading {
        bytes: u64,
    },
    AwaitingChunk {
        bytes: u64,
    },
    Write {
        chunk: bytes::Bytes,
        bytes: u64,
    },
    Writing {
        bytes: u64,
        /// The piece's length, for the write-back schedule.
        len: u64,
    },
    /// Ask the system to start writing this range of the file to disk.
    WriteBack {
        bytes: u64,
        range: Range<u64>,
    },
    WritingBack {
        bytes: u64,
    },
    Finishing(DownloadSummary),
    /// The name was taken while this file downloaded: ask the journal whether another run of
    /// the same task saved it there (`reads` asked so far).
    Confirm {
        summary: DownloadSummary,
        reads: u32,
    },
    Confirming {
        summary: DownloadSummary,
        reads: u32,
    },
    /// Between reads, for the other run to record the file it just saved.
    ConfirmLater {
        summary: DownloadSummary,
        reads: u32,
        until: Timestamp,
    },
    Finished(Result<DownloadSummary, Error>),
    Over,
}

impl DownloadJob {
    pub(crate) fn to_file(
        core: ClientCore,
        result: &TaskResult,
        kind: ResultKind,
        path: PathBuf,
        overwrite: bool,
    ) -> Self {
        let plan = Self::plan(&core, result, kind);
        let mut job = Self::new(core, plan, Some(path));
        job.overwrite = overwrite;
        job
    }

    pub(crate) fn to_writer(core: ClientCore, result: &TaskResult, kind: ResultKind) -> Self {
        let plan = Self::plan(&core, result, kind).with_append_only_destination();
        Self::new(core, plan, None)
    }

    /// The file's directory exists already (the caller made it): no step creates it again.
    pub(crate) fn in_existing_dir(mut self) -> Self {
        self.dir_ready = true;
        self
    }

    /// Checks the bytes against `format` (what was asked for) instead of the format the
    /// link's extension names.
    pub(crate) fn expecting(mut self, format: &OutputFormat) -> Self {
        self.expected = Expected::for_kind(self.plan.kind(), Some(format.clone()));
        self
    }

    fn plan(core: &ClientCore, result: &TaskResult, kind: ResultKind) -> DownloadPlan {
        let policy = core.config().download;
        DownloadPlan::new(core.requests(), result.clone(), kind, policy, core.seed())
    }

    fn new(core: ClientCore, plan: DownloadPlan, path: Option<PathBuf>) -> Self {
        // The link's extension names the format, when it is one the spec knows.
        let linked = plan
            .result()
            .url(plan.kind())
            .and_then(|url| url.split(['?', '#']).next())
            .and_then(|path| path.rsplit_once('.'))
            .and_then(|(_, extension)| {
                OutputFormat::KNOWN
                    .iter()
                    .find(|format| format.extension() == Some(&*extension.to_ascii_lowercase()))
                    .cloned()
            });
        let expected = Expected::for_kind(plan.kind(), linked);
        let state = if path.is_some() {
            State::Open { then_read: false }
        } else {
            State::Planning
        };
        Self {
            core,
            plan,
            path,
            state,
            progress: None,
            written: false,
            outbox: JournalOutbox::default(),
            writeback: WritebackSchedule::default(),
            dir_ready: false,
            overwrite: false,
            expected,
            head: Vec::new(),
        }
    }

    /// The journal's entries of the task whose file found its name taken: the file is another
    /// run's save of the same task when the entry lists it at this path. An entry still open
    /// may be a run that saved it a moment ago and has yet to record it: asked again shortly.
    fn on_confirmed(
        &mut self,
        mut summary: DownloadSummary,
        reads: u32,
        answer: Result<JournalReply, crate::journal::JournalError>,
        now: Timestamp,
    ) -> State {
        let entries = match answer {
            Ok(JournalReply::Entries(entries)) => entries,
            Ok(_) => return self.taken(),
            Err(error) => {
                tracing::debug!(%error, "could not read the journal about a taken file name");
                return self.taken();
            }
        };
        let path = self.path.as_deref();
        if entries
            .iter()
            .any(|entry| entry.files.iter().any(|file| Some(file.as_path()) == path))
        {
            tracing::info!("the file was saved by another run of the same task");
            summary.by_another_run = true;
            return State::Finished(Ok(summary));
        }
        let recording = entries.iter().any(|entry| !entry.is_closed());
        if recording && reads < SAVED_ELSEWHERE_READS {
            let until = now + SAVED_ELSEWHERE_PAUSE;
            return State::ConfirmLater {
                summary,
                reads,
                until,
            };
        }
        self.taken()
    }

    /// The end for a name taken by a file this task's runs did not save.
    fn taken(&self) -> State {
        State::Finished(Err(self.file_error("save", already_exists())))
    }

    /// The error for a failed file step: the final path names the file; a caller's writer has
    /// none.
    fn file_error(&self, action: &'static str, source: std::io::Error) -> Error {
        match &self.path {
            Some(path) if source.kind() == std::io::ErrorKind::AlreadyExists => {
                Error::file(action, path, already_exists())
            }
            Some(path) => Error::file(action, path, source),
            None => Error::Write(source),
        }
    }
}

impl Job for DownloadJob {
    type Event = DownloadProgress;
    type Output = Result<DownloadSummary, Error>;

    fn next(&mut self, now: Timestamp) -> Io<DownloadProgress, Self::Output> {
        loop {
            if let Some(progress) = self.progress.take() {
                return Io::Emit(progress);
            }
            if let Some(write) = self.outbox.next() {
                return write;
            }
            match mem::replace(&mut self.state, State::Over) {
                State::Open { then_read } => {
                    match self.path.as_deref().map(PartialLocation::for_path) {
                        Some(Ok(location)) if !self.dir_ready => {
                            self.state = State::MakingDir { then_read };
                            return Io::CreateDir(location.dir);
                        }
                        Some(Ok(location)) => {
                            self.state = State::Opening { then_read };
                            return Io::CreatePartial(location);
                        }
                        Some(Err(error)) => return Io::Done(Err(error)),
                        None => self.state = State::Planning,
                    }
                }
                State::Planning => match self.plan.next(now) {
                    DownloadStep::Requery(task_id) => {
                        tracing::debug!("link stale or refused; querying for fresh links");
                        self.state = State::Requerying(Box::new(self.core.query_call(&task_id)));
                    }
                    DownloadStep::Wait { until } => {
                        self.state = State::Planning;
                        return Io::Sleep(until);
                    }
                    DownloadStep::Get(request) => {
                        tracing::debug!(attempt = self.plan.attempts(), "fetching");
                        self.state = State::AwaitingHead;
                        return Io::Fetch(request);
                    }
                    DownloadStep::Done(Ok(summary)) => {
                        let finish = match &self.path {
                            Some(path) => Io::Commit {
                                path: path.clone(),
                                overwrite: self.overwrite,
                            },
                            None => Io::Flush,
                        };
                        self.state = State::Finishing(summary);
                        return finish;
                    }
                    DownloadStep::Done(Err(error)) => return Io::Done(Err(error.into())),
                },
                State::Requerying(mut call) => {
                    match Job::next(call.as_mut(), now).forward(|never: NoEvent| match never {}) {
                        Ok(io) => {
                            self.state = State::Requerying(call);
                            return io;
                        }
                        Err(answer) => {
                            self.plan.on_requery(answer, now);
                            self.state = State::Planning;
                        }
                    }
                }
                State::Reading { bytes } => {
                    self.state = State::AwaitingChunk { bytes };
                    return Io::ReadBody;
                }
                State::Write { chunk, bytes } => {
                    let len = chunk.len() as u64;
                    self.state = State::Writing { bytes, len };
                    return Io::Write(chunk);
                }
                State::WriteBack { bytes, range } => {
                    tracing::trace!(from = range.start, to = range.end, "starting to write back");
                    self.state = State::WritingBack { bytes };
                    return Io::StartWriteback(range);
                }
                State::Confirm { summary, reads } => {
                    let query = EntryQuery::Task(summary.result.task_id.clone());
                    match self.core.journal_call(JournalOp::Entries(query)) {
                        Some(call) => {
                            self.state = State::Confirming { summary, reads };
                            return Io::Journal(call);
                        }
                        None => self.state = self.taken(),
                    }
                }
                State::ConfirmLater {
                    summary,
                    reads,
                    until,
                } => {
                    if now < until {
                        self.state = State::ConfirmLater {
                            summary,
                            reads,
                            until,
                        };
                        return Io::Sleep(until);
                    }
                    self.state = State::Confirm { summary, reads };
                }
                State::Finished(result) => return Io::Done(result),
                State::Over => {
                    return Io::Done(Err(Error::Call(CallError::OutOfSequence(
                        "a download job was asked for more after it ended",
                    ))));
                }
                // Asked again while I/O is outstanding: the driver skipped an answer.
                awaiting @ (State::Opening { .. }
                | State::MakingDir { .. }
                | State::AwaitingHead
                | State::AwaitingChunk { .. }
                | State::Writing { .. }
                | State::WritingBack { .. }
                | State::Finishing(_)
                | State::Confirming { .. }) => {
                    tracing::debug!(state = ?awaiting, "download job asked again mid-step");
                    return Io::Done(Err(Error::Call(CallError::OutOfSequence(
                        "a download job was asked for more before its I/O was answered",
                    ))));
                }
            }
        }
    }

    fn on(&mut self, input: Input, now: Timestamp) {
        if let (Input::Journal(_), false) = (&input, matches!(self.state, State::Confirming { .. }))
        {
            // The saved file's write: the `Recorded` around this job keeps its answer.
            return;
        }
        self.state = match (mem::replace(&mut self.state, State::Over), input) {
            (State::MakingDir { then_read }, Input::File(Ok(()))) => {
                self.dir_ready = true;
                State::Open { then_read }
            }
            (State::MakingDir { .. }, Input::File(Err(error))) => {
                State::Finished(Err(self.file_error("create the directory of", error)))
            }
            (State::Opening { then_read: false }, Input::File(Ok(()))) => {
                self.writeback = WritebackSchedule::default();
                State::Planning
            }
            (State::Opening { then_read: true }, Input::File(Ok(()))) => {
                self.writeback = WritebackSchedule::default();
                self.written = false;
                self.progress = Some(self.plan.progress(0));
                State::Reading { bytes: 0 }
            }
            (State::Opening { .. }, Input::File(Err(error))) => {
                State::Finished(Err(self.file_error("create a temporary file for", error)))
            }
            (State::Requerying(mut call), input) => {
                call.as_mut().on(input, now);
                State::Requerying(call)
            }
            (State::AwaitingHead, Input::Head(Ok(head))) => {
                match self.plan.on_response(head.status(), head.headers(), now) {
                    BodyAction::Discard => State::Planning,
                    // A fresh temporary file for a new attempt; the broken one is removed.
                    BodyAction::Save if self.written => State::Open { then_read: true },
                    BodyAction::Save => {
                        self.progress = Some(self.plan.progress(0));
                        State::Reading { bytes: 0 }
                    }
                }
            }
            (State::AwaitingHead, Input::Head(Err(failure))) => {
                self.plan.on_transport_failure(failure, now);
                State::Planning
            }
            (State::AwaitingChunk { bytes }, Input::Chunk(Ok(Some(chunk)))) => {
                let total = bytes + chunk.len() as u64;
                if bytes == 0 {
                    self.head.clear();
                }
                let room = HEAD_BYTES.saturating_sub(self.head.len());
                self.head.extend_from_slice(&chunk[..room.min(chunk.len())]);
                match self.plan.on_bytes(total, now) {
                    BodyAction::Save => State::Write {
                        bytes: total,
                        chunk,
                    },
                    BodyAction::Discard => State::Planning,
                }
            }
            (State::AwaitingChunk { bytes }, Input::Chunk(Ok(None))) => {
                let head = if bytes == 0 { &[][..] } else { &self.head[..] };
                match content_check::check(&self.expected, head, bytes) {
                    Ok(()) => {
                        self.plan.on_saved(bytes, now);
                        State::Planning
                    }
                    Err(arrived) => State::Finished(Err(self
                        .plan
                        .wrong_content(self.expected.to_string(), arrived))),
                }
            }
            (State::AwaitingChunk { .. }, Input::Chunk(Err(failure))) => {
                self.plan.on_transport_failure(failure, now);
                State::Planning
            }
            (State::Writing { bytes, len }, Input::File(Ok(()))) => {
                self.written = true;
                self.progress = Some(self.plan.progress(bytes));
                // Only a file is written back; a caller's writer is the caller's business.
                match self.writeback.on_written(len) {
                    Some(range) if self.path.is_some() => State::WriteBack { bytes, range },
                    _ => State::Reading { bytes },
                }
            }
            (State::WritingBack { bytes }, Input::File(done)) => {
                // A hint: the final flush writes whatever it did not start.
                if let Err(error) = done {
                    tracing::debug!(%error, "the system did not take the hint to write the file back");
                }
                State::Reading { bytes }
            }
            (State::Writing { .. }, Input::File(Err(error))) => {
                State::Finished(Err(self.file_error("write", error)))
            }
            (State::Finishing(summary), Input::File(Ok(()))) => {
                if let Some(path) = &self.path {
                    tracing::info!(path = %path.display(), bytes = summary.bytes, "saved");
                    let saved = TaskEvent::Saved(path.clone());
                    let op = JournalOp::Record(summary.result.task_id.clone(), saved);
                    self.outbox.push(&self.core, op);
                }
                State::Finished(Ok(summary))
            }
            (State::Finishing(summary), Input::File(Err(error)))
                if error.kind() == std::io::ErrorKind::AlreadyExists && !self.overwrite =>
            {
                State::Confirm { summary, reads: 0 }
            }
            (State::Finishing(_), Input::File(Err(error))) => {
                State::Finished(Err(self.file_error("save", error)))
            }
            (State::Confirming { summary, reads }, Input::Journal(answer)) => {
                self.on_confirmed(summary, reads + 1, answer, now)
            }
            // Input a finished job gets changes nothing; any other it did not ask for is a
            // driver bug, and ends the job.
            (finished @ (State::Finished(_) | State::Over), _) => finished,
            (state, _) => {
                tracing::debug!(state = ?state, "download job handed input out of turn");
                State::Finished(Err(Error::Call(CallError::OutOfSequence(
                    "a download job was handed input it did not ask for",
                ))))
            }
        };
    }

    fn span(&self) -> tracing::Span {
        tracing::info_span!("hitem3d.download", task_id = %self.plan.result().task_id)
    }
}

/// How often the journal is read about a taken file name, and the pause between reads: a run
/// records its saved file right after the rename, so a second or two covers the gap.
const SAVED_ELSEWHERE_READS: u32 = 3;
const SAVED_ELSEWHERE_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);

/// Why a file that exists was not replaced, and how to allow it.
pub(crate) fn already_exists() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "a file is already there, and nothing is overwritten unless asked: choose another name \
         or output directory, or allow it (GenerateOptions::with_overwrite, \
         DownloadPolicy::with_overwrite)",
    )
}
