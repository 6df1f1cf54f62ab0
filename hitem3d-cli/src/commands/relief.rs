//! `hitem3d relief`: a relief from a picture.

use hitem3d_async::ReliefTask;

use crate::cli::ReliefArgs;
use crate::commands::task_run::submit_wait_save;
use crate::exit_code::{Exit, Failure};
use crate::pictures;
use crate::report::Report;
use crate::session::{Connect, connect};

/// Runs `hitem3d relief`.
pub async fn run(args: ReliefArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let picture = pictures::read(None, &args.image).await?;
    let mut builder = ReliefTask::builder(args.format.clone()).image(picture.image.clone());
    if let Some(model) = &args.model {
        builder = builder.model(model.clone());
    }
    let task = builder
        .build()
        .map_err(|error| Failure::from(hitem3d_async::Error::from(error)))?;
    let stem = args
        .name
        .clone()
        .unwrap_or_else(|| pictures::default_stem(std::slice::from_ref(&picture)));
    let how = Connect {
        overwrite: args.output.force,
        ..how.clone()
    };
    let session = connect(&how, report).await?;
    submit_wait_save(&session.client, task.into(), &stem, &args.output, report).await?;
    Ok(Exit::Done)
}
