//! A key's history drawn server-side as SVG with plotters.
//!
//! Text is measured with DejaVu Sans committed in `engine/assets/fonts` (plotters'
//! `ab_glyph` backend, no system fonts), so a chart is byte-for-byte the same on
//! every machine. Axis lines and labels use `currentColor` and the series colours
//! come from the theme's palette, so charts read well in light and dark themes.
//! Every chart carries a `<title>` and a `<desc>` that says in words what it shows.
//!
//! Times are stored and plotted as UTC instants; what a person reads (axis ticks and
//! labels, the consumption buckets, the words in `<desc>`) is in the team's time zone,
//! daylight-saving changes included: a tick falls on a local round hour, a local
//! midnight or the 1st of a local month, and a day's bar covers the local day (23 or
//! 25 hours long on a change-over).

mod lttb;

use std::{fmt::Write as _, sync::OnceLock};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use domain::Vendor;
use plotters::{
    prelude::*,
    style::{FontStyle, register_font},
};

pub use lttb::lttb;

use crate::history::{History, HistoryPoint};

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FONT_FAMILY: &str = "sans-serif";

/// Chart size in SVG user units; the page scales it with the viewBox.
pub const WIDTH: u32 = 720;
pub const HEIGHT: u32 = 260;
/// Plot width is about 640 units: at most ~2 points per horizontal unit.
const MAX_POINTS: usize = 1_200;
/// More buckets than this are drawn as an area, not as bars (each bar is an element).
const MAX_BARS: usize = 120;

/// Stands for the text colour while drawing; replaced by `currentColor`.
const INK: RGBColor = RGBColor(1, 2, 3);

/// Which chart of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChartKind {
    /// Used in the current billing period, against the limit.
    Usage,
    /// Remaining over the range.
    Remaining,
    /// Consumption per day (per hour over 24 hours).
    Consumption,
}

impl ChartKind {
    pub const ALL: [ChartKind; 3] = [Self::Usage, Self::Remaining, Self::Consumption];

    pub const fn slug(self) -> &'static str {
        match self {
            Self::Usage => "usage",
            Self::Remaining => "remaining",
            Self::Consumption => "consumption",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.slug() == text)
    }
}

/// Colours of one theme (the page's CSS uses the same values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub text: &'static str,
    pub series: RGBColor,
    pub limit: RGBColor,
}

impl Palette {
    pub const LIGHT: Self = Self {
        text: "#1d2330",
        series: RGBColor(0x24, 0x54, 0xd6),
        limit: RGBColor(0xb4, 0x23, 0x18),
    };
    pub const DARK: Self = Self {
        text: "#e6e9ef",
        series: RGBColor(0x7a, 0xa2, 0xff),
        limit: RGBColor(0xff, 0x6b, 0x5e),
    };
}

/// What the usage figures count, per vendor.
pub fn unit(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::OcrSpace => "conversions",
        Vendor::StructOcr => "credits",
        Vendor::PlateRecognizerCloud | Vendor::PlateRecognizerSdk => "calls",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Line,
    /// One bar per local hour or local day, from its start to the next one's.
    Bars {
        bucket: Bucket,
    },
}

/// A span of local time that consumption is summed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Hour,
    Day,
}

impl Bucket {
    /// The start (as a UTC instant) of the local hour or day that holds `at`.
    pub fn start(self, at: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        let local = at.with_timezone(&tz);
        match self {
            // Offsets are whole quarter hours, so the local hour starts this many
            // seconds earlier, whatever the offset (Asia/Kolkata's hours start at :30 UTC).
            Self::Hour => {
                at - TimeDelta::seconds(i64::from(local.minute() * 60 + local.second()))
                    - TimeDelta::nanoseconds(i64::from(local.nanosecond() % 1_000_000_000))
            }
            Self::Day => day_start(local.date_naive(), tz),
        }
    }

    /// The start of the next bucket after the one starting at `start`.
    pub fn next(self, start: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        match self {
            Self::Hour => start + TimeDelta::hours(1),
            Self::Day => {
                let day = start.with_timezone(&tz).date_naive();
                day.succ_opt()
                    .map_or(start + TimeDelta::days(1), |next| day_start(next, tz))
            }
        }
    }
}

