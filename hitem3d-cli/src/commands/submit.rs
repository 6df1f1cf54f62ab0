//! `hitem3d submit`: pay for a task and print its id.

use serde_json::json;

use crate::cli::SubmitArgs;
use crate::exit_code::{Exit, Failure};
use crate::pictures::pictures;
use crate::report::Report;
use crate::session::{Connect, connect};
use crate::task_spec;

/// Runs `hitem3d submit`. The task goes into the journal, so `hitem3d resume` can finish it.
pub async fn run(args: SubmitArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let pictures = pictures(&args.pictures).await?;
    let task = task_spec::build(&pictures, &args.model)?;
    let credits = hitem3d_async::NewTask::from(task.clone()).estimated_credits();
    let session = connect(how, report).await?;
    let ephemeral = session.say_nothing_outlives_the_mock("the task", report);
    let task_id = session.client.submit(task).await?;
    let next = if ephemeral {
        "submitted to the built-in mock, which stops now".to_owned()
    } else {
        format!(
            "submitted; `hitem3d wait {task_id}` waits for it, `hitem3d download {task_id}` \
             saves it"
        )
    };
    report.emit(
        "submitted",
        json!({"task_id": task_id.as_str(), "estimated_credits": credits,
               "ends_with_this_process": ephemeral}),
        &format!("{task_id}\n  {next}"),
    );
    Ok(Exit::Done)
}
