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
/// The stem keeps ASCII letters, digits, `-`, `_` and single dots inside it; every other
/// character (slashes, colons, NUL, non-ASCII, runs of dots) becomes `_` or one dot, and dots,
/// `-` and `_` are trimmed from its ends, so the name can be neither a path nor hidden.
///
/// ```
/// use hitem3d_core::safe_file_name;
///
/// assert_eq!(safe_file_name("../../etc/passwd", "", "https://x/0.glb", "bin"), "etc_passwd.glb");
/// assert_eq!(safe_file_name("t1", "-cover", "https://x/a.webp?auth_key=1", "webp"), "t1-cover.webp");
/// assert_eq!(safe_file_name("t1", "", "https://x/model.exe", "stl"), "t1.stl");
/// assert_eq!(safe_file_name("", "", "", "glb"), "hitem3d-result.glb");
/// assert_eq!(safe_file_name("2c2ad20c.aigc.1Nra", "", "", "glb"), "2c2ad20c.aigc.1Nra.glb");
/// ```
#[must_use]
pub fn safe_file_name(stem: &str, suffix: &str, url: &str, fallback_extension: &str) -> String {
    let extension = url_extension(url).unwrap_or_else(|| sanitize_extension(fallback_extension));
    format!("{}{}.{extension}", safe_stem(stem), sanitize_suffix(suffix))
}

/// Every name [`safe_file_name`] can give `stem` and `suffix`, whatever link the result
/// comes with: one for each extension a result link may carry, and `fallback_extension`'s.
/// What to check before paying for a task whose link, and so whose file name, is known only
/// after it finishes.
///
/// ```
/// use hitem3d_core::{possible_file_names, safe_file_name};
///
/// let names = possible_file_names("house", "-parts", "bin");
/// assert!(names.contains(&safe_file_name("house", "-parts", "https://x/p.zip", "bin")));
/// assert!(names.contains(&"house-parts.bin".to_owned()));
/// ```
#[must_use]
pub fn possible_file_names(stem: &str, suffix: &str, fallback_extension: &str) -> Vec<String> {
    let (stem, suffix) = (safe_stem(stem), sanitize_suffix(suffix));
    let mut extensions: Vec<String> = OutputFormat::KNOWN
        .iter()
        .filter_map(OutputFormat::extension)
        .chain(
            ImageFormat::ALL
                .iter()
                .flat_map(|format| format.extensions().iter().copied()),
        )
        .chain([limits::COVER_EXTENSION])
        .chain(limits::OTHER_RESULT_EXTENSIONS.iter().copied())
        .map(str::to_owned)
        .collect();
    extensions.push(sanitize_extension(fallback_extension));
    extensions.sort();
    extensions.dedup();
    extensions
        .into_iter()
        .map(|extension| format!("{stem}{suffix}.{extension}"))
        .collect()
}

/// `stem` as [`safe_file_name`] uses it.
pub(crate) fn safe_stem(stem: &str) -> String {
    let mut clean = String::with_capacity(stem.len().min(MAX_STEM_CHARS));
    for c in stem.chars().take(MAX_STEM_CHARS) {
        let keep = c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        let c = if keep { c } else { '_' };
        // Runs of replaced characters, and of dots, collapse to one.
        if !(matches!(c, '_' | '.') && clean.ends_with(c)) {
            clean.push(c);
        }
    }
    let clean = clean.trim_matches(|c| matches!(c, '_' | '-' | '.'));
    if clean.is_empty() {
        "hitem3d-result".to_owned()
    } else {
        clean.to_owned()
    }
}

/// A stem for a task id that no other task id shares: the id itself when it is already a safe
/// name, else its safe form with a short hash of the whole id, so that ids cut short or with
/// odd characters cannot fold onto the same file.
pub(crate) fn unique_stem(task_id: &str) -> String {
    let stem = safe_stem(task_id);
    if stem == task_id {
        return stem;
    }
    // FNV-1a: stable across runs and platforms, unlike std's hasher.
    let hash = task_id.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    // The stem is cut to leave room for the hash within the longest stem a file name keeps:
    // cut after it, two long ids sharing their first characters would share a file.
    let head = &stem[..stem.len().min(MAX_STEM_CHARS - HASH_SUFFIX_CHARS)];
    let head = head.trim_end_matches(['_', '-', '.']);
    format!("{head}-{hash:08x}")
}

/// `-` and eight hex digits.
const HASH_SUFFIX_CHARS: usize = 9;

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

        #[test]
        fn every_name_a_link_can_give_is_among_the_possible_names(
            stem in ".*", suffix in ".*", url in ".*", ext in ".*"
        ) {
            let name = safe_file_name(&stem, &suffix, &url, &ext);
            prop_assert!(possible_file_names(&stem, &suffix, &ext).contains(&name));
        }

        #[test]
        fn a_unique_stem_survives_file_naming_whole(id in ".{1,300}") {
            let stem = unique_stem(&id);
            prop_assert_eq!(safe_stem(&stem), stem);
        }

        #[test]
        fn different_task_ids_never_share_a_stem(a in ".{1,200}", b in ".{1,200}") {
            prop_assume!(a != b);
            let (x, y) = (unique_stem(&a), unique_stem(&b));
            // Equal only by a 32-bit hash collision, which these inputs do not hit.
            prop_assert_ne!(x, y);
        }
    }

    #[test]
    fn ids_that_fold_or_are_cut_to_the_same_name_get_different_stems() {
        let long = "x".repeat(MAX_STEM_CHARS);
        let pairs = [
            ("task:1", "task/1"),
            (&*format!("{long}a"), &*format!("{long}b")),
            ("a..b", "a.b."),
        ];
        for (one, other) in pairs {
            assert_eq!(
                safe_stem(one),
                safe_stem(other),
                "they fold alike: {one} {other}"
            );
            assert_ne!(unique_stem(one), unique_stem(other));
        }
        assert_eq!(
            unique_stem("2c2ad20c.jjewelry-aigc-api.1Nra"),
            "2c2ad20c.jjewelry-aigc-api.1Nra"
        );
    }

    #[test]
    fn ids_longer_than_a_stem_and_alike_at_first_get_different_file_names() {
        let long = "x".repeat(MAX_STEM_CHARS);
        let (one, other) = (format!("{long}a"), format!("{long}b"));
        let name = |id: &str| safe_file_name(&unique_stem(id), "", "https://h/0.glb", "glb");
        assert_ne!(name(&one), name(&other));
        assert!(name(&one).len() <= MAX_STEM_CHARS + ".glb".len());
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
