//! A key's history drawn server-side as SVG with plotters.
//!
//! Text is measured with DejaVu Sans committed in `engine/assets/fonts` (plotters'
//! `ab_glyph` backend, no system fonts), so a chart is byte-for-byte the same on
//! every machine. Axis lines and labels use `currentColor` and the series colours
//! come from the theme's palette, so charts read well in light and dark themes.
//! Every chart carries a `<title>` and a `<desc>` that says in words what it shows.

mod lttb;

use std::{fmt::Write as _, sync::OnceLock};

use chrono::{DateTime, Datelike, TimeDelta, Utc};
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
    Bars { width: TimeDelta },
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
}

/// Usage since the start of the current period, over the whole period.
pub fn usage_chart(
    history: &History,
    period: (DateTime<Utc>, DateTime<Utc>),
    label: &str,
    unit: &'static str,
) -> ChartData {
    let (start, end) = period;
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
            "Usage in the billing period from {} to {} (UTC): {} of {} {unit} used ({:.1} %).",
            day(start),
            day(end),
            thousands(*used),
            thousands(limit),
            100.0 * used / limit.max(1.0)
        ),
        (Some((_, used)), None) => format!(
            "Usage in the billing period from {} to {} (UTC): {} {unit} used; no limit known.",
            day(start),
            day(end),
            thousands(*used)
        ),
        (None, _) => format!(
            "No usage readings yet in the billing period from {} to {} (UTC).",
            day(start),
            day(end)
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
    }
}

/// Remaining over the range.
pub fn remaining_chart(history: &History, label: &str, unit: &'static str) -> ChartData {
    let points: Vec<(i64, f64)> = history
        .points
        .iter()
        .filter_map(|p| p.remaining.map(|r| (p.at.timestamp(), r as f64)))
        .collect();
    let desc = match (points.first(), points.last()) {
        (Some((_, first)), Some((_, last))) => format!(
            "Remaining {unit} from {} to {} (UTC): {} at the start, {} at the end, lowest {}.",
            moment(history.from),
            moment(history.to),
            thousands(*first),
            thousands(*last),
            thousands(points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min))
        ),
        _ => format!(
            "No remaining figures from {} to {} (UTC).",
            moment(history.from),
            moment(history.to)
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
    }
}

/// Consumption per bucket (a day, or an hour when the range is a day or less).
pub fn consumption_chart(history: &History, label: &str, unit: &'static str) -> ChartData {
    let bucket = if history.to - history.from <= TimeDelta::hours(48) {
        TimeDelta::hours(1)
    } else {
        TimeDelta::days(1)
    };
    let points = consumption(&history.points, bucket);
    let total: f64 = points.iter().map(|p| p.1).sum();
    let per = if bucket == TimeDelta::hours(1) {
        "hour"
    } else {
        "day"
    };
    let desc = if points.is_empty() {
        format!(
            "Not enough readings from {} to {} (UTC) to tell the consumption per {per}.",
            moment(history.from),
            moment(history.to)
        )
    } else {
        format!(
            "{} {unit} consumed from {} to {} (UTC), {} per {per} at most.",
            thousands(total),
            moment(history.from),
            moment(history.to),
            thousands(points.iter().map(|p| p.1).fold(0.0, f64::max))
        )
    };
    ChartData {
        from: history.from,
        to: history.to,
        shape: if points.len() <= MAX_BARS {
            Shape::Bars { width: bucket }
        } else {
            Shape::Line
        },
        points: thin(points),
        limit: None,
        unit,
        title: format!("{label}: consumption per {per}"),
        desc,
    }
}

