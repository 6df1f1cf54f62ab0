//! `hitem3d status`: one query.

use hitem3d_async::types::TaskId;
use serde_json::json;

use crate::cli::TaskIdArg;
use crate::exit_code::{Exit, Failure};
use crate::progress::describe;
use crate::report::Report;
use crate::session::{Connect, connect};

/// Runs `hitem3d status`. The result's links are not printed: they are signed, and
/// `hitem3d download` fetches fresh ones.
pub async fn run(args: TaskIdArg, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let task_id = TaskId::new(args.task_id.trim());
    crate::session::refuse_earlier_task_on_builtin_mock(how, "status")?;
    let session = connect(how, report).await?;
    let task = session.client.query(&task_id).await?;
    let percent = task.progress.or(task.process_pct);
    let ready = task.url.is_some();
    report.emit(
        "status",
        json!({
            "task_id": task.task_id.as_str(),
            "state": task.state.as_str(),
            "percent": percent,
            "result_ready": ready,
        }),
        &format!(
            "task {}: {}{}",
            task.task_id,
            describe(&task.state, percent),
            if ready {
                format!("; `hitem3d download {}` saves it", task.task_id)
            } else {
                String::new()
            }
        ),
    );
    Ok(Exit::Done)
}
