//! The work queue in the journal's file, for the workers of one machine: inputs enqueued once,
//! intents within the shared limit however many processes race, leases whose end fences every
//! late write, and a paid task finished by another process without paying. Each handle on the
//! file stands for a process of its own (its own connection and claims).

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use hitem3d_core::journal::{
    Begun, ClaimAnswer, ClaimStart, EntryId, EntryQuery, EntryState, ItemOutcome, ItemState,
    JournalError, PutBack, Resumption, Settled, TaskEvent, TaskJournal, WorkQueue, WorkerId,
};
use hitem3d_core::types::{TaskId, TaskState};
use hitem3d_journal::conformance::{claimed, intent, intent_of, queued_inputs};
use hitem3d_journal::{SqliteJournal, SqliteWorkQueue};

/// A lease that has run out by the next claim.
const GONE: Duration = Duration::ZERO;
const LONG: Duration = Duration::from_secs(600);

/// A worker process on the file: its own connection and claims, keeping the shared limit.
fn worker(path: &Path) -> (Arc<SqliteJournal>, SqliteWorkQueue) {
    let journal = Arc::new(SqliteJournal::open(path).unwrap());
    journal.share_task_limit();
    let queue = SqliteWorkQueue::new(&journal);
    (journal, queue)
}

fn new_entry(begun: Result<Begun, JournalError>) -> EntryId {
    match begun {
        Ok(Begun::New(entry)) => entry,
        other => panic!("a new entry, not {other:?}"),
    }
}

#[test]
fn the_same_inputs_enqueued_twice_are_queued_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_, queue) = worker(&dir.path().join("j.sqlite3"));
    assert_eq!(queue.enqueue(&queued_inputs(3)).unwrap(), 3);
    assert_eq!(queue.enqueue(&queued_inputs(5)).unwrap(), 2);
    assert_eq!(queue.enqueue(&queued_inputs(5)).unwrap(), 0);
    let items = queue.items().unwrap();
    assert_eq!(items.len(), 5);
    assert!(items.iter().all(|item| item.state == ItemState::Pending));
}

