//! The bookkeeping of task slots: at most N unfinished tasks per client.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use hitem3d_types::TaskId;

use crate::Timestamp;

/// How long a limit learnt from a refusal stands before one more slot is tried: the account's
/// other users finish their tasks too. A wrong try costs one refused submit, which creates no
/// task and is not charged.
pub const LIMIT_PROBE_INTERVAL: Duration = Duration::from_secs(60);

/// Called after a slot is freed, so that whoever waits for one is woken.
pub(crate) type WakeSlotWaiters = Box<dyn Fn() + Send + Sync>;

/// Slots for unfinished tasks, shared by every clone of a client. A submit takes one before
/// sending ([`TaskSlots::try_reserve`]); the task created keeps it until the client sees it
/// finish, a wait for it is abandoned, or [`TaskSlots::release`] is called. Only the waiting
/// for a free slot is left to the front-ends ([`crate::Io::AwaitChange`]).
pub struct TaskSlots {
    state: Mutex<SlotState>,
    wake: WakeSlotWaiters,
}

#[derive(Debug)]
struct SlotState {
    /// How many tasks may be unfinished at once: the configured count, or less once the
    /// account has refused a task for its own limit.
    limit: usize,
    /// The count the client was configured with: the limit never goes above it.
    configured: usize,
    /// When the limit was last lowered or raised while below the configured count.
    lowered_at: Option<Timestamp>,
    /// Slots taken: reserved for a submit in flight, or held by a task.
    in_use: usize,
    held: HashSet<TaskId>,
}

impl fmt::Debug for TaskSlots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskSlots")
            .field("state", &*self.lock())
            .finish_non_exhaustive()
    }
}

/// A slot taken for a submit in flight. Dropped, it is given back; a successful submit ties it
/// to the task it created instead.
#[derive(Debug)]
#[must_use = "a reservation dropped at once frees its slot again"]
pub struct SlotReservation {
    slots: Arc<TaskSlots>,
}

impl Drop for SlotReservation {
    fn drop(&mut self) {
        self.slots.give_back();
    }
}

/// Frees a task's slot when dropped, however waiting for the task ends (finished, failed,
/// abandoned).
#[derive(Debug)]
pub(crate) struct SlotRelease {
    slots: Arc<TaskSlots>,
    task_id: TaskId,
}

impl Drop for SlotRelease {
    fn drop(&mut self) {
        self.slots.release(&self.task_id);
    }
}

