//! The fleet's work queue in PostgreSQL: claims under leases with `FOR UPDATE SKIP LOCKED`.
//! The fleet's limit on unfinished tasks is not a claim's business: the journal decides it
//! when a submit's intent is written, so workers claim ahead and submit the moment a slot
//! frees.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::cached_statements::CachedStatements;
use deadpool_postgres::Transaction;
use hitem3d_core::journal::{
    AsyncWorkQueue, Claim, ClaimAnswer, ClaimStart, ClaimVerdict, CreditLimit, EntryId,
    ItemOutcome, ItemState, JournalError, JournalKey, PutBack, QueueItem, QueuedInput, Settled,
    StoreFuture, WorkerId,
};
use hitem3d_core::types::TaskId;
use tokio_postgres::Row;

use crate::PgJournal;
use crate::fence::Fence;
use crate::fleet_limit::{count, slot_freed};
use crate::pg_journal::{read_entry, refund, select, store};

/// The fleet's queue of inputs, in the database of a [`PgJournal`] whose writes it fences:
/// once a claim has ended (its lease ran out and another worker took the input), the journal
/// refuses every write this process makes about that input.
#[derive(Debug, Clone)]
pub struct PgWorkQueue {
    journal: PgJournal,
    /// Whether the fleet had a credit limit at this process's last claim: claims then take
    /// turns on the fleet's row.
    credit_limited: Arc<AtomicBool>,
}

impl PgWorkQueue {
    /// The queue beside `journal`'s entries; claims made here fence `journal`'s writes.
    #[must_use]
    pub fn new(journal: &PgJournal) -> Self {
        Self {
            journal: journal.clone(),
            credit_limited: Arc::default(),
        }
    }

    fn fence(&self) -> &Arc<Fence> {
        self.journal.fence()
    }

    /// Sets the fleet's limit on unfinished tasks: the account's (10 unless the service raised
    /// it), or fewer to leave room for other users of the account.
    ///
    /// # Errors
    /// The store could not be written.
    pub async fn set_task_limit(&self, limit: u32) -> Result<(), JournalError> {
        let client = self.journal.client("write").await?;
        let limit = i32::try_from(limit.max(1)).unwrap_or(i32::MAX);
        client
            .execute_cached(
                "UPDATE hitem3d.fleet SET task_limit = $1, configured_limit = $1, \
                 limit_changed_at = now() WHERE id = 1",
                &[&limit],
            )
            .await
            .map(drop)
            .map_err(|error| self.journal.failed("write", &error))
    }

    /// Sets the most credits the fleet may spend, counted from the first task charged (`None`:
    /// no limit). Each submit's intent charges its published price in the same transaction
    /// that writes it, so no number of racing workers can spend past it.
    ///
    /// # Errors
    /// The store could not be written.
    pub async fn set_max_credits(&self, max: Option<u64>) -> Result<(), JournalError> {
        let client = self.journal.client("write").await?;
        let max = max.map(|max| i64::try_from(max).unwrap_or(i64::MAX));
        client
            .execute_cached(
                "UPDATE hitem3d.fleet SET max_credits = $1 WHERE id = 1",
                &[&max],
            )
            .await
            .map(drop)
            .map_err(|error| self.journal.failed("write", &error))
    }

    /// The credits charged so far (published prices of the tasks created, refunds taken
    /// off) and the limit, if one is set.
    ///
    /// # Errors
    /// The store could not be read.
    pub async fn credits(&self) -> Result<(u64, Option<u64>), JournalError> {
        let client = self.journal.client("read").await?;
        let row = client
            .query_one_cached(
                "SELECT credits_charged, max_credits FROM hitem3d.fleet WHERE id = 1",
                &[],
            )
            .await
            .map_err(|error| self.journal.failed("read", &error))?;
        let unsigned = |value: i64| u64::try_from(value).unwrap_or(0);
        Ok((
            unsigned(row.get(0)),
            row.get::<_, Option<i64>>(1).map(unsigned),
        ))
    }

