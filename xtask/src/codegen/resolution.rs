//! `resolution.rs`: the voxel-grid resolutions.

use super::wire_enum::{StringEnum, StringVariant, render_string_enum};
use crate::spec::Spec;

pub fn render(spec: &Spec) -> String {
    let variants = spec
        .resolutions
        .iter()
        .map(|r| StringVariant {
            ident: &r.variant,
            wire: &r.wire,
            doc: format!("{}\n\nWire: `{}`. Source: {}.", r.doc, r.wire, r.source),
        })
        .collect();
    let mut out = String::from("use crate::UnknownValue;\n\n");
    out.push_str(&render_string_enum(&StringEnum {
        name: "Resolution",
        doc: "The generation resolution: the `resolution` field of submit-task, always a string on \
              the wire.\n\nWhich model accepts which resolution: [`Model::capabilities`](crate::Model::capabilities).",
        variants,
    }));
    out
}
