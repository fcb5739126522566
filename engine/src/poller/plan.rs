//! When each key is polled: its interval and its fixed phase within it decide when
//! it is due; the scheduler's tick (`poll_schedule`) decides when "due" is noticed.
//! The scheduler asks [`is_due`]; the UI asks [`PollPlan::next_poll`], which is
//! worked out from the same rule, so what the page promises is what happens.

use chrono::{DateTime, TimeDelta, Utc};
use croner::{Cron, parser::CronParser};
use domain::{KeyId, Vendor};

use crate::Config;

/// How often each vendor's keys are polled (a key's own interval overrides these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollIntervals {
    pub default: TimeDelta,
    pub ocr_space: TimeDelta,
}

impl PollIntervals {
    pub fn from_config(config: &Config) -> Self {
        Self {
            default: TimeDelta::minutes(i64::from(config.poll_interval_minutes)),
            ocr_space: TimeDelta::minutes(i64::from(config.poll_interval_minutes_ocr_space)),
        }
    }

    /// A key's interval: its own minutes when set, else its vendor's default (the
    /// default of all vendors when the vendor is unknown, e.g. an unreadable key).
    pub fn for_key(&self, vendor: Option<Vendor>, own_minutes: Option<i64>) -> TimeDelta {
        match (own_minutes, vendor) {
            (Some(minutes), _) => TimeDelta::minutes(minutes),
            (None, Some(Vendor::OcrSpace)) => self.ocr_space,
            (None, _) => self.default,
        }
    }
}

/// Whether a key is due. Each key has its own fixed phase within its interval
/// (a hash of its id), and is due once per interval at `phase + n × interval`: keys
/// with the same interval are spread evenly over it instead of all being hit in
/// the same second, and stay spread after a restart. A key polled by hand shortly
/// before its slot is not polled again until at least half an interval later.
pub fn is_due(
    key: KeyId,
    interval: TimeDelta,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    due_from(key, interval, last).is_none_or(|due| now >= due)
}

/// The moment [`is_due`] turns true: the first slot after the last poll, but not
/// before half an interval has passed. `None`: due at once (never polled, or no
/// interval).
fn due_from(key: KeyId, interval: TimeDelta, last: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    let last = last?;
    let period = interval.num_seconds();
    if period <= 0 {
        return None;
    }
    let phase = i64::try_from(mix(key.0.unsigned_abs()) % period.unsigned_abs()).unwrap_or(0);
    // Slots are whole seconds; the first one strictly after `last`.
    let last_s = last.timestamp();
    let slot_at_or_before = last_s - (last_s - phase).rem_euclid(period);
    let first_slot = DateTime::from_timestamp(slot_at_or_before + period, 0)?;
    Some(first_slot.max(last + interval / 2))
}

/// splitmix64's finaliser: neighbouring ids get unrelated phases.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// When a key's next scheduled poll happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextPoll {
    /// The tick that will poll it (in the past only if the scheduler is behind).
    At(DateTime<Utc>),
    /// Disabled keys are not polled.
    KeyDisabled,
    /// `poll_schedule` is empty: nothing is polled on a schedule.
    PollingOff,
}

/// The scheduler's settings, to answer "when is this key polled next?".
#[derive(Debug, Clone)]
pub struct PollPlan {
    tick: Option<Cron>,
    intervals: PollIntervals,
}

impl PollPlan {
    /// Parses `poll_schedule` the way tokio-cron-scheduler does (seconds first). A
    /// schedule it cannot parse stops the server at start-up, so here it only
    /// means "no schedule".
    pub fn from_config(config: &Config) -> Self {
        let schedule = config.poll_schedule.trim();
        let tick = (!schedule.is_empty())
            .then(|| {
                CronParser::builder()
                    .seconds(croner::parser::Seconds::Required)
                    .dom_and_dow(true)
                    .build()
                    .parse(schedule)
                    .ok()
            })
            .flatten();
        Self {
            tick,
            intervals: PollIntervals::from_config(config),
        }
    }

    pub fn intervals(&self) -> &PollIntervals {
        &self.intervals
    }

