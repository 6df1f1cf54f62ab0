//! What `generate` (submit, wait, download) is asked for and what it hands back.

use std::path::{Path, PathBuf};

use hitem3d_types::{OutputFormat, TaskId, limits};

use crate::journal::JournalKey;
use crate::rules::file_name::unique_stem;
use crate::{
    DownloadSummary, ResultKind, TaskResult, WaitOutcome, possible_file_names, safe_file_name,
};

/// Where `generate` writes its files and which ones.
///
/// ```
/// use hitem3d_core::{GenerateOptions, ResultKind, TaskResult, Timestamp};
/// use hitem3d_core::types::{OutputFormat, TaskData};
///
/// let data: TaskData = serde_json::from_str(
///     r#"{"task_id":"t1","state":"success","url":"https://cdn.example/0.glb"}"#,
/// ).unwrap();
/// let result = TaskResult::from_task(&data, Timestamp::ZERO).unwrap();
///
/// let options = GenerateOptions::new("out").with_file_stem("my chair");
/// let path = options.path_for(&result, ResultKind::Model, Some(&OutputFormat::Glb));
/// assert_eq!(path, std::path::Path::new("out").join("my_chair.glb"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GenerateOptions {
    /// The directory the files go to; the clients create it, before submitting the task.
    pub output_dir: PathBuf,
    /// The file name without extension; the task id when `None`. Made safe before use.
    pub file_stem: Option<String>,
    /// Whether to download the cover picture too.
    pub cover: bool,
    /// Whether files already in the output directory may be replaced. Off by default: a
    /// `generate` whose named file exists fails before the task is submitted.
    pub overwrite: bool,
    /// The task's key in the client's journal ([`GenerateOptions::with_journal_key`]).
    pub journal_key: Option<JournalKey>,
}

impl GenerateOptions {
    /// Files named after the task id, in `output_dir`; no cover.
    #[must_use]
    pub fn new(output_dir: impl Into<PathBuf>) -> Self {
        Self {
            output_dir: output_dir.into(),
            file_stem: None,
            cover: false,
            overwrite: false,
            journal_key: None,
        }
    }

    /// Names this task `key` in the client's journal ([`crate::ClientConfig::with_journal`]):
    /// when the journal already holds an open task under `key` (a run that crashed or was
    /// stopped), `generate` waits for that task and downloads it instead of paying for a new
    /// one, and reports [`crate::GenerateProgress::Resumed`]. A key whose earlier submit got
    /// no answer fails with [`crate::journal::JournalError::OutcomeUnknown`]. Without a
    /// journal the key does nothing.
    #[must_use]
    pub fn with_journal_key(mut self, key: JournalKey) -> Self {
        self.journal_key = Some(key);
        self
    }

    /// These options and `format` as the text `generate` keeps in its journal entry's
    /// destination, read back by [`GenerateOptions::from_journal_destination`].
    #[must_use]
    pub fn journal_destination(&self, format: Option<&OutputFormat>) -> String {
        let destination = Destination {
            output_dir: self.output_dir.clone(),
            file_stem: self.file_stem.clone(),
            cover: self.cover,
            format: format.cloned(),
        };
        serde_json::to_string(&destination).unwrap_or_default()
    }

    /// The options and format a journal entry's destination holds, to resume it (the format
    /// is `None` for a task kind whose link names its file type); `None` for text `generate`
    /// did not write. The journal key is not part of it.
    #[must_use]
    pub fn from_journal_destination(text: &str) -> Option<(Self, Option<OutputFormat>)> {
        let destination: Destination = serde_json::from_str(text).ok()?;
        let mut options = Self::new(destination.output_dir).with_cover(destination.cover);
        options.file_stem = destination.file_stem;
        Some((options, destination.format))
    }

    /// Names the files `stem.<ext>` (and `stem-cover.<ext>`).
    #[must_use]
    pub fn with_file_stem(mut self, stem: impl Into<String>) -> Self {
        self.file_stem = Some(stem.into());
        self
    }

    /// Downloads the cover picture as well.
    #[must_use]
    pub fn with_cover(mut self, cover: bool) -> Self {
        self.cover = cover;
        self
    }

