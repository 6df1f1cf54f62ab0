//! `hitem3d wait`: wait for a task to finish, showing its state.

use std::time::Duration;

use hitem3d_async::types::TaskId;
use serde_json::json;

use crate::cli::WaitArgs;
use crate::exit_code::{Exit, Failure};
use crate::progress::Live;
use crate::report::Report;
use crate::session::{Connect, connect};
use crate::wording;

/// Runs `hitem3d wait`.
pub async fn run(args: WaitArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let task_id = TaskId::new(args.task_id.trim());
    crate::session::refuse_earlier_task_on_builtin_mock(how, "wait")?;
    let session = connect(how, report).await?;
    let client = match args.timeout {
        Some(0) => return Err(Failure::invalid("--timeout must be at least 1 second")),
        Some(seconds) => {
            let wait = session
                .client
                .config()
                .wait
                .with_deadline(Duration::from_secs(seconds));
            hitem3d_async::Client::new(session.client.config().clone().with_wait(wait))?
        }
        None => session.client.clone(),
    };
    let mut live = Live::start(report, &format!("waiting for task {task_id}"));
    let outcome = client
        .wait_with(&task_id, |event| live.on_wait(event))
        .await;
    live.finish();
    let outcome = outcome?;
    report.emit(
        "finished",
        json!({
            "task_id": outcome.task_id.as_str(),
            "state": outcome.last_state.as_str(),
            "seconds": outcome.elapsed.as_secs_f64(),
            "polls": outcome.polls,
        }),
        &format!(
            "{}; `hitem3d download {}` saves it",
            wording::finished(&outcome),
            outcome.task_id
        ),
    );
    Ok(Exit::Done)
}
