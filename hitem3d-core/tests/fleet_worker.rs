//! A fleet worker's decisions, on manual time: claims up to its slots, heartbeats a third of a
//! lease apart, a lost claim's job stopped and never reported, a drained queue ends it.

use std::time::Duration;

use hitem3d_core::journal::{
    Claim, ClaimAnswer, ClaimStart, HaltCause, ItemOutcome, JobEnd, JournalError, JournalKey,
    QueuedInput,
};
use hitem3d_core::machines::{FleetWorker, WorkerPolicy, WorkerStep};
use hitem3d_core::{CallError, Error, Operation, StopReason, Timestamp, decode};

fn at(secs: u64) -> Timestamp {
    Timestamp::from_elapsed(Duration::from_secs(secs))
}

fn claim(item: u64) -> Claim {
    Claim {
        item,
        queued: QueuedInput {
            key: JournalKey::new(format!("k{item}")),
            input: format!("{item}.png"),
            options: "{}".to_owned(),
            credits: Some(25),
        },
        epoch: 1,
        start: ClaimStart::Submit,
    }
}

fn policy() -> WorkerPolicy {
    // Two at once, 30 s leases: heartbeats every 10 s, a claim a second while waiting.
    WorkerPolicy::with_lease(2, Duration::from_secs(30))
}

#[test]
fn it_claims_up_to_its_slots_then_waits_for_a_heartbeat_or_a_job() {
    let mut worker = FleetWorker::new(policy(), at(0));
    assert_eq!(worker.next(at(0)), WorkerStep::Claim);
    worker.on_claim(Ok(ClaimAnswer::Claimed(claim(1))), at(0));
    assert_eq!(worker.next(at(0)), WorkerStep::Start(claim(1)));
    assert_eq!(
        worker.next(at(0)),
        WorkerStep::Claim,
        "room for one more, at once"
    );
    worker.on_claim(Ok(ClaimAnswer::Claimed(claim(2))), at(0));
    assert_eq!(worker.next(at(0)), WorkerStep::Start(claim(2)));
    assert_eq!(
        worker.next(at(0)),
        WorkerStep::Wait { until: at(10) },
        "full: the heartbeat"
    );
    assert_eq!(
        worker.next(at(10)),
        WorkerStep::Heartbeat(vec![claim(1), claim(2)])
    );
    worker.on_heartbeat(Ok(Vec::new()), at(10));
    assert_eq!(worker.next(at(10)), WorkerStep::Wait { until: at(20) });

    worker.on_job_end(1, Some(ItemOutcome::Saved), at(12));
    assert_eq!(
        worker.next(at(12)),
        WorkerStep::Finish(claim(1), ItemOutcome::Saved)
    );
    assert_eq!(worker.next(at(12)), WorkerStep::Claim, "a slot came free");
}

#[test]
fn when_others_hold_every_input_or_the_queue_fails_it_asks_a_second_later() {
    let mut worker = FleetWorker::new(policy(), at(0));
    assert_eq!(worker.next(at(0)), WorkerStep::Claim);
    worker.on_claim(Ok(ClaimAnswer::OthersWorking), at(0));
    assert_eq!(worker.next(at(0)), WorkerStep::Wait { until: at(1) });
    assert_eq!(worker.next(at(1)), WorkerStep::Claim);
    worker.on_claim(
        Err(JournalError::store("read", "connection refused")),
        at(1),
    );
    assert_eq!(worker.next(at(1)), WorkerStep::Wait { until: at(2) });
    assert_eq!(worker.next(at(2)), WorkerStep::Claim);
}

#[test]
fn a_claim_lost_at_a_heartbeat_stops_its_job_and_is_never_reported() {
    let mut worker = FleetWorker::new(policy(), at(0));
    worker.next(at(0));
    worker.on_claim(Ok(ClaimAnswer::Claimed(claim(7))), at(0));
    worker.next(at(0));
    worker.next(at(0));
    worker.on_claim(Ok(ClaimAnswer::Drained), at(0));
    assert_eq!(worker.next(at(10)), WorkerStep::Heartbeat(vec![claim(7)]));
    worker.on_heartbeat(Ok(vec![7]), at(10));
    assert_eq!(worker.next(at(10)), WorkerStep::Abort(claim(7)));
    // The aborted job's end comes later: nothing is written about it.
    worker.on_job_end(7, Some(ItemOutcome::Saved), at(11));
    assert_eq!(worker.next(at(11)), WorkerStep::Stop, "drained and idle");
}

#[test]
fn a_short_lease_is_renewed_and_asked_for_within_a_third_of_it() {
    let lease = Duration::from_millis(1500);
    let policy = WorkerPolicy::with_lease(3, lease);
    assert_eq!(policy.heartbeat_every, Duration::from_millis(500));
    assert_eq!(policy.idle_poll, Duration::from_millis(500));
    let worker = FleetWorker::new(policy, at(0));
    assert_eq!(worker.policy(), &policy);
    assert!(worker.running().is_empty());
}