    /// The fleet's limit on unfinished tasks now (learnt from refusals) and as configured.
    ///
    /// # Errors
    /// The store could not be read.
    pub async fn task_limit(&self) -> Result<(u32, u32), JournalError> {
        let client = self.journal.client("read").await?;
        let row = client
            .query_one_cached(
                "SELECT task_limit, configured_limit FROM hitem3d.fleet WHERE id = 1",
                &[],
            )
            .await
            .map_err(|error| self.journal.failed("read", &error))?;
        Ok((count(row.get(0)), count(row.get(1))))
    }

    async fn add(&self, inputs: &[QueuedInput]) -> Result<usize, JournalError> {
        let mut client = self.journal.client("write").await?;
        let write = async {
            let tx = client.transaction().await?;
            let mut added = 0;
            for queued in inputs {
                added += tx
                    .execute_cached(
                        "INSERT INTO hitem3d.queue (key, input, options, credits) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING",
                        &[
                            &queued.key.as_str(),
                            &queued.input,
                            &queued.options,
                            &queued
                                .credits
                                .map(|credits| i32::try_from(credits).unwrap_or(i32::MAX)),
                        ],
                    )
                    .await?;
            }
            tx.commit().await?;
            Ok(usize::try_from(added).unwrap_or(usize::MAX))
        };
        write
            .await
            .map_err(|error| self.journal.failed("write", &error))
    }

    async fn take(&self, worker: &WorkerId, lease: Duration) -> Result<ClaimAnswer, JournalError> {
        let mut client = self.journal.client("write").await?;
        let claim = async {
            let mut take_turns = self.credit_limited.load(Ordering::Relaxed);
            loop {
                let tx = client.transaction().await?;
                let (made, limited) = claim_in(&tx, worker, lease, take_turns).await?;
                self.credit_limited.store(limited, Ordering::Relaxed);
                match made {
                    Some(answer) => {
                        tx.commit().await?;
                        break Ok(answer);
                    }
                    // A credit limit was set since this process last looked: the claim is
                    // made again, taking turns (this transaction is rolled back).
                    None => take_turns = true,
                }
            }
        };
        let (answer, freed) = claim
            .await
            .map_err(|error| self.journal.failed("write", &error))?;
        if freed {
            self.journal.slot_freed_here();
        }
        if let ClaimAnswer::Claimed(claim) = &answer {
            self.fence().held.hold(claim);
        }
        Ok(answer)
    }

    async fn extend(&self, claims: &[Claim], lease: Duration) -> Result<Vec<u64>, JournalError> {
        let client = self.journal.client("write").await?;
        let mut lost = Vec::new();
        for claim in claims {
            let extended = client
                .execute_cached(
                    "UPDATE hitem3d.queue SET lease_until = now() + $3::FLOAT8 * INTERVAL '1 second', \
                     updated_at = now() WHERE id = $1 AND epoch = $2 AND state = 'claimed'",
                    &[
                        &claim.item.cast_signed(),
                        &claim.epoch.cast_signed(),
                        &lease.as_secs_f64(),
                    ],
                )
                .await
                .map_err(|error| self.journal.failed("write", &error))?;
            if extended == 0 {
                self.fence().held.release(claim);
                lost.push(claim.item);
            }
        }
        Ok(lost)
    }

    async fn end(&self, claim: &Claim, outcome: &ItemOutcome) -> Result<(), JournalError> {
        let client = self.journal.client("write").await?;
        let (state, note) = match outcome {
            ItemOutcome::Saved => ("saved", None),
            ItemOutcome::Failed(reason) => ("failed", Some(reason.as_str())),
        };
        let ended = client
            .execute_cached(
                "UPDATE hitem3d.queue SET state = $3, note = $4, lease_until = NULL, \
                 updated_at = now() WHERE id = $1 AND epoch = $2 AND state = 'claimed'",
                &[
                    &claim.item.cast_signed(),
                    &claim.epoch.cast_signed(),
                    &state,
                    &note,
                ],
            )
            .await
            .map_err(|error| self.journal.failed("write", &error))?;
        self.fence().held.release(claim);
        if ended == 0 {
            return Err(JournalError::LeaseLost { item: claim.item });
        }
        Ok(())
    }
}