    /// The first scheduler tick at or after the moment the key is due.
    pub fn next_poll(
        &self,
        key: KeyId,
        vendor: Vendor,
        own_minutes: Option<i64>,
        enabled: bool,
        last: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> NextPoll {
        let Some(tick) = &self.tick else {
            return NextPoll::PollingOff;
        };
        if !enabled {
            return NextPoll::KeyDisabled;
        }
        let interval = self.intervals.for_key(Some(vendor), own_minutes);
        let due = due_from(key, interval, last).map_or(now, |due| due.max(now));
        tick.find_next_occurrence(&due, true)
            .map_or(NextPoll::PollingOff, NextPoll::At)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("date")
    }

    fn plan(schedule: &str) -> PollPlan {
        PollPlan::from_config(&Config {
            poll_schedule: schedule.to_owned(),
            ..Config::default()
        })
    }

    #[test]
    fn keys_polled_together_spread_over_their_interval() {
        let interval = TimeDelta::minutes(15);
        let start = at("2026-12-07T10:00:00Z");
        let mut last: Vec<Option<DateTime<Utc>>> = vec![None; 1_000];
        let mut per_tick = Vec::new();
        // A tick a minute for two hours; the first polls every key.
        for minute in 0..120 {
            let now = start + TimeDelta::minutes(minute);
            let mut due = 0;
            for (id, last) in last.iter_mut().enumerate() {
                if is_due(KeyId(id as i64 + 1), interval, *last, now) {
                    if let Some(previous) = *last {
                        assert!(now - previous >= interval / 2, "polled too soon");
                        assert!(now - previous <= interval + TimeDelta::minutes(1));
                    }
                    *last = Some(now);
                    due += 1;
                }
            }
            per_tick.push(due);
        }
        assert_eq!(per_tick[0], 1_000);
        // After the first interval, about 1,000 / 15 ≈ 67 keys a tick, never a crowd.
        let settled = &per_tick[30..];
        assert!(settled.iter().all(|n| *n < 130), "{settled:?}");
        let total: usize = settled.iter().sum();
        assert!((5_600..=6_400).contains(&total), "{total}");
    }

    #[test]
    fn a_zero_interval_is_always_due() {
        let now = at("2026-12-07T10:00:00Z");
        assert!(is_due(KeyId(1), TimeDelta::zero(), Some(now), now));
        assert!(is_due(KeyId(1), TimeDelta::minutes(5), None, now));
    }

    /// The promise matches the scheduler: simulate its minute ticks and check
    /// that the first tick that polls each key is the one `next_poll` named.
    #[test]
    fn next_poll_is_the_tick_that_polls_the_key() {
        let plan = plan("0 * * * * *");
        let start = at("2026-12-07T10:00:00Z");
        for id in 1..=300_i64 {
            let key = KeyId(id);
            // Last polled at assorted moments, some between ticks.
            let last = start + TimeDelta::seconds(id * 37 % 900);
            let own = (id % 3 == 0).then_some(5);
            let now = last + TimeDelta::seconds(1);
            let NextPoll::At(promised) =
                plan.next_poll(key, Vendor::StructOcr, own, true, Some(last), now)
            else {
                panic!("scheduled");
            };
            let interval = plan.intervals().for_key(Some(Vendor::StructOcr), own);
            let first_tick = (1..=120)
                .map(|m| {
                    let t = now.timestamp() - now.timestamp().rem_euclid(60) + 60 * m;
                    DateTime::from_timestamp(t, 0).expect("time")
                })
                .find(|tick| is_due(key, interval, Some(last), *tick))
                .expect("polled within two hours");
            assert_eq!(promised, first_tick, "key {id}");
        }
    }

    #[test]
    fn never_polled_keys_go_at_the_next_tick_and_off_or_disabled_say_so() {
        let now = at("2026-12-07T10:00:30Z");
        let plan = plan("0 * * * * *");
        assert_eq!(
            plan.next_poll(KeyId(1), Vendor::OcrSpace, None, true, None, now),
            NextPoll::At(at("2026-12-07T10:01:00Z"))
        );
        assert_eq!(
            plan.next_poll(KeyId(1), Vendor::OcrSpace, None, false, None, now),
            NextPoll::KeyDisabled
        );
        assert_eq!(
            self::plan("").next_poll(KeyId(1), Vendor::OcrSpace, None, true, None, now),
            NextPoll::PollingOff
        );
        // OCR.space's default interval is six hours.
        let NextPoll::At(next) =
            plan.next_poll(KeyId(1), Vendor::OcrSpace, None, true, Some(now), now)
        else {
            panic!("scheduled");
        };
        assert!(
            next - now >= TimeDelta::hours(3)
                && next - now <= TimeDelta::hours(6) + TimeDelta::minutes(1)
        );
    }
}
