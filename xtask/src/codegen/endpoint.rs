//! `endpoint.rs`: the API's operations, their paths and how they authenticate.

use std::fmt::Write as _;

use super::rust_text::{doc, lit};
use crate::spec::{Auth, Spec};

pub fn render(spec: &Spec) -> String {
    let mut out = String::from("use crate::EndpointAuth;\n\n");
    doc(&mut out, "An operation of the Open API.");
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n#[non_exhaustive]\npub enum Endpoint {\n");
    for e in &spec.endpoints {
        doc(
            &mut out,
            &format!(
                "{}\n\n`{} {}`. Source: {}.",
                e.doc, e.method, e.path, e.source
            ),
        );
        let _ = writeln!(out, "{},", e.variant);
    }
    out.push_str("}\n\nimpl Endpoint {\n/// Every endpoint, in the spec's order.\npub const ALL: &'static [Self] = &[\n");
    for e in &spec.endpoints {
        let _ = writeln!(out, "Self::{},", e.variant);
    }
    out.push_str("];\n\n");

    let method =
        |name: &str, ret: &str, docs: &str, value: &dyn Fn(&crate::spec::Endpoint) -> String| {
            let mut m = String::new();
            doc(&mut m, docs);
            let _ = writeln!(
                m,
                "#[must_use]\npub fn {name}(self) -> {ret} {{\nmatch self {{"
            );
            for e in &spec.endpoints {
                let _ = writeln!(m, "Self::{} => {},", e.variant, value(e));
            }
            m.push_str("}\n}\n\n");
            m
        };
    out.push_str(&method(
        "method",
        "&'static str",
        "The HTTP method.",
        &|e| lit(&e.method),
    ));
    out.push_str(&method(
        "path",
        "&'static str",
        "The path below the base URL.",
        &|e| lit(&e.path),
    ));
    out.push_str(&method(
        "auth",
        "EndpointAuth",
        "The `Authorization` scheme it expects.",
        &|e| match e.auth {
            Auth::Basic => "EndpointAuth::Basic".to_owned(),
            Auth::Bearer => "EndpointAuth::Bearer".to_owned(),
        },
    ));
    out.push_str(&method(
        "is_idempotent",
        "bool",
        "Whether sending it twice has the same effect as once (a submit does not: it creates a second paid task).",
        &|e| e.idempotent.to_string(),
    ));
    out.push_str(&method(
        "description",
        "&'static str",
        "What it does.",
        &|e| lit(&e.doc),
    ));
    out.push_str("}\n");
    out
}
