//! Maps of things that expire (links, tokens, storage credentials): the expired ones are
//! dropped whenever the map has doubled since the last time, so a mock asked for them for
//! hours keeps about what is still valid, at a cost spread over the inserts.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};

/// Entries inserted before the first pruning.
const FIRST_PRUNING_AT: usize = 2048;

/// A map by key whose expired entries go as new ones come.
#[derive(Debug)]
pub(crate) struct Pruned<V> {
    map: HashMap<String, V>,
    /// How many entries were left the last time the expired ones were dropped.
    kept_after_pruning: usize,
}

impl<V> Default for Pruned<V> {
    fn default() -> Self {
        Self {
            map: HashMap::new(),
            kept_after_pruning: FIRST_PRUNING_AT / 2,
        }
    }
}

impl<V> Pruned<V> {
    /// Inserts `value` under `key`, first dropping the entries `expired` says are, if the map
    /// has doubled since that was last done.
    pub(crate) fn insert(&mut self, key: String, value: V, expired: impl Fn(&V) -> bool) {
        if self.map.len() >= self.kept_after_pruning * 2 {
            self.map.retain(|_, value| !expired(value));
            self.kept_after_pruning = self.map.len().max(FIRST_PRUNING_AT / 2);
        }
        self.map.insert(key, value);
    }
}

impl<V> Deref for Pruned<V> {
    type Target = HashMap<String, V>;

    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

impl<V> DerefMut for Pruned<V> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_entries_go_once_the_map_has_doubled_and_live_ones_stay() {
        let mut map = Pruned::default();
        for n in 0..FIRST_PRUNING_AT {
            map.insert(n.to_string(), n, |n| n % 2 == 0);
        }
        assert_eq!(
            map.len(),
            FIRST_PRUNING_AT,
            "nothing dropped before it doubled"
        );
        map.insert("last".to_owned(), 1, |n| n % 2 == 0);
        assert_eq!(map.len(), FIRST_PRUNING_AT / 2 + 1, "the even ones went");
        assert!(map.contains_key("1") && !map.contains_key("2"));
    }
}
