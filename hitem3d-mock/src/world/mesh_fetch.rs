//! A task's `mesh_url` fetched as the service fetches it before it starts. The mock reaches no
//! other host (tests stay on loopback), so a URL elsewhere is taken on trust; one on the mock's
//! own host (an upload's public URL, a result link) must name something there, or the task
//! fails, as the service's does when it cannot download its mesh.

use std::time::Duration;

use super::World;
use super::storage::{PUBLIC_PATH, percent_decode};
use crate::query_pairs::query_pairs;

impl World {
    /// Whether `mesh_url` is on this mock's host and a `GET` of it now would be refused.
    pub(super) fn mesh_url_names_nothing(&self, mesh_url: &str, now: Duration) -> bool {
        let (Ok(url), Ok(own)) = (url::Url::parse(mesh_url), url::Url::parse(&self.base_url))
        else {
            return false;
        };
        if url.origin() != own.origin() {
            return false;
        }
        if let Some(key) = url.path().strip_prefix(PUBLIC_PATH) {
            let key = percent_decode(key);
            return !self.storage.holds(&key);
        }
        if url.path().starts_with("/files/") {
            let auth_key = query_pairs(url.query().unwrap_or(""))
                .find(|(name, _)| name == "auth_key")
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default();
            return self.linked_file(url.path(), &auth_key, now).is_none();
        }
        true
    }
}
