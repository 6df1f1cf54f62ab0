//! A work queue in the journal's SQLite file, for the `hitem3d worker`s of one machine: the
//! fleet's protocol (claims under leases, epochs that fence every write about an input, the
//! core's verdict on an input whose task may exist) with SQLite's write lock in place of row
//! locks.

use std::sync::Arc;
use std::time::Duration;

use hitem3d_core::journal::{
    Claim, ClaimAnswer, ClaimStart, ClaimVerdict, CreditLimit, EntryId, ItemOutcome, ItemState,
    JournalError, JournalKey, PutBack, QueueItem, QueuedInput, Settled, WorkQueue, WorkerId,
};
use hitem3d_core::types::TaskId;
use rusqlite::{OptionalExtension, Row, Transaction, params};

use crate::SqliteJournal;
use crate::clock::{unix_millis, unix_now};
use crate::sqlite_journal::{SELECT, read_entry, read_files, refund, store};

/// The queue of inputs in a [`SqliteJournal`]'s file, whose writes it fences: once a claim
/// has ended (its lease ran out and another process took the input), the journal refuses
/// every write this process makes about that input.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use hitem3d_core::journal::{ClaimAnswer, JournalKey, QueuedInput, WorkQueue, WorkerId};
/// use hitem3d_journal::{SqliteJournal, SqliteWorkQueue};
///
/// let journal = Arc::new(SqliteJournal::in_memory()?);
/// let queue = SqliteWorkQueue::new(&journal);
/// let input = QueuedInput {
///     key: JournalKey::new("sha256-of-the-picture-and-options"),
///     input: "photos/chair.png".to_owned(),
///     options: "{}".to_owned(),
///     credits: Some(40),
/// };
/// assert_eq!(queue.enqueue(&[input.clone(), input])?, 1);
/// let ClaimAnswer::Claimed(claim) = queue.claim(&WorkerId::new("me"), Duration::from_secs(30))?
/// else {
///     panic!("one input waits");
/// };
/// assert_eq!(claim.queued.input, "photos/chair.png");
/// # Ok::<(), hitem3d_core::journal::JournalError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SqliteWorkQueue {
    journal: Arc<SqliteJournal>,
}

impl SqliteWorkQueue {
    /// The queue beside `journal`'s entries; claims made here fence `journal`'s writes.
    #[must_use]
    pub fn new(journal: &Arc<SqliteJournal>) -> Self {
        Self {
            journal: Arc::clone(journal),
        }
    }

    /// The journal whose file holds the queue.
    #[must_use]
    pub fn journal(&self) -> &Arc<SqliteJournal> {
        &self.journal
    }
}

impl WorkQueue for SqliteWorkQueue {
    fn enqueue(&self, inputs: &[QueuedInput]) -> Result<usize, JournalError> {
        let now = unix_millis().cast_signed();
        self.journal.write(|tx| {
            let mut added = 0;
            for queued in inputs {
                added += tx.execute(
                    "INSERT INTO queue (key, input, options, credits, enqueued_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (key) DO NOTHING",
                    params![
                        queued.key.as_str(),
                        queued.input,
                        queued.options,
                        queued.credits,
                        now
                    ],
                )?;
            }
            Ok(added)
        })
    }

    fn claim(&self, worker: &WorkerId, lease: Duration) -> Result<ClaimAnswer, JournalError> {
        let (answer, freed) = self.journal.write(|tx| claim_in(tx, worker, lease))?;
        if freed {
            self.journal.slot_freed().ring();
        }
        if let ClaimAnswer::Claimed(claim) = &answer {
            self.journal.fence().held.hold(claim);
        }
        Ok(answer)
    }

    fn heartbeat(&self, claims: &[Claim], lease: Duration) -> Result<Vec<u64>, JournalError> {
        let until = lease_end(lease);
        let now = unix_millis().cast_signed();
        let lost = self.journal.write(|tx| {
            let mut lost = Vec::new();
            for claim in claims {
                let extended = tx.execute(
                    "UPDATE queue SET lease_until_ms = ?3, updated_at = ?4 \
                     WHERE id = ?1 AND epoch = ?2 AND state = 'claimed'",
                    params![
                        claim.item.cast_signed(),
                        claim.epoch.cast_signed(),
                        until,
                        now
                    ],
                )?;
                if extended == 0 {
                    lost.push(claim);
                }
            }
            Ok(lost)
        })?;
        for claim in &lost {
            self.journal.fence().held.release(claim);
        }
        Ok(lost.iter().map(|claim| claim.item).collect())
    }

