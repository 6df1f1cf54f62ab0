//! One worker of a fleet as a step machine: when to claim an input, when to extend its leases,
//! what to do with a claim that was lost, and how a finished input is reported. The
//! front-end runs the queue calls and the inputs' jobs; every decision is here.

use std::collections::VecDeque;
use std::time::Duration;

use crate::Timestamp;
use crate::journal::{Claim, ClaimAnswer, Halted, ItemOutcome, JobEnd, JournalError};

/// How a worker paces itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerPolicy {
    /// Inputs this worker runs at once.
    pub slots: usize,
    /// How long a claim holds without a heartbeat: a worker that stops (killed, paused, cut
    /// off) loses its inputs to others this long after its last heartbeat.
    pub lease: Duration,
    /// Time between heartbeats: a third of the lease, so that two can be missed.
    pub heartbeat_every: Duration,
    /// Time between claims while others hold every input, or the queue cannot be read.
    pub idle_poll: Duration,
}

impl Default for WorkerPolicy {
    fn default() -> Self {
        Self::with_lease(4, Duration::from_secs(30))
    }
}

impl WorkerPolicy {
    /// `slots` inputs at once under leases of `lease`, heartbeats three times a lease, and a
    /// claim a second while waiting. An input's job may wait for a slot of the fleet's limit
    /// on unfinished tasks before it submits: a worker with more slots than its share of the
    /// limit has the next input ready when a slot frees.
    #[must_use]
    pub fn with_lease(slots: usize, lease: Duration) -> Self {
        Self {
            slots: slots.max(1),
            lease,
            heartbeat_every: lease / 3,
            idle_poll: Duration::from_secs(1).min(lease / 3),
        }
    }
}

/// What the worker does next.
#[derive(Debug, Clone, PartialEq, Eq)]
// A front-end must handle each case: no wildcard.
pub enum WorkerStep {
    /// Ask the queue for an input ([`crate::journal::AsyncWorkQueue::claim`] with the
    /// policy's lease), then [`FleetWorker::on_claim`].
    Claim,
    /// Run this input's job (generate, or save the task that exists, as the claim says);
    /// report its end with [`FleetWorker::on_job_ended`].
    Start(Claim),
    /// Extend these claims' leases, then [`FleetWorker::on_heartbeat`].
    Heartbeat(Vec<Claim>),
    /// This claim was taken over: stop its job at once; it must write nothing more.
    Abort(Claim),
    /// Write how this input ended ([`crate::journal::AsyncWorkQueue::finish`]); nothing
    /// follows from the answer.
    Finish(Claim, ItemOutcome),
    /// Wait until this time, or until a running job ends.
    Wait {
        /// When to ask [`FleetWorker::next`] again at the latest.
        until: Timestamp,
    },
    /// Every input is done, failed or waiting for a person, or a job halted this worker
    /// ([`FleetWorker::halted`] says why), and nothing runs here: stop.
    Stop,
}

/// One worker's decisions. Feed it the answers to the steps it asks for.
#[derive(Debug)]
pub struct FleetWorker {
    policy: WorkerPolicy,
    running: Vec<Claim>,
    steps: VecDeque<WorkerStep>,
    claim_after: Timestamp,
    heartbeat_at: Timestamp,
    drained: bool,
    /// The first job whose failure was not its input's: no more claims.
    halted: Option<Halted>,
    /// A claim or heartbeat asked for and not answered yet.
    asked: bool,
}

impl FleetWorker {
    /// A worker starting at `now` with nothing claimed.
    #[must_use]
    pub fn new(policy: WorkerPolicy, now: Timestamp) -> Self {
        Self {
            policy,
            running: Vec::new(),
            steps: VecDeque::new(),
            claim_after: now,
            heartbeat_at: now + policy.heartbeat_every,
            drained: false,
            halted: None,
            asked: false,
        }
    }

