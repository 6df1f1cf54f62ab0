//! `image_format.rs`: the image formats accepted as input, and their signatures.

use std::fmt::Write as _;

use super::rust_text::{byte_slice, doc, lit};
use crate::spec::Spec;

pub fn render(spec: &Spec) -> String {
    let mut out = String::from("use crate::ImageSignature;\n\n");
    doc(
        &mut out,
        "An image format the service accepts for `images` and `multi_images`.\n\n\
         Recognised from the file's content with [`ImageFormat::sniff`], never from its name.",
    );
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n#[non_exhaustive]\npub enum ImageFormat {\n");
    for f in &spec.image_formats {
        doc(
            &mut out,
            &format!(
                "{} (`{}`). Source: {}.",
                f.name.to_uppercase(),
                f.media_type,
                f.source
            ),
        );
        let _ = writeln!(out, "{},", f.variant);
    }
    out.push_str("}\n\nimpl ImageFormat {\n/// Every accepted format.\npub const ALL: &'static [Self] = &[\n");
    for f in &spec.image_formats {
        let _ = writeln!(out, "Self::{},", f.variant);
    }
    out.push_str("];\n\n/// The format's short name.\n#[must_use]\npub fn name(self) -> &'static str {\nmatch self {\n");
    for f in &spec.image_formats {
        let _ = writeln!(out, "Self::{} => {},", f.variant, lit(&f.name));
    }
    out.push_str("}\n}\n\n/// File extensions in use for the format, without the dot.\n#[must_use]\npub fn extensions(self) -> &'static [&'static str] {\nmatch self {\n");
    for f in &spec.image_formats {
        let exts: Vec<String> = f.extensions.iter().map(|e| lit(e)).collect();
        let _ = writeln!(out, "Self::{} => &[{}],", f.variant, exts.join(", "));
    }
    out.push_str("}\n}\n\n/// The media type to put in a multipart part's `Content-Type`.\n#[must_use]\npub fn media_type(self) -> &'static str {\nmatch self {\n");
    for f in &spec.image_formats {
        let _ = writeln!(out, "Self::{} => {},", f.variant, lit(&f.media_type));
    }
    out.push_str("}\n}\n\n/// The byte patterns a file of this format starts with; all must match.\n#[must_use]\npub fn signatures(self) -> &'static [ImageSignature] {\nmatch self {\n");
    for f in &spec.image_formats {
        let sigs: Vec<String> = f
            .signatures
            .iter()
            .map(|s| {
                let bytes = s.bytes().expect("checked when the spec was loaded");
                format!(
                    "ImageSignature {{ offset: {}, bytes: {} }}",
                    s.offset,
                    byte_slice(&bytes)
                )
            })
            .collect();
        let _ = writeln!(out, "Self::{} => &[{}],", f.variant, sigs.join(", "));
    }
    out.push_str("}\n}\n}\n\nimpl std::fmt::Display for ImageFormat {\nfn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\nf.write_str(self.name())\n}\n}\n");
    out
}
