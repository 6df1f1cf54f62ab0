//! What tests script: faults per route, failing tasks, expired tokens, tasks ended by hand.

use super::World;
use crate::{Fault, Route, TaskFailure};

impl World {
    pub(crate) fn inject(&mut self, route: Route, fault: Fault, times: usize) {
        let queue = self.faults.entry(route).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }

    pub(crate) fn fail_next_tasks(&mut self, how: TaskFailure, count: usize) {
        self.fail_next.extend(std::iter::repeat_n(how, count));
    }

    pub(crate) fn expire_tokens(&mut self) {
        self.tokens.clear();
    }

    /// Ends a task now, successfully or not. Returns whether the task exists.
    pub(crate) fn finish_task(&mut self, task_id: &str, failure: Option<TaskFailure>) -> bool {
        let now = self.now();
        let Some(task) = self.tasks.get_mut(task_id) else {
            return false;
        };
        if task.state_at(now).is_terminal() {
            return true;
        }
        task.finish_at = Some(now);
        task.failure = failure;
        true
    }
}
