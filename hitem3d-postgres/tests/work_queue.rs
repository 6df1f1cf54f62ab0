//! The fleet's queue on a real server: inputs enqueued once, intents within the fleet's limit
//! however many workers race, and leases whose end fences every late write.

use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::join_all;
use hitem3d_core::journal::{
    AsyncTaskJournal, AsyncWorkQueue, Begun, ClaimAnswer, ClaimStart, EntryId, EntryQuery,
    EntryState, Intent, ItemOutcome, ItemState, JournalError, PutBack, Resumption, Settled,
    TaskEvent, WorkerId,
};
use hitem3d_core::types::{TaskId, TaskState};
use hitem3d_journal::conformance::{claimed, intent, intent_of, queued_inputs};
use hitem3d_postgres::{DatabaseUrl, PgJournal, PgWorkQueue, ThrowawayCluster};

/// A lease that has run out by the next claim (the database's clock moves on).
const GONE: Duration = Duration::ZERO;
const LONG: Duration = Duration::from_secs(600);

/// A worker: its own journal (its own pool and claims), as on its own machine.
async fn worker(url: &DatabaseUrl) -> (PgJournal, PgWorkQueue) {
    let journal = PgJournal::connect(url).await.unwrap();
    let queue = PgWorkQueue::new(&journal);
    (journal, queue)
}

async fn new_entry(journal: &PgJournal, intent: &Intent) -> EntryId {
    match journal.begin(intent).await.unwrap() {
        Begun::New(entry) => entry,
        other => panic!("a new entry, not {other:?}"),
    }
}