#[test]
fn a_failed_heartbeat_is_tried_again_within_a_second() {
    let mut worker = FleetWorker::new(policy(), at(0));
    worker.next(at(0));
    worker.on_claim(Ok(ClaimAnswer::Claimed(claim(1))), at(0));
    worker.next(at(0));
    worker.next(at(0));
    worker.on_claim(Ok(ClaimAnswer::Drained), at(0));
    assert_eq!(worker.next(at(10)), WorkerStep::Heartbeat(vec![claim(1)]));
    worker.on_heartbeat(
        Err(JournalError::store("write", "server restarting")),
        at(10),
    );
    assert_eq!(worker.next(at(10)), WorkerStep::Wait { until: at(11) });
    assert_eq!(worker.next(at(11)), WorkerStep::Heartbeat(vec![claim(1)]));
}

#[test]
fn a_job_that_lost_its_claim_or_its_record_reports_nothing() {
    let lost: Result<(), Error> = Err(JournalError::LeaseLost { item: 3 }.into());
    assert_eq!(ItemOutcome::of(&lost), None);
    assert_eq!(
        ItemOutcome::of(&Ok::<(), Error>(())),
        Some(ItemOutcome::Saved)
    );
    let refused: Result<(), Error> = Err(Error::PathTaken {
        path: "out/a.glb".into(),
    });
    assert!(matches!(
        ItemOutcome::of(&refused),
        Some(ItemOutcome::Failed(_))
    ));
}

#[test]
fn over_the_credit_limit_it_claims_no_more_and_stops_once_its_own_end() {
    let mut worker = FleetWorker::new(policy(), at(0));
    worker.next(at(0));
    worker.on_claim(Ok(ClaimAnswer::Claimed(claim(1))), at(0));
    assert_eq!(worker.next(at(0)), WorkerStep::Start(claim(1)));
    assert_eq!(worker.next(at(0)), WorkerStep::Claim);
    worker.on_claim(Ok(ClaimAnswer::OverBudget), at(0));
    assert_eq!(
        worker.next(at(5)),
        WorkerStep::Wait { until: at(10) },
        "no claim"
    );
    worker.on_job_end(1, Some(ItemOutcome::Saved), at(6));
    assert_eq!(
        worker.next(at(6)),
        WorkerStep::Finish(claim(1), ItemOutcome::Saved)
    );
    assert_eq!(worker.next(at(6)), WorkerStep::Stop);
}

/// How a job ends whose credentials the service refused.
fn credentials_refused() -> JobEnd {
    let body = r#"{"code":40010000,"data":{},"msg":"client credentials are invalid"}"#;
    let answer = decode::submit_task(&http::Response::new(body.to_owned())).unwrap_err();
    let error = Error::from(CallError::Api {
        operation: Operation::SubmitTask,
        attempts: 1,
        stopped: StopReason::NotRetryable,
        source: answer,
    });
    JobEnd::of(&Err::<(), _>(error))
}

#[test]
fn a_failure_that_is_not_the_inputs_writes_nothing_and_ends_the_claims() {
    let mut worker = FleetWorker::new(policy(), at(0));
    worker.next(at(0));
    worker.on_claim(Ok(ClaimAnswer::Claimed(claim(1))), at(0));
    worker.next(at(0));
    worker.next(at(0));
    worker.on_claim(Ok(ClaimAnswer::Claimed(claim(2))), at(0));
    worker.next(at(0));
    assert_eq!(worker.halted(), None);

    worker.on_job_ended(1, credentials_refused(), at(3));
    assert_eq!(
        worker.running(),
        &[claim(2)],
        "input 1 is no longer this worker's"
    );
    let halted = worker.halted().expect("halted").clone();
    assert_eq!(halted.cause, HaltCause::Credentials);
    assert!(halted.reason.contains("40010000"), "{}", halted.reason);
    // Nothing is written about input 1 (its claim runs out), and no input is claimed though
    // a slot is free: the other job runs to its end, its task perhaps paid for.
    assert_eq!(
        worker.next(at(3)),
        WorkerStep::Wait { until: at(10) },
        "no claim, no finish"
    );
    assert_eq!(worker.next(at(10)), WorkerStep::Heartbeat(vec![claim(2)]));
    worker.on_heartbeat(Ok(Vec::new()), at(10));
    worker.on_job_ended(2, JobEnd::Outcome(ItemOutcome::Saved), at(12));
    assert_eq!(
        worker.next(at(12)),
        WorkerStep::Finish(claim(2), ItemOutcome::Saved)
    );
    assert_eq!(worker.next(at(12)), WorkerStep::Stop);
    assert_eq!(worker.halted(), Some(&halted), "the first halt is kept");
}
