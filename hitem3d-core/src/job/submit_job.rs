//! Creating a task: a task slot first, then the paid call; the slot then stays with the task.

use hitem3d_types::{SubmitTaskData, TaskId};

use crate::job::{Input, Io, Job, JournalOutbox, NoEvent};
use crate::journal::{
    Begun, EntryId, Intent, JournalEntry, JournalError, JournalKey, JournalOp, JournalReply,
    Settled,
};
use crate::machines::seeded_random::SeededRandom;
use crate::{
    ApiError, Call, CallError, ClientCore, Error, NewTask, SlotReservation, TaskKind, Timestamp,
};

/// Submits one task once one of the client's task slots is free. Made by
/// [`ClientCore::submit`].
///
/// If the account refuses it for its own concurrency limit (which may be lower than this
/// client's slots: resellers give 1, and other processes may share the account), the client
/// lowers its limit to the tasks it holds, waits for one of them to end (or backs off when it
/// holds none) and submits again: a refusal creates no task, so nothing is paid twice. It gives
/// up after the wait policy's deadline. A learnt limit is raised again one slot at a time, each
/// [`crate::LIMIT_PROBE_INTERVAL`] after the last change, up to the configured slots. With a
/// limit its journal shares, the store lowers it instead, and the submit waits through the
/// store until a task sharing the limit ends (or a pause passes).
#[derive(Debug)]
pub struct SubmitJob {
    core: ClientCore,
    /// Kept to send again after a concurrency refusal.
    task: NewTask,
    call: Call<SubmitTaskData>,
    model: String,
    /// Taken before the call goes out; given back if the submit fails.
    slot: Option<SlotReservation>,
    refusals: u32,
    first_refusal: Option<Timestamp>,
    backoff_until: Option<Timestamp>,
    /// After the account refused it with a shared limit: the longest wait, through the store,
    /// for a task sharing the limit to end; and whether that wait is under way.
    refusal_wait: Option<std::time::Duration>,
    awaiting_refusal_wait: bool,
    finished: bool,
    /// The journal's key and destination for this task.
    key: Option<JournalKey>,
    destination: Option<String>,
    /// Whether the journal was asked yet, whether its answer is awaited, and the entry it
    /// wrote.
    began: bool,
    awaiting_begin: bool,
    entry: Option<EntryId>,
    /// The store's shared limit refused the intent: a wait for a slot is due, or awaited, and
    /// how many times in a row.
    slot_wait_due: bool,
    awaiting_slot: bool,
    shared_refusals: u32,
    /// How the submit was settled, for the journal.
    outbox: JournalOutbox,
    /// The job's output, handed out once the outbox is empty.
    done: Option<Result<TaskId, Error>>,
    /// The task id came from the journal: nothing was paid this time.
    resumed: bool,
    /// Another live run is submitting this task: when its answer was first awaited, and when
    /// to ask the journal again.
    in_flight_since: Option<Timestamp>,
    begin_again_at: Option<Timestamp>,
}

impl SubmitJob {
    pub(crate) fn new(core: ClientCore, task: NewTask) -> Self {
        Self {
            model: task.label(),
            call: core.submit_call(task.clone()),
            task,
            core,
            slot: None,
            refusals: 0,
            first_refusal: None,
            backoff_until: None,
            refusal_wait: None,
            awaiting_refusal_wait: false,
            finished: false,
            key: None,
            destination: None,
            began: false,
            awaiting_begin: false,
            entry: None,
            slot_wait_due: false,
            awaiting_slot: false,
            shared_refusals: 0,
            outbox: JournalOutbox::default(),
            done: None,
            resumed: false,
            in_flight_since: None,
            begin_again_at: None,
        }
    }

    /// Submits under `key`, if given: if the client's journal holds an open entry under it,
    /// the job ends with that entry's task instead of paying again ([`SubmitJob::resumed`]),
    /// or with [`JournalError::OutcomeUnknown`] when that entry's submit never got an answer.
    /// `destination` is kept in the entry for whoever resumes it.
    #[must_use]
    pub fn with_journal(mut self, key: Option<JournalKey>, destination: Option<String>) -> Self {
        self.key = key;
        self.destination = destination;
        self
    }

    /// Whether the task id came from the journal rather than from a new submit.
    #[must_use]
    pub fn resumed(&self) -> bool {
        self.resumed
    }

    /// What the journal is asked before the paid call goes out.
    fn intent(&self) -> Intent {
        Intent {
            key: self.key.clone(),
            task_type: self.task.task_type(),
            label: self.model.clone(),
            estimated_credits: self.task.estimated_credits(),
            destination: self.destination.clone(),
        }
    }