async fn fleet(cluster: &ThrowawayCluster) -> DatabaseUrl {
    cluster.create_database().await.unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_inputs_enqueued_twice_are_queued_once() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("work_queue") else {
        return;
    };
    let (_, queue) = worker(&fleet(&cluster).await).await;
    assert_eq!(queue.enqueue(&queued_inputs(3)).await.unwrap(), 3);
    assert_eq!(queue.enqueue(&queued_inputs(5)).await.unwrap(), 2);
    assert_eq!(queue.enqueue(&queued_inputs(5)).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_intents_take_no_more_than_the_fleet_limit_and_a_freed_slot_wakes_a_waiter() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("work_queue") else {
        return;
    };
    let url = fleet(&cluster).await;
    let (_, queue) = worker(&url).await;
    queue.set_task_limit(3).await.unwrap();
    queue.enqueue(&queued_inputs(8)).await.unwrap();
    let mut workers = Vec::new();
    for _ in 0..16 {
        workers.push(worker(&url).await);
    }
    let names: Vec<WorkerId> = (0..16).map(|n| WorkerId::new(format!("w{n}"))).collect();
    let answers = join_all(
        workers
            .iter()
            .zip(&names)
            .map(|((_, queue), name)| queue.claim(name, LONG)),
    )
    .await;
    // Claims take no slot: every input is claimed ahead, each once.
    let mut claims = Vec::new();
    for (index, answer) in answers.into_iter().enumerate() {
        match answer.unwrap() {
            ClaimAnswer::Claimed(claim) => claims.push((index, claim)),
            ClaimAnswer::OthersWorking => {}
            other => panic!("inputs are waiting: {other:?}"),
        }
    }
    assert_eq!(claims.len(), 8, "{claims:?}");
    assert!(
        claims
            .iter()
            .all(|(_, claim)| claim.start == ClaimStart::Submit)
    );
    let intents: Vec<_> = claims.iter().map(|(_, claim)| intent_of(claim)).collect();
    let begun = join_all(
        claims
            .iter()
            .zip(&intents)
            .map(|((holder, _), intent)| workers[*holder].0.begin(intent)),
    )
    .await;
    let mut new = Vec::new();
    let mut waiting = Vec::new();
    for ((holder, claim), answer) in claims.iter().zip(begun) {
        match answer {
            Ok(Begun::New(entry)) => new.push((*holder, entry)),
            Err(JournalError::AtSharedLimit { held: 3, limit: 3 }) => {
                waiting.push((*holder, claim));
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(new.len(), 3, "the fleet's limit: {new:?}");
    assert_eq!(waiting.len(), 5);

    // A waiter: its first wait ends when its process listens (a slot may have freed
    // unheard before); the next lasts until a slot frees.
    let (holder, claim) = waiting[0];
    let waiter = &workers[holder].0;
    waiter.await_slot(LONG).await.unwrap();
    let wait = waiter.await_slot(Duration::from_secs(60));
    tokio::pin!(wait);
    assert!(wait.as_mut().now_or_never().is_none(), "no slot freed yet");

    // One task reaches the service, then ends there: its slot frees (its model is not saved
    // yet), and the notice wakes the waiter well before its wait runs out.
    let (holder, entry) = new[0];
    let journal = &workers[holder].0;
    let task = TaskId::new("t-0");
    journal
        .settle(entry, &Settled::Submitted(task.clone()))
        .await
        .unwrap();
    assert!(
        matches!(
            waiter.begin(&intent_of(claim)).await,
            Err(JournalError::AtSharedLimit { .. })
        ),
        "a task at the service holds its slot"
    );
    let asked = std::time::Instant::now();
    journal
        .record(&task, &TaskEvent::State(TaskState::Success, None))
        .await
        .unwrap();
    wait.await.unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(30),
        "woken by the notice, not at the end of its 60 s wait"
    );
    assert!(matches!(
        waiter.begin(&intent_of(claim)).await.unwrap(),
        Begun::New(_)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_that_ran_out_while_submitting_is_an_unknown_outcome_and_fences_the_late_worker() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("work_queue") else {
        return;
    };
    let url = fleet(&cluster).await;
    let (late_journal, late_queue) = worker(&url).await;
    let (_, queue) = worker(&url).await;
    late_queue.enqueue(&queued_inputs(1)).await.unwrap();

    let claim = claimed(
        late_queue
            .claim(&WorkerId::new("sleepy"), GONE)
            .await
            .unwrap(),
    );
    let Begun::New(entry) = late_journal.begin(&intent_of(&claim)).await.unwrap() else {
        panic!("a new entry");
    };
    // The submit is out; the worker stops (SIGSTOP) past its lease. Another worker claims:
    // the submit's outcome is unknown, so it is not paid again, and it is listed.
    let answer = queue.claim(&WorkerId::new("awake"), LONG).await.unwrap();
    assert_eq!(answer, ClaimAnswer::Drained, "nothing to claim: {answer:?}");
    let entries = late_journal.entries(&EntryQuery::Unfinished).await.unwrap();
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

    // The late worker wakes up with its task id: it can change nothing.
    let error = late_journal
        .settle(entry, &Settled::Submitted(TaskId::new("t-late")))
        .await
        .unwrap_err();
    assert!(
        matches!(error, JournalError::LeaseLost { item } if item == claim.item),
        "{error}"
    );
    let error = late_queue
        .finish(&claim, &ItemOutcome::Saved)
        .await
        .unwrap_err();
    assert!(matches!(error, JournalError::LeaseLost { .. }), "{error}");
    let entries = late_journal.entries(&EntryQuery::All).await.unwrap();
    assert_eq!(entries[0].task_id, None, "the late write changed nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_task_whose_worker_died_is_finished_by_another_without_paying() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("work_queue") else {
        return;
    };
    let url = fleet(&cluster).await;
    let (dead_journal, dead_queue) = worker(&url).await;
    let (journal, queue) = worker(&url).await;
    queue.enqueue(&queued_inputs(1)).await.unwrap();

    let first = claimed(
        dead_queue
            .claim(&WorkerId::new("dies"), GONE)
            .await
            .unwrap(),
    );
    let Begun::New(entry) = dead_journal.begin(&intent_of(&first)).await.unwrap() else {
        panic!("a new entry");
    };
    dead_journal
        .settle(entry, &Settled::Submitted(TaskId::new("t-1")))
        .await
        .unwrap();
    // SIGKILL: no heartbeat, no finish. The next claim resumes the task.
    let second = claimed(queue.claim(&WorkerId::new("heir"), LONG).await.unwrap());
    assert_eq!(second.item, first.item);
    assert_eq!(second.start, ClaimStart::Resume(TaskId::new("t-1")));
    assert!(second.epoch > first.epoch);
    // Its generate begins the same key: the journal hands it the task, nothing is paid.
    let Begun::Existing(found) = journal.begin(&intent_of(&second)).await.unwrap() else {
        panic!("the paid task is found");
    };
    assert_eq!(found.task_id, Some(TaskId::new("t-1")));

    assert_eq!(
        dead_queue
            .heartbeat(std::slice::from_ref(&first), LONG)
            .await
            .unwrap(),
        [first.item],
        "the dead worker's claim is lost"
    );
    assert!(
        queue
            .heartbeat(std::slice::from_ref(&second), LONG)
            .await
            .unwrap()
            .is_empty()
    );
    journal
        .record(&TaskId::new("t-1"), &TaskEvent::Saved("out/0.glb".into()))
        .await
        .unwrap();
    queue.finish(&second, &ItemOutcome::Saved).await.unwrap();
    assert_eq!(
        queue.claim(&WorkerId::new("heir"), LONG).await.unwrap(),
        ClaimAnswer::Drained
    );
}

/// The measured collapse: against an account allowing 3, racing refusals drove a client's
/// limit to 1. The fleet's limit becomes what the fleet holds at the service, however many
/// refusals race; a minute later it tries one more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_refusals_lower_the_fleet_limit_to_what_it_holds_and_it_climbs_back() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("work_queue") else {
        return;
    };
    let text = cluster.create_database().await.unwrap();
    let url: DatabaseUrl = text.parse().unwrap();
    let (journal, queue) = worker(&url).await;
    queue.set_task_limit(6).await.unwrap();
    queue.enqueue(&queued_inputs(8)).await.unwrap();
    // Three tasks at the service.
    for n in 0..3 {
        let claim = claimed(queue.claim(&WorkerId::new("w"), LONG).await.unwrap());
        let Begun::New(entry) = journal.begin(&intent_of(&claim)).await.unwrap() else {
            panic!("a new entry");
        };
        journal
            .settle(entry, &Settled::Submitted(TaskId::new(format!("t-{n}"))))
            .await
            .unwrap();
    }
    let mut others = Vec::new();
    for _ in 0..4 {
        others.push(worker(&url).await.0);
    }
    let refused = join_all(others.iter().map(AsyncTaskJournal::limit_refused)).await;
    assert!(refused.iter().all(Result::is_ok), "{refused:?}");
    assert_eq!(
        queue.task_limit().await.unwrap(),
        (3, 6),
        "not 1: the fleet holds 3"
    );
    let next = claimed(queue.claim(&WorkerId::new("w"), LONG).await.unwrap());
    assert!(matches!(
        journal.begin(&intent_of(&next)).await,
        Err(JournalError::AtSharedLimit { held: 3, limit: 3 })
    ));

    // A minute on, the account's other users may have finished: one more is tried.
    cluster
        .execute_at(
            &text,
            "UPDATE hitem3d.fleet SET limit_changed_at = now() - INTERVAL '61 seconds'",
        )
        .await
        .unwrap();
    assert!(matches!(
        journal.begin(&intent_of(&next)).await.unwrap(),
        Begun::New(_)
    ));
    assert_eq!(queue.task_limit().await.unwrap(), (4, 6));
}

/// `--max-credits`: each submit's intent charges its price in its own transaction, so racing
/// workers never pass the limit; claims stop short of it; a refused submit gives its charge
/// back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credit_limit_holds_however_many_workers_race() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("work_queue") else {
        return;
    };
    let url = fleet(&cluster).await;
    let (journal, queue) = worker(&url).await;
    queue.set_max_credits(Some(35)).await.unwrap();

    // Eight intents of 10 credits race on eight connections: three fit.
    let mut racers = Vec::new();
    for _ in 0..8 {
        racers.push(worker(&url).await.0);
    }
    let intents: Vec<_> = (0..8)
        .map(|n| {
            let mut intent = intent(Some(&format!("race-{n}")));
            intent.estimated_credits = Some(10);
            intent
        })
        .collect();
    let begun = join_all(
        racers
            .iter()
            .zip(&intents)
            .map(|(journal, intent)| journal.begin(intent)),
    )
    .await;
    let new: Vec<_> = begun
        .iter()
        .filter_map(|begun| match begun {
            Ok(Begun::New(entry)) => Some(*entry),
            _ => None,
        })
        .collect();
    assert_eq!(new.len(), 3, "{begun:?}");
    for refused in begun.iter().filter(|begun| begun.is_err()) {
        assert!(
            matches!(refused, Err(JournalError::OverBudget { limit: 35, .. })),
            "{refused:?}"
        );
    }
    assert_eq!(queue.credits().await.unwrap(), (30, Some(35)));

    // Claims stop where the limit leaves too little; a refused submit gives its 10 back.
    queue.enqueue(&queued_inputs(2)).await.unwrap();
    assert_eq!(
        queue.claim(&WorkerId::new("w"), LONG).await.unwrap(),
        ClaimAnswer::OverBudget
    );
    journal
        .settle(new[0], &Settled::Refused("balance is not enough".into()))
        .await
        .unwrap();
    assert_eq!(queue.credits().await.unwrap(), (20, Some(35)));
    let claim = claimed(queue.claim(&WorkerId::new("w"), LONG).await.unwrap());
    assert_eq!(
        queue.claim(&WorkerId::new("w2"), LONG).await.unwrap(),
        ClaimAnswer::OverBudget,
        "the first claim reserves its 10"
    );
    let Begun::New(_) = journal.begin(&intent_of(&claim)).await.unwrap() else {
        panic!("the claimed input's intent fits");
    };
}

/// A person found no task in the console for an input whose worker was killed while
/// submitting: putting it back removes its entry, returns its charge to the fleet and makes
/// the input pending, in one transaction, whether its lease has only run out or a claim has
/// marked it unknown; the next claim submits it. Nothing else is ever put back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_outcome_a_person_puts_back_is_claimed_again_and_its_charge_returned() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("work_queue") else {
        return;
    };
    let url = fleet(&cluster).await;
    let (killed_journal, killed_queue) = worker(&url).await;
    let (journal, queue) = worker(&url).await;
    queue.set_max_credits(Some(100)).await.unwrap();
    queue.enqueue(&queued_inputs(2)).await.unwrap();
    assert_eq!(queue.put_back(EntryId(99)).await.unwrap(), PutBack::NoEntry);
    let killed = WorkerId::new("killed");
    let first = claimed(killed_queue.claim(&killed, GONE).await.unwrap());
    let entry = new_entry(&killed_journal, &intent_of(&first)).await;
    assert_eq!(queue.credits().await.unwrap(), (10, Some(100)));

    // Its lease ran out and no claim has looked at it since.
    assert_eq!(queue.put_back(entry).await.unwrap(), PutBack::Pending);
    assert_eq!(
        queue.credits().await.unwrap(),
        (0, Some(100)),
        "charge returned"
    );
    let item = &queue.items().await.unwrap()[0];
    assert_eq!(
        (item.state, &item.worker, &item.note),
        (ItemState::Pending, &None, &None)
    );
    assert_eq!(queue.put_back(entry).await.unwrap(), PutBack::NoEntry);
    // The killed worker's late writes about it change nothing.
    let error = killed_queue
        .finish(&first, &ItemOutcome::Saved)
        .await
        .unwrap_err();
    assert!(matches!(error, JournalError::LeaseLost { .. }), "{error}");

    // Killed again; this time the next claim marks it unknown first (and takes the other).
    let second = claimed(killed_queue.claim(&killed, GONE).await.unwrap());
    assert_eq!(second.queued.key.as_str(), "k0");
    let entry = new_entry(&killed_journal, &intent_of(&second)).await;
    let other = claimed(queue.claim(&WorkerId::new("next"), LONG).await.unwrap());
    assert_eq!(other.queued.key.as_str(), "k1");
    assert_eq!(queue.items().await.unwrap()[0].state, ItemState::Unknown);
    assert_eq!(queue.put_back(entry).await.unwrap(), PutBack::Pending);
    assert_eq!(queue.credits().await.unwrap(), (0, Some(100)));
    assert_eq!(journal.entries(&EntryQuery::All).await.unwrap(), vec![]);
    let again = claimed(queue.claim(&WorkerId::new("next"), LONG).await.unwrap());
    assert_eq!(
        (again.queued.key.as_str(), &again.start),
        ("k0", &ClaimStart::Submit)
    );

    let paid = new_entry(&journal, &intent_of(&again)).await;
    journal
        .settle(paid, &Settled::Submitted(TaskId::new("t-2")))
        .await
        .unwrap();
    assert_eq!(
        queue.put_back(paid).await.unwrap(),
        PutBack::NotUnknown(EntryState::Task(TaskState::Created))
    );
    assert_eq!(queue.credits().await.unwrap(), (10, Some(100)));
}

