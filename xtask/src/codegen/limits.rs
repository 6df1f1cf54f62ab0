//! `limits.rs`: sizes, counts and lifetimes the service enforces.

use std::fmt::Write as _;

use super::rust_text::{doc, int, lit};
use crate::spec::Spec;

pub fn render(spec: &Spec) -> String {
    let l = &spec.limits;
    let mut out = String::from(
        "//! Sizes, counts and lifetimes the service enforces or promises.\n\nuse std::time::Duration;\n\n",
    );
    let mut constant = |name: &str, ty: &str, value: String, text: &str, source: &str| {
        doc(&mut out, &format!("{text}\n\nSource: {source}."));
        let _ = writeln!(out, "pub const {name}: {ty} = {value};\n");
    };
    constant(
        "DEFAULT_BASE_URL",
        "&str",
        lit(&spec.api.default_base_url),
        "The production API's base URL.",
        &spec.api.source,
    );
    constant(
        "COVER_EXTENSION",
        "&str",
        lit(&spec.api.cover_extension),
        "The file extension of a result's cover picture.",
        &spec.api.cover_extension_source,
    );
    let others: Vec<String> = spec
        .api
        .other_result_extensions
        .iter()
        .map(|extension| lit(extension))
        .collect();
    constant(
        "OTHER_RESULT_EXTENSIONS",
        "&[&str]",
        format!("&[{}]", others.join(", ")),
        "Extensions a result link may end in besides the output formats' and the pictures'.",
        &spec.api.other_result_extensions_source,
    );
    constant(
        "MAX_IMAGE_BYTES",
        "u64",
        int(l.max_image_bytes),
        "The largest image accepted, in bytes (\"20 MB\", read as decimal so a file we accept is never too large).",
        &l.max_image_bytes_source,
    );
    constant(
        "MIN_MULTI_VIEW_IMAGES",
        "usize",
        int(l.min_multi_view_images),
        "The fewest views a multi-view submit carries (`multi_images`), the front view among them.",
        &l.min_multi_view_images_source,
    );
    constant(
        "MAX_MULTI_VIEW_IMAGES",
        "usize",
        int(l.max_multi_view_images),
        "The most views a multi-view submit carries.",
        &l.max_multi_view_images_source,
    );
    constant(
        "TOKEN_LIFETIME",
        "Duration",
        format!("Duration::from_secs({})", int(l.token_lifetime_secs)),
        "How long a bearer token lasts. The token answer has no expiry field, so this is assumed.",
        &l.token_lifetime_secs_source,
    );
    constant(
        "RESULT_URL_LIFETIME",
        "Duration",
        format!("Duration::from_secs({})", int(l.result_url_lifetime_secs)),
        "How long a result's `url` and `cover_url` stay valid after the answer that carried them.",
        &l.result_url_lifetime_secs_source,
    );
    constant(
        "DEFAULT_CONCURRENT_TASKS",
        "usize",
        int(l.default_concurrent_tasks),
        "How many unfinished tasks an account may have at once, by default.",
        &l.default_concurrent_tasks_source,
    );
    let words: Vec<String> = l
        .concurrency_refusal_words
        .iter()
        .map(|word| lit(word))
        .collect();
    constant(
        "CONCURRENCY_REFUSAL_WORDS",
        "&[&str]",
        format!("&[{}]", words.join(", ")),
        "Words (lower case) in the message of a submit refused for the account's concurrency limit, whose code is not documented.",
        &l.concurrency_refusal_words_source,
    );
    constant(
        "SERVER_TASK_TIMEOUT",
        "Duration",
        format!("Duration::from_secs({})", int(l.server_task_timeout_secs)),
        "After this long the service gives up on a task (and refunds it).",
        &l.server_task_timeout_secs_source,
    );
    constant(
        "SERVER_DEFAULT_RESOLUTION",
        "&str",
        lit(&l.server_default_resolution),
        "The resolution the service gives a task sent without one (not every model takes it: clients send one).",
        &l.server_default_resolution_source,
    );
    out
}
