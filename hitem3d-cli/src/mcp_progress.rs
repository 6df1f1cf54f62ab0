//! Progress of a long tool call (a generate takes minutes) as MCP progress notifications,
//! when the client asked for them with a progress token.

use hitem3d_async::{GenerateProgress, ResultKind, WaitEvent};
use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::service::RequestContext;
use rmcp::{Peer, RoleServer};
use tokio::sync::mpsc;

use crate::progress::describe;

/// Sends one notification per step, in order, from the SDK's synchronous progress callback.
pub struct McpProgress {
    steps: Option<mpsc::UnboundedSender<String>>,
    /// The task sending them, awaited before the call answers.
    sending: Option<tokio::task::JoinHandle<()>>,
    downloading: Option<ResultKind>,
}

impl McpProgress {
    /// Notifications for the call `context` belongs to, or none when it has no progress token.
    pub fn for_call(context: &RequestContext<RoleServer>) -> Self {
        let (steps, sending) = context
            .meta
            .get_progress_token()
            .map(|token| forward(context.peer.clone(), token))
            .unzip();
        Self {
            steps,
            sending,
            downloading: None,
        }
    }

    /// Returns once every step reported has been sent: the call's answer comes after its last
    /// notification, never before it.
    pub async fn sent(mut self) {
        drop(self.steps.take());
        if let Some(sending) = self.sending.take() {
            let _ = sending.await;
        }
    }

    /// Reports one step of a generate: submitted, resumed, each state or percentage, each
    /// file's download starting, each file saved.
    pub fn on_generate(&mut self, step: &GenerateProgress) {
        let message = match step {
            GenerateProgress::Submitted { task_id } => format!("task {task_id} submitted"),
            GenerateProgress::Resumed { task_id } => {
                format!("task {task_id} was already paid for: resuming it")
            }
            GenerateProgress::Waiting(WaitEvent::StateChanged { to, .. }) => describe(to, None),
            GenerateProgress::Waiting(WaitEvent::Progress { state, percent, .. }) => {
                describe(state, Some(*percent))
            }
            GenerateProgress::Downloading(progress) if self.downloading != Some(progress.kind) => {
                self.downloading = Some(progress.kind);
                match progress.kind {
                    ResultKind::Model => "downloading the model".to_owned(),
                    _ => "downloading the cover".to_owned(),
                }
            }
            GenerateProgress::Saved(file) if file.summary.by_another_run => format!(
                "{} was saved by another run of the same task",
                file.path.display()
            ),
            GenerateProgress::Saved(file) => format!("saved {}", file.path.display()),
            _ => return,
        };
        if let Some(steps) = &self.steps {
            // The client may have gone; the tool's answer is what matters.
            let _ = steps.send(message);
        }
    }
}

/// A task sending each step as a notification with a rising count, until the sender is
/// dropped.
fn forward(
    peer: Peer<RoleServer>,
    token: ProgressToken,
) -> (mpsc::UnboundedSender<String>, tokio::task::JoinHandle<()>) {
    let (sender, mut receiver) = mpsc::unbounded_channel::<String>();
    let sending = tokio::spawn(async move {
        let mut count = 0.0;
        while let Some(message) = receiver.recv().await {
            count += 1.0;
            let note = ProgressNotificationParam::new(token.clone(), count).with_message(message);
            if peer.notify_progress(note).await.is_err() {
                return;
            }
        }
    });
    (sender, sending)
}
