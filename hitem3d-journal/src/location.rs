//! Where the journal lives unless told otherwise.

use std::path::PathBuf;

/// Environment variable naming the journal file, in place of [`default_location`].
pub const JOURNAL_VAR: &str = "HITEM3D_JOURNAL";

/// The journal file in the platform's data directory: `~/.local/share/hitem3d/journal.sqlite3`
/// on Linux, `~/Library/Application Support/ai.hitem3d.hitem3d/` on macOS,
/// `%APPDATA%\hitem3d\hitem3d\data\` on Windows. `None` when the platform names no home
/// directory.
#[must_use]
pub fn default_location() -> Option<PathBuf> {
    directories::ProjectDirs::from("ai", "hitem3d", "hitem3d")
        .map(|dirs| dirs.data_dir().join("journal.sqlite3"))
}
