//! Notice of a freed slot of the fleet's limit: one connection per process LISTENs on the
//! channel every transaction that frees a slot notifies, so a submit waiting for a slot goes
//! out the moment one frees rather than at its next look.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::{Notify, oneshot};
use tokio_postgres::AsyncMessage;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::fleet_limit::SLOT_FREED;

/// Wakes the submits of this process that wait for a slot.
pub(crate) struct SlotSignal {
    /// How the listening connection connects (it holds the password: not in `Debug`).
    config: tokio_postgres::Config,
    tls: MakeRustlsConnect,
    freed: Notify,
    listener: Mutex<Option<Listener>>,
}

impl std::fmt::Debug for SlotSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlotSignal")
            .field("listener", &self.listener)
            .finish_non_exhaustive()
    }
}

/// The listening connection's task: it ends when this is dropped (with the journal) or when
/// its connection does.
#[derive(Debug)]
struct Listener {
    _stop: oneshot::Sender<()>,
    ended: Arc<AtomicBool>,
}

impl SlotSignal {
    /// Listens (once a submit waits) with a connection made from `config` over `tls`.
    pub(crate) fn new(config: tokio_postgres::Config, tls: MakeRustlsConnect) -> Self {
        Self {
            config,
            tls,
            freed: Notify::new(),
            listener: Mutex::new(None),
        }
    }

    /// Returns when another transaction freed a slot, or after `at_most` (a notice sent while
    /// nobody listened is lost, so waits are bounded).
    pub(crate) async fn wait(self: &Arc<Self>, at_most: Duration) {
        let notified = self.freed.notified();
        tokio::pin!(notified);
        // Registered before anything else, so a notice from here on is not missed.
        notified.as_mut().enable();
        self.listen();
        let _waited_long_enough = tokio::time::timeout(at_most, notified).await;
    }

    /// Wakes the waiters at once: a transaction of this process freed a slot (other
    /// processes hear of it by the notice).
    pub(crate) fn freed_here(&self) {
        self.freed.notify_waiters();
    }

    /// Starts listening unless a connection already does.
    fn listen(self: &Arc<Self>) {
        let mut listener = self.listener.lock().unwrap_or_else(PoisonError::into_inner);
        if listener
            .as_ref()
            .is_some_and(|running| !running.ended.load(Ordering::Acquire))
        {
            return;
        }
        let (stop, stopped) = oneshot::channel();
        let ended = Arc::new(AtomicBool::new(false));
        *listener = Some(Listener {
            _stop: stop,
            ended: Arc::clone(&ended),
        });
        let signal = Arc::downgrade(self);
        let (config, tls) = (self.config.clone(), self.tls.clone());
        tokio::spawn(async move {
            tokio::select! {
                outcome = relay(&config, tls, &signal) => {
                    if let Err(error) = outcome {
                        tracing::debug!(error = %crate::pg_journal::in_words(&error), "stopped listening for freed slots");
                    }
                }
                _dropped = stopped => {}
            }
            ended.store(true, Ordering::Release);
        });
    }
}

/// Listens on its own connection and wakes the waiters at each notice, until the connection
/// ends or the journal is gone.
async fn relay(
    config: &tokio_postgres::Config,
    tls: MakeRustlsConnect,
    signal: &Weak<SlotSignal>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(tls).await?;
    let statement = format!("LISTEN {SLOT_FREED}");
    let listen = client.batch_execute(&statement);
    tokio::pin!(listen);
    let mut listening = false;
    loop {
        tokio::select! {
            listened = &mut listen, if !listening => {
                listened?;
                listening = true;
                // A slot freed while nobody listened went unnoticed: waiters look again.
                if let Some(signal) = signal.upgrade() {
                    signal.freed.notify_waiters();
                }
            }
            message = std::future::poll_fn(|cx| connection.poll_message(cx)) => match message {
                Some(Ok(AsyncMessage::Notification(_))) => {
                    let Some(signal) = signal.upgrade() else {
                        return Ok(());
                    };
                    signal.freed.notify_waiters();
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error),
                None => return Ok(()),
            },
        }
    }
}