#[test]
fn racing_intents_take_no_more_than_the_shared_limit_and_a_freed_slot_wakes_a_waiter() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite3");
    let (journal, queue) = worker(&path);
    journal.set_task_limit(3).unwrap();
    queue.enqueue(&queued_inputs(8)).unwrap();
    let workers: Vec<_> = (0..8).map(|_| worker(&path)).collect();

    // Eight processes claim and begin at once: every input is claimed, three begun.
    let start = Barrier::new(workers.len());
    let begun: Vec<_> = thread::scope(|scope| {
        let racers: Vec<_> = workers
            .iter()
            .enumerate()
            .map(|(n, (journal, queue))| {
                let start = &start;
                scope.spawn(move || {
                    let claim =
                        claimed(queue.claim(&WorkerId::new(format!("w{n}")), LONG).unwrap());
                    assert_eq!(claim.start, ClaimStart::Submit);
                    start.wait();
                    let begun = journal.begin(&intent_of(&claim));
                    (n, claim, begun)
                })
            })
            .collect();
        racers
            .into_iter()
            .map(|racer| racer.join().unwrap())
            .collect()
    });
    let mut new = Vec::new();
    let mut waiting = Vec::new();
    for (n, claim, begun) in begun {
        match begun {
            Ok(Begun::New(entry)) => new.push((n, entry)),
            Err(JournalError::AtSharedLimit { held: 3, limit: 3 }) => waiting.push((n, claim)),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(new.len(), 3, "the shared limit: {new:?}");
    assert_eq!(waiting.len(), 5);
    assert_eq!(
        journal.entries(&EntryQuery::All).unwrap().len(),
        3,
        "a refused intent writes nothing"
    );
    // A process that does not keep the shared limit is not held back by it.
    // Its task holds one of the account's slots all the same.
    let loner = SqliteJournal::open(&path).unwrap();
    let alone = new_entry(loner.begin(&intent(Some("not-queued"))));
    assert!(matches!(
        workers[waiting[0].0].0.begin(&intent_of(&waiting[0].1)),
        Err(JournalError::AtSharedLimit { held: 4, limit: 3 })
    ));
    loner
        .settle(alone, &Settled::Refused("not enough balance".into()))
        .unwrap();

    // One task reaches the service: its slot is still held. It ends there: a waiter of the
    // same process is woken well before its wait runs out.
    let (holder, entry) = new[0];
    let holder = &workers[holder].0;
    let task = TaskId::new("t-0");
    holder
        .settle(entry, &Settled::Submitted(task.clone()))
        .unwrap();
    let (_, claim) = &waiting[0];
    assert!(matches!(
        holder.begin(&intent_of(claim)),
        Err(JournalError::AtSharedLimit { .. })
    ));
    holder
        .record(&task, &TaskEvent::State(TaskState::Success, None))
        .unwrap();
    let asked = Instant::now();
    thread::scope(|scope| {
        let waiter = scope.spawn(|| holder.await_slot(Duration::from_secs(60)).unwrap());
        // A slot freed before the wait began is not heard (the wait's bound covers it): slots
        // are taken and freed again until the waiter has heard one.
        let mut n = 0;
        while !waiter.is_finished() {
            let task = TaskId::new(format!("t-extra-{n}"));
            let entry = new_entry(holder.begin(&intent(Some(&format!("extra-{n}")))));
            holder
                .settle(entry, &Settled::Submitted(task.clone()))
                .unwrap();
            holder
                .record(&task, &TaskEvent::State(TaskState::Success, None))
                .unwrap();
            n += 1;
            thread::sleep(Duration::from_millis(50));
        }
    });
    assert!(
        asked.elapsed() < Duration::from_secs(30),
        "woken by the freed slot, not at the end of its 60 s wait"
    );
    // The slot is free for the next process's intent.
    let (other, claim) = &waiting[0];
    new_entry(workers[*other].0.begin(&intent_of(claim)));
}

#[test]
fn a_lease_that_ran_out_while_submitting_is_an_unknown_outcome_and_fences_the_late_worker() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite3");
    let (late_journal, late_queue) = worker(&path);
    let (_, queue) = worker(&path);
    late_queue.enqueue(&queued_inputs(1)).unwrap();

    let claim = claimed(late_queue.claim(&WorkerId::new("sleepy"), GONE).unwrap());
    let entry = new_entry(late_journal.begin(&intent_of(&claim)));
    // The submit is out; the worker stops (SIGSTOP) past its lease. Another claims: the
    // submit's outcome is unknown, so it is not paid again, and it is listed.
    let answer = queue.claim(&WorkerId::new("awake"), LONG).unwrap();
    assert_eq!(answer, ClaimAnswer::Drained, "nothing to claim: {answer:?}");
    let entries = late_journal.entries(&EntryQuery::Unfinished).unwrap();
    let [unknown] = &entries[..] else {
        panic!("one entry for a person: {entries:?}");
    };
    assert_eq!(unknown.id, entry);
    assert_eq!(unknown.state, EntryState::OutcomeUnknown);
    assert_eq!(unknown.resumption(), Resumption::Unknown);
    assert!(
        unknown
            .note
            .as_deref()
            .unwrap_or_default()
            .contains("sleepy"),
        "says which worker: {unknown:?}"
    );
    let items = queue.items().unwrap();
    assert_eq!(items[0].state, ItemState::Unknown);

    // The late worker wakes up with its task id: it can change nothing.
    let error = late_journal
        .settle(entry, &Settled::Submitted(TaskId::new("t-late")))
        .unwrap_err();
    assert!(
        matches!(error, JournalError::LeaseLost { item } if item == claim.item),
        "{error}"
    );
    let error = late_journal.begin(&intent_of(&claim)).unwrap_err();
    assert!(matches!(error, JournalError::LeaseLost { .. }), "{error}");
    let error = late_queue.finish(&claim, &ItemOutcome::Saved).unwrap_err();
    assert!(matches!(error, JournalError::LeaseLost { .. }), "{error}");
    let entries = late_journal.entries(&EntryQuery::All).unwrap();
    assert_eq!(entries[0].task_id, None, "the late write changed nothing");
}

#[test]
fn a_paid_task_whose_worker_died_is_finished_by_another_without_paying() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite3");
    let (dead_journal, dead_queue) = worker(&path);
    let (journal, queue) = worker(&path);
    queue.enqueue(&queued_inputs(1)).unwrap();

    let first = claimed(dead_queue.claim(&WorkerId::new("dies"), GONE).unwrap());
    let entry = new_entry(dead_journal.begin(&intent_of(&first)));
    dead_journal
        .settle(entry, &Settled::Submitted(TaskId::new("t-1")))
        .unwrap();
    // SIGKILL: no heartbeat, no finish. The next claim resumes the task.
    let second = claimed(queue.claim(&WorkerId::new("heir"), LONG).unwrap());
    assert_eq!(second.item, first.item);
    assert_eq!(second.start, ClaimStart::Resume(TaskId::new("t-1")));
    assert!(second.epoch > first.epoch);
    let Begun::Existing(found) = journal.begin(&intent_of(&second)).unwrap() else {
        panic!("the paid task is found");
    };
    assert_eq!(found.task_id, Some(TaskId::new("t-1")));

    assert_eq!(
        dead_queue
            .heartbeat(std::slice::from_ref(&first), LONG)
            .unwrap(),
        [first.item],
        "the dead worker's claim is lost"
    );
    assert!(
        queue
            .heartbeat(std::slice::from_ref(&second), LONG)
            .unwrap()
            .is_empty()
    );
    journal
        .record(&TaskId::new("t-1"), &TaskEvent::Saved("out/0.glb".into()))
        .unwrap();
    queue.finish(&second, &ItemOutcome::Saved).unwrap();
    let items = queue.items().unwrap();
    assert_eq!(items[0].state, ItemState::Saved);
    assert_eq!(items[0].task_id, Some(TaskId::new("t-1")));
    assert_eq!(items[0].credits, Some(10));
    assert_eq!(
        queue.claim(&WorkerId::new("heir"), LONG).unwrap(),
        ClaimAnswer::Drained
    );
}

