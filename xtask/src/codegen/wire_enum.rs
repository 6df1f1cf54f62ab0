//! Renders the open wire enums: known variants plus an `Other` that keeps unknown values.

use std::fmt::Write as _;

use super::rust_text::{doc, lit};

/// A variant of an enum written as a string on the wire.
pub struct StringVariant<'a> {
    pub ident: &'a str,
    pub wire: &'a str,
    pub doc: String,
}

/// An enum written as a string on the wire (models, resolutions, states, views).
pub struct StringEnum<'a> {
    pub name: &'a str,
    pub doc: &'a str,
    pub variants: Vec<StringVariant<'a>>,
}

/// A variant of an enum written as a number on the wire.
pub struct CodeVariant<'a> {
    pub ident: &'a str,
    pub code: i64,
    /// The first name is the canonical one; the rest are accepted aliases.
    pub names: Vec<String>,
    pub doc: String,
}

/// An enum written as a number on the wire (request types, formats, error codes).
pub struct CodeEnum<'a> {
    pub name: &'a str,
    pub doc: &'a str,
    /// What the value is called in parse errors ("output format").
    pub kind: &'a str,
    pub variants: Vec<CodeVariant<'a>>,
}

const OTHER_DOC: &str = "A value this version of the SDK does not know, kept exactly as received so it \
survives a round trip.";

fn enum_header(out: &mut String, name: &str, enum_doc: &str) {
    doc(out, enum_doc);
    out.push_str("#[derive(Debug, Clone, PartialEq, Eq, Hash)]\n#[non_exhaustive]\n");
    let _ = writeln!(out, "pub enum {name} {{");
}

/// The enum, its `KNOWN` list, conversions, and the shared trait impls.
pub fn render_string_enum(e: &StringEnum<'_>) -> String {
    let mut out = String::new();
    enum_header(&mut out, e.name, e.doc);
    for v in &e.variants {
        doc(&mut out, &v.doc);
        let _ = writeln!(out, "{},", v.ident);
    }
    doc(&mut out, OTHER_DOC);
    out.push_str("Other(UnknownValue),\n}\n\n");

    let _ = writeln!(out, "impl {} {{", e.name);
    out.push_str("/// Every variant this SDK knows, in the spec's order.\npub const KNOWN: &'static [Self] = &[\n");
    for v in &e.variants {
        let _ = writeln!(out, "Self::{},", v.ident);
    }
    out.push_str("];\n\n");

    out.push_str(
        "/// The wire spelling.\n#[must_use]\npub fn as_str(&self) -> &str {\nmatch self {\n",
    );
    for v in &e.variants {
        let _ = writeln!(out, "Self::{} => {},", v.ident, lit(v.wire));
    }
    out.push_str("Self::Other(value) => value.as_str(),\n}\n}\n\n");

    out.push_str(
        "/// Reads a wire spelling, ignoring ASCII case and surrounding blanks; anything else is kept \
         in `Other`.\n#[must_use]\npub fn from_wire(raw: &str) -> Self {\n\
         let trimmed = raw.trim();\n\
         Self::KNOWN.iter().find(|known| known.as_str().eq_ignore_ascii_case(trimmed)).cloned()\
         .unwrap_or_else(|| Self::Other(UnknownValue::new(raw)))\n}\n\n",
    );

    out.push_str("/// Whether this is a variant this SDK knows.\n#[must_use]\npub fn is_known(&self) -> bool {\n!matches!(self, Self::Other(_))\n}\n\n");

    out.push_str("/// A one-line description from the spec; `None` for unknown values.\n#[must_use]\npub fn description(&self) -> Option<&'static str> {\nmatch self {\n");
    for v in &e.variants {
        let first = v.doc.lines().next().unwrap_or_default();
        let _ = writeln!(out, "Self::{} => Some({}),", v.ident, lit(first));
    }
    out.push_str("Self::Other(_) => None,\n}\n}\n}\n\n");

    let _ = writeln!(out, "crate::wire_enum::string_wire_enum!({});", e.name);
    out
}