/// When the local day `day` begins: its midnight, or where a daylight-saving change
/// skips midnight (e.g. America/Santiago), its first existing minute.
pub fn day_start(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    (0..=4 * 24)
        .find_map(|quarter| {
            tz.from_local_datetime(&(midnight + TimeDelta::minutes(15 * quarter)))
                .earliest()
        })
        .map_or_else(|| midnight.and_utc(), |at| at.with_timezone(&Utc))
}

/// A chart ready to draw: the points (unix seconds, value), the x range, and words.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub points: Vec<(i64, f64)>,
    pub shape: Shape,
    /// Drawn as a dashed line.
    pub limit: Option<f64>,
    pub unit: &'static str,
    pub title: String,
    pub desc: String,
    /// The team's time zone: ticks, labels and words are in it.
    pub tz: Tz,
}

/// Usage since the start of the current period, over the whole period.
pub fn usage_chart(
    history: &History,
    period: (DateTime<Utc>, DateTime<Utc>),
    label: &str,
    unit: &'static str,
    tz: Tz,
) -> ChartData {
    let (start, end) = period;
    let day = |at| day(at, tz);
    let points: Vec<(i64, f64)> = history
        .points
        .iter()
        .filter(|p| p.at >= start && p.period_start.is_none_or(|s| s == start))
        .filter_map(|p| p.used.map(|used| (p.at.timestamp(), used as f64)))
        .collect();
    let limit = history
        .points
        .iter()
        .rev()
        .find_map(|p| p.limit)
        .map(|l| l as f64);
    let desc = match (points.last(), limit) {
        (Some((_, used)), Some(limit)) => format!(
            "Usage in the billing period from {} to {} ({}): {} of {} {unit} used ({:.1} %).",
            day(start),
            day(end),
            tz.name(),
            thousands(*used),
            thousands(limit),
            100.0 * used / limit.max(1.0)
        ),
        (Some((_, used)), None) => format!(
            "Usage in the billing period from {} to {} ({}): {} {unit} used; no limit known.",
            day(start),
            day(end),
            tz.name(),
            thousands(*used)
        ),
        (None, _) => format!(
            "No usage readings yet in the billing period from {} to {} ({}).",
            day(start),
            day(end),
            tz.name()
        ),
    };
    ChartData {
        from: start,
        to: end,
        points: thin(points),
        shape: Shape::Line,
        limit,
        unit,
        title: format!("{label}: usage this period against the limit"),
        desc,
        tz,
    }
}

/// Remaining over the range.
pub fn remaining_chart(history: &History, label: &str, unit: &'static str, tz: Tz) -> ChartData {
    let moment = |at| moment(at, tz);
    let points: Vec<(i64, f64)> = history
        .points
        .iter()
        .filter_map(|p| p.remaining.map(|r| (p.at.timestamp(), r as f64)))
        .collect();
    let desc = match (points.first(), points.last()) {
        (Some((_, first)), Some((_, last))) => format!(
            "Remaining {unit} from {} to {} ({}): {} at the start, {} at the end, lowest {}.",
            moment(history.from),
            moment(history.to),
            tz.name(),
            thousands(*first),
            thousands(*last),
            thousands(points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min))
        ),
        _ => format!(
            "No remaining figures from {} to {} ({}).",
            moment(history.from),
            moment(history.to),
            tz.name()
        ),
    };
    ChartData {
        from: history.from,
        to: history.to,
        points: thin(points),
        shape: Shape::Line,
        limit: None,
        unit,
        title: format!("{label}: remaining over time"),
        desc,
        tz,
    }
}

/// Consumption per local day, or per local hour when the range is two days or less.
pub fn consumption_chart(history: &History, label: &str, unit: &'static str, tz: Tz) -> ChartData {
    let moment = |at| moment(at, tz);
    let bucket = if history.to - history.from <= TimeDelta::hours(48) {
        Bucket::Hour
    } else {
        Bucket::Day
    };
    let points = consumption(&history.points, bucket, tz);
    let total: f64 = points.iter().map(|p| p.1).sum();
    let per = match bucket {
        Bucket::Hour => "hour",
        Bucket::Day => "day",
    };
    let desc = if points.is_empty() {
        format!(
            "Not enough readings from {} to {} ({}) to tell the consumption per {per}.",
            moment(history.from),
            moment(history.to),
            tz.name()
        )
    } else {
        format!(
            "{} {unit} consumed from {} to {} ({}), {} per {per} at most.",
            thousands(total),
            moment(history.from),
            moment(history.to),
            tz.name(),
            thousands(points.iter().map(|p| p.1).fold(0.0, f64::max))
        )
    };
    ChartData {
        from: history.from,
        to: history.to,
        shape: if points.len() <= MAX_BARS {
            Shape::Bars { bucket }
        } else {
            Shape::Line
        },
        points: thin(points),
        limit: None,
        unit,
        title: format!("{label}: consumption per {per}"),
        desc,
        tz,
    }
}