/// Against an account allowing 3, racing refusals drove a client's limit to 1. The shared
/// limit becomes what the processes hold at the service, however many refusals race; a
/// minute later one more is tried.
#[test]
fn racing_refusals_lower_the_shared_limit_to_what_is_held_and_it_climbs_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite3");
    let (journal, queue) = worker(&path);
    journal.set_task_limit(6).unwrap();
    queue.enqueue(&queued_inputs(8)).unwrap();
    for n in 0..3 {
        let claim = claimed(queue.claim(&WorkerId::new("w"), LONG).unwrap());
        let entry = new_entry(journal.begin(&intent_of(&claim)));
        journal
            .settle(entry, &Settled::Submitted(TaskId::new(format!("t-{n}"))))
            .unwrap();
    }
    let others: Vec<_> = (0..4).map(|_| worker(&path).0).collect();
    thread::scope(|scope| {
        for other in &others {
            scope.spawn(|| other.limit_refused().unwrap());
        }
    });
    assert_eq!(journal.task_limit().unwrap(), (3, 6), "not 1: 3 are held");
    let next = claimed(queue.claim(&WorkerId::new("w"), LONG).unwrap());
    assert!(matches!(
        journal.begin(&intent_of(&next)),
        Err(JournalError::AtSharedLimit { held: 3, limit: 3 })
    ));

    // A minute on, the account's other users may have finished: one more is tried.
    let file = rusqlite::Connection::open(&path).unwrap();
    file.execute(
        "UPDATE budget SET limit_changed_at = limit_changed_at - 61000",
        [],
    )
    .unwrap();
    new_entry(journal.begin(&intent_of(&next)));
    assert_eq!(journal.task_limit().unwrap(), (4, 6));
}

/// `--max-credits` on one machine: claims stop short of the limit, and a refused submit gives
/// its charge back, which lets the next claim go.
#[test]
fn claims_stop_at_the_credit_limit_until_a_refund() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite3");
    let (journal, queue) = worker(&path);
    journal.set_max_credits(Some(25)).unwrap();
    queue.enqueue(&queued_inputs(3)).unwrap();
    let first = claimed(queue.claim(&WorkerId::new("w"), LONG).unwrap());
    // The first claim reserves 10 until its intent charges them: 20 of 25 are spoken for.
    let second = claimed(queue.claim(&WorkerId::new("w"), LONG).unwrap());
    assert_eq!(
        queue.claim(&WorkerId::new("w"), LONG).unwrap(),
        ClaimAnswer::OverBudget
    );
    let entry = new_entry(journal.begin(&intent_of(&first)));
    new_entry(journal.begin(&intent_of(&second)));
    assert_eq!(journal.credits().unwrap(), (20, Some(25)));
    journal
        .settle(entry, &Settled::Refused("balance is not enough".into()))
        .unwrap();
    queue
        .finish(&first, &ItemOutcome::Failed("refused".into()))
        .unwrap();
    assert_eq!(journal.credits().unwrap(), (10, Some(25)));
    let third = claimed(queue.claim(&WorkerId::new("w"), LONG).unwrap());
    assert_eq!(third.queued.input, "photos/2.png");
}