/// The enum, its `KNOWN` list, conversions, and the shared trait impls.
pub fn render_code_enum(e: &CodeEnum<'_>) -> String {
    let mut out = String::new();
    enum_header(&mut out, e.name, e.doc);
    for v in &e.variants {
        doc(&mut out, &v.doc);
        let _ = writeln!(out, "{},", v.ident);
    }
    doc(&mut out, OTHER_DOC);
    out.push_str("Other(UnknownCode),\n}\n\n");

    let _ = writeln!(out, "impl {} {{", e.name);
    out.push_str("/// Every variant this SDK knows, in the spec's order.\npub const KNOWN: &'static [Self] = &[\n");
    for v in &e.variants {
        let _ = writeln!(out, "Self::{},", v.ident);
    }
    out.push_str("];\n\n");

    out.push_str("/// Every name `FromStr` accepts besides numbers.\npub const NAMES: &'static [&'static str] = &[\n");
    for v in &e.variants {
        for name in &v.names {
            let _ = writeln!(out, "{},", lit(name));
        }
    }
    out.push_str("];\n\n");

    out.push_str("/// The wire number.\n#[must_use]\npub fn code(&self) -> i64 {\nmatch self {\n");
    for v in &e.variants {
        let _ = writeln!(
            out,
            "Self::{} => {},",
            v.ident,
            super::rust_text::int(v.code)
        );
    }
    out.push_str("Self::Other(code) => code.get(),\n}\n}\n\n");

    out.push_str("/// Reads a wire number; unknown numbers are kept in `Other`.\n#[must_use]\npub fn from_code(code: i64) -> Self {\nmatch code {\n");
    for v in &e.variants {
        let _ = writeln!(
            out,
            "{} => Self::{},",
            super::rust_text::int(v.code),
            v.ident
        );
    }
    out.push_str("_ => Self::Other(UnknownCode::new(code)),\n}\n}\n\n");

    out.push_str("/// The canonical name (`None` for unknown values).\n#[must_use]\npub fn name(&self) -> Option<&'static str> {\nmatch self {\n");
    for v in &e.variants {
        let _ = writeln!(out, "Self::{} => Some({}),", v.ident, lit(&v.names[0]));
    }
    out.push_str("Self::Other(_) => None,\n}\n}\n\n");

    out.push_str("/// Reads a name or alias, ignoring ASCII case and surrounding blanks.\n#[must_use]\npub fn from_name(name: &str) -> Option<Self> {\nlet name = name.trim();\n");
    for v in &e.variants {
        let tests: Vec<String> = v
            .names
            .iter()
            .map(|n| format!("name.eq_ignore_ascii_case({})", lit(n)))
            .collect();
        let _ = writeln!(
            out,
            "if {} {{\nreturn Some(Self::{});\n}}",
            tests.join(" || "),
            v.ident
        );
    }
    out.push_str("None\n}\n\n");

    out.push_str("/// Whether this is a variant this SDK knows.\n#[must_use]\npub fn is_known(&self) -> bool {\n!matches!(self, Self::Other(_))\n}\n\n");

    out.push_str("/// A one-line description from the spec; `None` for unknown values.\n#[must_use]\npub fn description(&self) -> Option<&'static str> {\nmatch self {\n");
    for v in &e.variants {
        let first = v.doc.lines().next().unwrap_or_default();
        let _ = writeln!(out, "Self::{} => Some({}),", v.ident, lit(first));
    }
    out.push_str("Self::Other(_) => None,\n}\n}\n}\n\n");

    let _ = writeln!(
        out,
        "crate::wire_enum::code_wire_enum!({}, {});",
        e.name,
        lit(e.kind)
    );
    out
}

/// A `match` arm list `Self::A => value,` for every variant, then `Self::Other(_) => other,`.
pub fn match_arms<'a>(arms: impl Iterator<Item = (&'a str, String)>, other: &str) -> String {
    let mut out = String::from("match self {\n");
    for (ident, value) in arms {
        let _ = writeln!(out, "Self::{ident} => {value},");
    }
    let _ = writeln!(out, "Self::Other(_) => {other},");
    out.push_str("}\n");
    out
}
