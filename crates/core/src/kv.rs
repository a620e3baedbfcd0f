//! Short-lived state in Spin's key-value store: rate-limit counters, single-use tokens and
//! idempotency records.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A key-value store.
pub trait Kv {
    /// The value under `key`.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String>;
    /// Stores `value` under `key`.
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String>;
    /// Removes `key`.
    fn delete(&self, key: &str) -> Result<(), String>;
}

/// Reads a JSON value.
pub fn get_json<T: DeserializeOwned>(kv: &dyn Kv, key: &str) -> Result<Option<T>, String> {
    Ok(kv
        .get(key)?
        .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}

/// Writes a JSON value.
pub fn set_json<T: Serialize>(kv: &dyn Kv, key: &str, value: &T) -> Result<(), String> {
    let bytes = serde_json::to_vec(value).map_err(|e| e.to_string())?;
    kv.set(key, &bytes)
}

#[derive(Serialize, Deserialize)]
struct Window {
    start: i64,
    count: u32,
}

/// Counts an attempt against `limit` per `window` seconds for `key`. Returns `Err(seconds)`
/// to wait when the limit is exceeded.
pub fn hit(
    kv: &dyn Kv,
    key: &str,
    limit: u32,
    window: i64,
    now: i64,
) -> Result<Result<(), u64>, String> {
    let key = format!("rl:{key}");
    let current = get_json::<Window>(kv, &key)?.filter(|w| now - w.start < window);
    let mut w = current.unwrap_or(Window {
        start: now,
        count: 0,
    });
    if w.count >= limit {
        return Ok(Err((w.start + window - now).max(1) as u64));
    }
    w.count += 1;
    set_json(kv, &key, &w)?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    #[derive(Default)]
    struct Mem(RefCell<HashMap<String, Vec<u8>>>);
    impl Kv for Mem {
        fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
            Ok(self.0.borrow().get(key).cloned())
        }
        fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
            self.0.borrow_mut().insert(key.into(), value.to_vec());
            Ok(())
        }
        fn delete(&self, key: &str) -> Result<(), String> {
            self.0.borrow_mut().remove(key);
            Ok(())
        }
    }

    #[test]
    fn the_limit_holds_within_a_window_and_resets_after() {
        let kv = Mem::default();
        for _ in 0..3 {
            assert_eq!(hit(&kv, "login:a", 3, 60, 1000), Ok(Ok(())));
        }
        assert_eq!(hit(&kv, "login:a", 3, 60, 1010), Ok(Err(50)));
        assert_eq!(hit(&kv, "login:b", 3, 60, 1010), Ok(Ok(())));
        assert_eq!(hit(&kv, "login:a", 3, 60, 1060), Ok(Ok(())));
    }
}
