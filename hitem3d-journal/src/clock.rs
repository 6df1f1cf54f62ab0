//! The store's clock: this machine's, which every process sharing the file reads alike.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch (entries' times).
pub(crate) fn unix_now() -> u64 {
    unix_millis() / 1000
}

/// Milliseconds since the Unix epoch (leases and the limit's last change).
pub(crate) fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}