    /// The journal's answer before the paid call: `Some` ends the job.
    fn on_begun(
        &mut self,
        answer: Result<JournalReply, JournalError>,
        now: Timestamp,
    ) -> Option<Result<TaskId, Error>> {
        match answer {
            Ok(JournalReply::Begun(begun)) => match *begun {
                Begun::New(entry) => {
                    self.entry = Some(entry);
                    None
                }
                Begun::Existing(entry) => self.resume(entry),
                Begun::InFlight(entry) => self.await_other_run(entry, now),
            },
            Err(JournalError::AtSharedLimit { held, limit }) => {
                // Nothing was written or sent: wait for a slot, keeping this client's own.
                if self.shared_refusals == 0 {
                    tracing::info!(
                        held,
                        limit,
                        "every slot of the shared limit is held: waiting for one"
                    );
                }
                self.shared_refusals += 1;
                self.began = false;
                self.slot_wait_due = true;
                None
            }
            Ok(JournalReply::Written | JournalReply::Entries(_)) => {
                self.slot = None;
                Some(Err(CallError::OutOfSequence(
                    "the journal answered a submit's intent with a plain write",
                )
                .into()))
            }
            Err(error) => {
                self.slot = None;
                Some(Err(error.into()))
            }
        }
    }

    /// Another live run is submitting this task: its answer is asked for again shortly,
    /// holding no slot meanwhile, up to the wait policy's deadline; after that its outcome
    /// is reported unknown, as for an entry nobody is submitting.
    fn await_other_run(
        &mut self,
        entry: JournalEntry,
        now: Timestamp,
    ) -> Option<Result<TaskId, Error>> {
        let since = *self.in_flight_since.get_or_insert(now);
        if now - since >= self.core.config().wait.deadline {
            return self.resume(entry);
        }
        if now == since {
            tracing::info!(entry = %entry.id, "another run is submitting this task: waiting for its answer");
        }
        self.slot = None;
        self.began = false;
        self.begin_again_at = Some(now + OTHER_RUN_RECHECK);
        None
    }

    /// An open entry already holds the key: its task, paying nothing, or an unknown outcome.
    fn resume(&mut self, entry: JournalEntry) -> Option<Result<TaskId, Error>> {
        let slot = self.slot.take();
        let Some(task_id) = entry.task_id else {
            let (entry, label) = (entry.id, entry.label);
            return Some(Err(JournalError::OutcomeUnknown { entry, label }.into()));
        };
        tracing::info!(task_id = %task_id, entry = %entry.id, "already submitted: resumed from the journal");
        self.resumed = true;
        if let Some(slot) = slot {
            self.core.slots().hold(slot, task_id.clone());
        }
        Some(Ok(task_id))
    }

    /// Whether `answer` is a concurrency refusal to wait out rather than report.
    fn wait_out(&self, answer: &Result<SubmitTaskData, CallError>, now: Timestamp) -> bool {
        let refused = answer
            .as_ref()
            .err()
            .and_then(CallError::api_error)
            .is_some_and(ApiError::is_concurrency_refusal);
        let budget = self.core.config().wait.deadline;
        refused && self.first_refusal.is_none_or(|first| now - first < budget)
    }

    /// How long to hold off after a refusal when no task of this client's is to wait for.
    fn refusal_pause(&self) -> std::time::Duration {
        let unit = SeededRandom::new(self.core.seed()).next_unit();
        let delay = self.core.config().retry.backoff(self.refusals, unit);
        delay.max(MIN_REFUSAL_BACKOFF)
    }

    /// Lowers the client's limit (or tells the store that keeps a fleet's), and plans the
    /// submit again.
    fn after_refusal(&mut self, now: Timestamp) {
        self.slot = None;
        let shared = self.core.config().task_limit_shared;
        if shared {
            // One refusal is reported per submit job: the fleet's store lowers the limit from
            // what the whole fleet holds, so racing refusals agree instead of compounding.
            if self.refusals == 0 {
                self.outbox.push(&self.core, JournalOp::LimitRefused);
            }
        } else {
            self.core.slots().lower_to_in_use(now);
        }
        let limit = self.core.slots().limit();
        self.refusals += 1;
        self.first_refusal.get_or_insert(now);
        self.call = self.core.submit_call(self.task.clone());
        let held = self.core.slots().held();
        let when = if shared {
            // A task of any process sharing the limit that ends may leave room: the store
            // wakes the submit then, or after the pause.
            self.refusal_wait = Some(self.refusal_pause());
            "when a task sharing the limit ends, or after a pause"
        } else if held == 0 {
            // Other processes fill the account: nothing of ours to wait for, so back off.
            self.backoff_until = Some(now + self.refusal_pause());
            "after a pause"
        } else {
            "when one of this client's tasks ends"
        };
        tracing::warn!(
            limit,
            held,
            shared,
            refusals = self.refusals,
            "the account refused a task for its concurrency limit: submitting again {when}"
        );
    }
}

/// The longest wait for a slot of a store's shared limit before the intent is tried again:
/// what a missed notice of a freed slot costs at most.
const SHARED_SLOT_RECHECK: std::time::Duration = std::time::Duration::from_millis(200);

