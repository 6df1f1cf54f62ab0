//! The journal's side of every operation that can pay: the writes after the submit are taken
//! from the job, made in order and retried, and a task the journal could not record is the
//! operation's error, never a log line alone.

use crate::job::{Input, Io, Job};
use crate::journal::{JournalLedger, JournalReply, LedgerStep};
use crate::{ClientCore, Error, Timestamp};

/// A job whose journal writes after the submit go through one ledger: the job gets each write
/// answered at once and goes on, while the ledger makes the writes in order, retrying a failed
/// one for [`crate::ClientConfig::journal_retry`]. At the job's end the writes left are tried
/// once more; if any is still not written, the output is [`Error::Unrecorded`] with the task
/// id (and the files saved all the same). The write before the paid call
/// ([`crate::journal::JournalOp::Begin`], and the wait for a shared slot that may precede it)
/// goes to the job itself, whose failure stops the submit, and so does a read, whose answer
/// the job acts on.
///
/// [`ClientCore`]'s operations that can pay or save return their job wrapped in this.
#[derive(Debug)]
pub struct Recorded<J: Job> {
    job: J,
    ledger: JournalLedger,
    /// The job's output, held while the ledger finishes.
    output: Option<J::Output>,
    /// The job's own pending journal answer: a begin or a read it must see.
    answer_out: bool,
}

impl<J: Job> Recorded<J> {
    pub(crate) fn new(core: &ClientCore, job: J) -> Self {
        Self {
            job,
            ledger: JournalLedger::new(core.config().journal_retry),
            output: None,
            answer_out: false,
        }
    }

    /// The job inside.
    #[must_use]
    pub fn job(&self) -> &J {
        &self.job
    }
}

impl<J, T> Job for Recorded<J>
where
    J: Job<Output = Result<T, Error>>,
{
    type Event = J::Event;
    type Output = J::Output;

    fn next(&mut self, now: Timestamp) -> Io<J::Event, J::Output> {
        loop {
            if self.output.is_some() {
                return match self.ledger.finish(now) {
                    Some(step) => ledger_io(step),
                    None => Io::Done(self.end()),
                };
            }
            if let Some(step) = self.ledger.next(now) {
                return ledger_io(step);
            }
            match self.job.next(now) {
                Io::Journal(call) if call.op.answers_the_job() => {
                    self.answer_out = true;
                    return Io::Journal(call);
                }
                Io::Journal(call) => {
                    self.ledger.push(call);
                    self.job.on(Input::Journal(Ok(JournalReply::Written)), now);
                }
                Io::Done(output) => self.output = Some(output),
                io => return io,
            }
        }
    }

    fn on(&mut self, input: Input, now: Timestamp) {
        match input {
            Input::Journal(written) if self.ledger.awaiting() => self.ledger.on(written, now),
            Input::Journal(begun) if self.answer_out => {
                self.answer_out = false;
                self.job.on(Input::Journal(begun), now);
            }
            input => self.job.on(input, now),
        }
    }

    fn span(&self) -> tracing::Span {
        self.job.span()
    }
}

impl<J, T> Recorded<J>
where
    J: Job<Output = Result<T, Error>>,
{
    /// The job's output, or the task the journal missed.
    fn end(&mut self) -> Result<T, Error> {
        let output = self.output.take().unwrap_or_else(|| {
            Err(Error::Call(crate::CallError::OutOfSequence(
                "a recorded job was asked for more after it ended",
            )))
        });
        match (self.ledger.unrecorded(), output) {
            (None, output) => output,
            (Some(unrecorded), Ok(_)) => Err(Error::Unrecorded(Box::new(unrecorded))),
            (Some(mut unrecorded), Err(error)) => {
                unrecorded.also = Some(Box::new(error));
                Err(Error::Unrecorded(Box::new(unrecorded)))
            }
        }
    }
}

fn ledger_io<E, T>(step: LedgerStep) -> Io<E, T> {
    match step {
        LedgerStep::Write(call) => Io::Journal(call),
        LedgerStep::Sleep(until) => Io::Sleep(until),
    }
}