/// How much was used in each local hour or day (keyed by its start): the rise of the
/// newest reading from the bucket before; after a period reset, the new period's
/// figure. The first bucket has nothing to compare with and is left out; a falling
/// counter counts as zero.
pub fn consumption(points: &[HistoryPoint], bucket: Bucket, tz: Tz) -> Vec<(i64, f64)> {
    let mut last_per_bucket: Vec<(i64, i64, Option<DateTime<Utc>>)> = Vec::new();
    for point in points {
        let Some(used) = point.used else { continue };
        let start = bucket.start(point.at, tz).timestamp();
        match last_per_bucket.last_mut() {
            Some(last) if last.0 == start => *last = (start, used, point.period_start),
            _ => last_per_bucket.push((start, used, point.period_start)),
        }
    }
    last_per_bucket
        .windows(2)
        .map(|pair| {
            let (_, before, before_period) = pair[0];
            let (start, now, period) = pair[1];
            let used = if period.is_some() && period != before_period {
                now
            } else {
                (now - before).max(0)
            };
            (start, used as f64)
        })
        .collect()
}

fn thin(points: Vec<(i64, f64)>) -> Vec<(i64, f64)> {
    if points.len() <= MAX_POINTS {
        return points;
    }
    let as_f64: Vec<(f64, f64)> = points.iter().map(|(x, y)| (*x as f64, *y)).collect();
    lttb(&as_f64, MAX_POINTS)
        .into_iter()
        .map(|(x, y)| (x as i64, y))
        .collect()
}

#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart: {0}")]
pub struct ChartError(String);

fn font() {
    static REGISTERED: OnceLock<()> = OnceLock::new();
    REGISTERED.get_or_init(|| {
        // The font is compiled in; it parsing is checked by the tests.
        let _ = register_font(FONT_FAMILY, FontStyle::Normal, FONT);
    });
}

/// Draws the chart as a standalone SVG document.
pub fn render(data: &ChartData, palette: &Palette) -> Result<String, ChartError> {
    font();
    let mut svg = String::with_capacity(16 * 1024);
    draw(&mut svg, data, palette).map_err(ChartError)?;
    Ok(finish(svg, data, palette))
}

fn draw(svg: &mut String, data: &ChartData, palette: &Palette) -> Result<(), String> {
    let error = |e: &dyn std::fmt::Display| e.to_string();
    let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
    let (x0, x1) = (
        data.from.timestamp(),
        data.to.timestamp().max(data.from.timestamp() + 1),
    );
    let top = data
        .points
        .iter()
        .map(|p| p.1)
        .chain(data.limit)
        .fold(0.0, f64::max);
    let bottom = data.points.iter().map(|p| p.1).fold(0.0, f64::min);
    let y_max = if top <= 0.0 { 1.0 } else { top * 1.08 };
    let y_min = if bottom < 0.0 { bottom * 1.08 } else { 0.0 };
    let span = data.to - data.from;
    // plotters draws ab_glyph text at about 0.8 of the nominal size: 15 is ~12 px.
    let label_font = (FONT_FAMILY, 15).into_font().color(&INK);
    let mut chart = ChartBuilder::on(&root)
        .margin_top(12)
        .margin_right(20)
        .margin_left(8)
        .margin_bottom(6)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(
            (x0..x1).with_key_points(time_ticks(x0, x1, data.tz)),
            y_min..y_max,
        )
        .map_err(|e| error(&e))?;
    let x_format = |x: &i64| axis_time(*x, span, data.tz);
    let y_format = |y: &f64| compact(*y);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(INK.mix(0.0))
        .bold_line_style(INK.mix(0.12))
        .axis_style(INK.mix(0.5))
        .label_style(label_font.clone())
        .axis_desc_style(label_font)
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .x_desc(if span <= TimeDelta::hours(48) {
            format!("time ({})", data.tz.name())
        } else {
            format!("date ({})", data.tz.name())
        })
        .y_desc(data.unit)
        .draw()
        .map_err(|e| error(&e))?;

    if data.points.is_empty() {
        let style = (FONT_FAMILY, 17).into_font().color(&INK);
        root.draw(&Text::new(
            "No data in this range",
            ((WIDTH / 2 - 70) as i32, (HEIGHT / 2 - 10) as i32),
            style,
        ))
        .map_err(|e| error(&e))?;
    }
    match data.shape {
        Shape::Line => {
            chart
                .draw_series(LineSeries::new(
                    data.points.iter().copied(),
                    palette.series.stroke_width(2),
                ))
                .map_err(|e| error(&e))?;
        }
        Shape::Bars { bucket } => {
            let tz = data.tz;
            chart
                .draw_series(data.points.iter().map(|(x, y)| {
                    let end = DateTime::from_timestamp(*x, 0)
                        .map_or(x + 3_600, |start| bucket.next(start, tz).timestamp());
                    let gap = (end - x) / 8;
                    Rectangle::new([(x + gap, 0.0), (end - gap, *y)], palette.series.filled())
                }))
                .map_err(|e| error(&e))?;
        }
    }
    if let Some(limit) = data.limit {
        chart
            .draw_series(DashedLineSeries::new(
                [(x0, limit), (x1, limit)],
                6,
                4,
                palette.limit.stroke_width(1),
            ))
            .map_err(|e| error(&e))?;
    }
    root.present().map_err(|e| error(&e))?;
    Ok(())
}

