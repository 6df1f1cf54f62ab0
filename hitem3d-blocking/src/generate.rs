//! Submit, wait and download in one call.

use hitem3d_core::{Error, GenerateOptions, GenerateProgress, Generated, ResultKind, SubmitTask};

use crate::Client;

impl Client {
    /// The common case in one call: submits `task`, waits for it, and downloads the model (and
    /// the cover, if asked) into the output directory, named after the task id unless
    /// [`GenerateOptions::with_file_stem`] says otherwise. The directory is created first, so
    /// that a path that cannot hold files fails before the task is paid for.
    ///
    /// ```no_run
    /// use hitem3d_blocking::{Client, GenerateOptions, Image, SubmitTask, types::{Model, OutputFormat}};
    ///
    /// # fn run(client: Client) -> Result<(), hitem3d_blocking::Error> {
    /// let task = SubmitTask::builder(Model::Hitem3dV2_0)
    ///     .image(Image::new(std::fs::read("chair.png").expect("a picture")))
    ///     .format(OutputFormat::Stl)
    ///     .build()?;
    /// let generated =
    ///     client.generate(task, GenerateOptions::new("out").with_file_stem("chair").with_cover(true))?;
    /// assert!(generated.model.path.ends_with("chair.stl"));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// Any error of [`Client::submit`], [`Client::wait`] or [`Client::download`]. Once the
    /// task exists, [`Error::task_id`] names it, so it can be resumed with [`Client::wait`].
    pub fn generate(
        &self,
        task: SubmitTask,
        options: impl Into<GenerateOptions>,
    ) -> Result<Generated, Error> {
        self.generate_with(task, options, |_| {})
    }

    /// [`Client::generate`], reporting each step: submitted, task events, download bytes,
    /// saved files.
    ///
    /// # Errors
    /// As [`Client::generate`].
    pub fn generate_with(
        &self,
        task: SubmitTask,
        options: impl Into<GenerateOptions>,
        mut on_progress: impl FnMut(GenerateProgress),
    ) -> Result<Generated, Error> {
        let options = options.into();
        let format = task.format().clone();
        let _entered = tracing::info_span!("hitem3d.generate", model = %task.model()).entered();
        // A directory that cannot be made fails here, before the task is paid for.
        std::fs::create_dir_all(&options.output_dir).map_err(|source| {
            Error::file("create the output directory", &options.output_dir, source)
        })?;
        let task_id = self.submit(task)?;
        on_progress(GenerateProgress::Submitted {
            task_id: task_id.clone(),
        });
        let outcome = self.wait_with(&task_id, |event| {
            on_progress(GenerateProgress::Waiting(event.clone()));
        })?;
        let path = options.path_for(&outcome.result, ResultKind::Model, &format);
        let model = self.download_with(&outcome.result, ResultKind::Model, &path, |bytes| {
            on_progress(GenerateProgress::Downloading(bytes));
        })?;
        on_progress(GenerateProgress::Saved(model.clone()));
        // The model download may have refreshed the links; the cover uses the fresh ones.
        let fresh = &model.summary.result;
        let cover = if let Some(path) = options.cover_path_for(fresh, &format) {
            let cover = self.download_with(fresh, ResultKind::Cover, &path, |bytes| {
                on_progress(GenerateProgress::Downloading(bytes));
            })?;
            on_progress(GenerateProgress::Saved(cover.clone()));
            Some(cover)
        } else {
            None
        };
        Ok(Generated::new(outcome, model, cover))
    }
}
