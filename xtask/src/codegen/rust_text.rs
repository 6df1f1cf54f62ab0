//! Small helpers for writing Rust source text.

use std::fmt::Write as _;

/// Appends `text` as `///` doc lines.
pub fn doc(out: &mut String, text: &str) {
    for line in text.lines() {
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            let _ = writeln!(out, "/// {line}");
        }
    }
}

/// A Rust string literal for `text`.
pub fn lit(text: &str) -> String {
    format!("{text:?}")
}

/// A Rust `&[u8]` literal.
pub fn byte_slice(bytes: &[u8]) -> String {
    let items: Vec<String> = bytes.iter().map(|b| format!("0x{b:02X}")).collect();
    format!("&[{}]", items.join(", "))
}

/// A Rust integer literal with `_` every three digits, as rustfmt-friendly code writes them.
pub fn int(value: impl std::fmt::Display) -> String {
    let digits = value.to_string();
    let (sign, digits) = digits
        .strip_prefix('-')
        .map_or(("", digits.as_str()), |rest| ("-", rest));
    if digits.len() <= 4 {
        return format!("{sign}{digits}");
    }
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('_');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}")
}

/// `snake_case` of an `UpperCamelCase` identifier.
pub fn snake(ident: &str) -> String {
    let mut out = String::new();
    for (i, c) in ident.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `SCREAMING_SNAKE_CASE` of an `UpperCamelCase` identifier.
pub fn screaming(ident: &str) -> String {
    snake(ident).to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_digits_like_rust_code() {
        assert_eq!(int(512), "512");
        assert_eq!(int(86_400), "86_400");
        assert_eq!(int(50_010_001), "50_010_001");
        assert_eq!(int(-1_000_000), "-1_000_000");
    }

    #[test]
    fn converts_identifier_case() {
        assert_eq!(snake("InsufficientBalance"), "insufficient_balance");
        assert_eq!(screaming("Hitem3dV1_5"), "HITEM3D_V1_5");
    }
}
