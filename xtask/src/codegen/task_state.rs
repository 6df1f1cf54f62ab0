//! `task_state.rs`: where a task is in its life.

use super::wire_enum::{StringEnum, StringVariant, match_arms, render_string_enum};
use crate::spec::Spec;

pub fn render(spec: &Spec) -> String {
    let variants = spec
        .task_states
        .iter()
        .map(|s| StringVariant {
            ident: &s.variant,
            wire: &s.wire,
            doc: format!("{}\n\nWire: `{}`. Source: {}.", s.doc, s.wire, s.source),
        })
        .collect();
    let mut out = String::from("use crate::UnknownValue;\n\n");
    out.push_str(&render_string_enum(&StringEnum {
        name: "TaskState",
        doc: "Where a task is in its life: `created → queueing → processing → success | failed`.\n\n\
              Unknown states are kept in `Other` and are not terminal, so a waiter keeps polling.",
        variants,
    }));
    out.push_str("\nimpl TaskState {\n/// Whether the task has finished (`success` or `failed`); unknown states are not final.\n#[must_use]\npub fn is_terminal(&self) -> bool {\n");
    out.push_str(&match_arms(
        spec.task_states
            .iter()
            .map(|s| (s.variant.as_str(), s.terminal.to_string())),
        "false",
    ));
    out.push_str("}\n}\n");
    out
}
