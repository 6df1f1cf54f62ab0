//! Creating tasks (with the ledger and the unfinished-task limit) and answering queries.

use std::time::Duration;

use hitem3d_types::{ApiErrorCode, TaskId, TaskState, TaskType};
use serde_json::json;

use super::{Incoming, World, alphanumeric, hex};
use crate::TaskFailure;
use crate::assets::GeneratedFile;
use crate::journal::JournalEntry;
use crate::refusal::Refusal;
use crate::reply::Reply;
use crate::task::MockTask;
use crate::workshop::{AssetOrder, Product};
use crate::{mesh_form, relief_form, submit_form};

impl World {
    /// Creates a task of `task_type` from its form (submit-task or depth/create-task).
    pub(super) fn submit(
        &mut self,
        request: &Incoming<'_>,
        entry: &mut JournalEntry,
        now: Duration,
        task_type: TaskType,
    ) -> Reply {
        let quirks = self.config.quirks;
        // More than four pictures at the size limit, plus room for the form: refused before
        // the form is parsed (and its pictures copied).
        if request.body_too_large || request.body.len() as u64 > submit_form::MAX_FORM_BYTES {
            return Reply::refusal(Refusal::documented(&ApiErrorCode::FileTooLarge), quirks);
        }
        let Some(form) = submit_form::parse(request.header("content-type"), request.body) else {
            return Reply::refusal(Refusal::documented(&ApiErrorCode::ImagesRequired), quirks);
        };
        entry.fields = form.fields.clone();
        entry.files = form.summaries();
        let checked = match task_type {
            TaskType::ImageTo3d => submit_form::check(&form),
            TaskType::Relief => relief_form::check(&form),
            other => mesh_form::check(&form, other),
        };
        let record = match checked {
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
            .or_else(|| task_type.credits())
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
        let drawn = self.random.bytes("task");
        let random = hex(&drawn);
        let id = match task_type {
            // Shaped like the service's (`<32 hex>.jjewelry-aigc-api.<10 chars>`), so what a
            // client says about ids holds here too.
            TaskType::ImageTo3d => format!(
                "{}.jjewelry-aigc-api.{}",
                &random[..32],
                alphanumeric(&drawn, 10)
            ),
            // Like the service's `depth_20260312_8f92ab3e1cde`: the type's prefix first.
            other => format!("{}{}_{}", other.id_prefix(), self.counter, &random[..12]),
        };
        let mesh_missing = form
            .field("mesh_url")
            .is_some_and(|url| self.mesh_url_names_nothing(url, now));
        let failure = self.fail_next.pop_front();
        let failure = failure.or_else(|| mesh_missing.then_some(TaskFailure::State));
        let failure = failure.or_else(|| {
            let name = record.picture_name.as_deref();
            self.config
                .failing_tasks
                .iter()
                .find(|rule| rule.which.includes(self.counter, name))
                .map(|rule| rule.how)
        });
        let mut record = record;
        let order = AssetOrder {
            task_id: id.clone(),
            picture: std::mem::take(&mut record.picture),
            resolution: record.resolution.clone(),
            product: record
                .product
                .clone()
                .unwrap_or_else(|| Product::Model(record.format.clone())),
        };
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
        self.order_files(order);
        entry.task_id = Some(id.clone());
        Reply::success(json!({"task_id": id}), quirks, "msg")
    }

    /// Answers a query at the query endpoint of `task_type`: each endpoint knows only the
    /// tasks of its type.
    pub(super) fn query(
        &mut self,
        request: &Incoming<'_>,
        entry: &mut JournalEntry,
        now: Duration,
        task_type: TaskType,
    ) -> Reply {
        let quirks = self.config.quirks;
        let task_id = request.query_param("task_id").unwrap_or_default();
        entry.task_id = Some(task_id.clone());
        let known = self
            .tasks
            .get_mut(&task_id)
            .filter(|_| TaskType::of(&TaskId::new(task_id.as_str())) == task_type);
        let Some(task) = known else {
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
        if state == TaskState::Success
            && let Some((model, cover)) = &task.files
        {
            let (model_ext, cover_ext) = (model.extension, cover.extension);
            let id = task.id.clone();
            data["id"] = json!(format!("{id}_0"));
            // Only image-to-3D answers carry a cover; the docs show none for the other types.
            let cover = task.record.product.is_none();
            data["url"] = json!(self.link(&id, false, model_ext, now));
            if cover {
                data["cover_url"] = json!(self.link(&id, true, cover_ext, now));
            }
        }
        Reply::success(data, quirks, "msg")
    }
}

impl World {
    /// Has the task's files made: by the workshop when the mock runs as a server, here and
    /// now otherwise.
    fn order_files(&mut self, order: AssetOrder) {
        match &mut self.workshop {
            Some(workshop) => workshop.order(order),
            None => {
                let files = order.make();
                self.store_files(&order.task_id, files);
            }
        }
    }

    /// Keeps the files made for a task (the first ones, if made twice) and wakes whoever waits
    /// for them.
    pub(crate) fn store_files(&mut self, task_id: &str, files: (GeneratedFile, GeneratedFile)) {
        if let Some(task) = self.tasks.get_mut(task_id) {
            task.files.get_or_insert(files);
        }
        self.files_made.notify_all();
    }

    /// Whether a task is due to succeed but its files are still being made.
    pub(crate) fn files_pending(&self) -> bool {
        let now = self.now();
        self.tasks
            .values()
            .any(|task| now >= task.finishes_at() && task.failure.is_none() && task.files.is_none())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use hitem3d_types::TaskState;

    use super::super::{Incoming, World};
    use crate::workshop::Workshop;
    use crate::{MockConfig, Route};

    fn picture() -> Vec<u8> {
        let mut png = Vec::new();
        image::RgbImage::from_pixel(16, 16, image::Rgb([20, 20, 20]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        png
    }

    fn request<'a>(path: &'a str, query: Option<&'a str>, body: &'a [u8]) -> Incoming<'a> {
        Incoming {
            method: "POST",
            path,
            query,
            headers: vec![
                ("authorization", "Bearer t".into()),
                ("content-type", "multipart/form-data; boundary=b".into()),
            ],
            body,
            body_too_large: false,
        }
    }

    fn submit_body() -> Vec<u8> {
        let mut body = b"--b\r\nContent-Disposition: form-data; name=\"images\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n".to_vec();
        body.extend(picture());
        body.extend(
            b"\r\n--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nhitem3dv1.5",
        );
        body.extend(b"\r\n--b--\r\n");
        body
    }

    #[test]
    fn a_served_world_orders_files_instead_of_making_them_under_its_lock() {
        let mut world = World::new(MockConfig::manual(), "http://127.0.0.1:1".into());
        let (workshop, orders) = Workshop::idle();
        world.workshop = Some(workshop);
        world.tokens.insert("t".into(), Duration::ZERO, |_| false);
        let body = submit_body();
        let submitted = world.handle(Route::Submit, &request("/submit", None, &body));
        assert_eq!(
            submitted.code,
            Some(200),
            "{:?}",
            String::from_utf8_lossy(&submitted.body)
        );
        let task_id = world.tasks.keys().next().unwrap().clone();

        let order = orders.try_recv().expect("the files were ordered");
        assert_eq!(order.task_id, task_id);
        assert!(
            world.tasks[&task_id].record.picture.is_empty(),
            "the task gives up its upload"
        );
        world.clock.advance(Duration::from_secs(3600));
        assert_eq!(
            world.task_state(&task_id),
            Some(TaskState::Processing),
            "due, but its files are still being made"
        );
        assert!(world.files_pending());
        let query = format!("task_id={task_id}");
        let answer = world.handle(Route::Query, &request("/query", Some(&query), &[]));
        assert!(!String::from_utf8_lossy(&answer.body).contains("url"));

        world.store_files(&task_id, order.make());
        assert_eq!(world.task_state(&task_id), Some(TaskState::Success));
        assert!(!world.files_pending());
        let answer = world.handle(Route::Query, &request("/query", Some(&query), &[]));
        assert!(String::from_utf8_lossy(&answer.body).contains("auth_key="));
    }
}