/// A person found no task in the console for inputs whose worker was killed while
/// submitting: putting one back removes its entry, returns its charge and makes the input
/// pending, in one transaction, whether a claim has marked it unknown yet or its lease has
/// only run out; the next claim submits it. Nothing else is ever put back.
#[test]
fn an_unknown_outcome_a_person_puts_back_is_claimed_again_and_its_charge_returned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite3");
    let (killed_journal, killed_queue) = worker(&path);
    let (journal, queue) = worker(&path);
    journal.set_max_credits(Some(100)).unwrap();
    queue.enqueue(&queued_inputs(2)).unwrap();
    assert_eq!(queue.put_back(EntryId(99)).unwrap(), PutBack::NoEntry);
    let killed = WorkerId::new("killed");
    let first = claimed(killed_queue.claim(&killed, GONE).unwrap());
    let entry = new_entry(killed_journal.begin(&intent_of(&first)));
    assert_eq!(journal.credits().unwrap(), (10, Some(100)));

    // Its lease ran out and no claim has looked at it since.
    assert_eq!(queue.put_back(entry).unwrap(), PutBack::Pending);
    assert_eq!(
        journal.credits().unwrap(),
        (0, Some(100)),
        "charge returned"
    );
    let item = &queue.items().unwrap()[0];
    assert_eq!(
        (item.state, &item.worker, &item.note),
        (ItemState::Pending, &None, &None)
    );
    assert_eq!(queue.put_back(entry).unwrap(), PutBack::NoEntry);
    // The killed worker's late writes about it change nothing.
    let error = killed_queue
        .finish(&first, &ItemOutcome::Saved)
        .unwrap_err();
    assert!(matches!(error, JournalError::LeaseLost { .. }), "{error}");

    // Killed again; this time the next claim marks it unknown first (and takes the other).
    let second = claimed(killed_queue.claim(&killed, GONE).unwrap());
    assert_eq!(second.queued.key.as_str(), "k0");
    let entry = new_entry(killed_journal.begin(&intent_of(&second)));
    let other = claimed(queue.claim(&WorkerId::new("next"), LONG).unwrap());
    assert_eq!(other.queued.key.as_str(), "k1");
    assert_eq!(queue.items().unwrap()[0].state, ItemState::Unknown);
    assert_eq!(queue.put_back(entry).unwrap(), PutBack::Pending);
    assert_eq!(journal.credits().unwrap(), (0, Some(100)));
    assert_eq!(journal.entries(&EntryQuery::All).unwrap(), vec![]);
    let again = claimed(queue.claim(&WorkerId::new("next"), LONG).unwrap());
    assert_eq!(
        (again.queued.key.as_str(), &again.start),
        ("k0", &ClaimStart::Submit)
    );

    let paid = new_entry(journal.begin(&intent_of(&again)));
    journal
        .settle(paid, &Settled::Submitted(TaskId::new("t-2")))
        .unwrap();
    assert_eq!(
        queue.put_back(paid).unwrap(),
        PutBack::NotUnknown(EntryState::Task(TaskState::Created))
    );
    assert_eq!(journal.credits().unwrap(), (10, Some(100)));
}

/// A submit whose worker still holds its lease, and a `generate`'s entry that no queue holds,
/// are not put back, and stay as they were.
#[test]
fn an_unknown_outcome_still_claimed_or_never_queued_is_not_put_back() {
    let dir = tempfile::tempdir().unwrap();
    let (journal, queue) = worker(&dir.path().join("j.sqlite3"));
    queue.enqueue(&queued_inputs(1)).unwrap();
    let claim = claimed(queue.claim(&WorkerId::new("w"), LONG).unwrap());
    let held = new_entry(journal.begin(&intent_of(&claim)));
    assert_eq!(
        queue.put_back(held).unwrap(),
        PutBack::NotWaiting(ItemState::Claimed)
    );
    journal
        .settle(held, &Settled::OutcomeUnknown("no answer".into()))
        .unwrap();
    assert_eq!(
        queue.put_back(held).unwrap(),
        PutBack::NotWaiting(ItemState::Claimed)
    );
    let generated = new_entry(journal.begin(&intent(Some("a-generate"))));
    journal
        .settle(generated, &Settled::OutcomeUnknown("no answer".into()))
        .unwrap();
    assert_eq!(queue.put_back(generated).unwrap(), PutBack::NotQueued);
    let entries = journal.entries(&EntryQuery::All).unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(queue.items().unwrap()[0].state, ItemState::Claimed);
}

#[test]
fn a_claim_that_ran_out_is_listed_as_lapsed_until_another_worker_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite3");
    let (_, stopped) = worker(&path);
    let (_, alive) = worker(&path);
    stopped.enqueue(&queued_inputs(2)).unwrap();
    let gone = claimed(stopped.claim(&WorkerId::new("stopped"), GONE).unwrap());
    let items = alive.items().unwrap();
    let lapsed: Vec<_> = items.iter().map(|item| item.claim_lapsed).collect();
    assert_eq!(lapsed, [true, false], "{items:?}");
    assert_eq!(items[0].item, gone.item);

    // Taken by a live worker (the lapsed claim first, or the pending input): nothing it
    // holds is lapsed.
    let held = claimed(alive.claim(&WorkerId::new("alive"), LONG).unwrap());
    let items = alive.items().unwrap();
    let held = items.iter().find(|item| item.item == held.item).unwrap();
    assert_eq!(held.state, ItemState::Claimed);
    assert!(!held.claim_lapsed, "{items:?}");
}