/// Adds the accessible title and description and turns the stand-in ink colour
/// into `currentColor` (the document's text colour, set from the palette).
fn finish(svg: String, data: &ChartData, palette: &Palette) -> String {
    let ink = format!("#{:02X}{:02X}{:02X}", INK.0, INK.1, INK.2);
    let ink_lower = ink.to_ascii_lowercase();
    let svg = svg
        .replace(&ink, "currentColor")
        .replace(&ink_lower, "currentColor");
    let Some(open_end) = svg.find('>') else {
        return svg;
    };
    let mut out = String::with_capacity(svg.len() + 512);
    let (open, rest) = svg.split_at(open_end);
    out.push_str(&open.replacen(
        "<svg ",
        &format!(
            "<svg role=\"img\" aria-labelledby=\"chart-title chart-desc\" style=\"color:{}\" ",
            palette.text
        ),
        1,
    ));
    out.push('>');
    let _ = write!(
        out,
        "<title id=\"chart-title\">{}</title><desc id=\"chart-desc\">{}</desc>",
        escape(&data.title),
        escape(&data.desc)
    );
    out.push_str(&rest[1..]);
    out
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Round local times for the x axis, at most about six: whole hours, midnights, or
/// the 1st of months in `tz`. Returned as unix seconds (the plotted instants).
fn time_ticks(from: i64, to: i64, tz: Tz) -> Vec<i64> {
    const HOUR: i64 = 3_600;
    const DAY: i64 = 86_400;
    let (Some(first), Some(last)) = (
        DateTime::from_timestamp(from, 0),
        DateTime::from_timestamp(to, 0),
    ) else {
        return Vec::new();
    };
    let span = (to - from).max(1);
    if let Some(hours) = [1, 2, 3, 6, 12]
        .into_iter()
        .find(|h| span / (h * HOUR) <= 6)
    {
        // Every local hour in the range, kept when its local hour is a multiple of
        // the step: on a daylight-saving change the repeated or skipped hour simply
        // shows as it is on the clock.
        let mut hour = Bucket::Hour.start(first, tz);
        if hour < first {
            hour += TimeDelta::hours(1);
        }
        let mut ticks = Vec::new();
        while hour <= last {
            if i64::from(hour.with_timezone(&tz).hour()) % hours == 0 {
                ticks.push(hour.timestamp());
            }
            hour += TimeDelta::hours(1);
        }
        return ticks;
    }
    if let Some(days) = [1, 2, 7, 14].into_iter().find(|d| span / (d * DAY) <= 6) {
        // Local midnights; weeks start on Monday (1970-01-05 was one).
        let monday = NaiveDate::from_ymd_opt(1970, 1, 5).unwrap_or_default();
        let keep = |day: NaiveDate| {
            let n = (day - monday).num_days();
            match days {
                1 => true,
                2 => n.rem_euclid(2) == 0,
                _ => n.rem_euclid(days) == 0,
            }
        };
        return local_days(first, last, tz)
            .filter(|day| keep(*day))
            .map(|day| day_start(day, tz).timestamp())
            .filter(|t| (from..=to).contains(t))
            .collect();
    }
    // Months: every one, two or three, on the local 1st.
    let months = if span <= 200 * DAY {
        1
    } else if span <= 400 * DAY {
        2
    } else {
        3
    };
    local_days(first, last, tz)
        .filter(|day| day.day() == 1 && day.month0().is_multiple_of(months))
        .map(|day| day_start(day, tz).timestamp())
        .filter(|t| (from..=to).contains(t))
        .collect()
}

/// The local dates from `first`'s to `last`'s, inclusive.
fn local_days(
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    tz: Tz,
) -> impl Iterator<Item = NaiveDate> {
    let end = last.with_timezone(&tz).date_naive();
    first
        .with_timezone(&tz)
        .date_naive()
        .iter_days()
        .take_while(move |day| *day <= end)
}

fn axis_time(x: i64, span: TimeDelta, tz: Tz) -> String {
    let Some(at) = DateTime::from_timestamp(x, 0) else {
        return String::new();
    };
    let at = at.with_timezone(&tz);
    if span <= TimeDelta::hours(48) {
        at.format("%H:%M").to_string()
    } else if span <= TimeDelta::days(100) {
        at.format("%-d %b").to_string()
    } else {
        at.format("%b %Y").to_string()
    }
}

fn day(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%-d %b %Y").to_string()
}

fn moment(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%-d %b %Y %H:%M").to_string()
}

/// `12,345` style.
pub fn thousands(value: f64) -> String {
    crate::display::count(value.round() as i128)
}

/// Axis labels: `950`, `12k`, `1.5M`.
fn compact(value: f64) -> String {
    let abs = value.abs();
    if abs >= 1_000_000.0 {
        format!("{}M", trim(value / 1_000_000.0))
    } else if abs >= 1_000.0 {
        format!("{}k", trim(value / 1_000.0))
    } else {
        trim(value)
    }
}

fn trim(value: f64) -> String {
    let text = format!("{value:.1}");
    text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Resolution;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("date")
    }

    fn point(at: DateTime<Utc>, used: i64, period: &str) -> HistoryPoint {
        HistoryPoint {
            at,
            used: Some(used),
            used_min: Some(used),
            used_max: Some(used),
            remaining: Some(1_000 - used),
            remaining_min: Some(1_000 - used),
            remaining_max: Some(1_000 - used),
            limit: Some(1_000),
            period_start: Some(period.parse().expect("date")),
            polls: 1,
            ok: 1,
            errors: 0,
            skipped: 0,
        }
    }

    #[test]
    fn consumption_is_the_daily_rise_and_restarts_after_a_reset() {
        let june = "2026-06-01T00:00:00Z";
        let july = "2026-07-01T00:00:00Z";
        let points = vec![
            point(at("2026-06-29T10:00:00Z"), 100, june),
            point(at("2026-06-29T20:00:00Z"), 150, june),
            point(at("2026-06-30T20:00:00Z"), 400, june),
            point(at("2026-07-01T09:00:00Z"), 30, july),
            point(at("2026-07-02T09:00:00Z"), 20, july),
        ];
        let daily = consumption(&points, Bucket::Day, Tz::UTC);
        let values: Vec<f64> = daily.iter().map(|p| p.1).collect();
        assert_eq!(values, vec![250.0, 30.0, 0.0]);
        assert_eq!(daily[0].0, at("2026-06-30T00:00:00Z").timestamp());
    }

    #[test]
    fn ticks_fall_on_round_times() {
        let t = |text: &str| at(text).timestamp();
        let hours = time_ticks(
            t("2026-06-01T10:20:00Z"),
            t("2026-06-02T10:20:00Z"),
            Tz::UTC,
        );
        assert!(hours.len() <= 7 && hours.len() >= 3, "{hours:?}");
        assert!(hours.iter().all(|h| h % 3_600 == 0));
        let months = time_ticks(
            t("2025-11-23T12:00:00Z"),
            t("2026-11-23T12:00:00Z"),
            Tz::UTC,
        );
        let labels: Vec<String> = months
            .iter()
            .map(|m| {
                DateTime::from_timestamp(*m, 0)
                    .expect("time")
                    .format("%b")
                    .to_string()
            })
            .collect();
        assert_eq!(labels, ["Jan", "Mar", "May", "Jul", "Sep", "Nov"]);
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(thousands(-950.0), "-950");
        assert_eq!(compact(12_000.0), "12k");
        assert_eq!(compact(1_500_000.0), "1.5M");
        assert_eq!(compact(950.0), "950");
    }

    #[test]
    fn a_chart_is_svg_with_title_and_desc_and_identical_each_time() {
        let period = (at("2026-06-01T00:00:00Z"), at("2026-07-01T00:00:00Z"));
        let history = History {
            resolution: Resolution::Hour,
            from: period.0,
            to: at("2026-06-20T00:00:00Z"),
            points: (0..400)
                .map(|h| {
                    point(
                        period.0 + TimeDelta::hours(h),
                        h * 2,
                        "2026-06-01T00:00:00Z",
                    )
                })
                .collect(),
        };
        let data = usage_chart(&history, period, "Main <OCR> & co", "conversions", Tz::UTC);
        let svg = render(&data, &Palette::LIGHT).expect("renders");
        assert!(svg.starts_with("<svg role=\"img\""), "{}", &svg[..80]);
        assert!(svg.contains("<title id=\"chart-title\">Main &lt;OCR&gt; &amp; co: usage"));
        assert!(svg.contains("798 of 1,000 conversions used (79.8 %)"));
        assert!(svg.contains("currentColor"));
        assert!(!svg.contains("#010203"));
        // The limit is dashed: many short segments at its height.
        assert!(svg.matches("stroke=\"#B42318\"").count() > 10, "{svg}");
        // Date labels on whole days.
        assert!(svg.contains(">\n8 Jun\n<"), "{svg}");
        assert_eq!(render(&data, &Palette::LIGHT).expect("again"), svg);
        assert!(svg.len() < 25 * 1024, "{} bytes", svg.len());
    }

    #[test]
    fn an_empty_chart_says_so() {
        let history = History {
            resolution: Resolution::Raw,
            from: at("2026-06-01T00:00:00Z"),
            to: at("2026-06-02T00:00:00Z"),
            points: Vec::new(),
        };
        let svg = render(
            &remaining_chart(&history, "k", "calls", Tz::UTC),
            &Palette::DARK,
        )
        .expect("renders");
        assert!(svg.contains("No data in this range"));
        assert!(svg.contains("No remaining figures"));
    }

    fn labels(ticks: &[i64], tz: Tz, format: &str) -> Vec<String> {
        ticks
            .iter()
            .map(|t| {
                DateTime::from_timestamp(*t, 0)
                    .expect("time")
                    .with_timezone(&tz)
                    .format(format)
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn hour_ticks_fall_on_local_round_hours_even_at_half_hour_offsets() {
        let t = |text: &str| at(text).timestamp();
        let kolkata = chrono_tz::Asia::Kolkata;
        let ticks = time_ticks(
            t("2026-06-01T10:20:00Z"),
            t("2026-06-02T10:20:00Z"),
            kolkata,
        );
        // 24 hours: every 6 local hours, which in UTC are at half past.
        assert_eq!(
            labels(&ticks, kolkata, "%H:%M"),
            ["18:00", "00:00", "06:00", "12:00"]
        );
        assert!(
            ticks.iter().all(|t| t.rem_euclid(3_600) == 1_800),
            "{ticks:?}"
        );
        assert_eq!(
            axis_time(ticks[1], TimeDelta::hours(24), kolkata),
            "00:00",
            "labels are local too"
        );
        assert_eq!(
            DateTime::from_timestamp(ticks[1], 0).expect("time"),
            at("2026-06-01T18:30:00Z")
        );
    }

    #[test]
    fn ticks_and_days_follow_daylight_saving_changes() {
        let t = |text: &str| at(text).timestamp();
        let new_york = chrono_tz::America::New_York;
        // US clocks go back on Sunday 1 Nov 2026 at 02:00 EDT (06:00 UTC).
        let ticks = time_ticks(
            t("2026-10-31T12:00:00Z"),
            t("2026-11-02T12:00:00Z"),
            new_york,
        );
        assert_eq!(
            labels(&ticks, new_york, "%d %H:%M %Z"),
            [
                "31 12:00 EDT",
                "01 00:00 EDT",
                "01 12:00 EST",
                "02 00:00 EST"
            ]
        );
        // Midnight is 04:00 UTC before the change and 05:00 UTC after it.
        assert_eq!(ticks[1], t("2026-11-01T04:00:00Z"));
        assert_eq!(ticks[3], t("2026-11-02T05:00:00Z"));

        // Local midnights over a week that spans the change.
        let days = time_ticks(
            t("2026-10-28T12:00:00Z"),
            t("2026-11-04T12:00:00Z"),
            new_york,
        );
        assert!(days.len() >= 3, "{days:?}");
        assert!(
            labels(&days, new_york, "%H:%M")
                .iter()
                .all(|l| l == "00:00"),
            "{days:?}"
        );
        let utc_hours = labels(&days, Tz::UTC, "%H");
        assert_eq!(utc_hours.first().map(String::as_str), Some("04"));
        assert_eq!(utc_hours.last().map(String::as_str), Some("05"));

        // The day of the change is 25 hours long, and its bar covers all of it.
        let sunday = Bucket::Day.start(at("2026-11-01T15:00:00Z"), new_york);
        assert_eq!(sunday, at("2026-11-01T04:00:00Z"));
        assert_eq!(
            Bucket::Day.next(sunday, new_york) - sunday,
            TimeDelta::hours(25)
        );
        // The spring change (8 March 2026) makes a 23-hour day.
        let march = Bucket::Day.start(at("2026-03-08T15:00:00Z"), new_york);
        assert_eq!(
            Bucket::Day.next(march, new_york) - march,
            TimeDelta::hours(23)
        );
    }

    #[test]
    fn month_ticks_are_local_firsts() {
        let t = |text: &str| at(text).timestamp();
        let berlin = chrono_tz::Europe::Berlin;
        let ticks = time_ticks(t("2025-11-23T12:00:00Z"), t("2026-11-23T12:00:00Z"), berlin);
        assert_eq!(
            labels(&ticks, berlin, "%b %d %H:%M"),
            [
                "Jan 01 00:00",
                "Mar 01 00:00",
                "May 01 00:00",
                "Jul 01 00:00",
                "Sep 01 00:00",
                "Nov 01 00:00"
            ]
        );
        // 1 July 00:00 in Berlin (summer time) is 22:00 UTC the day before.
        assert!(ticks.contains(&t("2026-06-30T22:00:00Z")));
    }

    #[test]
    fn consumption_is_summed_per_local_day() {
        let tokyo = chrono_tz::Asia::Tokyo;
        let june = "2026-06-01T00:00:00Z";
        // 14:00 UTC is 23:00 in Tokyo, 16:00 UTC is 01:00 the next day there.
        let points = vec![
            point(at("2026-06-10T14:00:00Z"), 100, june),
            point(at("2026-06-10T16:00:00Z"), 160, june),
            point(at("2026-06-11T16:00:00Z"), 200, june),
        ];
        let daily = consumption(&points, Bucket::Day, tokyo);
        assert_eq!(
            daily,
            vec![
                (at("2026-06-10T15:00:00Z").timestamp(), 60.0),
                (at("2026-06-11T15:00:00Z").timestamp(), 40.0)
            ]
        );
        // In UTC the first two readings share a day.
        let utc = consumption(&points, Bucket::Day, Tz::UTC);
        assert_eq!(utc, vec![(at("2026-06-11T00:00:00Z").timestamp(), 40.0)]);
    }

    #[test]
    fn the_description_and_axis_name_the_time_zone() {
        let history = History {
            resolution: Resolution::Raw,
            from: at("2026-06-01T00:00:00Z"),
            to: at("2026-06-02T00:00:00Z"),
            points: (0..24)
                .map(|h| {
                    point(
                        at("2026-06-01T00:00:00Z") + TimeDelta::hours(h),
                        h * 3,
                        "2026-06-01T00:00:00Z",
                    )
                })
                .collect(),
        };
        let kolkata = chrono_tz::Asia::Kolkata;
        let data = remaining_chart(&history, "k", "calls", kolkata);
        assert!(
            data.desc
                .contains("from 1 Jun 2026 05:30 to 2 Jun 2026 05:30 (Asia/Kolkata)"),
            "{}",
            data.desc
        );
        let svg = render(&data, &Palette::LIGHT).expect("renders");
        assert!(svg.contains("time (Asia/Kolkata)"), "{svg}");
        let bars = consumption_chart(&history, "k", "calls", kolkata);
        assert_eq!(
            bars.shape,
            Shape::Bars {
                bucket: Bucket::Hour
            }
        );
        // Local hours start at half past in UTC.
        assert!(bars.points.iter().all(|p| p.0.rem_euclid(3_600) == 1_800));
    }
}