    fn finish(&self, claim: &Claim, outcome: &ItemOutcome) -> Result<(), JournalError> {
        let (state, note) = match outcome {
            ItemOutcome::Saved => ("saved", None),
            ItemOutcome::Failed(reason) => ("failed", Some(reason.as_str())),
        };
        let now = unix_millis().cast_signed();
        let ended = self.journal.write(|tx| {
            tx.execute(
                "UPDATE queue SET state = ?3, note = ?4, lease_until_ms = NULL, updated_at = ?5 \
                 WHERE id = ?1 AND epoch = ?2 AND state = 'claimed'",
                params![
                    claim.item.cast_signed(),
                    claim.epoch.cast_signed(),
                    state,
                    note,
                    now
                ],
            )
        });
        self.journal.fence().held.release(claim);
        if ended? == 0 {
            return Err(JournalError::LeaseLost { item: claim.item });
        }
        Ok(())
    }

    fn items(&self) -> Result<Vec<QueueItem>, JournalError> {
        let now = unix_millis().cast_signed();
        // The task of an input is its last entry's that has one.
        self.journal.write(|tx| {
            let mut statement = tx.prepare(
                "SELECT q.id, q.key, q.input, q.options, q.credits, q.state, q.worker, q.note, \
                        (SELECT e.task_id FROM entries e WHERE e.key = q.key \
                           AND e.task_id IS NOT NULL ORDER BY e.id DESC LIMIT 1), \
                        (SELECT e.estimated_credits FROM entries e WHERE e.key = q.key \
                           AND e.task_id IS NOT NULL ORDER BY e.id DESC LIMIT 1), \
                        COALESCE(q.state = 'claimed' AND q.lease_until_ms <= ?1, 0) \
                 FROM queue q ORDER BY q.id",
            )?;
            let items = statement.query_map([now], |row| {
                // A state a newer version wrote reads as claimed: someone else's business.
                let state =
                    ItemState::parse(&row.get::<_, String>(5)?).unwrap_or(ItemState::Claimed);
                let mut item = QueueItem::new(
                    row.get::<_, i64>(0)?.cast_unsigned(),
                    queued_input(row)?,
                    state,
                );
                item.worker = row.get::<_, Option<String>>(6)?.map(WorkerId::new);
                item.note = row.get(7)?;
                item.task_id = row.get::<_, Option<String>>(8)?.map(TaskId::new);
                item.credits = row.get(9)?;
                item.claim_lapsed = row.get(10)?;
                Ok(item)
            })?;
            items.collect()
        })
    }

    fn put_back(&self, entry: EntryId) -> Result<PutBack, JournalError> {
        let now = unix_millis().cast_signed();
        self.journal.write(|tx| {
            let id = entry.0.cast_signed();
            let sql = format!("{SELECT} WHERE id = ?1");
            let found = tx.query_row(&sql, [id], read_entry).optional()?;
            let item = match found.as_ref().and_then(|entry| entry.key.as_ref()) {
                Some(key) => tx
                    .query_row(
                        "SELECT state, COALESCE(lease_until_ms <= ?2, 0) FROM queue WHERE key = ?1",
                        params![key.as_str(), now],
                        |row| Ok((row.get::<_, String>(0)?, row.get::<_, bool>(1)?)),
                    )
                    .optional()?
                    // A state a newer version wrote reads as claimed: not this one's to change.
                    .map(|(state, over)| {
                        (ItemState::parse(&state).unwrap_or(ItemState::Claimed), over)
                    }),
                None => None,
            };
            let decision = PutBack::of(found.as_ref(), item);
            if let (PutBack::Pending, Some(found)) = (&decision, &found) {
                tx.execute("DELETE FROM files WHERE entry_id = ?1", [id])?;
                tx.execute("DELETE FROM entries WHERE id = ?1", [id])?;
                refund(tx, found.estimated_credits)?;
                tx.execute(
                    "UPDATE queue SET state = 'pending', worker = NULL, note = NULL, \
                     lease_until_ms = NULL, updated_at = ?2 WHERE key = ?1",
                    params![found.key.as_ref().map(JournalKey::as_str), now],
                )?;
            }
            Ok(decision)
        })
    }
}

