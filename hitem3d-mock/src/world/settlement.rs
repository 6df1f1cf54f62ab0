//! What happens when tasks end: refunds for failures and the callbacks now due. Run by every
//! access to the world (`world::lock`), so no reader sees an unsettled state.

use hitem3d_types::{ApiErrorCode, TaskState};
use serde_json::json;

use super::{PendingCallback, World};
use crate::TaskFailure;
use crate::refusal::Refusal;
use crate::reply::Reply;

impl World {
    /// Refunds failed tasks and queues the callbacks now due.
    pub(super) fn settle(&mut self) {
        let now = self.now();
        let quirks = self.config.quirks;
        let mut due = Vec::new();
        let mut refund = 0.0;
        for task in self.tasks.values_mut() {
            let state = task.state_at(now);
            if task.settled || !state.is_terminal() {
                continue;
            }
            task.settled = true;
            self.ended.push_back(task.id.clone());
            if state == TaskState::Failed {
                // Failed generations are refunded, as the FAQ says.
                refund += task.credits;
            }
            if let Some(url) = task.record.callback_url.clone() {
                let body =
                    if state == TaskState::Failed && task.failure == Some(TaskFailure::Envelope) {
                        let failed = Refusal::documented(&ApiErrorCode::GenerateFailed);
                        Reply::refusal(failed, quirks).body
                    } else {
                        let data = json!({"task_id": task.id, "state": state.as_str()});
                        Reply::success(data, quirks, "msg").body
                    };
                due.push(PendingCallback {
                    task_id: task.id.clone(),
                    url,
                    body,
                });
            }
        }
        self.balance += refund;
        self.pending_callbacks.extend(due);
        self.forget_ended_tasks();
    }

    /// Forgets the tasks that ended first, with their files and links, past the retention.
    fn forget_ended_tasks(&mut self) {
        let mut forgotten = 0;
        while self.ended.len() > self.config.retention.ended_tasks {
            let Some(id) = self.ended.pop_front() else {
                break;
            };
            self.tasks.remove(&id);
            forgotten += 1;
        }
        if forgotten > 0 {
            self.journal.counters_mut().tasks_forgotten += forgotten;
            let tasks = &self.tasks;
            self.links
                .retain(|_, link| tasks.contains_key(&link.task_id));
        }
    }
}
