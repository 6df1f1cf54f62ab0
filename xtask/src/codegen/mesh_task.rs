//! `mesh_task.rs`: what split, segmentation and multicolor tasks take.

use std::fmt::Write as _;

use super::rust_text::lit;
use super::wire_enum::{StringEnum, StringVariant, match_arms, render_string_enum};
use crate::spec::{ReliefModel, Spec};

fn variants(rows: &[ReliefModel]) -> Vec<StringVariant<'_>> {
    rows.iter()
        .map(|r| StringVariant {
            ident: &r.variant,
            wire: &r.wire,
            doc: format!("{}\n\nWire: `{}`. Source: {}.", r.doc, r.wire, r.source),
        })
        .collect()
}

fn codes(codes: &[i64]) -> String {
    let listed: Vec<String> = codes.iter().map(i64::to_string).collect();
    format!("&[{}]", listed.join(", "))
}

pub fn render(spec: &Spec) -> String {
    let mut out = String::from(
        "use std::ops::RangeInclusive;\n\nuse crate::{MeshTaskSpec, TaskType, UnknownValue};\n\n",
    );
    out.push_str(&render_string_enum(&StringEnum {
        name: "MeshLevel",
        doc: "How finely a mesh is cut: split's `level` (general model) and segmentation's \
              `seg_level`.",
        variants: variants(&spec.mesh_levels),
    }));
    out.push('\n');
    let parts: Vec<StringVariant<'_>> = spec
        .split_parts
        .iter()
        .map(|p| StringVariant {
            ident: &p.variant,
            wire: &p.wire,
            doc: format!("{}\n\nWire: `{}`. Source: {}.", p.doc, p.wire, p.source),
        })
        .collect();
    out.push_str(&render_string_enum(&StringEnum {
        name: "SplitPart",
        doc: "A character split's template: how many parts (`part`).",
        variants: parts,
    }));
    out.push_str("\nimpl SplitPart {\n/// How many parts it makes (`None` for unknown templates).\n#[must_use]\npub fn parts(&self) -> Option<u32> {\n");
    out.push_str(&match_arms(
        spec.split_parts
            .iter()
            .map(|p| (p.variant.as_str(), format!("Some({})", p.parts))),
        "None",
    ));
    out.push_str("}\n}\n\n");
    out.push_str(&render_string_enum(&StringEnum {
        name: "SplitJoint",
        doc: "The connectors of a character split (`joint`).",
        variants: variants(&spec.split_joints),
    }));

    out.push_str("\n/// What each mesh task takes.\npub const MESH_TASKS: &[MeshTaskSpec] = &[\n");
    for t in &spec.mesh_tasks {
        let variant = spec
            .task_types
            .iter()
            .find(|known| known.name == t.task_type)
            .map_or("ImageTo3d", |known| known.variant.as_str());
        let types: Vec<String> = t.mesh_types.iter().map(|m| lit(m)).collect();
        let _ = writeln!(
            out,
            "MeshTaskSpec {{ task_type: TaskType::{variant}, mesh_types: &[{}], formats: {}, default_format: {}, character_formats: {}, source: {} }},",
            types.join(", "),
            codes(&t.formats),
            t.default_format
                .map_or_else(|| "None".to_owned(), |code| format!("Some({code})")),
            codes(&t.character_formats),
            lit(&t.source),
        );
    }
    out.push_str("];\n\n");
    let m = &spec.multicolor;
    let _ = writeln!(
        out,
        "/// The colours a multicolor task may ask for (`number_color`; 0 asks for the most).\n///\n/// Source: {}.\npub const MULTICOLOR_COLORS: RangeInclusive<u32> = {}..={};\n\n/// The colours the service uses when none are asked for.\n///\n/// Source: {}.\npub const MULTICOLOR_DEFAULT_COLORS: u32 = {};",
        m.source, m.min_colors, m.max_colors, m.source, m.default_colors
    );
    out
}