/// One claim, inside `tx` (which holds the file's write lock, so claims take turns and two of
/// them cannot both reserve the last credits). Also whether a slot was freed (an entry set to
/// an unknown outcome).
fn claim_in(
    tx: &Transaction<'_>,
    worker: &WorkerId,
    lease: Duration,
) -> rusqlite::Result<(ClaimAnswer, bool)> {
    let now = unix_millis().cast_signed();
    let (max, charged): (Option<i64>, i64) = tx.query_row(
        "SELECT max_credits, credits_charged FROM budget WHERE id = 1",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let budget = match max {
        Some(max) => Some(CreditLimit::from_stored(
            Some(max),
            charged + reserved_credits(tx, now)?,
        )),
        None => None,
    };
    let mut over_budget = false;
    let mut freed = false;
    // Inputs whose last lease ran out come first: their tasks may exist.
    let expired: &[&dyn rusqlite::ToSql] = &[&now];
    let candidates = [
        ("state = 'claimed' AND lease_until_ms <= ?1", expired),
        ("state = 'pending'", &[]),
    ];
    for (candidate, bound) in candidates {
        loop {
            let sql = format!(
                "SELECT id, key, input, options, credits, epoch, worker FROM queue \
                 WHERE {candidate} ORDER BY id LIMIT 1"
            );
            let Some((item, queued, previous)) = tx
                .query_row(&sql, bound, |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        queued_input(row)?,
                        row.get::<_, Option<String>>(6)?.map(WorkerId::new),
                    ))
                })
                .optional()?
            else {
                break;
            };
            let sql = format!("{SELECT} WHERE key = ?1 AND state NOT IN ('refused', 'failed')");
            let mut entry = tx
                .query_row(&sql, [queued.key.as_str()], read_entry)
                .optional()?;
            if let Some(entry) = &mut entry {
                entry.files = read_files(tx, entry.id)?;
            }
            match ClaimVerdict::of(entry.as_ref(), previous.as_ref()) {
                ClaimVerdict::Claim(start) => {
                    // A submit's price must fit what the limit leaves (unknown: it cannot).
                    let fits = |budget: CreditLimit| budget.admit(queued.credits).is_ok();
                    if start == ClaimStart::Submit && budget.is_some_and(|budget| !fits(budget)) {
                        over_budget = true;
                        break;
                    }
                    let epoch: i64 = tx.query_row(
                        "UPDATE queue SET state = 'claimed', worker = ?2, epoch = epoch + 1, \
                         lease_until_ms = ?3, note = NULL, updated_at = ?4 WHERE id = ?1 \
                         RETURNING epoch",
                        params![item, worker.as_str(), lease_end(lease), now],
                        |row| row.get(0),
                    )?;
                    let claim = Claim {
                        item: item.cast_unsigned(),
                        queued,
                        epoch: epoch.cast_unsigned(),
                        start,
                    };
                    return Ok((ClaimAnswer::Claimed(claim), freed));
                }
                ClaimVerdict::Unknown(reason) => {
                    if let Some(mut entry) = entry {
                        let held = entry.state.holds_account_slot();
                        entry.settle(&Settled::OutcomeUnknown(reason.clone()), unix_now());
                        store(tx, &entry)?;
                        freed |= held;
                    }
                    set_state(tx, item, "unknown", Some(&reason), now)?;
                }
                ClaimVerdict::Done => set_state(tx, item, "saved", None, now)?,
            }
        }
    }
    if over_budget {
        return Ok((ClaimAnswer::OverBudget, freed));
    }
    let others = tx
        .query_row(
            "SELECT 1 FROM queue WHERE state IN ('pending', 'claimed') LIMIT 1",
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    let answer = if others {
        ClaimAnswer::OthersWorking
    } else {
        ClaimAnswer::Drained
    };
    Ok((answer, freed))
}

/// Credits that claims hold for submits not begun yet: what a claim reserves of the limit.
fn reserved_credits(tx: &Transaction<'_>, now: i64) -> rusqlite::Result<i64> {
    tx.query_row(
        "SELECT COALESCE(SUM(q.credits), 0) FROM queue q \
         WHERE q.state = 'claimed' AND q.lease_until_ms > ?1 \
           AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.key = q.key \
                             AND e.state NOT IN ('refused', 'failed'))",
        [now],
        |row| row.get(0),
    )
}

fn set_state(
    tx: &Transaction<'_>,
    item: i64,
    state: &str,
    note: Option<&str>,
    now: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE queue SET state = ?2, note = ?3, lease_until_ms = NULL, updated_at = ?4 \
         WHERE id = ?1",
        params![item, state, note, now],
    )
    .map(drop)
}

/// The lease's end, `lease` from now, in Unix milliseconds.
fn lease_end(lease: Duration) -> i64 {
    let lease = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX);
    unix_millis().saturating_add(lease).cast_signed()
}

fn queued_input(row: &Row<'_>) -> rusqlite::Result<QueuedInput> {
    Ok(QueuedInput {
        key: JournalKey::new(row.get::<_, String>(1)?),
        input: row.get(2)?,
        options: row.get(3)?,
        credits: row.get(4)?,
    })
}
