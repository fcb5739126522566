//! What a key asks the simulator to do, read from its prefix.

/// Injected failures, named after the key prefix that triggers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `fault-timeout`: accepts the request and never answers.
    Timeout,
    /// `fault-slow`: answers at once but sends the body a byte at a time.
    Slow,
    /// `fault-429-date`: 429 with `Retry-After` as an HTTP-date.
    RateLimitedUntil,
    /// `fault-429`: the vendor's throttling reply, `Retry-After` in seconds.
    RateLimited,
    /// `fault-500`: the vendor's server-error reply.
    ServerError,
    /// `fault-garbage`: HTTP 200 with broken JSON.
    Garbage,
    /// `fault-huge`: HTTP 200 with a 2 MiB body, streamed without a length.
    Huge,
    /// `fault-drift`: HTTP 200 with the usage fields renamed.
    Drift,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Normal,
    /// `near-limit…`: usage sits at 93–99 % of the limit (a firing alert in the demo).
    NearLimit,
    /// `invalid…`: the vendor's answer to a wrong key.
    Invalid,
    /// `noaccount…` (StructOCR): 404 "Account not found".
    NoAccount,
    Fault(Fault),
}

/// Longest prefixes first: `fault-429-date` must win over `fault-429`.
const PREFIXES: &[(&str, Behaviour)] = &[
    ("fault-timeout", Behaviour::Fault(Fault::Timeout)),
    ("fault-slow", Behaviour::Fault(Fault::Slow)),
    ("fault-429-date", Behaviour::Fault(Fault::RateLimitedUntil)),
    ("fault-429", Behaviour::Fault(Fault::RateLimited)),
    ("fault-500", Behaviour::Fault(Fault::ServerError)),
    ("fault-garbage", Behaviour::Fault(Fault::Garbage)),
    ("fault-huge", Behaviour::Fault(Fault::Huge)),
    ("fault-drift", Behaviour::Fault(Fault::Drift)),
    ("near-limit", Behaviour::NearLimit),
    ("invalid", Behaviour::Invalid),
    ("noaccount", Behaviour::NoAccount),
];

pub fn behaviour(key: &str) -> Behaviour {
    PREFIXES
        .iter()
        .find(|(prefix, _)| key.starts_with(prefix))
        .map_or(Behaviour::Normal, |(_, behaviour)| *behaviour)
}

/// A stable 64-bit seed from the key. FNV-1a rather than `std`'s hasher, whose output
/// may change between Rust releases: the figures must not.
pub fn seed(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// SplitMix64: turns (seed, counter) into well-spread numbers.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Picks from `choices` by seed.
pub fn pick<T: Copy>(seed: u64, salt: u64, choices: &[T]) -> T {
    let len = u64::try_from(choices.len()).unwrap_or(1).max(1);
    let index = usize::try_from(mix(seed ^ salt) % len).unwrap_or(0);
    choices[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_pick_behaviours() {
        assert_eq!(behaviour("abc"), Behaviour::Normal);
        assert_eq!(behaviour("invalid-1"), Behaviour::Invalid);
        assert_eq!(
            behaviour("fault-429-date-x"),
            Behaviour::Fault(Fault::RateLimitedUntil)
        );
        assert_eq!(behaviour("fault-429"), Behaviour::Fault(Fault::RateLimited));
        assert_eq!(behaviour("near-limit-ocr"), Behaviour::NearLimit);
    }

    #[test]
    fn seeds_are_stable() {
        assert_eq!(seed(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(seed("a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(seed("key-1"), seed("key-2"));
    }
}
