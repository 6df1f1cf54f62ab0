//! `relief.rs`: a relief task's output formats, quality tiers and numeric settings.

use std::fmt::Write as _;

use super::rust_text::lit;
use super::wire_enum::{
    CodeEnum, CodeVariant, StringEnum, StringVariant, match_arms, render_code_enum,
    render_string_enum,
};
use crate::spec::Spec;

pub fn render(spec: &Spec) -> String {
    let mut out = String::from("use crate::{ReliefSetting, UnknownCode, UnknownValue};\n\n");
    let formats = spec
        .relief_formats
        .iter()
        .map(|f| CodeVariant {
            ident: &f.variant,
            code: f.code,
            names: vec![f.name.clone()],
            doc: format!("{}\n\nWire: `{}`. Source: {}.", f.doc, f.code, f.source),
        })
        .collect();
    out.push_str(&render_code_enum(&CodeEnum {
        name: "ReliefFormat",
        doc: "The file a relief task produces: the `format` field of depth/create-task.\n\n\
              `Display` writes the wire number; `FromStr` reads a number or a name such as \
              `\"png\"`.",
        kind: "relief format",
        variants: formats,
    }));
    out.push_str("\nimpl ReliefFormat {\n/// The file extension, without the dot (`None` for unknown formats).\n#[must_use]\npub fn extension(&self) -> Option<&'static str> {\n");
    out.push_str(&match_arms(
        spec.relief_formats
            .iter()
            .map(|f| (f.variant.as_str(), format!("Some({})", lit(&f.extension)))),
        "None",
    ));
    out.push_str("}\n}\n\n");

    let models = spec
        .relief_models
        .iter()
        .map(|m| StringVariant {
            ident: &m.variant,
            wire: &m.wire,
            doc: format!("{}\n\nWire: `{}`. Source: {}.", m.doc, m.wire, m.source),
        })
        .collect();
    out.push_str(&render_string_enum(&StringEnum {
        name: "ReliefModel",
        doc: "The quality tier of a relief task: the `model_type` field of depth/create-task.",
        variants: models,
    }));

    out.push_str(
        "\n/// A relief task's numeric settings: name on the wire, range, and the service's \
         default.\npub const RELIEF_SETTINGS: &[ReliefSetting] = &[\n",
    );
    for s in &spec.relief_settings {
        let _ = writeln!(
            out,
            "ReliefSetting {{ field: {}, min: {:?}, max: {:?}, default: {:?}, integer: {}, doc: {}, source: {} }},",
            lit(&s.field),
            s.min,
            s.max,
            s.default,
            s.integer,
            lit(&s.doc),
            lit(&s.source),
        );
    }
    out.push_str("];\n");
    out
}
