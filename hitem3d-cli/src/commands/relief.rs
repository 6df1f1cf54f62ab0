//! `hitem3d relief`: a relief from a picture.

use hitem3d_async::ReliefTask;

use crate::cli::ReliefArgs;
use crate::commands::task_run::run_task;
use crate::exit_code::{Exit, Failure};
use crate::pictures;
use crate::report::Report;
use crate::session::Connect;

/// Runs `hitem3d relief`.
pub async fn run(args: ReliefArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let picture = pictures::read(None, &args.image).await?;
    let mut builder = ReliefTask::builder(args.format.clone()).image(picture.image.clone());
    if let Some(model) = &args.model {
        builder = builder.model(model.clone());
    }
    let task = builder.build()?;
    let stem = args
        .name
        .clone()
        .unwrap_or_else(|| pictures::default_stem(std::slice::from_ref(&picture)));
    run_task(task.into(), &stem, &args.output, how, report).await
}
