//! `view.rs`: the camera views of a multi-view submit.

use super::wire_enum::{StringEnum, StringVariant, match_arms, render_string_enum};
use crate::spec::Spec;

pub fn render(spec: &Spec) -> String {
    let variants = spec
        .views
        .iter()
        .map(|v| StringVariant {
            ident: &v.variant,
            wire: &v.wire,
            doc: format!(
                "The {} view{}.\n\nPosition {} of `multi_images_bit`. Source: {}.",
                v.wire,
                if v.required {
                    " (required in multi-view)"
                } else {
                    ""
                },
                v.bit,
                v.source
            ),
        })
        .collect();
    let mut out = String::from("use crate::UnknownValue;\n\n");
    out.push_str(&render_string_enum(&StringEnum {
        name: "View",
        doc: "A camera view of the object, for multi-view input.\n\n\
              `KNOWN` is in `multi_images_bit` order, which is also the order the images are sent in.",
        variants,
    }));
    out.push_str("\nimpl View {\n/// The character position in `multi_images_bit` (`None` for unknown views).\n#[must_use]\npub fn bit(&self) -> Option<usize> {\n");
    out.push_str(&match_arms(
        spec.views
            .iter()
            .map(|v| (v.variant.as_str(), format!("Some({})", v.bit))),
        "None",
    ));
    out.push_str("}\n\n/// Whether every multi-view submit must include this view.\n#[must_use]\npub fn is_required(&self) -> bool {\n");
    out.push_str(&match_arms(
        spec.views
            .iter()
            .map(|v| (v.variant.as_str(), v.required.to_string())),
        "false",
    ));
    out.push_str("}\n}\n");
    out
}
