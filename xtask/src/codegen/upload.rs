//! `upload.rs`: where and how a mesh is uploaded for `mesh_url`.

use std::fmt::Write as _;

use super::rust_text::{doc, int, lit};
use crate::spec::Spec;

pub fn render(spec: &Spec) -> String {
    let u = &spec.upload;
    let mut out = String::from(
        "//! Where a mesh is uploaded for `mesh_url`, as the vendor's own plugin does it.\n\nuse std::time::Duration;\n\n",
    );
    let source = &u.source;
    let mut constant = |name: &str, ty: &str, value: String, text: &str| {
        doc(&mut out, &format!("{text}\n\nSource: {source}."));
        let _ = writeln!(out, "pub const {name}: {ty} = {value};\n");
    };
    constant(
        "ENDPOINT",
        "&str",
        lit(&u.endpoint),
        "The object storage's S3-compatible endpoint.",
    );
    constant("REGION", "&str", lit(&u.region), "The storage region.");
    constant(
        "BUCKET",
        "&str",
        lit(&u.bucket),
        "The bucket meshes go into.",
    );
    constant(
        "KEY_PREFIX",
        "&str",
        lit(&u.key_prefix),
        "What every uploaded mesh's key starts with; the date and a random name follow.",
    );
    constant(
        "PUBLIC_BASE",
        "&str",
        lit(&u.public_base),
        "Where an uploaded key is public: `<PUBLIC_BASE>/<key>` is the `mesh_url`.",
    );
    let extensions: Vec<String> = u.extensions.iter().map(|e| lit(e)).collect();
    constant(
        "MESH_EXTENSIONS",
        "&[&str]",
        format!("&[{}]", extensions.join(", ")),
        "The mesh file types that may be uploaded.",
    );
    constant(
        "MAX_MESH_BYTES",
        "u64",
        int(u.max_mesh_bytes),
        "The largest mesh accepted.",
    );
    constant(
        "SIGNATURE_LIFETIME",
        "Duration",
        format!("Duration::from_secs({})", int(u.signature_lifetime_secs)),
        "How long a signed upload request stays valid.",
    );
    out
}
