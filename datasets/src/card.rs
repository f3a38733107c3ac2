//! The Hugging Face dataset card (`README.md`) whose YAML front matter lets the directory
//! load with `datasets.load_dataset(DIR)` as it is.

use std::fmt::Write;

use crate::manifest::Manifest;

pub const CARD_FILE: &str = "README.md";

pub fn render(manifest: &Manifest) -> String {
    let mut yaml = String::from("---\ndataset_info:\n  features:\n");
    yaml.push_str("  - name: image\n    dtype: image\n");
    yaml.push_str("  - name: label\n    dtype:\n      class_label:\n        names:\n");
    for (i, name) in manifest.classes.iter().enumerate() {
        let _ = writeln!(yaml, "          '{i}': {}", yaml_string(name));
    }
    for column in ["source", "uid", "meta"] {
        let _ = writeln!(yaml, "  - name: {column}\n    dtype: string");
    }
    yaml.push_str("  splits:\n");
    for (name, split) in &manifest.splits {
        let bytes: u64 = split.shards.iter().map(|s| s.bytes).sum();
        let _ = writeln!(
            yaml,
            "  - name: {name}\n    num_bytes: {bytes}\n    num_examples: {}",
            split.rows
        );
    }
    yaml.push_str("configs:\n- config_name: default\n  data_files:\n");
    for name in manifest.splits.keys() {
        let _ = writeln!(yaml, "  - split: {name}\n    path: data/{name}-*");
    }
    yaml.push_str("---\n\n");

    let mut body = format!("# {}\n\n", manifest.name);
    let _ = writeln!(
        body,
        "A {} image dataset written by synmix {} ({} images, {} classes).\n",
        manifest.source,
        manifest.tool_version,
        manifest.image,
        manifest.classes.len()
    );
    let _ = writeln!(body, "| split | rows | shards |\n|---|---|---|");
    for (name, split) in &manifest.splits {
        let _ = writeln!(body, "| {name} | {} | {} |", split.rows, split.shards.len());
    }
    let _ = writeln!(
        body,
        "\nRecipe: `{}` (seed {:?}). Counts and hashes: `manifest.json`.",
        manifest.recipe.command, manifest.recipe.seed
    );
    yaml + &body
}

/// Quotes a YAML scalar so class names like `T-shirt/top` or `yes` stay strings.
fn yaml_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
