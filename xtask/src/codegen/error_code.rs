//! `error_code.rs`: the API's error codes and how to handle each.

use std::fmt::Write as _;

use super::rust_text::{int, lit, snake};
use super::wire_enum::{CodeEnum, CodeVariant, render_code_enum};
use crate::spec::{CreditOutcome, ErrorClass, Spec};

fn class(value: ErrorClass) -> &'static str {
    match value {
        ErrorClass::Auth => "ErrorClass::Auth",
        ErrorClass::Input => "ErrorClass::Input",
        ErrorClass::Billing => "ErrorClass::Billing",
        ErrorClass::RateLimit => "ErrorClass::RateLimit",
        ErrorClass::TransientServer => "ErrorClass::TransientServer",
        ErrorClass::GenerationFailed => "ErrorClass::GenerationFailed",
        ErrorClass::Unknown => "ErrorClass::Unknown",
    }
}

fn credits(value: CreditOutcome) -> &'static str {
    match value {
        CreditOutcome::NotCharged => "CreditOutcome::NotCharged",
        CreditOutcome::Refunded => "CreditOutcome::Refunded",
        CreditOutcome::Unknown => "CreditOutcome::Unknown",
    }
}

pub fn render(spec: &Spec) -> String {
    let variants = spec
        .error_codes
        .iter()
        .map(|c| CodeVariant {
            ident: &c.variant,
            code: c.code,
            names: vec![snake(&c.variant)],
            doc: format!(
                "{}{}\n\nWire: `{}` \"{}\". {}\n\nSource: {}.",
                c.meaning,
                if c.documented {
                    ""
                } else {
                    " (not in the official docs)"
                },
                c.code,
                c.message,
                c.hint,
                c.source
            ),
        })
        .collect();
    let mut out = String::from(
        "use crate::{CreditOutcome, ErrorClass, ErrorFamily, ErrorInfo, UnknownCode};\n\n",
    );
    out.push_str(&render_code_enum(&CodeEnum {
        name: "ApiErrorCode",
        doc: "A non-success `code` of a response envelope.\n\n\
              Codes missing from the table are kept in `Other` and classified by their numeric \
              family ([`ApiErrorCode::class`]).",
        kind: "error code",
        variants,
    }));

    let _ = writeln!(
        out,
        "\nstatic ERROR_INFO: [ErrorInfo; {}] = [",
        spec.error_codes.len()
    );
    for c in &spec.error_codes {
        let _ = writeln!(
            out,
            "ErrorInfo {{ code: {}, message: {}, meaning: {}, hint: {}, class: {}, retryable: {}, credits: {}, documented: {}, source: {} }},",
            int(c.code),
            lit(&c.message),
            lit(&c.meaning),
            lit(&c.hint),
            class(c.class),
            c.retryable,
            credits(c.credits),
            c.documented,
            lit(&c.source),
        );
    }
    out.push_str("];\n\nimpl ApiErrorCode {\n/// Ranges that classify codes missing from the table; the first match wins.\npub const FAMILIES: &'static [ErrorFamily] = &[\n");
    for f in &spec.error_families {
        let _ = writeln!(
            out,
            "ErrorFamily {{ from: {}, to: {}, class: {}, retryable: {}, doc: {} }},",
            int(f.from),
            int(f.to),
            class(f.class),
            f.retryable,
            lit(&format!("{} Source: {}.", f.doc, f.source)),
        );
    }
    out.push_str("];\n\n/// The table entry for this code; `None` for codes missing from the table.\n#[must_use]\npub fn info(&self) -> Option<&'static ErrorInfo> {\nmatch self {\n");
    for (index, c) in spec.error_codes.iter().enumerate() {
        let _ = writeln!(out, "Self::{} => Some(&ERROR_INFO[{index}]),", c.variant);
    }
    out.push_str("Self::Other(_) => None,\n}\n}\n}\n");
    out
}