impl TaskSlots {
    pub(crate) fn new(slots: usize, wake: WakeSlotWaiters) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(SlotState {
                limit: slots,
                configured: slots,
                lowered_at: None,
                in_use: 0,
                held: HashSet::new(),
            }),
            wake,
        })
    }

    /// Takes a free slot, or `None` when all are in use (wait to be woken, then try again).
    /// A limit learnt from a refusal is raised by one, up to the configured count, once it has
    /// stood for [`LIMIT_PROBE_INTERVAL`] at `now`.
    #[must_use]
    pub fn try_reserve(self: &Arc<Self>, now: Timestamp) -> Option<SlotReservation> {
        let mut state = self.lock();
        state.probe_higher(now);
        if state.in_use >= state.limit {
            return None;
        }
        state.in_use += 1;
        Some(SlotReservation {
            slots: Arc::clone(self),
        })
    }

    /// Ties a reserved slot to the task created with it. An id held already keeps its one
    /// slot, and the spare one goes back.
    pub(crate) fn hold(&self, reservation: SlotReservation, task_id: TaskId) {
        if self.lock().held.insert(task_id) {
            std::mem::forget(reservation);
        }
    }

    /// A guard that frees the task's slot when dropped.
    pub(crate) fn release_on_drop(self: &Arc<Self>, task_id: TaskId) -> SlotRelease {
        SlotRelease {
            slots: Arc::clone(self),
            task_id,
        }
    }

    /// Frees the task's slot; false if it held none (not submitted by this client, or freed).
    pub fn release(&self, task_id: &TaskId) -> bool {
        let released = self.lock().held.remove(task_id);
        if released {
            self.give_back();
        }
        released
    }

    /// Slots free right now.
    #[must_use]
    pub fn available(&self) -> usize {
        let state = self.lock();
        state.limit.saturating_sub(state.in_use)
    }

    /// How many tasks may be unfinished at once.
    #[must_use]
    pub fn limit(&self) -> usize {
        self.lock().limit
    }

    /// Tasks this client holds slots for.
    #[must_use]
    pub fn held(&self) -> usize {
        self.lock().held.len()
    }

    /// Lowers the limit to what the account really allows, as learnt from a refusal at `now`
    /// (the refused submit's slot already given back): the slots still in use, at least one.
    /// Those are its tasks at the service and its submits still out, which the account may
    /// have accepted before the refusal; counting only the tasks whose ids came back drove
    /// the limit of racing submits down to one. Never raises it. Returns the new limit.
    pub(crate) fn lower_to_in_use(&self, now: Timestamp) -> usize {
        let mut state = self.lock();
        state.limit = state.limit.min(state.in_use.max(1));
        state.lowered_at = Some(now);
        state.limit
    }

    fn give_back(&self) {
        let mut state = self.lock();
        state.in_use = state.in_use.saturating_sub(1);
        drop(state);
        // Woken after the lock is dropped: a waiter's retry takes it again.
        (self.wake)();
    }

    fn lock(&self) -> MutexGuard<'_, SlotState> {
        // The counts stay consistent even if a holder panicked: each change is one step.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SlotState {
    /// One slot more once a lowered limit has stood long enough.
    fn probe_higher(&mut self, now: Timestamp) {
        let Some(lowered_at) = self.lowered_at else {
            return;
        };
        if self.limit >= self.configured {
            self.lowered_at = None;
        } else if now - lowered_at >= LIMIT_PROBE_INTERVAL {
            self.limit += 1;
            // The next probe waits as long again; at the configured count, the branch above
            // ends the probing.
            self.lowered_at = Some(now);
            tracing::info!(
                limit = self.limit,
                "trying one more unfinished task than the account last allowed"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn slots(count: usize) -> (Arc<TaskSlots>, Arc<AtomicUsize>) {
        let wakes = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&wakes);
        let wake = Box::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        (TaskSlots::new(count, wake), wakes)
    }

    #[test]
    fn debug_shows_the_counts() {
        let (slots, _) = slots(2);
        slots.hold(
            slots.try_reserve(Timestamp::ZERO).unwrap(),
            TaskId::new("t-1"),
        );
        let debug = format!("{slots:?}");
        assert!(
            debug.contains("limit: 2") && debug.contains("in_use: 1"),
            "{debug}"
        );
    }

    #[test]
    fn a_dropped_reservation_frees_its_slot_and_wakes_waiters() {
        let (slots, wakes) = slots(1);
        let reservation = slots.try_reserve(Timestamp::ZERO).expect("one slot");
        assert!(
            slots.try_reserve(Timestamp::ZERO).is_none(),
            "the only slot is taken"
        );
        drop(reservation);
        assert_eq!(slots.available(), 1);
        assert_eq!(wakes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_held_slot_stays_taken_until_released_once() {
        let (slots, wakes) = slots(2);
        let id = TaskId::new("t-1");
        slots.hold(slots.try_reserve(Timestamp::ZERO).unwrap(), id.clone());
        assert_eq!(slots.available(), 1);
        assert_eq!(wakes.load(Ordering::SeqCst), 0, "holding frees nothing");
        assert!(slots.release(&id));
        assert!(!slots.release(&id), "a slot is freed once");
        assert_eq!(slots.available(), 2);
        assert_eq!(wakes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn the_same_task_twice_keeps_one_slot() {
        let (slots, _) = slots(3);
        let id = TaskId::new("t-1");
        slots.hold(slots.try_reserve(Timestamp::ZERO).unwrap(), id.clone());
        slots.hold(slots.try_reserve(Timestamp::ZERO).unwrap(), id.clone());
        assert_eq!(slots.available(), 2);
    }

    #[test]
    fn a_release_guard_frees_the_slot_when_dropped() {
        let (slots, _) = slots(1);
        let id = TaskId::new("t-1");
        slots.hold(slots.try_reserve(Timestamp::ZERO).unwrap(), id.clone());
        drop(slots.release_on_drop(id));
        assert_eq!(slots.available(), 1);
    }

    /// The measured collapse: eight submits race against an account allowing three; refusals
    /// that come back before the accepted tasks' ids drove the limit to one.
    #[test]
    fn racing_refusals_leave_the_limit_at_what_the_account_accepted() {
        let (slots, _) = slots(8);
        let now = Timestamp::ZERO;
        let mut out: Vec<_> = (0..8).map(|_| slots.try_reserve(now).unwrap()).collect();
        // Five refusals come back first, then the three accepted tasks' ids.
        for _ in 0..5 {
            drop(out.pop());
            slots.lower_to_in_use(now);
        }
        for (n, reservation) in out.into_iter().enumerate() {
            slots.hold(reservation, TaskId::new(format!("t-{n}")));
        }
        assert_eq!(slots.limit(), 3, "not 1");
        assert_eq!(slots.held(), 3);
    }

    #[test]
    fn a_learnt_limit_is_raised_one_slot_at_a_time_after_standing_long_enough() {
        let (slots, _) = slots(3);
        let start = Timestamp::ZERO;
        let id = TaskId::new("t-1");
        slots.hold(slots.try_reserve(start).unwrap(), id.clone());
        assert_eq!(slots.lower_to_in_use(start), 1, "refused while holding one");

        let almost = start + (LIMIT_PROBE_INTERVAL - Duration::from_millis(1));
        assert!(
            slots.try_reserve(almost).is_none(),
            "the learnt limit stands"
        );
        let probe = start + LIMIT_PROBE_INTERVAL;
        let second = slots.try_reserve(probe).expect("one more is tried");
        assert_eq!(slots.limit(), 2);
        assert!(
            slots
                .try_reserve(probe + LIMIT_PROBE_INTERVAL / 2)
                .is_none(),
            "one at a time"
        );

        // The probe is refused too: back to what is held, and the wait starts again.
        drop(second);
        let refused_at = probe + Duration::from_secs(1);
        assert_eq!(slots.lower_to_in_use(refused_at), 1);
        assert!(slots.try_reserve(probe + LIMIT_PROBE_INTERVAL).is_none());

        // Accepted probes climb back to the configured count, never past it.
        let mut now = refused_at;
        let mut kept = Vec::new();
        for _ in 0..5 {
            now = now + LIMIT_PROBE_INTERVAL;
            if let Some(slot) = slots.try_reserve(now) {
                kept.push(slot);
            }
        }
        assert_eq!(slots.limit(), 3);
        assert_eq!(kept.len(), 2);
    }
}
