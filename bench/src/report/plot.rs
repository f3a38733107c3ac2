//! The plots of (pair, architecture) groups with plotters: accuracy against the synthetic share
//! (or, in the added-synthetic regime, against the multiple k of the real rows added),
//! one group as SVG (text left to the viewer) and PNG (text rasterised with a system font, if one
//! is found), and every group in one SVG of small multiples, a row per pair on a shared y axis.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Result, anyhow};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::analysis::groups::Group;
use crate::analysis::groups::upper;
use crate::analysis::stats::Stat;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 400;
/// One panel of the small multiples.
const PANEL: (u32, u32) = (320, 220);
/// The strategies' colours: SM blue, FT red.
/// One per strategy, in the order of a group's series: SM, FT, the ramp.
pub const COLORS: [RGBColor; 3] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
];

/// A font for bitmap text, if the system has one: plotters rasterises PNG text with ab_glyph and
/// needs font bytes, which no crate here ships. SVG text needs none (the viewer renders it).
fn bitmap_font() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        let candidates = std::env::var_os("SYNMIX_FONT")
            .map(PathBuf::from)
            .into_iter()
            .chain(
                [
                    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                    "/usr/share/fonts/TTF/DejaVuSans.ttf",
                    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
                    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
                    "/System/Library/Fonts/Supplemental/Arial.ttf",
                    "C:\\Windows\\Fonts\\arial.ttf",
                ]
                .into_iter()
                .map(PathBuf::from),
            );
        candidates
            .filter_map(|path| std::fs::read(path).ok())
            .any(|bytes| {
                // Registered fonts live for the whole process.
                plotters::style::register_font(
                    "sans-serif",
                    FontStyle::Normal,
                    Box::leak(bytes.into_boxed_slice()),
                )
                .is_ok()
            })
    })
}

/// The plot of a group as SVG text (inlined in the HTML report and written beside it).
pub fn plot_svg(group: &Group) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw_plot(&root, group, y_range(&[group]), true, &title(group))
            .map_err(|e| anyhow!("plotting {}: {e}", group.pair))?;
        root.present()
            .map_err(|e| anyhow!("plotting {}: {e}", group.pair))?;
    }
    Ok(svg)
}

/// The plot of a group as a PNG file; its text is left out where the system has no font.
pub fn plot_png(group: &Group, path: &Path) -> Result<()> {
    let root = BitMapBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    let failed = |e| anyhow!("{}: {e}", path.display());
    let range = y_range(&[group]);
    draw_plot(&root, group, range, bitmap_font(), &title(group)).map_err(failed)?;
    root.present().map_err(failed)
}

fn title(group: &Group) -> String {
    format!(
        "{} — {}: real-test accuracy vs {} (±1 std)",
        group.pair,
        group.model,
        axis_title(group)
    )
}

fn axis_title(group: &Group) -> &'static str {
    match group.regime {
        datasets::point::Regime::FixedSize => "synthetic share",
        datasets::point::Regime::AddedSynthetic => "k = synthetic rows per real row",
    }
}