/// How often the journal is asked again while another run's submit of the same task is
/// going out: it answers within one request's time.
const OTHER_RUN_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// The shortest pause before submitting again when this client holds no task to wait for.
const MIN_REFUSAL_BACKOFF: std::time::Duration = std::time::Duration::from_secs(5);

impl Job for SubmitJob {
    type Event = NoEvent;
    type Output = Result<TaskId, Error>;

    fn next(&mut self, now: Timestamp) -> Io<NoEvent, Self::Output> {
        if let Some(write) = self.outbox.next() {
            return write;
        }
        if let Some(done) = self.done.take() {
            self.finished = true;
            return Io::Done(done);
        }
        if self.finished || self.awaiting_begin || self.awaiting_slot || self.awaiting_refusal_wait
        {
            return Io::Done(Err(CallError::OutOfSequence(
                "a submit job was asked for more after it ended",
            )
            .into()));
        }
        if let Some(until) = self.backoff_until {
            if now < until {
                return Io::Sleep(until);
            }
            self.backoff_until = None;
        }
        if let Some(at_most) = self.refusal_wait.take() {
            match self.core.journal_call(JournalOp::AwaitSlot(at_most)) {
                Some(call) => {
                    self.awaiting_refusal_wait = true;
                    return Io::Journal(call);
                }
                None => {
                    self.backoff_until = Some(now + at_most);
                    return Io::Sleep(now + at_most);
                }
            }
        }
        if let Some(until) = self.begin_again_at {
            if now < until {
                return Io::Sleep(until);
            }
            self.begin_again_at = None;
        }
        if self.slot.is_none() {
            // Read before trying, so a slot freed in between still ends the wait.
            let seen = self.core.changes();
            match self.core.slots().try_reserve(now) {
                Some(slot) => self.slot = Some(slot),
                None => return Io::AwaitChange(seen),
            }
        }
        if self.slot_wait_due {
            self.slot_wait_due = false;
            let wait = JournalOp::AwaitSlotAndBegin {
                at_most: SHARED_SLOT_RECHECK,
                intent: self.intent(),
            };
            if let Some(call) = self.core.journal_call(wait) {
                self.awaiting_slot = true;
                return Io::Journal(call);
            }
        }
        if !self.began {
            self.began = true;
            if let Some(call) = self.core.journal_call(JournalOp::Begin(self.intent())) {
                self.awaiting_begin = true;
                return Io::Journal(call);
            }
        }
        match Job::next(&mut self.call, now).forward(|never| never) {
            Ok(io) => io,
            Err(answer) if self.wait_out(&answer, now) => {
                self.after_refusal(now);
                self.next(now)
            }
            Err(answer) => {
                self.done = Some(self.finish(answer));
                self.next(now)
            }
        }
    }

    fn on(&mut self, input: Input, now: Timestamp) {
        match input {
            Input::Journal(answer) if self.awaiting_begin => {
                self.awaiting_begin = false;
                self.done = self.on_begun(answer, now);
            }
            Input::Journal(answer) if self.awaiting_slot => {
                self.awaiting_slot = false;
                // The store began the intent in a slot it freed: that is the begin's answer.
                // Otherwise (waited, or the store could not watch its slots) the intent is
                // tried again, and says more if the store is down.
                if let Ok(JournalReply::Begun(_)) = &answer {
                    self.began = true;
                    self.done = self.on_begun(answer, now);
                }
            }
            Input::Journal(answer) if self.awaiting_refusal_wait => {
                self.awaiting_refusal_wait = false;
                if answer.is_err() {
                    // The store cannot watch its slots: back off instead.
                    self.backoff_until = Some(now + MIN_REFUSAL_BACKOFF);
                }
            }
            // The settle's answer: the `Recorded` around this job keeps it.
            Input::Journal(_) => {}
            input => self.call.on(input, now),
        }
    }

    fn span(&self) -> tracing::Span {
        tracing::info_span!("hitem3d.submit", model = %self.model)
    }
}

impl SubmitJob {
    fn finish(&mut self, answer: Result<SubmitTaskData, CallError>) -> Result<TaskId, Error> {
        // On failure the reservation is dropped here, which frees the slot.
        let slot = self.slot.take();
        let answer = answer.map_err(Error::from);
        if let Some(entry) = self.entry {
            let settled = match &answer {
                Ok(data) => Settled::Submitted(data.task_id.clone()),
                Err(error) if error.is_submit_outcome_unknown() => {
                    Settled::OutcomeUnknown(error.to_string())
                }
                Err(error) => Settled::Refused(error.to_string()),
            };
            self.outbox
                .push(&self.core, JournalOp::Settle(entry, settled));
        }
        let task_id = answer?.task_id;
        tracing::info!(task_id = %task_id, "submitted");
        // Durations are learnt per image-to-3D kind; other task types wait on the prior.
        if let NewTask::ImageTo3d(task) = &self.task {
            self.core
                .durations()
                .submitted(&task_id, TaskKind::of(task));
        }
        if let Some(slot) = slot {
            self.core.slots().hold(slot, task_id.clone());
        }
        Ok(task_id)
    }
}
