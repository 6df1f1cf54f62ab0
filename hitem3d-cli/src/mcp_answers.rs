//! What each MCP tool answers, as types: their schemas are the tools' output schemas, so an
//! agent knows the fields before it calls. A failure is a tool error with [`Refusal`]'s
//! fields instead.

use rmcp::schemars::{self, JsonSchema};
use serde::Serialize;

/// `generate`'s answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Generated {
    /// The task's id; absent only for a file an earlier run saved without one recorded.
    pub task_id: Option<String>,
    /// The model file's absolute path on the server's machine.
    pub path: String,
    /// The file's size in bytes (absent when it was saved earlier).
    pub bytes: Option<u64>,
    /// Whether a task paid for earlier (and interrupted) was finished instead of a new one.
    pub resumed: bool,
    /// Whether another run working on the same task saved the file (paid once).
    pub by_another_run: bool,
    /// Whether the file was made earlier and returned without paying again.
    pub already_saved: bool,
    /// Whether this ran on the built-in simulator (no credentials set): nothing was paid.
    pub simulated: bool,
}

/// `query`'s answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Queried {
    /// The task's id.
    pub task_id: String,
    /// created, queueing, processing, success or failed.
    pub state: String,
    /// How far the task is, 0-100, when the service says.
    pub percent: Option<f64>,
    /// Whether the model can be downloaded now.
    pub result_ready: bool,
}

/// `download`'s answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Downloaded {
    /// The task's id.
    pub task_id: String,
    /// The model file's absolute path on the server's machine.
    pub path: String,
    /// The file's size in bytes.
    pub bytes: u64,
}

/// `balance`'s answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Balance {
    /// The credits left, when the service says.
    pub credits: Option<f64>,
    /// Whether this is the built-in simulator's pretend balance.
    pub simulated: bool,
}

/// `estimate`'s answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Estimate {
    /// The model priced.
    pub model: String,
    /// The resolution priced.
    pub resolution: String,
    /// The published price of one task, in credits.
    pub credits_each: u32,
    /// How many tasks.
    pub count: u32,
    /// The price of them all, in credits.
    pub credits: u64,
}

/// A tool error's structured content.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Refusal {
    /// What went wrong and what to change, in the tools' terms.
    pub message: String,
    /// The command line's exit code for the same failure: 2 the arguments or a file must
    /// change (nothing was paid), 3 credentials refused, 4 not enough credits, 5 the task
    /// failed at the service, 6 timed out or the service failed for now, 7 a submit's outcome
    /// is unknown, 8 a task exists that the journal could not record, 1 anything else.
    pub exit_code: u8,
}