impl PgWorkQueue {
    async fn list(&self) -> Result<Vec<QueueItem>, JournalError> {
        let client = self.journal.client("read").await?;
        // The task of an input is its open entry's, else its last one's.
        let rows = client
            .query(
                "SELECT q.id, q.key, q.input, q.options, q.state, q.worker, q.note, \
                        e.task_id, e.estimated_credits, q.credits, \
                        COALESCE(q.state = 'claimed' AND q.lease_until <= now(), false) \
                 FROM hitem3d.queue q \
                 LEFT JOIN LATERAL (SELECT task_id, estimated_credits FROM hitem3d.entries \
                     WHERE key = q.key AND task_id IS NOT NULL ORDER BY id DESC LIMIT 1) e \
                     ON TRUE \
                 ORDER BY q.id",
                &[],
            )
            .await
            .map_err(|error| self.journal.failed("read", &error))?;
        Ok(rows
            .iter()
            .map(|row| {
                // A state a newer version wrote reads as claimed: someone else's business.
                let state = ItemState::parse(row.get(4)).unwrap_or(ItemState::Claimed);
                let mut item = QueueItem::new(
                    row.get::<_, i64>(0).cast_unsigned(),
                    queued_input(row),
                    state,
                );
                item.worker = row.get::<_, Option<String>>(5).map(WorkerId::new);
                item.note = row.get(6);
                item.task_id = row.get::<_, Option<String>>(7).map(TaskId::new);
                item.credits = row
                    .get::<_, Option<i32>>(8)
                    .and_then(|credits| u32::try_from(credits).ok());
                item.claim_lapsed = row.get(10);
                item
            })
            .collect())
    }
}

impl AsyncWorkQueue for PgWorkQueue {
    fn items(&self) -> StoreFuture<'_, Vec<QueueItem>> {
        Box::pin(self.list())
    }

    fn enqueue<'a>(&'a self, inputs: &'a [QueuedInput]) -> StoreFuture<'a, usize> {
        Box::pin(self.add(inputs))
    }

    fn claim<'a>(&'a self, worker: &'a WorkerId, lease: Duration) -> StoreFuture<'a, ClaimAnswer> {
        Box::pin(self.take(worker, lease))
    }

    fn heartbeat<'a>(&'a self, claims: &'a [Claim], lease: Duration) -> StoreFuture<'a, Vec<u64>> {
        Box::pin(self.extend(claims, lease))
    }

    fn finish<'a>(&'a self, claim: &'a Claim, outcome: &'a ItemOutcome) -> StoreFuture<'a, ()> {
        Box::pin(self.end(claim, outcome))
    }

    fn put_back(&self, entry: EntryId) -> StoreFuture<'_, PutBack> {
        Box::pin(async move {
            let mut client = self.journal.client("write").await?;
            let write = async {
                let tx = client.transaction().await?;
                let decision = put_back_in(&tx, entry).await?;
                tx.commit().await?;
                Ok(decision)
            };
            write
                .await
                .map_err(|error| self.journal.failed("write", &error))
        })
    }
}

