//! The temporary files of the downloads in progress. A process that a signal ends runs no
//! destructors, so a signal handler needs their names to remove them; the driver lists each
//! file while it exists, and the front-end removes what is listed when asked.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The temporary files of one client's downloads in progress, shared by its clones.
#[derive(Debug, Default)]
pub struct PartialFiles {
    paths: Mutex<HashSet<PathBuf>>,
}

/// Keeps a temporary file listed until dropped (the file was renamed or removed).
#[derive(Debug)]
#[must_use = "the file is unlisted as soon as this is dropped"]
pub struct PartialListing {
    files: Arc<PartialFiles>,
    path: PathBuf,
}

impl PartialFiles {
    /// Lists `path` until the returned listing is dropped.
    pub fn list(self: &Arc<Self>, path: &Path) -> PartialListing {
        self.lock().insert(path.to_path_buf());
        PartialListing {
            files: Arc::clone(self),
            path: path.to_path_buf(),
        }
    }

    /// The files listed now.
    #[must_use]
    pub fn listed(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self.lock().iter().cloned().collect();
        paths.sort();
        paths
    }

    /// Unlists every file and returns their paths, for the front-end to remove.
    #[must_use]
    pub fn take_all(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self.lock().drain().collect();
        paths.sort();
        paths
    }

    fn lock(&self) -> MutexGuard<'_, HashSet<PathBuf>> {
        self.paths.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for PartialListing {
    fn drop(&mut self) {
        self.files.lock().remove(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_listed_while_its_listing_lives_and_taken_once() {
        let files = Arc::new(PartialFiles::default());
        let first = files.list(Path::new("out/.a.glb.x.part"));
        let second = files.list(Path::new("out/.b.glb.y.part"));
        drop(first);
        assert_eq!(files.take_all(), [PathBuf::from("out/.b.glb.y.part")]);
        assert!(files.take_all().is_empty(), "taken once");
        drop(second);
        assert!(files.take_all().is_empty());
    }
}
