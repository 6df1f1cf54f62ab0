//! Which open entries' submits are still going out from a live process: the process that
//! begins an entry holds a lock on a file beside the journal until the submit is settled. A
//! lock the operating system released (the process ended, or was killed) means nobody is
//! submitting it any more, so its outcome is unknown; a held one means an answer is coming.

use std::collections::HashMap;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use hitem3d_core::journal::EntryId;

/// The locks of the submits this process is making, by entry.
#[derive(Debug)]
pub(crate) struct SubmitLocks {
    /// The journal file the lock files sit beside; `None` for a journal in memory.
    journal: Option<PathBuf>,
    held: Mutex<HashMap<EntryId, File>>,
}

impl SubmitLocks {
    pub(crate) fn beside(journal: Option<&Path>) -> Self {
        Self {
            journal: journal.map(Path::to_path_buf),
            held: Mutex::default(),
        }
    }

    /// `journal.sqlite3-submitting-7.lock` for entry 7.
    fn path(&self, entry: EntryId) -> Option<PathBuf> {
        let journal = self.journal.as_ref()?;
        let mut name = journal.file_name()?.to_os_string();
        name.push(format!("-submitting-{}.lock", entry.0));
        Some(journal.with_file_name(name))
    }

    /// Takes the lock of a submit this process begins. Where no lock file can be made, other
    /// processes find none and take the entry's outcome as unknown, as before there were
    /// locks: nothing is paid twice either way.
    pub(crate) fn hold(&self, entry: EntryId) {
        let Some(path) = self.path(entry) else { return };
        let locked = File::create(&path).and_then(|file| {
            file.try_lock()?;
            Ok(file)
        });
        if let Ok(file) = locked {
            self.lock().insert(entry, file);
        }
    }

    /// The submit of `entry` is settled (or its entry forgotten): the lock goes.
    pub(crate) fn release(&self, entry: EntryId) {
        if self.lock().remove(&entry).is_some()
            && let Some(path) = self.path(entry)
        {
            let _gone = std::fs::remove_file(path);
        }
    }

    /// Whether a live process is still submitting `entry`: this one, or another holding its
    /// lock. A lock file nobody holds is the trace of a killed process: it is removed.
    pub(crate) fn in_flight(&self, entry: EntryId) -> bool {
        if self.lock().contains_key(&entry) {
            return true;
        }
        let Some(path) = self.path(entry) else {
            return false;
        };
        let Ok(file) = File::open(&path) else {
            return false;
        };
        match file.try_lock() {
            Err(TryLockError::WouldBlock) => true,
            Ok(()) => {
                let _gone = std::fs::remove_file(&path);
                false
            }
            Err(TryLockError::Error(_)) => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<EntryId, File>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
