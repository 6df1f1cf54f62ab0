//! Webhook receivers: a callback is a claim, confirmed by querying the task.

use hitem3d_core::{ConfirmedCallback, Error, parse_callback};

use crate::Client;

impl Client {
    /// Reads a callback body and confirms it by querying the task: callbacks carry no
    /// signature, so the queried state is the truth, and `agrees` says whether the callback
    /// claimed the same. Check the URL with [`hitem3d_core::CallbackSecret::verify`] first to
    /// drop forged calls without a query.
    ///
    /// ```no_run
    /// # fn run(client: hitem3d_blocking::Client, body: &[u8]) -> Result<(), hitem3d_blocking::Error> {
    /// let confirmed = client.verify_callback(body)?;
    /// if confirmed.task.state.is_terminal() {
    ///     println!("task {} is {}", confirmed.task.task_id, confirmed.task.state);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::Callback`] for a body that is not a task update, [`Error::Call`] when the
    /// confirming query fails.
    pub fn verify_callback(&self, body: &[u8]) -> Result<ConfirmedCallback, Error> {
        let update = parse_callback(body)?;
        let queried = self.query(update.task_id())?;
        Ok(update.confirm(queried)?)
    }
}
