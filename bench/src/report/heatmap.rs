//! The heatmap of FT − SM: a row per (pair, architecture), a column per mixed share, red where
//! FT is ahead, blue where SM is, the deeper the larger the difference; `*` marks a difference
//! whose 95 % interval excludes 0. Written as plain SVG.

use std::fmt::Write as _;

use super::plot::COLORS;
use super::tables::escape;
use crate::analysis::groups::Comparison;
use crate::analysis::groups::Group;
use datasets::point::Point;

const CELL: (i32, i32) = (64, 26);
const LABEL_WIDTH: i32 = 120;
const HEADER: i32 = 40;
const MIN_WIDTH: i32 = 620;

/// The heatmap's SVG, or `None` when no group has a mixed share with both strategies.
pub fn heatmap_svg(groups: &[Group]) -> Option<String> {
    let mut shares: Vec<Point> = groups
        .iter()
        .flat_map(|g| g.mixed_shares(Comparison::FT_SM))
        .collect();
    shares.sort_unstable();
    shares.dedup();
    if shares.is_empty() {
        return None;
    }
    let cells: Vec<Vec<Option<_>>> = groups
        .iter()
        .map(|g| {
            shares
                .iter()
                .map(|&k| g.difference(k, Comparison::FT_SM))
                .collect()
        })
        .collect();
    // The colour scale: the largest difference shown, at least one point of accuracy.
    let scale = cells
        .iter()
        .flatten()
        .flatten()
        .map(|d| d.stat.mean.abs())
        .fold(0.01, f64::max);
    // Wide enough for the legend line even with few shares.
    let width = (LABEL_WIDTH + CELL.0 * shares.len() as i32 + 8).max(MIN_WIDTH);
    let height = HEADER + CELL.1 * groups.len() as i32 + 24;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"11\">\n"
    );
    let _ = writeln!(
        svg,
        "<text x=\"4\" y=\"14\">FT − SM by synthetic share (red: FT ahead, blue: SM \
         ahead, *: 95 % CI excludes 0)</text>"
    );
    for (c, k) in shares.iter().enumerate() {
        let x = LABEL_WIDTH + CELL.0 * c as i32 + CELL.0 / 2;
        let _ = writeln!(
            svg,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{:.2}</text>",
            HEADER - 6,
            k.value().as_f64()
        );
    }
    for (r, (group, row)) in groups.iter().zip(&cells).enumerate() {
        let y = HEADER + CELL.1 * r as i32;
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} — {}</text>",
            LABEL_WIDTH - 6,
            y + CELL.1 / 2 + 4,
            escape(&group.pair),
            group.model
        );
        for (c, cell) in row.iter().enumerate() {
            let x = LABEL_WIDTH + CELL.0 * c as i32;
            let (fill, label) = match cell {
                Some(d) => {
                    let mark = if d.significant() { "*" } else { "" };
                    (
                        colour(d.stat.mean / scale),
                        format!("{:+.3}{mark}", d.stat.mean),
                    )
                }
                None => ("#eeeeee".to_string(), "–".to_string()),
            };
            let _ = writeln!(
                svg,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" \
                 stroke=\"white\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{label}</text>",
                CELL.0,
                CELL.1,
                x + CELL.0 / 2,
                y + CELL.1 / 2 + 4
            );
        }
    }
    let _ = writeln!(
        svg,
        "<text x=\"{LABEL_WIDTH}\" y=\"{}\">colour scale: ±{scale:.3} at full depth</text>\n</svg>",
        height - 6
    );
    Some(svg)
}

/// White at 0, towards FT's plot colour for positive `t`, SM's for negative; `t` in [-1, 1].
fn colour(t: f64) -> String {
    let [sm, ft, _] = COLORS;
    let strategy = if t >= 0.0 { ft } else { sm };
    let (r, g, b) = (strategy.0, strategy.1, strategy.2);
    // At most 70 % of the way, so the text on the deepest cells stays readable.
    let depth = 0.7 * t.abs().min(1.0);
    let mix = |c: u8| (255.0 + (c as f64 - 255.0) * depth).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(r), mix(g), mix(b))
}