/// Every group in one SVG: a row per pair, a column per architecture, the panels of a row on
/// one y range so that their heights compare.
pub fn grid_svg(groups: &[Group]) -> Result<String> {
    let mut rows: Vec<Vec<&Group>> = Vec::new();
    for group in groups {
        match rows.last_mut() {
            Some(row) if row[0].pair == group.pair => row.push(group),
            _ => rows.push(vec![group]),
        }
    }
    let columns = rows.iter().map(Vec::len).max().unwrap_or(1);
    let mut svg = String::new();
    {
        let size = (PANEL.0 * columns as u32, PANEL.1 * rows.len() as u32);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let failed = |e| anyhow!("plotting the grid: {e}");
        root.fill(&WHITE).map_err(failed)?;
        let panels = root.split_evenly((rows.len(), columns));
        for (r, row) in rows.iter().enumerate() {
            let range = y_range(row);
            for (c, group) in row.iter().enumerate() {
                let title = format!("{} — {}", group.pair, group.model);
                draw_plot(&panels[r * columns + c], group, range, true, &title).map_err(failed)?;
            }
        }
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// Accuracy against share (or k): per strategy a ±1 std band, the mean line with markers and the best
/// fitted curve (thin). Drawn in pixel coordinates with text only where `text` is set, so the
/// same code serves the SVG (text always) and the PNG (text when a font was found).
fn draw_plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    group: &Group,
    (lo, hi): (f64, f64),
    text: bool,
    title: &str,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (width, height) = root.dim_in_pixel();
    // The frame inside the area; a small panel gets smaller margins and text.
    let small = width < WIDTH;
    let (left, top, right, bottom) = if small {
        (44, 26, width as i32 - 10, height as i32 - 34)
    } else {
        (64, 36, width as i32 - 16, height as i32 - 44)
    };
    let (label, heading) = if small { (10, 12) } else { (12, 14) };
    let end = group.axis_end();
    let px = |x: f64| left + ((right - left) as f64 * x / end).round() as i32;
    let py = |a: f64| {
        bottom - ((bottom - top) as f64 * (a.clamp(lo, hi) - lo) / (hi - lo)).round() as i32
    };
    let grid = RGBColor(220, 220, 220);
    let style = |size: i32, anchor: Pos| ("sans-serif", size).into_font().color(&BLACK).pos(anchor);

    for i in 0..=5 {
        let (x, a) = (end * i as f64 / 5.0, lo + (hi - lo) * i as f64 / 5.0);
        root.draw(&PathElement::new(vec![(px(x), top), (px(x), bottom)], grid))?;
        root.draw(&PathElement::new(vec![(left, py(a)), (right, py(a))], grid))?;
        if text {
            root.draw(&Text::new(
                format!("{x:.1}"),
                (px(x), bottom + 6),
                style(label, Pos::new(HPos::Center, VPos::Top)),
            ))?;
            root.draw(&Text::new(
                format!("{a:.2}"),
                (left - 6, py(a)),
                style(label, Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
    }
    root.draw(&Rectangle::new([(left, top), (right, bottom)], BLACK))?;

    for (series, color) in group.series.iter().zip(COLORS) {
        let stats: Vec<(f64, Stat)> = series
            .by_share
            .iter()
            .map(|(&k, &s)| (k.value().as_f64(), s))
            .collect();
        if stats.is_empty() {
            continue;
        }
        let band: Vec<(i32, i32)> = stats
            .iter()
            .map(|(r, s)| (px(*r), py(s.mean + s.std)))
            .chain(
                stats
                    .iter()
                    .rev()
                    .map(|(r, s)| (px(*r), py(s.mean - s.std))),
            )
            .collect();
        root.draw(&Polygon::new(band, color.mix(0.18).filled()))?;
        if let Some(fit) = series.best_fit() {
            let curve: Vec<_> = (0..=50)
                .map(|i| i as f64 / 50.0)
                .map(|r| (px(r), py(fit.eval(r))))
                .collect();
            root.draw(&PathElement::new(curve, color.mix(0.6).stroke_width(1)))?;
        }
        root.draw(&PathElement::new(
            stats
                .iter()
                .map(|(r, s)| (px(*r), py(s.mean)))
                .collect::<Vec<_>>(),
            color.stroke_width(2),
        ))?;
        for (r, s) in &stats {
            root.draw(&Circle::new((px(*r), py(s.mean)), 3, color.filled()))?;
        }
    }

    // Legend swatches (always) and their names, axis titles and the title (with text).
    for (i, (series, color)) in group.series.iter().zip(COLORS).enumerate() {
        let y = top + 14 + 18 * i as i32;
        root.draw(&PathElement::new(
            vec![(right - 70, y), (right - 46, y)],
            color.stroke_width(3),
        ))?;
        if text {
            let name = upper(series.strategy);
            root.draw(&Text::new(
                name,
                (right - 40, y),
                style(label, Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
    }
    if text {
        root.draw(&Text::new(
            title,
            ((left + right) / 2, 8),
            style(heading, Pos::new(HPos::Center, VPos::Top)),
        ))?;
        root.draw(&Text::new(
            axis_title(group),
            ((left + right) / 2, bottom + 20),
            style(label, Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    Ok(())
}

/// Accuracy range shown for some groups: their bands with a margin, at least 0.1 tall, inside
/// [0, 1].
fn y_range(groups: &[&Group]) -> (f64, f64) {
    let stats = groups
        .iter()
        .flat_map(|g| g.series.iter())
        .flat_map(|s| s.by_share.values());
    let (lo, hi) = stats.fold((f64::MAX, f64::MIN), |(lo, hi), s| {
        (lo.min(s.mean - s.std), hi.max(s.mean + s.std))
    });
    if lo > hi {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.1).max(0.05);
    ((lo - pad).max(0.0), (hi + pad).min(1.0))
}
