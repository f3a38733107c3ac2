//! The report as Markdown and as self-contained HTML, written side by side.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use base64::prelude::{BASE64_STANDARD, Engine as _};

use super::plot::{plot_png, plot_svg};
use super::tables::{self, escape, group_table};
use super::{samples, words};
use crate::analysis::groups::Group;

/// The report as markdown and as HTML, written side by side.
pub struct Doc {
    pub md: String,
    pub html: String,
}

impl Default for Doc {
    fn default() -> Doc {
        Doc::titled("synmix benchmark report")
    }
}

impl Doc {
    /// An empty document whose HTML page is titled `title`.
    pub fn titled(title: &str) -> Doc {
        Doc {
            md: String::new(),
            html: format!("{HTML_HEAD_START}{}{HTML_HEAD_END}", escape(title)),
        }
    }

    pub fn heading(&mut self, level: usize, text: &str) {
        let _ = writeln!(self.md, "{} {text}\n", "#".repeat(level));
        let _ = writeln!(self.html, "<h{level}>{}</h{level}>", escape(text));
    }

    pub fn paragraph(&mut self, text: &str) {
        let _ = writeln!(self.md, "{text}\n");
        let _ = writeln!(self.html, "<p>{}</p>", escape(text));
    }

    pub fn list(&mut self, lines: &[String]) {
        self.html.push_str("<ul>\n");
        for line in lines {
            let _ = writeln!(self.md, "- {line}");
            let _ = writeln!(self.html, "<li>{}</li>", escape(line));
        }
        self.md.push('\n');
        self.html.push_str("</ul>\n");
    }

    pub fn table(&mut self, table: &tables::Table) {
        let _ = writeln!(self.md, "{}", table.markdown());
        let _ = writeln!(self.html, "{}", table.html());
    }

    /// A plot: linked from the markdown, inlined in the HTML.
    pub fn figure(&mut self, file: &str, title: &str, svg: &str) {
        let _ = writeln!(self.md, "![{title}]({file})\n");
        let _ = writeln!(self.html, "<figure>{svg}</figure>");
    }

    /// A group's section: its plot (written under `plots_dir` as `stem`.svg and .png), its
    /// table and its summary lines.
    pub fn group(
        &mut self,
        group: &Group,
        plots_dir: &Path,
        stem: &str,
        title: &str,
    ) -> Result<()> {
        let svg = plot_svg(group)?;
        write_file(&plots_dir.join(format!("{stem}.svg")), &svg)?;
        plot_png(group, &plots_dir.join(format!("{stem}.png")))?;
        self.heading(3, title);
        self.figure(&format!("plots/{stem}.svg"), title, &svg);
        self.table(&group_table(group));
        self.list(&words::summary_lines(group));
        Ok(())
    }

    /// A pair's sample strip: linked from the markdown, inlined as PNG data in the HTML.
    pub fn image(&mut self, pair: &str, strip: &samples::SampleStrip, bench: &Path) -> Result<()> {
        let bytes = std::fs::read(&strip.png)
            .with_context(|| format!("{}: cannot read", strip.png.display()))?;
        let file = strip.png.strip_prefix(bench).unwrap_or(&strip.png);
        let classes = strip.classes.join(", ");
        let _ = writeln!(
            self.md,
            "**{pair}** ({classes})\n\n![{pair}]({})\n",
            file.display()
        );
        let _ = writeln!(
            self.html,
            "<figure class=\"samples\"><figcaption><b>{}</b>: {}</figcaption>\
             <img alt=\"{} samples\" src=\"data:image/png;base64,{}\"></figure>",
            escape(pair),
            escape(&classes),
            escape(pair),
            BASE64_STANDARD.encode(bytes)
        );
        Ok(())
    }
}

const HTML_HEAD_START: &str = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>";
const HTML_HEAD_END: &str = "</title>\n\
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}\
th{background:#f4f4f4}figure{margin:1em 0}svg{max-width:100%;height:auto}\
figure.samples img{image-rendering:pixelated;width:100%;max-width:640px}</style></head><body>\n";

/// Writes a file of the report whole (a reader, or a partial report written again, never sees
/// half of one).
pub fn write_file(path: &Path, text: &str) -> Result<()> {
    datasets::atomic::write_atomic(path, text.as_bytes())
        .with_context(|| format!("{}: cannot write", path.display()))
}
