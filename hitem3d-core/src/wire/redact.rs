//! Short, secret-free excerpts of bodies for error messages.

/// How many characters of a body an error keeps.
const SNIPPET_CHARS: usize = 160;

/// How many bytes are looked at to make the excerpt.
const SNIPPET_SOURCE_BYTES: usize = 1024;

/// Words after which a value is a credential. Matched case-insensitively; the value must follow
/// a separator (`:`, `=`, a quote or a space), so `tokenType` is not mistaken for `token`.
const SECRET_KEYS: &[&str] = &[
    "bearer",
    "basic",
    "token",
    "secret",
    "password",
    "auth_key",
    "authorization",
    "signature",
];

const REDACTED: &str = "[redacted]";

/// The start of `body` as one line of at most 160 characters, with credential values replaced
/// by `[redacted]`. For error messages and logs.
pub(crate) fn snippet(body: &[u8]) -> String {
    let head = &body[..body.len().min(SNIPPET_SOURCE_BYTES)];
    let text = String::from_utf8_lossy(head);
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // A gateway's error page: its title says it all, its markup is noise.
    let one_line = html_title(&one_line).unwrap_or(one_line);
    let clean = redact_secrets(&one_line);
    if clean.chars().count() > SNIPPET_CHARS {
        let mut cut: String = clean.chars().take(SNIPPET_CHARS).collect();
        cut.push('…');
        cut
    } else {
        clean
    }
}

/// "an HTML page: 502 Bad Gateway" for an HTML page, from its title (or first heading).
fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.trim_start();
    if !(start.starts_with("<!doctype html") || start.starts_with("<html")) {
        return None;
    }
    let inside = |tag: &str| {
        let open = lower.find(&format!("<{tag}"))?;
        let from = open + lower[open..].find('>')? + 1;
        let to = from + lower[from..].find(&format!("</{tag}"))?;
        Some(text[from..to].trim().to_owned()).filter(|title| !title.is_empty())
    };
    let said = inside("title")
        .or_else(|| inside("h1"))
        .unwrap_or_else(|| visible_text(text));
    Some(if said.is_empty() {
        "an HTML page".to_owned()
    } else {
        format!("an HTML page: {said}")
    })
}

/// The words of a page without its markup.
fn visible_text(html: &str) -> String {
    let mut words = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                words.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => words.push(c),
            _ => {}
        }
    }
    words.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_separator(c: char) -> bool {
    matches!(c, '"' | '\'' | ':' | '=' | ' ')
}

fn ends_value(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '&' | ',' | ';' | '}' | ']' | '<' | '>')
}

/// The length of the credential key `text` starts with, if any.
fn key_at(text: &[char]) -> Option<usize> {
    SECRET_KEYS.iter().find_map(|key| {
        let key: Vec<char> = key.chars().collect();
        text.starts_with(&key).then_some(key.len())
    })
}

/// Replaces the value after each credential key.
pub(crate) fn redact_secrets(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars.iter().map(char::to_ascii_lowercase).collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let Some(key_len) = key_at(&lower[i..]) else {
            out.push(chars[i]);
            i += 1;
            continue;
        };
        let mut j = i + key_len;
        out.extend(&chars[i..j]);
        let separators_start = j;
        while j < chars.len() && is_separator(chars[j]) {
            j += 1;
        }
        out.extend(&chars[separators_start..j]);
        if j > separators_start && key_at(&lower[j..]).is_some() {
            // `Authorization: Bearer x`: the scheme is a key of its own; redact after it.
            i = j;
            continue;
        }
        let value_start = j;
        while j < chars.len() && !ends_value(chars[j]) {
            j += 1;
        }
        if value_start > separators_start && j > value_start {
            out.push_str(REDACTED);
        } else {
            out.extend(&chars[value_start..j]);
        }
        i = j;
    }
    out
}

/// A link as it may be shown: scheme, host and path, with the query (where signed links keep
/// their signature) and fragment replaced. For `Debug` output, logs and error messages.
pub(crate) fn link(url: &str) -> String {
    match url.find(['?', '#']) {
        Some(cut) => format!("{}?{REDACTED}", &url[..cut]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_redacted_wherever_they_appear() {
        let cases = [
            (
                "Authorization: Bearer abc.def",
                "Authorization: Bearer [redacted]",
            ),
            ("Basic YWs6c2s=", "Basic [redacted]"),
            (
                r#"{"accessToken":"xyz","tokenType":"Bearer"}"#,
                r#"{"accessToken":"[redacted]","tokenType":"Bearer"}"#,
            ),
            (
                "https://cdn/x.glb?auth_key=123-abc&x=1",
                "https://cdn/x.glb?auth_key=[redacted]&x=1",
            ),
            ("client_secret=sk_1234", "client_secret=[redacted]"),
            ("no secrets here", "no secrets here"),
        ];
        for (input, expected) in cases {
            assert_eq!(redact_secrets(input), expected, "input: {input}");
        }
    }

    #[test]
    fn an_html_page_is_named_by_its_title_not_shown() {
        let page = b"<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center>\
                     <h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
        assert_eq!(snippet(page), "an HTML page: 502 Bad Gateway");
        assert_eq!(
            snippet(b"<!DOCTYPE html><html><body><h1>Oops</h1></body></html>"),
            "an HTML page: Oops"
        );
        assert_eq!(snippet(b"<html><body></body></html>"), "an HTML page");
        assert_eq!(
            snippet(b"<html><body><p>down for</p> maintenance</body></html>"),
            "an HTML page: down for maintenance"
        );
        assert_eq!(snippet(b"{\"code\": 1} <html>"), "{\"code\": 1} <html>");
    }

    #[test]
    fn snippets_are_one_short_line() {
        let text = format!("Service\n  unavailable {}\n", "x".repeat(500));
        let s = snippet(text.as_bytes());
        assert!(!s.contains('\n'));
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert!(s.ends_with('…'));
        assert_eq!(snippet(b"\xff\xfe bad utf8"), "\u{fffd}\u{fffd} bad utf8");
    }
}
