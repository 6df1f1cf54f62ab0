//! `hitem3d balance`: the account's credits.

use serde_json::json;

use crate::exit_code::{Exit, Failure};
use crate::report::Report;
use crate::session::{Connect, connect};

/// Runs `hitem3d balance`.
pub async fn run(how: &Connect, report: Report) -> Result<Exit, Failure> {
    let session = connect(how, report).await?;
    let balance = session.client.balance().await?;
    let total = balance.total().map(|credits| credits.0);
    let text = match total {
        Some(total) => format!(
            "{total} credits{}",
            if session.on_mock() {
                " (simulated)"
            } else {
                ""
            }
        ),
        None => "the service did not report a balance".to_owned(),
    };
    report.emit(
        "balance",
        json!({"credits": total, "simulated": session.on_mock()}),
        &text,
    );
    Ok(Exit::Done)
}