/// [`AsyncWorkQueue::put_back`] inside `tx`: the fleet's row, the entry and the input are
/// locked in the order claims lock them, so a claim sees the input either before or after.
async fn put_back_in(
    tx: &Transaction<'_>,
    entry: EntryId,
) -> Result<PutBack, tokio_postgres::Error> {
    tx.execute_cached("SELECT 1 FROM hitem3d.fleet WHERE id = 1 FOR UPDATE", &[])
        .await?;
    let id = entry.0.cast_signed();
    let found = tx
        .query_opt_cached(&select("WHERE id = $1 FOR UPDATE"), &[&id])
        .await?
        .map(|row| read_entry(&row));
    let item = match found.as_ref().and_then(|entry| entry.key.as_ref()) {
        Some(key) => tx
            .query_opt_cached(
                "SELECT state, COALESCE(lease_until <= now(), false) FROM hitem3d.queue \
                 WHERE key = $1 FOR UPDATE",
                &[&key.as_str()],
            )
            .await?
            // A state a newer version wrote reads as claimed: not this one's to change.
            .map(|row| {
                let state = ItemState::parse(row.get(0)).unwrap_or(ItemState::Claimed);
                (state, row.get::<_, bool>(1))
            }),
        None => None,
    };
    let decision = PutBack::of(found.as_ref(), item);
    if let (PutBack::Pending, Some(found)) = (&decision, &found) {
        tx.execute_cached("DELETE FROM hitem3d.entries WHERE id = $1", &[&id])
            .await?;
        refund(tx, found.estimated_credits).await?;
        tx.execute_cached(
            "UPDATE hitem3d.queue SET state = 'pending', worker = NULL, note = NULL, \
             lease_until = NULL, updated_at = now() WHERE key = $1",
            &[&found.key.as_ref().map(JournalKey::as_str)],
        )
        .await?;
    }
    Ok(decision)
}

/// One claim, inside `tx`, and whether the fleet has a credit limit. The fleet's row is
/// locked first: where the fleet has a credit limit, for update (`take_turns`), so claims take
/// turns and two of them cannot both reserve the last credits; otherwise shared with other
/// claims and intents, and kept only from a person's put-back, which locks it for update. No
/// claim (`None`) when the row, shared, shows a credit limit: the claim is to be made again,
/// taking turns.
async fn claim_in(
    tx: &Transaction<'_>,
    worker: &WorkerId,
    lease: Duration,
    take_turns: bool,
) -> Result<(Option<(ClaimAnswer, bool)>, bool), tokio_postgres::Error> {
    let lock = if take_turns {
        "FOR UPDATE"
    } else {
        "FOR KEY SHARE"
    };
    let fleet = tx
        .query_one_cached(
            &format!("SELECT max_credits, credits_charged FROM hitem3d.fleet WHERE id = 1 {lock}"),
            &[],
        )
        .await?;
    let max_credits = fleet.get::<_, Option<i64>>(0);
    let limited = max_credits.is_some();
    if limited && !take_turns {
        return Ok((None, limited));
    }
    let claimed = claim_within(tx, worker, lease, max_credits, fleet.get(1)).await?;
    Ok((Some(claimed), limited))
}

