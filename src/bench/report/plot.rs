//! The plot of a (pair, architecture) group with plotters: accuracy against the synthetic share,
//! as SVG (text left to the viewer) and PNG (text rasterised with a system font, if one is found).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Result, anyhow};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Group;
use super::stats::Stat;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 400;
/// Plot frame inside the image: left, top, right, bottom.
const FRAME: (i32, i32, i32, i32) = (64, 36, 624, 356);
const COLORS: [RGBColor; 2] = [RGBColor(31, 119, 180), RGBColor(214, 39, 40)];

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
        draw_plot(&root, group, true).map_err(|e| anyhow!("plotting {}: {e}", group.pair))?;
        root.present()
            .map_err(|e| anyhow!("plotting {}: {e}", group.pair))?;
    }
    Ok(svg)
}

/// The plot of a group as a PNG file; its text is left out where the system has no font.
pub fn plot_png(group: &Group, path: &Path) -> Result<()> {
    let root = BitMapBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    let failed = |e| anyhow!("{}: {e}", path.display());
    draw_plot(&root, group, bitmap_font()).map_err(failed)?;
    root.present().map_err(failed)
}

/// Accuracy against share: per strategy a ±1 std band, the mean line with markers and the best
/// fitted curve (thin). Drawn in pixel coordinates with text only where `text` is set, so the
/// same code serves the SVG (text always) and the PNG (text when a font was found).
fn draw_plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    group: &Group,
    text: bool,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (left, top, right, bottom) = FRAME;
    let (lo, hi) = y_range(group);
    let px = |r: f64| left + ((right - left) as f64 * r).round() as i32;
    let py = |a: f64| {
        bottom - ((bottom - top) as f64 * (a.clamp(lo, hi) - lo) / (hi - lo)).round() as i32
    };
    let grid = RGBColor(220, 220, 220);
    let style = |size: i32, anchor: Pos| ("sans-serif", size).into_font().color(&BLACK).pos(anchor);

    for i in 0..=5 {
        let r = i as f64 / 5.0;
        let a = lo + (hi - lo) * r;
        root.draw(&PathElement::new(vec![(px(r), top), (px(r), bottom)], grid))?;
        root.draw(&PathElement::new(vec![(left, py(a)), (right, py(a))], grid))?;
        if text {
            root.draw(&Text::new(
                format!("{r:.1}"),
                (px(r), bottom + 6),
                style(12, Pos::new(HPos::Center, VPos::Top)),
            ))?;
            root.draw(&Text::new(
                format!("{a:.2}"),
                (left - 6, py(a)),
                style(12, Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
    }
    root.draw(&Rectangle::new([(left, top), (right, bottom)], BLACK))?;

    for (series, color) in group.series.iter().zip(COLORS) {
        let stats: Vec<(f64, Stat)> = series
            .by_share
            .iter()
            .map(|(&k, &s)| (k.as_f64(), s))
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
            let name = series.strategy.to_string().to_uppercase();
            root.draw(&Text::new(
                name,
                (right - 40, y),
                style(12, Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
    }
    if text {
        let title = format!(
            "{} — {}: real-test accuracy vs synthetic share (±1 std)",
            group.pair, group.model
        );
        root.draw(&Text::new(
            title,
            ((left + right) / 2, 8),
            style(14, Pos::new(HPos::Center, VPos::Top)),
        ))?;
        root.draw(&Text::new(
            "synthetic share",
            ((left + right) / 2, bottom + 24),
            style(12, Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    Ok(())
}

/// Accuracy range shown: the bands with a margin, at least 0.1 tall, inside [0, 1].
fn y_range(group: &Group) -> (f64, f64) {
    let stats = group.series.iter().flat_map(|s| s.by_share.values());
    let (lo, hi) = stats.fold((f64::MAX, f64::MIN), |(lo, hi), s| {
        (lo.min(s.mean - s.std), hi.max(s.mean + s.std))
    });
    if lo > hi {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.1).max(0.05);
    ((lo - pad).max(0.0), (hi + pad).min(1.0))
}