/// How much was used in each bucket: the rise of the newest reading from the
/// bucket before; after a period reset, the new period's figure. The first bucket has
/// nothing to compare with and is left out; a falling counter counts as zero.
pub fn consumption(points: &[HistoryPoint], bucket: TimeDelta) -> Vec<(i64, f64)> {
    let width = bucket.num_seconds().max(1);
    let mut last_per_bucket: Vec<(i64, i64, Option<DateTime<Utc>>)> = Vec::new();
    for point in points {
        let Some(used) = point.used else { continue };
        let start = point.at.timestamp().div_euclid(width) * width;
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
        .build_cartesian_2d((x0..x1).with_key_points(time_ticks(x0, x1)), y_min..y_max)
        .map_err(|e| error(&e))?;
    let x_format = |x: &i64| axis_time(*x, span);
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
            "time (UTC)"
        } else {
            "date (UTC)"
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
        Shape::Bars { width } => {
            let w = width.num_seconds();
            let gap = w / 8;
            chart
                .draw_series(data.points.iter().map(|(x, y)| {
                    Rectangle::new([(x + gap, 0.0), (x + w - gap, *y)], palette.series.filled())
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

/// Round times for the x axis, at most about six: whole hours, days, or the 1st
/// of months (UTC).
fn time_ticks(from: i64, to: i64) -> Vec<i64> {
    const HOUR: i64 = 3_600;
    const DAY: i64 = 86_400;
    let span = (to - from).max(1);
    let step = [
        HOUR,
        2 * HOUR,
        3 * HOUR,
        6 * HOUR,
        12 * HOUR,
        DAY,
        2 * DAY,
        7 * DAY,
        14 * DAY,
    ]
    .into_iter()
    .find(|step| span / step <= 6);
    if let Some(step) = step {
        // Weeks start on Monday (1970-01-05 was one; the epoch was a Thursday).
        let offset = if step >= 7 * DAY { 4 * DAY } else { 0 };
        let base = from - offset;
        let first = offset
            + base.div_euclid(step) * step
            + if base.rem_euclid(step) == 0 { 0 } else { step };
        return (0..)
            .map(|i| first + i * step)
            .take_while(|t| *t <= to)
            .collect();
    }
    // Months: every one, two or three, on the 1st.
    let months = if span <= 200 * DAY {
        1
    } else if span <= 400 * DAY {
        2
    } else {
        3
    };
    let Some(start) = DateTime::from_timestamp(from, 0) else {
        return Vec::new();
    };
    let mut tick = start
        .date_naive()
        .with_day(1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or(start);
    let mut ticks = Vec::new();
    while tick.timestamp() <= to {
        if tick.timestamp() >= from && tick.month0().is_multiple_of(months) {
            ticks.push(tick.timestamp());
        }
        tick = tick
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(tick + TimeDelta::days(31));
    }
    ticks
}

fn axis_time(x: i64, span: TimeDelta) -> String {
    let Some(at) = DateTime::from_timestamp(x, 0) else {
        return String::new();
    };
    if span <= TimeDelta::hours(48) {
        at.format("%H:%M").to_string()
    } else if span <= TimeDelta::days(100) {
        at.format("%-d %b").to_string()
    } else {
        at.format("%b %Y").to_string()
    }
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y").to_string()
}

fn moment(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y %H:%M").to_string()
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
        let daily = consumption(&points, TimeDelta::days(1));
        let values: Vec<f64> = daily.iter().map(|p| p.1).collect();
        assert_eq!(values, vec![250.0, 30.0, 0.0]);
        assert_eq!(daily[0].0, at("2026-06-30T00:00:00Z").timestamp());
    }

    #[test]
    fn ticks_fall_on_round_times() {
        let t = |text: &str| at(text).timestamp();
        let hours = time_ticks(t("2026-06-01T10:20:00Z"), t("2026-06-02T10:20:00Z"));
        assert!(hours.len() <= 7 && hours.len() >= 3, "{hours:?}");
        assert!(hours.iter().all(|h| h % 3_600 == 0));
        let months = time_ticks(t("2025-11-23T12:00:00Z"), t("2026-11-23T12:00:00Z"));
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
        let data = usage_chart(&history, period, "Main <OCR> & co", "conversions");
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
        let svg =
            render(&remaining_chart(&history, "k", "calls"), &Palette::DARK).expect("renders");
        assert!(svg.contains("No data in this range"));
        assert!(svg.contains("No remaining figures"));
    }
}
