//! When to ask the system to start writing a download's temporary file to disk. The file is
//! flushed before it is renamed into place (so that a finished download survives a crash); a
//! flush that finds the whole file still in memory makes the download wait for the disk at
//! the end, while asked along the way the disk writes as the network delivers.

use std::ops::Range;

/// Bytes written between two requests to start writing back: large enough that the requests
/// cost nothing next to the writes, small enough that the last flush finds little to do.
pub const WRITEBACK_STEP: u64 = 8 * 1024 * 1024;

/// What has been written to one temporary file, and which range of it is due to be written
/// back.
///
/// ```
/// use hitem3d_core::{WRITEBACK_STEP, WritebackSchedule};
///
/// let mut schedule = WritebackSchedule::default();
/// assert_eq!(schedule.on_written(WRITEBACK_STEP - 1), None);
/// assert_eq!(schedule.on_written(10), Some(0..WRITEBACK_STEP + 9));
/// assert_eq!(schedule.on_written(10), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WritebackSchedule {
    written: u64,
    requested: u64,
}

impl WritebackSchedule {
    /// Counts `bytes` more written; returns the range to start writing back once at least
    /// [`WRITEBACK_STEP`] bytes have been written since the last one (so never an empty one).
    pub fn on_written(&mut self, bytes: u64) -> Option<Range<u64>> {
        self.written += bytes;
        if self.written - self.requested < WRITEBACK_STEP {
            return None;
        }
        let due = self.requested..self.written;
        self.requested = self.written;
        Some(due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_range_follows_the_last_and_is_due_at_exactly_one_step() {
        let mut schedule = WritebackSchedule::default();
        assert_eq!(schedule.on_written(WRITEBACK_STEP), Some(0..WRITEBACK_STEP));
        assert_eq!(schedule.on_written(WRITEBACK_STEP / 2), None);
        assert_eq!(schedule.on_written(WRITEBACK_STEP / 2 - 1), None);
        assert_eq!(
            schedule.on_written(1),
            Some(WRITEBACK_STEP..2 * WRITEBACK_STEP)
        );
        assert_eq!(schedule.on_written(0), None);
    }
}
