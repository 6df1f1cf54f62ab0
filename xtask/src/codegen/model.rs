//! `model.rs`: the generation models and what each one accepts.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::rust_text::{int, lit, screaming};
use super::wire_enum::{StringEnum, StringVariant, match_arms, render_string_enum};
use crate::spec::{Spec, Support};

fn support(value: Support) -> &'static str {
    match value {
        Support::Supported => "Support::Supported",
        Support::Unsupported => "Support::Unsupported",
        Support::Unverified => "Support::Unverified",
    }
}

fn optional(value: Option<String>) -> String {
    value.map_or_else(|| "None".to_owned(), |v| format!("Some({v})"))
}

pub fn render(spec: &Spec) -> String {
    let resolution_ident: BTreeMap<&str, &str> = spec
        .resolutions
        .iter()
        .map(|r| (r.wire.as_str(), r.variant.as_str()))
        .collect();
    let variants = spec
        .models
        .iter()
        .map(|m| {
            let resolutions: Vec<&str> = m
                .resolutions
                .iter()
                .map(|r| r.resolution.as_str())
                .collect();
            StringVariant {
                ident: &m.variant,
                wire: &m.wire,
                doc: format!(
                    "{}\n\nWire: `{}`. Resolutions: {} (default {}). Source: {}.",
                    m.doc,
                    m.wire,
                    resolutions.join(", "),
                    m.default_resolution,
                    m.source
                ),
            }
        })
        .collect();

    let mut out = String::from(
        "use crate::{CreditPrice, ModelCapabilities, ResolutionOption, Resolution, Support, UnknownValue};\n\n",
    );
    out.push_str(&render_string_enum(&StringEnum {
        name: "Model",
        doc: "A generation model: the `model` field of submit-task.\n\n\
              [`Model::capabilities`] says what each known model accepts.",
        variants,
    }));

    for m in &spec.models {
        let name = screaming(&m.variant);
        let _ = writeln!(
            out,
            "\nstatic {name}_RESOLUTIONS: [ResolutionOption; {}] = [",
            m.resolutions.len()
        );
        for r in &m.resolutions {
            let credits = r.credits.map(|c| {
                format!(
                    "CreditPrice {{ geometry: {}, texture: {}, both: {} }}",
                    c.geometry, c.texture, c.both
                )
            });
            let _ = writeln!(
                out,
                "ResolutionOption {{ resolution: Resolution::{}, recommended_face: {}, credits: {} }},",
                resolution_ident[r.resolution.as_str()],
                optional(r.recommended_face.map(int)),
                optional(credits),
            );
        }
        out.push_str("];\n");
        let texture_only: Vec<String> = m
            .texture_resolutions
            .iter()
            .map(|r| format!("Resolution::{}", resolution_ident[r.as_str()]))
            .collect();
        let _ = writeln!(
            out,
            "\nstatic {name}_TEXTURE_RESOLUTIONS: [Resolution; {}] = [{}];",
            texture_only.len(),
            texture_only.join(", ")
        );
        let _ = writeln!(
            out,
            "\nstatic {name}: ModelCapabilities = ModelCapabilities {{\n\
             resolutions: &{name}_RESOLUTIONS,\n\
             texture_resolutions: &{name}_TEXTURE_RESOLUTIONS,\n\
             default_resolution: Resolution::{},\n\
             face_min: {},\n\
             face_max: {},\n\
             texture_existing_mesh: {},\n\
             pbr: {},\n\
             shading: {},\n\
             source: {},\n}};",
            resolution_ident[m.default_resolution.as_str()],
            int(m.face_min),
            int(m.face_max),
            support(m.texture_existing_mesh),
            support(m.pbr),
            support(m.shading),
            lit(&m.source),
        );
    }

    out.push_str(
        "\nimpl Model {\n/// What the model accepts, per the spec; `None` for models unknown to this SDK \
         (the server then decides everything).\n///\n/// ```\n/// use hitem3d_types::{Model, Resolution};\n///\n\
         /// let caps = Model::Hitem3dV2_1.capabilities().unwrap();\n\
         /// assert_eq!(caps.default_resolution, Resolution::R1536Fast);\n\
         /// assert!(caps.face_range().contains(&1_000_000));\n/// ```\n\
         #[must_use]\npub fn capabilities(&self) -> Option<&'static ModelCapabilities> {\n",
    );
    out.push_str(&match_arms(
        spec.models.iter().map(|m| {
            (
                m.variant.as_str(),
                format!("Some(&{})", screaming(&m.variant)),
            )
        }),
        "None",
    ));
    out.push_str("}\n}\n");
    out
}
