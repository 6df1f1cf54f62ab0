//! Request bodies read into memory under two bounds: the route's own limit, and one budget
//! shared by every connection, so that many large bodies at once cannot take the process's
//! memory (ten endless submits, each cut at its own limit, once held 748 MiB together).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming as Body;

/// The bytes of request bodies held at once, up to a cap.
#[derive(Debug)]
pub(crate) struct BodyBudget {
    held: AtomicU64,
    cap: u64,
}

/// Bytes taken from the budget, given back when dropped (with the body they were for).
#[derive(Debug)]
pub(crate) struct Held {
    budget: Arc<BodyBudget>,
    bytes: u64,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.budget.held.fetch_sub(self.bytes, Ordering::SeqCst);
    }
}

/// How reading a body ended.
#[derive(Debug)]
pub(crate) enum BodyRead {
    /// All of it, and the budget it holds until dropped.
    Whole(Bytes, Held),
    /// Longer than the route takes.
    TooLarge,
    /// Within the route's limit, but the bodies held at once would have gone past the cap.
    OverBudget,
    /// The client went silent for the idle timeout, or the connection broke.
    Broken,
}

impl BodyBudget {
    pub(crate) fn new(cap: u64) -> Arc<Self> {
        Arc::new(Self {
            held: AtomicU64::new(0),
            cap,
        })
    }

    /// Bytes held now, over all bodies.
    pub(crate) fn held(&self) -> u64 {
        self.held.load(Ordering::SeqCst)
    }

    /// Takes `bytes` more for `held`, unless that goes past the cap.
    fn take(&self, held: &mut Held, bytes: u64) -> bool {
        let taken = self
            .held
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                now.checked_add(bytes).filter(|after| *after <= self.cap)
            })
            .is_ok();
        if taken {
            held.bytes += bytes;
        }
        taken
    }

    /// Reads `body` whole, at most `limit` bytes, each piece within `idle` of the last.
    pub(crate) async fn read(
        self: &Arc<Self>,
        mut body: Body,
        limit: u64,
        idle: Duration,
    ) -> BodyRead {
        let mut held = Held {
            budget: Arc::clone(self),
            bytes: 0,
        };
        let mut bytes = BytesMut::new();
        loop {
            let frame = match tokio::time::timeout(idle, body.frame()).await {
                Ok(Some(Ok(frame))) => frame,
                Ok(None) => return BodyRead::Whole(bytes.freeze(), held),
                Ok(Some(Err(_))) | Err(_) => return BodyRead::Broken,
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            let length = data.len() as u64;
            if bytes.len() as u64 + length > limit {
                return BodyRead::TooLarge;
            }
            if !self.take(&mut held, length) {
                return BodyRead::OverBudget;
            }
            bytes.extend_from_slice(&data);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_taken_up_to_the_cap_and_given_back_when_dropped() {
        let budget = BodyBudget::new(100);
        let mut first = Held {
            budget: Arc::clone(&budget),
            bytes: 0,
        };
        assert!(budget.take(&mut first, 60));
        let mut second = Held {
            budget: Arc::clone(&budget),
            bytes: 0,
        };
        assert!(!budget.take(&mut second, 41), "past the cap");
        assert!(budget.take(&mut second, 40), "up to it");
        assert_eq!(budget.held(), 100);
        drop(first);
        assert_eq!(budget.held(), 40);
        drop(second);
        assert_eq!(budget.held(), 0);
    }
}
