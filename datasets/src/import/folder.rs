//! ImageFolder layout: `root/<class>/*.png|jpg`, or `root/<split>/<class>/*`.

use std::path::{Path, PathBuf};

use super::{Input, InputImage, InputPixels, InputSplit};
use crate::error::{Error, Result};

const SPLIT_NAMES: [&str; 4] = ["train", "test", "validation", "val"];
const EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "bmp"];

/// Reads an image folder. Class names are the class directories' names, sorted; with split
/// directories every split must hold the same classes.
pub fn read_folder(root: &Path) -> Result<Input> {
    let top = subdirectories(root)?;
    if top.is_empty() {
        return Err(Error::invalid(
            root,
            "holds no class directories; expected root/<class>/*.png or root/<split>/<class>/*.png",
        ));
    }
    let split_layout = top
        .iter()
        .all(|d| SPLIT_NAMES.contains(&name_of(d).as_str()));
    let split_dirs: Vec<(String, PathBuf)> = if split_layout {
        top.into_iter().map(|d| (name_of(&d), d)).collect()
    } else {
        vec![("train".to_string(), root.to_path_buf())]
    };

    let mut classes: Option<Vec<String>> = None;
    let mut splits = Vec::new();
    for (split, dir) in split_dirs {
        let class_dirs = subdirectories(&dir)?;
        let names: Vec<String> = class_dirs.iter().map(|d| name_of(d)).collect();
        match &classes {
            None => classes = Some(names.clone()),
            Some(known) if *known != names => {
                return Err(Error::invalid(
                    &dir,
                    format!(
                        "has classes {} but another split has {}",
                        names.join(", "),
                        known.join(", ")
                    ),
                ));
            }
            Some(_) => {}
        }
        let mut images = Vec::new();
        for (label, class_dir) in class_dirs.iter().enumerate() {
            for file in image_files(class_dir)? {
                let origin = file
                    .strip_prefix(root)
                    .unwrap_or(&file)
                    .display()
                    .to_string();
                images.push(InputImage {
                    pixels: InputPixels::File(file.clone()),
                    label: label as u32,
                    origin,
                });
            }
        }
        if images.is_empty() {
            return Err(Error::invalid(&dir, "holds no .png/.jpg/.jpeg/.bmp images"));
        }
        splits.push(InputSplit {
            name: normalise_split(&split),
            images,
        });
    }
    Ok(Input {
        classes: classes.unwrap_or_default(),
        splits,
        from: root.display().to_string(),
        problems: Vec::new(),
    })
}

fn normalise_split(name: &str) -> String {
    if name == "val" {
        "validation".into()
    } else {
        name.into()
    }
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn subdirectories(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Err(Error::invalid(dir, "no such directory"));
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && !name_of(p).starts_with('.'))
        .collect();
    dirs.sort();
    Ok(dirs)
}

pub(super) fn image_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        })
        .collect();
    // Sorted, so the row order (and so the shards) does not depend on the file system.
    files.sort();
    Ok(files)
}