/// [`claim_in`] once the fleet's row is locked: `max_credits` and `credits_charged` are the
/// fleet's credit limit, if it has one, and the credits its intents charged.
async fn claim_within(
    tx: &Transaction<'_>,
    worker: &WorkerId,
    lease: Duration,
    max_credits: Option<i64>,
    credits_charged: i64,
) -> Result<(ClaimAnswer, bool), tokio_postgres::Error> {
    let budget = match max_credits {
        Some(max) => Some(CreditLimit::from_stored(
            Some(max),
            credits_charged + reserved_credits(tx).await?,
        )),
        None => None,
    };
    let mut over_budget = false;
    // Whether an entry set to an unknown outcome freed a slot.
    let mut freed = false;
    // Inputs whose last lease ran out come first: their tasks may exist and need no slot.
    let candidates = [
        "state = 'claimed' AND lease_until <= now()",
        "state = 'pending'",
    ];
    for candidate in candidates {
        loop {
            let sql = format!(
                "SELECT id, key, input, options, epoch, worker, credits FROM hitem3d.queue \
                 WHERE {candidate} ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
            );
            let Some(row) = tx.query_opt_cached(&sql, &[]).await? else {
                break;
            };
            let previous = row.get::<_, Option<String>>(5).map(WorkerId::new);
            let queued = queued_input(&row);
            let entry = tx
                .query_opt_cached(
                    &select("WHERE key = $1 AND state NOT IN ('refused', 'failed') FOR UPDATE"),
                    &[&queued.key.as_str()],
                )
                .await?
                .map(|row| read_entry(&row));
            let item = row.get::<_, i64>(0);
            match ClaimVerdict::of(entry.as_ref(), previous.as_ref()) {
                ClaimVerdict::Claim(start) => {
                    // A submit's price must fit what the limit leaves (unknown: it cannot).
                    let fits = |budget: CreditLimit| budget.admit(queued.credits).is_ok();
                    let pays = start == ClaimStart::Submit;
                    if pays && budget.is_some_and(|budget| !fits(budget)) {
                        over_budget = true;
                        break;
                    }
                    let epoch: i64 = tx
                        .query_one_cached(
                            "UPDATE hitem3d.queue SET state = 'claimed', worker = $2, \
                             epoch = epoch + 1, \
                             lease_until = now() + $3::FLOAT8 * INTERVAL '1 second', \
                             note = NULL, updated_at = now() WHERE id = $1 RETURNING epoch",
                            &[&item, &worker.as_str(), &lease.as_secs_f64()],
                        )
                        .await?
                        .get(0);
                    let claim = ClaimAnswer::Claimed(Claim {
                        item: item.cast_unsigned(),
                        queued,
                        epoch: epoch.cast_unsigned(),
                        start,
                    });
                    return Ok((claim, freed));
                }
                ClaimVerdict::Unknown(reason) => {
                    if let Some(mut entry) = entry {
                        let now: i64 = tx
                            .query_one_cached("SELECT EXTRACT(EPOCH FROM now())::BIGINT", &[])
                            .await?
                            .get(0);
                        let held = entry.state.holds_account_slot();
                        entry.settle(
                            &Settled::OutcomeUnknown(reason.clone()),
                            now.cast_unsigned(),
                        );
                        store(tx, &entry).await?;
                        if held {
                            slot_freed(tx).await?;
                            freed = true;
                        }
                    }
                    set_state(tx, item, "unknown", Some(&reason)).await?;
                }
                ClaimVerdict::Done => set_state(tx, item, "saved", None).await?,
            }
        }
    }
    if over_budget {
        return Ok((ClaimAnswer::OverBudget, freed));
    }
    let others = tx
        .query_opt_cached(
            "SELECT 1 FROM hitem3d.queue WHERE state IN ('pending', 'claimed') LIMIT 1",
            &[],
        )
        .await?
        .is_some();
    let answer = if others {
        ClaimAnswer::OthersWorking
    } else {
        ClaimAnswer::Drained
    };
    Ok((answer, freed))
}

/// Credits that claims hold for submits not begun yet: what a claim reserves of the limit.
async fn reserved_credits(tx: &Transaction<'_>) -> Result<i64, tokio_postgres::Error> {
    let row = tx
        .query_one_cached(
            "SELECT COALESCE(SUM(q.credits), 0)::BIGINT FROM hitem3d.queue q \
             WHERE q.state = 'claimed' AND q.lease_until > now() \
               AND NOT EXISTS (SELECT 1 FROM hitem3d.entries e WHERE e.key = q.key \
                                 AND e.state NOT IN ('refused', 'failed'))",
            &[],
        )
        .await?;
    Ok(row.get(0))
}

async fn set_state(
    tx: &Transaction<'_>,
    item: i64,
    state: &str,
    note: Option<&str>,
) -> Result<(), tokio_postgres::Error> {
    tx.execute_cached(
        "UPDATE hitem3d.queue SET state = $2, note = $3, lease_until = NULL, updated_at = now() \
         WHERE id = $1",
        &[&item, &state, &note],
    )
    .await
    .map(drop)
}

fn queued_input(row: &Row) -> QueuedInput {
    QueuedInput {
        key: JournalKey::new(row.get::<_, String>(1)),
        input: row.get(2),
        options: row.get(3),
        credits: row
            .get::<_, Option<i32>>("credits")
            .and_then(|credits| u32::try_from(credits).ok()),
    }
}
