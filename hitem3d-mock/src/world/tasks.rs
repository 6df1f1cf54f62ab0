//! Creating tasks (with the ledger and the unfinished-task limit) and answering queries.

use std::time::Duration;

use hitem3d_types::{ApiErrorCode, TaskState};
use serde_json::json;

use super::{Incoming, World, hex};
use crate::journal::JournalEntry;
use crate::refusal::Refusal;
use crate::reply::Reply;
use crate::submit_form;
use crate::task::MockTask;
use crate::{TaskFailure, assets};

impl World {
    pub(super) fn submit(
        &mut self,
        request: &Incoming<'_>,
        entry: &mut JournalEntry,
        now: Duration,
    ) -> Reply {
        let quirks = self.config.quirks;
        // More than four pictures at the size limit, plus room for the form: refused before
        // the form is parsed (and its pictures copied).
        if request.body.len() as u64 > submit_form::MAX_FORM_BYTES {
            return Reply::refusal(Refusal::documented(&ApiErrorCode::FileTooLarge), quirks);
        }
        let Some(form) = submit_form::parse(request.header("content-type"), request.body) else {
            return Reply::refusal(Refusal::documented(&ApiErrorCode::ImagesRequired), quirks);
        };
        entry.fields = form.fields.clone();
        entry.files = form.summaries();
        let record = match submit_form::check(&form) {
            Ok(record) => record,
            Err(refusal) => return Reply::refusal(refusal, quirks),
        };
        let price = record
            .resolution
            .as_ref()
            .and_then(|resolution| {
                record
                    .model
                    .estimated_credits(resolution, &record.request_type)
            })
            .map_or(20.0, f64::from);
        if self.balance < price {
            let refusal = Refusal::documented(&ApiErrorCode::InsufficientBalance);
            return Reply::refusal(refusal, quirks);
        }
        if self.unfinished_tasks(now) >= self.config.max_unfinished_tasks {
            return Reply::refusal(Refusal::TOO_MANY_TASKS, quirks);
        }
        self.balance -= price;
        self.counter += 1;
        let id = format!(
            "{}.hitem3d-mock.{}",
            hex(&self.random.bytes("task"))[..32].to_owned(),
            self.counter
        );
        let failure = self.fail_next.pop_front();
        self.tasks.insert(
            id.clone(),
            MockTask {
                id: id.clone(),
                record,
                submitted_at: now,
                timeline: self.config.timeline,
                finish_at: None,
                failure,
                credits: price,
                settled: false,
                files: None,
            },
        );
        self.peak_unfinished = self.peak_unfinished.max(self.unfinished_tasks(now));
        entry.task_id = Some(id.clone());
        Reply::success(json!({"task_id": id}), quirks, "msg")
    }

    pub(super) fn query(
        &mut self,
        request: &Incoming<'_>,
        entry: &mut JournalEntry,
        now: Duration,
    ) -> Reply {
        let quirks = self.config.quirks;
        let task_id = request.query_param("task_id").unwrap_or_default();
        entry.task_id = Some(task_id.clone());
        let Some(task) = self.tasks.get_mut(&task_id) else {
            return Reply::refusal(Refusal::documented(&ApiErrorCode::TaskNotFound), quirks);
        };
        let state = task.state_at(now);
        if state == TaskState::Failed && task.failure == Some(TaskFailure::Envelope) {
            return Reply::refusal(Refusal::documented(&ApiErrorCode::GenerateFailed), quirks);
        }
        let mut data = json!({"task_id": task.id, "state": state.as_str()});
        if quirks.progress
            && let Some(progress) = task.progress_at(now)
        {
            data["progress"] = json!(progress);
        }
        if state == TaskState::Success {
            let (model, cover) = task.files.get_or_insert_with(|| {
                assets::generate(
                    &task.record.picture,
                    task.record.resolution.as_ref(),
                    &task.record.format,
                )
            });
            let (model_ext, cover_ext) = (model.extension, cover.extension);
            let id = task.id.clone();
            data["id"] = json!(format!("{id}_0"));
            data["url"] = json!(self.link(&id, false, model_ext, now));
            data["cover_url"] = json!(self.link(&id, true, cover_ext, now));
        }
        Reply::success(data, quirks, "msg")
    }
}
