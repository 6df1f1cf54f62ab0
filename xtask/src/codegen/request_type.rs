//! `request_type.rs`: what a task generates (geometry, texture, or both).

use super::wire_enum::{CodeEnum, CodeVariant, render_code_enum};
use crate::spec::Spec;

pub fn render(spec: &Spec) -> String {
    let variants = spec
        .request_types
        .iter()
        .map(|r| CodeVariant {
            ident: &r.variant,
            code: r.code,
            names: std::iter::once(r.name.clone())
                .chain(r.aliases.iter().cloned())
                .collect(),
            doc: format!("{}\n\nWire: `{}`. Source: {}.", r.doc, r.code, r.source),
        })
        .collect();
    let mut out = String::from("use crate::UnknownCode;\n\n");
    out.push_str(&render_code_enum(&CodeEnum {
        name: "RequestType",
        doc: "What a task generates: the `request_type` field of submit-task.\n\n\
              `Display` writes the wire number; `FromStr` reads a number or a name such as \
              `\"geometry\"`.",
        kind: "request type",
        variants,
    }));
    out
}