    /// Allows (or not) replacing files already in the output directory.
    #[must_use]
    pub fn with_overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// The paths the files may take that can be known before they are downloaded: with a file
    /// stem (or the id of a task that exists) the model's and the cover's. With a `format`
    /// the model's extension is the format's (a link with another extension is checked again
    /// on saving); without one, every extension a result link may carry. A new task's id names
    /// are new by construction.
    #[must_use]
    pub fn predictable_paths(
        &self,
        format: Option<&OutputFormat>,
        task_id: Option<&TaskId>,
    ) -> Vec<PathBuf> {
        let stem = match (&self.file_stem, task_id) {
            (Some(stem), _) => stem.clone(),
            (None, Some(task_id)) => unique_stem(task_id.as_str()),
            (None, None) => return Vec::new(),
        };
        let mut names = match format {
            Some(format) => vec![safe_file_name(&stem, "", "", format.file_extension())],
            None => possible_file_names(&stem, "", "bin"),
        };
        if self.cover {
            names.push(safe_file_name(&stem, "-cover", "", limits::COVER_EXTENSION));
        }
        names
            .into_iter()
            .map(|name| self.output_dir.join(name))
            .collect()
    }

    /// The path of one result file: a safe name (never a path the server can steer) in
    /// [`GenerateOptions::output_dir`], with the extension of the URL or of `format`.
    #[must_use]
    pub fn path_for(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        format: Option<&OutputFormat>,
    ) -> PathBuf {
        let name = match &self.file_stem {
            Some(stem) => result.file_name_with_stem(stem, kind, format),
            None => result.file_name(kind, format),
        };
        self.output_dir.join(name)
    }

    /// Where the cover goes, or `None` when no cover is asked for or the result has none
    /// (covers are optional at the service, so a missing one is not an error here).
    #[must_use]
    pub fn cover_path_for(
        &self,
        result: &TaskResult,
        format: Option<&OutputFormat>,
    ) -> Option<PathBuf> {
        (self.cover && result.cover_url.is_some())
            .then(|| self.path_for(result, ResultKind::Cover, format))
    }
}

/// What a journal entry keeps of [`GenerateOptions`].
#[derive(serde::Serialize, serde::Deserialize)]
struct Destination {
    output_dir: PathBuf,
    file_stem: Option<String>,
    cover: bool,
    /// Absent for a task kind whose link names its file type.
    #[serde(default)]
    format: Option<OutputFormat>,
}

/// A result file saved in full.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SavedFile {
    /// Where it is.
    pub path: PathBuf,
    /// Size, attempts, re-queries, and the (possibly refreshed) links used.
    pub summary: DownloadSummary,
}

impl SavedFile {
    /// Pairs a finished download with its path.
    #[must_use]
    pub fn new(path: impl AsRef<Path>, summary: DownloadSummary) -> Self {
        Self {
            path: path.as_ref().to_path_buf(),
            summary,
        }
    }

    /// Bytes written.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.summary.bytes
    }
}

/// A finished `generate`: the task, how waiting went, and the files.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Generated {
    /// The task.
    pub task_id: TaskId,
    /// The end of waiting: result links, last state, time and polls.
    pub wait: WaitOutcome,
    /// The model file.
    pub model: SavedFile,
    /// The cover picture, when asked for.
    pub cover: Option<SavedFile>,
}

impl Generated {
    /// Puts the pieces together.
    #[must_use]
    pub fn new(wait: WaitOutcome, model: SavedFile, cover: Option<SavedFile>) -> Self {
        Self {
            task_id: wait.task_id.clone(),
            wait,
            model,
            cover,
        }
    }
}

impl From<&str> for GenerateOptions {
    fn from(output_dir: &str) -> Self {
        Self::new(output_dir)
    }
}

impl From<String> for GenerateOptions {
    fn from(output_dir: String) -> Self {
        Self::new(output_dir)
    }
}

impl From<&Path> for GenerateOptions {
    fn from(output_dir: &Path) -> Self {
        Self::new(output_dir)
    }
}

impl From<PathBuf> for GenerateOptions {
    fn from(output_dir: PathBuf) -> Self {
        Self::new(output_dir)
    }
}