/// A submit whose worker still holds its lease, and a `generate`'s entry that no queue holds,
/// are not put back, and stay as they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_outcome_still_claimed_or_never_queued_is_not_put_back() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("work_queue") else {
        return;
    };
    let (journal, queue) = worker(&fleet(&cluster).await).await;
    queue.enqueue(&queued_inputs(1)).await.unwrap();
    let claim = claimed(queue.claim(&WorkerId::new("w"), LONG).await.unwrap());
    let held = new_entry(&journal, &intent_of(&claim)).await;
    assert_eq!(
        queue.put_back(held).await.unwrap(),
        PutBack::NotWaiting(ItemState::Claimed)
    );
    journal
        .settle(held, &Settled::OutcomeUnknown("no answer".into()))
        .await
        .unwrap();
    assert_eq!(
        queue.put_back(held).await.unwrap(),
        PutBack::NotWaiting(ItemState::Claimed)
    );
    let generated = new_entry(&journal, &intent(Some("a-generate"))).await;
    journal
        .settle(generated, &Settled::OutcomeUnknown("no answer".into()))
        .await
        .unwrap();
    assert_eq!(queue.put_back(generated).await.unwrap(), PutBack::NotQueued);
    let entries = journal.entries(&EntryQuery::All).await.unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(queue.items().await.unwrap()[0].state, ItemState::Claimed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_credit_limit_claims_do_not_wait_for_an_intent_holding_the_fleets_row() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("work_queue") else {
        return;
    };
    let url = cluster.create_database().await.unwrap();
    let (_, queue) = worker(&url.parse().unwrap()).await;
    queue.enqueue(&queued_inputs(2)).await.unwrap();
    let me = WorkerId::new("w1");
    let _first = claimed(queue.claim(&me, LONG).await.unwrap());

    // Another worker's intent charges the fleet's row and has not committed yet.
    let (intent, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    intent
        .batch_execute(
            "BEGIN; UPDATE hitem3d.fleet SET credits_charged = credits_charged + 10 WHERE id = 1",
        )
        .await
        .unwrap();
    // A guard against hanging, far beyond any machine's pace.
    let next = tokio::time::timeout(Duration::from_secs(60), queue.claim(&me, LONG)).await;
    assert!(
        matches!(next, Ok(Ok(ClaimAnswer::Claimed(_)))),
        "the claim waited for the intent: {next:?}"
    );
    intent.batch_execute("ROLLBACK").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credit_limit_set_while_a_worker_claims_holds_from_its_next_claim() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("work_queue") else {
        return;
    };
    let url = fleet(&cluster).await;
    let (_, queue) = worker(&url).await;
    queue.enqueue(&queued_inputs(3)).await.unwrap();
    let me = WorkerId::new("w1");
    // Claimed while the fleet had no credit limit: 10 credits reserved.
    let _first = claimed(queue.claim(&me, LONG).await.unwrap());

    // A person sets one from another machine that the claimed input already fills.
    let (_, person) = worker(&url).await;
    person.set_max_credits(Some(15)).await.unwrap();
    assert!(
        matches!(
            queue.claim(&me, LONG).await.unwrap(),
            ClaimAnswer::OverBudget
        ),
        "the next input would take the fleet past its new credit limit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_that_ran_out_is_listed_as_lapsed_until_another_worker_takes_it() {
    let Some(cluster) = ThrowawayCluster::start_or_skip("work_queue") else {
        return;
    };
    let url = fleet(&cluster).await;
    let (_stopped_journal, stopped) = worker(&url).await;
    let (_alive_journal, alive) = worker(&url).await;
    stopped.enqueue(&queued_inputs(2)).await.unwrap();
    let gone = claimed(
        stopped
            .claim(&WorkerId::new("stopped"), GONE)
            .await
            .unwrap(),
    );
    let items = alive.items().await.unwrap();
    let lapsed: Vec<_> = items.iter().map(|item| item.claim_lapsed).collect();
    assert_eq!(lapsed, [true, false], "{items:?}");
    assert_eq!(items[0].item, gone.item);

    // Taken by a live worker (the lapsed claim first, or the pending input): nothing it
    // holds is lapsed.
    let held = claimed(alive.claim(&WorkerId::new("alive"), LONG).await.unwrap());
    let items = alive.items().await.unwrap();
    let held = items.iter().find(|item| item.item == held.item).unwrap();
    assert_eq!(held.state, ItemState::Claimed);
    assert!(!held.claim_lapsed, "{items:?}");
}
