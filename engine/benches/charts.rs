//! Chart rendering time and SVG size, per range and kind.
//!
//! `cargo bench -p engine --bench charts`. For each range, builds the history a key
//! polled every 15 minutes has at that range's resolution (raw for 24 h, hourly for
//! 7 and 30 days, daily for 90 days and a year; a 1-minute poll interval for the
//! worst 24 h case), then renders each chart kind 300 times and prints p50, p95 and
//! the SVG size. Rendering only: reading the rows is measured by the page benchmark.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use domain::HistoryRange;
use engine::{
    charts::{self, Palette},
    history::{History, HistoryPoint, Resolution},
};

const RUNS: usize = 300;

fn main() {
    let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().expect("date");
    println!(
        "{:<12} {:<12} {:>7} {:>9} {:>9} {:>9}",
        "range", "kind", "points", "p50", "p95", "SVG bytes"
    );
    let cases = [
        (
            "24h",
            HistoryRange::Day,
            TimeDelta::minutes(15),
            Resolution::Raw,
        ),
        (
            "24h @1min",
            HistoryRange::Day,
            TimeDelta::minutes(1),
            Resolution::Raw,
        ),
        (
            "7d",
            HistoryRange::Week,
            TimeDelta::hours(1),
            Resolution::Hour,
        ),
        (
            "30d",
            HistoryRange::Month,
            TimeDelta::hours(1),
            Resolution::Hour,
        ),
        (
            "90d",
            HistoryRange::Quarter,
            TimeDelta::days(1),
            Resolution::Day,
        ),
        (
            "1y",
            HistoryRange::Year,
            TimeDelta::days(1),
            Resolution::Day,
        ),
    ];
    for (name, range, step, resolution) in cases {
        let history = synthetic(now, range, step, resolution);
        let period_start = history
            .points
            .last()
            .and_then(|p| p.period_start)
            .expect("points");
        let period = (period_start, period_start + TimeDelta::days(30));
        let kinds: [(&str, charts::ChartData); 3] = [
            (
                "usage",
                charts::usage_chart(
                    &history,
                    period,
                    "Main OCR",
                    "conversions",
                    chrono_tz::Tz::UTC,
                ),
            ),
            (
                "remaining",
                charts::remaining_chart(&history, "Main OCR", "conversions", chrono_tz::Tz::UTC),
            ),
            (
                "consumption",
                charts::consumption_chart(&history, "Main OCR", "conversions", chrono_tz::Tz::UTC),
            ),
        ];
        for (kind, data) in kinds {
            let mut times = Vec::with_capacity(RUNS);
            let mut size = 0;
            for _ in 0..RUNS {
                let started = Instant::now();
                let svg = charts::render(&data, &Palette::LIGHT).expect("render");
                times.push(started.elapsed());
                size = svg.len();
            }
            times.sort();
            println!(
                "{name:<12} {kind:<12} {:>7} {:>9} {:>9} {size:>9}",
                data.points.len(),
                fmt(times[RUNS / 2]),
                fmt(times[RUNS * 95 / 100]),
            );
        }
    }
}

fn fmt(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1_000.0)
}

/// A key growing unevenly through the range, resetting on the 1st.
fn synthetic(
    now: DateTime<Utc>,
    range: HistoryRange,
    step: TimeDelta,
    resolution: Resolution,
) -> History {
    let from = now - range.span();
    let mut points = Vec::new();
    let mut at = from;
    let mut i: i64 = 0;
    while at < now {
        // 30-day periods; usage climbs through each and starts over.
        let period = 30 * 86_400;
        let period_start =
            DateTime::from_timestamp(at.timestamp().div_euclid(period) * period, 0).expect("time");
        let into_period = at.timestamp() - period_start.timestamp();
        let used = into_period / 29 + (i * 37) % 500;
        points.push(HistoryPoint {
            at,
            used: Some(used),
            used_min: Some(used - 10),
            used_max: Some(used + 10),
            remaining: Some(100_000 - used),
            remaining_min: Some(100_000 - used - 10),
            remaining_max: Some(100_000 - used + 10),
            limit: Some(100_000),
            period_start: Some(period_start),
            polls: 4,
            ok: 4,
            errors: 0,
            skipped: 0,
        });
        at += step;
        i += 1;
    }
    History {
        resolution,
        from,
        to: now,
        points,
    }
}
