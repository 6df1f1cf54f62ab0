//! The mock's randomness: ids, tokens and link keys that look unpredictable, from a seed, so a
//! run can be replayed.

use sha2::{Digest, Sha256};

/// A deterministic stream of pseudo-random bytes.
#[derive(Debug)]
pub(crate) struct MockRandom {
    seed: u64,
    drawn: u64,
}

impl MockRandom {
    pub(crate) fn new(seed: u64) -> Self {
        Self { seed, drawn: 0 }
    }

    /// Sixteen fresh bytes; `salt` says what they are for.
    pub(crate) fn bytes(&mut self, salt: &str) -> [u8; 16] {
        self.drawn += 1;
        let digest = Sha256::new()
            .chain_update(self.seed.to_le_bytes())
            .chain_update(self.drawn.to_le_bytes())
            .chain_update(salt.as_bytes())
            .finalize();
        let mut out = [0_u8; 16];
        out.copy_from_slice(&digest[..16]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_replays_and_another_differs() {
        let (mut a, mut b, mut c) = (MockRandom::new(1), MockRandom::new(1), MockRandom::new(2));
        let first = a.bytes("task");
        assert_eq!(first, b.bytes("task"));
        assert_ne!(first, c.bytes("task"));
        assert_ne!(first, a.bytes("task"), "each draw is fresh");
    }
}