    /// The claims whose jobs run now.
    #[must_use]
    pub fn running(&self) -> &[Claim] {
        &self.running
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> &WorkerPolicy {
        &self.policy
    }

    /// Why this worker claims no more, if a job's failure was not its input's: the first such
    /// failure. Its inputs go back to the queue as their claims run out.
    #[must_use]
    pub fn halted(&self) -> Option<&Halted> {
        self.halted.as_ref()
    }

    /// Whether no more inputs are claimed: the queue is drained or over budget, or a job
    /// halted the worker.
    fn claims_over(&self) -> bool {
        self.drained || self.halted.is_some()
    }

    /// What to do next.
    pub fn next(&mut self, now: Timestamp) -> WorkerStep {
        if let Some(step) = self.steps.pop_front() {
            return step;
        }
        if self.asked {
            // An answer is due first: nothing else is decided without it.
            return WorkerStep::Wait { until: now };
        }
        if !self.running.is_empty() && now >= self.heartbeat_at {
            self.asked = true;
            return WorkerStep::Heartbeat(self.running.clone());
        }
        let room = self.running.len() < self.policy.slots;
        if room && !self.claims_over() && now >= self.claim_after {
            self.asked = true;
            return WorkerStep::Claim;
        }
        if self.running.is_empty() && self.claims_over() {
            return WorkerStep::Stop;
        }
        let mut until = None::<Timestamp>;
        if !self.running.is_empty() {
            until = Some(self.heartbeat_at);
        }
        if room && !self.claims_over() {
            until = Some(until.map_or(self.claim_after, |at| at.min(self.claim_after)));
        }
        WorkerStep::Wait {
            until: until.unwrap_or(now + self.policy.idle_poll),
        }
    }

    /// The queue's answer to [`WorkerStep::Claim`].
    pub fn on_claim(&mut self, answer: Result<ClaimAnswer, JournalError>, now: Timestamp) {
        self.asked = false;
        match answer {
            Ok(ClaimAnswer::Claimed(claim)) => {
                if self.running.is_empty() {
                    // The first claim's lease started now: its heartbeat is a third on.
                    self.heartbeat_at = now + self.policy.heartbeat_every;
                }
                self.running.push(claim.clone());
                self.steps.push_back(WorkerStep::Start(claim));
                // Room for more is used at once.
                self.claim_after = now;
            }
            Ok(ClaimAnswer::OthersWorking) => {
                self.claim_after = now + self.policy.idle_poll;
            }
            Ok(ClaimAnswer::Drained) => self.drained = true,
            Ok(ClaimAnswer::OverBudget) => {
                tracing::warn!("the fleet's credit limit is reached: no more inputs are claimed");
                self.drained = true;
            }
            Err(error) => {
                tracing::warn!(%error, "the work queue could not be read: trying again");
                self.claim_after = now + self.policy.idle_poll;
            }
        }
    }

    /// The queue's answer to [`WorkerStep::Heartbeat`]: the items whose claims were lost.
    pub fn on_heartbeat(&mut self, answer: Result<Vec<u64>, JournalError>, now: Timestamp) {
        self.asked = false;
        match answer {
            Ok(lost) => {
                self.heartbeat_at = now + self.policy.heartbeat_every;
                for item in lost {
                    if let Some(at) = self.running.iter().position(|claim| claim.item == item) {
                        let claim = self.running.remove(at);
                        tracing::warn!(item, "this worker's claim was taken over: its job stops");
                        self.steps.push_back(WorkerStep::Abort(claim));
                    }
                }
            }
            Err(error) => {
                // Its writes are fenced should the lease run out meanwhile: try again soon.
                tracing::warn!(%error, "the leases could not be extended: trying again");
                self.heartbeat_at = now + self.policy.idle_poll;
            }
        }
    }

    /// The job of `item` ended: `Some(outcome)` to report, `None` when nothing may be written
    /// about it. [`FleetWorker::on_job_ended`] with [`JobEnd::of`] also stops the worker at a
    /// failure that is not the input's.
    pub fn on_job_end(&mut self, item: u64, outcome: Option<ItemOutcome>, now: Timestamp) {
        let end = outcome.map_or(JobEnd::Unwritten, JobEnd::Outcome);
        self.on_job_ended(item, end, now);
    }

    /// The job of `item` ended so ([`JobEnd::of`] its result). A halt writes nothing about
    /// the input, whose claim runs out for another worker to take, and ends the claims: the
    /// worker stops once its other jobs end (their tasks may be paid for already).
    pub fn on_job_ended(&mut self, item: u64, end: JobEnd, now: Timestamp) {
        let Some(at) = self.running.iter().position(|claim| claim.item == item) else {
            return;
        };
        let claim = self.running.remove(at);
        match end {
            JobEnd::Outcome(outcome) => self.steps.push_back(WorkerStep::Finish(claim, outcome)),
            JobEnd::Unwritten => {}
            JobEnd::Halt(halted) => {
                if self.halted.is_none() {
                    tracing::warn!(
                        item,
                        cause = ?halted.cause,
                        "a failure that is not its input's: this worker claims no more"
                    );
                    self.halted = Some(halted);
                }
            }
        }
        self.claim_after = self.claim_after.min(now);
    }
}
