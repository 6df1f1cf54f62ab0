//! Steps SQLite refuses at once while another connection holds the file.

use std::time::{Duration, Instant};

use rusqlite::ErrorCode;

/// How long between two tries.
const PAUSE: Duration = Duration::from_millis(10);

/// Runs `step` again for up to `patience` while SQLite answers "busy" or "locked". Its busy
/// timeout covers most waits, but where waiting could deadlock it answers at once: a
/// connection that switches a new file to the write-ahead log while another process creates
/// the same journal is refused without waiting.
pub(crate) fn until_not_busy<T>(
    patience: Duration,
    mut step: impl FnMut() -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let deadline = Instant::now() + patience;
    loop {
        match step() {
            Err(rusqlite::Error::SqliteFailure(error, _))
                if matches!(
                    error.code,
                    ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked
                ) && Instant::now() < deadline =>
            {
                std::thread::sleep(PAUSE);
            }
            done => return done,
        }
    }
}
