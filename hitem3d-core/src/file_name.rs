//! Local file names derived from server data, with no way to escape the target directory.

use hitem3d_types::{ImageFormat, OutputFormat, limits};

/// Whether a result file may take `extension` from its URL: an output format's, a picture's,
/// or another the spec lists. Anything else falls back to the format's.
fn is_result_extension(extension: &str) -> bool {
    OutputFormat::KNOWN
        .iter()
        .any(|format| format.extension() == Some(extension))
        || ImageFormat::ALL
            .iter()
            .any(|format| format.extensions().contains(&extension))
        || extension == limits::COVER_EXTENSION
        || limits::OTHER_RESULT_EXTENSIONS.contains(&extension)
}

/// Longest stem kept, so names stay well within file-system limits.
const MAX_STEM_CHARS: usize = 96;

/// `stem` (made safe) + `suffix` + `.` + an extension taken from `url`'s path when known,
/// else `fallback_extension`.
///
/// The stem keeps ASCII letters, digits, `-` and `_`; every other character (dots, slashes,
/// colons, NUL, non-ASCII) becomes `_`, so the name can be neither a path nor hidden.
///
/// ```
/// use hitem3d_core::safe_file_name;
///
/// assert_eq!(safe_file_name("../../etc/passwd", "", "https://x/0.glb", "bin"), "etc_passwd.glb");
/// assert_eq!(safe_file_name("t1", "-cover", "https://x/a.webp?auth_key=1", "webp"), "t1-cover.webp");
/// assert_eq!(safe_file_name("t1", "", "https://x/model.exe", "stl"), "t1.stl");
/// assert_eq!(safe_file_name("", "", "", "glb"), "hitem3d-result.glb");
/// ```
#[must_use]
pub fn safe_file_name(stem: &str, suffix: &str, url: &str, fallback_extension: &str) -> String {
    let mut clean = String::with_capacity(stem.len().min(MAX_STEM_CHARS));
    for c in stem.chars().take(MAX_STEM_CHARS) {
        let keep = c.is_ascii_alphanumeric() || c == '-' || c == '_';
        let c = if keep { c } else { '_' };
        // Runs of replaced characters collapse to one.
        if !(c == '_' && clean.ends_with('_')) {
            clean.push(c);
        }
    }
    let clean = clean.trim_matches(|c| c == '_' || c == '-');
    let stem = if clean.is_empty() {
        "hitem3d-result"
    } else {
        clean
    };
    let extension = url_extension(url).unwrap_or_else(|| sanitize_extension(fallback_extension));
    format!("{stem}{}.{extension}", sanitize_suffix(suffix))
}

fn url_extension(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let last = path.rsplit('/').next()?;
    let (_, extension) = last.rsplit_once('.')?;
    let extension = extension.to_ascii_lowercase();
    is_result_extension(&extension).then_some(extension)
}

fn sanitize_extension(extension: &str) -> String {
    let clean: String = extension
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    if clean.is_empty() {
        "bin".to_owned()
    } else {
        clean
    }
}

fn sanitize_suffix(suffix: &str) -> String {
    suffix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn names_never_escape_or_hide(stem in ".*", suffix in ".*", url in ".*", ext in ".*") {
            let name = safe_file_name(&stem, &suffix, &url, &ext);
            prop_assert!(!name.contains('/') && !name.contains('\\') && !name.contains('\0'));
            prop_assert!(!name.starts_with('.'));
            prop_assert!(!name.contains(".."));
            prop_assert!(name.is_ascii());
            prop_assert!(name.len() <= MAX_STEM_CHARS + suffix.len() + 10);
        }
    }

    #[test]
    fn extension_comes_from_the_url_path_only() {
        assert_eq!(
            safe_file_name("t", "", "https://h/GLB0.GLB?auth_key=a.b", "obj"),
            "t.glb"
        );
        assert_eq!(
            safe_file_name("t", "", "https://h/x?f=evil.exe", "obj"),
            "t.obj"
        );
        assert_eq!(
            safe_file_name("t", "", "https://h/dir.glb/file", "stl"),
            "t.stl"
        );
        assert_eq!(safe_file_name("t", "", "", "../sh"), "t.sh");
    }
}
