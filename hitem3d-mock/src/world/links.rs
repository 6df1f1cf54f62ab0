//! Signed result links that expire, and the file host that checks them.

use std::time::Duration;

use super::{Incoming, World, hex};
use crate::assets::GeneratedFile;
use crate::reply::Reply;

/// What a signed link grants, until when.
#[derive(Debug, Clone)]
pub(super) struct Link {
    pub(super) task_id: String,
    pub(super) cover: bool,
    pub(super) expires_at: Duration,
}

impl World {
    /// A fresh signed link, valid for the configured lifetime.
    pub(super) fn link(
        &mut self,
        task_id: &str,
        cover: bool,
        extension: &str,
        now: Duration,
    ) -> String {
        let expires_at = now + self.config.url_lifetime;
        let key = hex(&self.random.bytes(task_id));
        self.links.insert(
            key.clone(),
            Link {
                task_id: task_id.to_owned(),
                cover,
                expires_at,
            },
            // Every query of an ended task mints links.
            |link| now >= link.expires_at,
        );
        let file = if cover { "cover" } else { "model" };
        format!(
            "{}/files/{}/{file}.{extension}?auth_key={}-{key}",
            self.base_url,
            url::form_urlencoded::byte_serialize(task_id.as_bytes()).collect::<String>(),
            expires_at.as_secs()
        )
    }

    pub(super) fn download(&mut self, request: &Incoming<'_>, now: Duration) -> Reply {
        let auth_key = request.query_param("auth_key").unwrap_or_default();
        match self.linked_file(request.path, &auth_key, now) {
            Some(file) => Reply::bytes(200, file.content_type, file.bytes.clone()),
            None => Reply::link_denied(),
        }
    }

    /// The file a result link at `path` with `auth_key` grants now, if it grants one.
    pub(super) fn linked_file(
        &self,
        path: &str,
        auth_key: &str,
        now: Duration,
    ) -> Option<&GeneratedFile> {
        let key = auth_key.rsplit('-').next().unwrap_or_default();
        let link = self.links.get(key)?;
        if now >= link.expires_at {
            return None;
        }
        let (model, cover) = self.tasks.get(&link.task_id)?.files.as_ref()?;
        let file = if link.cover { cover } else { model };
        let file_name = if link.cover { "cover" } else { "model" };
        path.ends_with(&format!("/{file_name}.{}", file.extension))
            .then_some(file)
    }
}
