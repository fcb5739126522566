//! What the server drew lately, kept by what it was drawn from: the overview's pages
//! and rows, key pages. Everything drawn depends on the data as of one
//! `overview_version` (database triggers move it on every change that shows) and on
//! the minute (ages are shown in minutes), so entries of an older version or minute
//! are dropped as soon as a newer one is asked for, and a few entries suffice.

use std::{
    collections::VecDeque,
    sync::{Mutex, PoisonError},
};

/// The key of something drawn.
pub trait DrawnFrom: PartialEq {
    /// Whether what was drawn for `self` may still be asked for once `newer` is.
    fn is_current_with(&self, newer: &Self) -> bool;
}

/// At most `capacity` values, the oldest put first out.
pub struct Recent<K, V> {
    kept: Mutex<VecDeque<(K, V)>>,
    capacity: usize,
}

impl<K: DrawnFrom, V> Recent<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            kept: Mutex::new(VecDeque::with_capacity(capacity)),
            capacity: capacity.max(1),
        }
    }

    pub fn get(&self, key: &K) -> Option<V>
    where
        V: Clone,
    {
        self.lock()
            .iter()
            .find(|(kept, _)| kept == key)
            .map(|(_, value)| value.clone())
    }

    pub fn put(&self, key: K, value: V) {
        let mut kept = self.lock();
        kept.retain(|(old, _)| old.is_current_with(&key) && *old != key);
        if kept.len() >= self.capacity {
            kept.pop_front();
        }
        kept.push_back((key, value));
    }

    /// Runs `work` on the value kept for `key`, made by `make` when there is none.
    /// The lock is held meanwhile: a second caller waits instead of doing the same
    /// work twice.
    pub fn with<R>(&self, key: K, make: impl FnOnce() -> V, work: impl FnOnce(&mut V) -> R) -> R {
        let mut kept = self.lock();
        kept.retain(|(old, _)| old.is_current_with(&key));
        let at = match kept.iter().position(|(old, _)| *old == key) {
            Some(at) => at,
            None => {
                if kept.len() >= self.capacity {
                    kept.pop_front();
                }
                kept.push_back((key, make()));
                kept.len() - 1
            }
        };
        work(&mut kept[at].1)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<(K, V)>> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Key {
        version: i64,
        view: u8,
    }

    impl DrawnFrom for Key {
        fn is_current_with(&self, newer: &Self) -> bool {
            self.version == newer.version
        }
    }

    const fn key(version: i64, view: u8) -> Key {
        Key { version, view }
    }

    #[test]
    fn keeps_the_newest_values_of_the_current_version() {
        let recent = Recent::new(2);
        recent.put(key(1, 1), "a");
        recent.put(key(1, 2), "b");
        assert_eq!(recent.get(&key(1, 1)), Some("a"));
        recent.put(key(1, 3), "c");
        assert_eq!(recent.get(&key(1, 1)), None, "the oldest goes first");
        assert_eq!(recent.get(&key(1, 2)), Some("b"));
        recent.put(key(2, 1), "d");
        assert_eq!(recent.get(&key(1, 3)), None, "an older version is dropped");
        assert_eq!(recent.get(&key(2, 1)), Some("d"));
    }

    #[test]
    fn put_replaces_a_value_drawn_twice() {
        let recent = Recent::new(2);
        recent.put(key(1, 1), "a");
        recent.put(key(1, 2), "b");
        recent.put(key(1, 1), "a again");
        assert_eq!(recent.get(&key(1, 1)), Some("a again"));
        assert_eq!(
            recent.get(&key(1, 2)),
            Some("b"),
            "not pushed out by the repeat"
        );
    }

    #[test]
    fn with_makes_a_value_once_and_works_on_it() {
        let recent: Recent<Key, Vec<u8>> = Recent::new(2);
        let mut made = 0;
        for n in 0..3 {
            recent.with(
                key(1, 1),
                || {
                    made += 1;
                    Vec::new()
                },
                |values| values.push(n),
            );
        }
        assert_eq!(made, 1);
        let all = recent.with(key(1, 1), Vec::new, |values| values.clone());
        assert_eq!(all, [0, 1, 2]);
        let fresh = recent.with(key(2, 1), Vec::new, |values| values.len());
        assert_eq!(fresh, 0, "a new version starts empty");
    }
}
