//! `output_format.rs`: the 3D file formats a task can produce.

use super::rust_text::lit;
use super::wire_enum::{CodeEnum, CodeVariant, match_arms, render_code_enum};
use crate::spec::Spec;

pub fn render(spec: &Spec) -> String {
    let variants = spec
        .output_formats
        .iter()
        .map(|f| CodeVariant {
            ident: &f.variant,
            code: f.code,
            names: vec![f.name.clone()],
            doc: format!("{}\n\nWire: `{}`. Source: {}.", f.doc, f.code, f.source),
        })
        .collect();
    let mut out = String::from("use crate::UnknownCode;\n\n");
    out.push_str(&render_code_enum(&CodeEnum {
        name: "OutputFormat",
        doc: "The 3D file format of a task's result: the `format` field of submit-task.\n\n\
              `Display` writes the wire number; `FromStr` reads a number or a name such as \
              `\"glb\"`.",
        kind: "output format",
        variants,
    }));
    out.push_str("\nimpl OutputFormat {\n/// The file extension, without the dot (`None` for unknown formats).\n#[must_use]\npub fn extension(&self) -> Option<&'static str> {\n");
    out.push_str(&match_arms(
        spec.output_formats
            .iter()
            .map(|f| (f.variant.as_str(), format!("Some({})", lit(&f.extension)))),
        "None",
    ));
    out.push_str("}\n\n/// The media type of the file (`None` for unknown formats).\n#[must_use]\npub fn media_type(&self) -> Option<&'static str> {\n");
    out.push_str(&match_arms(
        spec.output_formats
            .iter()
            .map(|f| (f.variant.as_str(), format!("Some({})", lit(&f.media_type)))),
        "None",
    ));
    out.push_str("}\n}\n");
    out
}
