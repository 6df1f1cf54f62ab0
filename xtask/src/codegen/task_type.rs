//! `task_type.rs`: the kinds of task, how their ids look, and their endpoints.

use std::fmt::Write as _;

use super::rust_text::{doc, lit};
use crate::spec::Spec;

pub fn render(spec: &Spec) -> String {
    let mut out = String::from("use crate::{Endpoint, TaskId};\n\n");
    doc(
        &mut out,
        "A kind of task: each is created and queried at its own endpoints, and its ids say which \
         it is by their prefix.\n\n```\nuse hitem3d_types::{Endpoint, TaskId, TaskType};\n\n\
         let relief = TaskId::new(\"depth_20260312_8f92ab3e1cde\");\n\
         assert_eq!(TaskType::of(&relief), TaskType::Relief);\n\
         assert_eq!(TaskType::Relief.query_endpoint(), Endpoint::QueryReliefTask);\n\
         let model = TaskId::new(\"2c2ad20c.jjewelry-aigc-api.1NraEb5ohU\");\n\
         assert_eq!(TaskType::of(&model), TaskType::ImageTo3d);\n```",
    );
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n#[non_exhaustive]\npub enum TaskType {\n");
    for t in &spec.task_types {
        doc(&mut out, &format!("{}\n\nSource: {}.", t.doc, t.source));
        let _ = writeln!(out, "{},", t.variant);
    }
    out.push_str("}\n\nimpl TaskType {\n/// Every task type, in the spec's order.\npub const ALL: &'static [Self] = &[\n");
    for t in &spec.task_types {
        let _ = writeln!(out, "Self::{},", t.variant);
    }
    out.push_str("];\n\n");

    // Longest prefix first, so that no prefix shadows a longer one; the empty one comes last.
    let mut by_prefix: Vec<_> = spec.task_types.iter().collect();
    by_prefix.sort_by_key(|t| std::cmp::Reverse(t.id_prefix.len()));
    let fallback = by_prefix
        .iter()
        .find(|t| t.id_prefix.is_empty())
        .map_or("ImageTo3d", |t| t.variant.as_str());
    doc(
        &mut out,
        "The type of the task `task_id` names, by its prefix; ids without a known prefix are \
         image-to-3D tasks.",
    );
    out.push_str(
        "#[must_use]\npub fn of(task_id: &TaskId) -> Self {\nlet id = task_id.as_str();\n",
    );
    for t in by_prefix.iter().filter(|t| !t.id_prefix.is_empty()) {
        let _ = writeln!(
            out,
            "if id.starts_with({}) {{\nreturn Self::{};\n}}",
            lit(&t.id_prefix),
            t.variant
        );
    }
    let _ = writeln!(out, "Self::{fallback}\n}}\n");

    let method =
        |name: &str, ret: &str, docs: &str, value: &dyn Fn(&crate::spec::TaskType) -> String| {
            let mut m = String::new();
            doc(&mut m, docs);
            let _ = writeln!(
                m,
                "#[must_use]\npub fn {name}(self) -> {ret} {{\nmatch self {{"
            );
            for t in &spec.task_types {
                let _ = writeln!(m, "Self::{} => {},", t.variant, value(t));
            }
            m.push_str("}\n}\n\n");
            m
        };
    out.push_str(&method("name", "&'static str", "A short name.", &|t| {
        lit(&t.name)
    }));
    out.push_str(&method(
        "id_prefix",
        "&'static str",
        "What its task ids start with (empty for image-to-3D).",
        &|t| lit(&t.id_prefix),
    ));
    out.push_str(&method(
        "create_endpoint",
        "Endpoint",
        "The endpoint that creates a task of this type.",
        &|t| format!("Endpoint::{}", t.create),
    ));
    out.push_str(&method(
        "query_endpoint",
        "Endpoint",
        "The endpoint that reads a task of this type.",
        &|t| format!("Endpoint::{}", t.query),
    ));
    out.push_str(&method(
        "credits",
        "Option<u32>",
        "The price of one task in credits, where a source gives one that does not depend on \
         the task's settings (image-to-3D tasks are priced per model and resolution).",
        &|t| {
            t.credits
                .map_or_else(|| "None".to_owned(), |c| format!("Some({c})"))
        },
    ));
    out.push_str("}\n\nimpl std::fmt::Display for TaskType {\nfn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\nf.write_str(self.name())\n}\n}\n");
    out
}
