//! Split list files (the DomainNet layout): `<domain>_train.txt` and `<domain>_test.txt`,
//! each line an image path relative to the image root and an integer label; the class names
//! are the names of the folders the images lie in.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Input, InputImage, InputPixels, InputSplit, Problem};
use crate::error::{Error, Result};

/// Where a list-file dataset lies.
#[derive(Debug, Clone)]
pub struct SplitLists {
    /// The directory the listed paths are relative to.
    pub root: PathBuf,
    /// `(split, list file)`, in split order.
    pub lists: Vec<(String, PathBuf)>,
}

impl SplitLists {
    /// DomainNet's naming: `<dir>/<domain>_train.txt` and `<dir>/<domain>_test.txt`.
    pub fn domain(root: &Path, lists_dir: &Path, domain: &str) -> SplitLists {
        SplitLists {
            root: root.to_path_buf(),
            lists: ["train", "test"]
                .map(|split| {
                    (
                        split.to_string(),
                        lists_dir.join(format!("{domain}_{split}.txt")),
                    )
                })
                .to_vec(),
        }
    }
}

/// One line of a list file.
struct Entry {
    path: String,
    label: u32,
}

/// Reads the lists. A malformed line, or a label whose images lie in folders of different
/// names, is an error naming the list and line; a listed image that is missing is a
/// [`Problem`].
pub fn read_split_lists(lists: &SplitLists) -> Result<Input> {
    // Per label, its folder name and where that was first seen.
    let mut names: Vec<Option<(String, String)>> = Vec::new();
    let mut parsed = Vec::new();
    for (split, list) in &lists.lists {
        let text = std::fs::read_to_string(list).map_err(|e| Error::io(list, e))?;
        let mut entries = Vec::new();
        for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
            if line.is_empty() {
                continue;
            }
            let entry = parse_line(line).ok_or_else(|| {
                Error::invalid(
                    list,
                    format!(
                        "line {number}: '{line}' is not `<relative image path> <integer label>`"
                    ),
                )
            })?;
            let folder = Path::new(&entry.path)
                .parent()
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| {
                    Error::invalid(
                        list,
                        format!(
                            "line {number}: '{}' lies in no class folder (expected <class>/<image>)",
                            entry.path
                        ),
                    )
                })?;
            let at = entry.label as usize;
            if names.len() <= at {
                names.resize(at + 1, None);
            }
            let here = format!("{} line {number}", list.display());
            match &names[at] {
                None => names[at] = Some((folder, here)),
                Some((known, first)) if *known != folder => {
                    return Err(Error::invalid(
                        list,
                        format!(
                            "line {number}: label {} is class '{known}' at {first} but '{folder}' here; the labels and folders disagree",
                            entry.label
                        ),
                    ));
                }
                Some(_) => {}
            }
            entries.push(entry);
        }
        parsed.push((split.clone(), list, entries));
    }
    let mut classes = Vec::with_capacity(names.len());
    for (label, name) in names.into_iter().enumerate() {
        let Some((name, _)) = name else {
            return Err(Error::invalid(
                &lists.lists[0].1,
                format!("no list has an image of label {label}, so that class has no name"),
            ));
        };
        if let Some(other) = classes.iter().position(|c| *c == name) {
            return Err(Error::invalid(
                &lists.lists[0].1,
                format!("labels {other} and {label} both lie in folders named '{name}'"),
            ));
        }
        classes.push(name);
    }

    let mut splits = Vec::new();
    let mut problems = Vec::new();
    for (split, list, entries) in parsed {
        let present: Vec<bool> = entries
            .par_iter()
            .map(|e| lists.root.join(&e.path).is_file())
            .collect();
        let list_name = list
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut images = Vec::with_capacity(entries.len());
        for (entry, present) in entries.into_iter().zip(present) {
            if present {
                images.push(InputImage {
                    pixels: InputPixels::File(lists.root.join(&entry.path)),
                    label: entry.label,
                    origin: entry.path,
                });
            } else {
                problems.push(Problem {
                    file: entry.path,
                    reason: format!("listed in {list_name} but missing"),
                });
            }
        }
        splits.push(InputSplit {
            name: split,
            images,
        });
    }
    Ok(Input {
        classes,
        splits,
        from: lists.root.display().to_string(),
        problems,
    })
}

/// `path label`: the label is the last word, so a path may hold spaces.
fn parse_line(line: &str) -> Option<Entry> {
    let (path, label) = line.rsplit_once(char::is_whitespace)?;
    let path = path.trim();
    if path.is_empty() {
        return None;
    }
    Some(Entry {
        path: path.to_string(),
        label: label.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(dir: &Path, train: &str, test: &str) -> SplitLists {
        for folder in ["real/cat", "real/dog"] {
            std::fs::create_dir_all(dir.join(folder)).unwrap();
        }
        for file in ["real/cat/1.jpg", "real/dog/2.jpg", "real/dog/3.jpg"] {
            std::fs::write(dir.join(file), b"x").unwrap();
        }
        std::fs::write(dir.join("real_train.txt"), train).unwrap();
        std::fs::write(dir.join("real_test.txt"), test).unwrap();
        SplitLists::domain(dir, dir, "real")
    }

    #[test]
    fn classes_come_from_the_folders_and_missing_images_are_problems() {
        let tmp = tempfile::tempdir().unwrap();
        let lists = layout(
            tmp.path(),
            "real/dog/2.jpg 1\nreal/cat/1.jpg 0\n\n",
            "real/dog/3.jpg 1\nreal/dog/4.jpg 1\n",
        );
        let input = read_split_lists(&lists).unwrap();
        assert_eq!(input.classes, ["cat", "dog"]);
        assert_eq!(input.splits[0].images.len(), 2);
        assert_eq!(input.splits[0].images[0].label, 1);
        assert_eq!(input.splits[1].images.len(), 1);
        assert_eq!(
            input.problems,
            [Problem {
                file: "real/dog/4.jpg".into(),
                reason: "listed in real_test.txt but missing".into()
            }]
        );
    }

    #[test]
    fn bad_lines_and_disagreeing_labels_name_the_line() {
        let tmp = tempfile::tempdir().unwrap();
        let err = |train: &str| {
            read_split_lists(&layout(tmp.path(), train, "real/dog/3.jpg 1\n"))
                .unwrap_err()
                .to_string()
        };
        let e = err("real/cat/1.jpg 0\nreal/dog/2.jpg\n");
        assert!(
            e.contains("real_train.txt: line 2: 'real/dog/2.jpg' is not"),
            "{e}"
        );
        let e = err("real/cat/1.jpg 0\nreal/dog/2.jpg 0\n");
        assert!(
            e.contains("line 2: label 0 is class 'cat'") && e.contains("but 'dog' here"),
            "{e}"
        );
        let e = err("real/cat/1.jpg 0\nreal/dog/2.jpg 3\n");
        assert!(e.contains("label 2, so that class has no name"), "{e}");
        let e = err("1.jpg 0\n");
        assert!(e.contains("lies in no class folder"), "{e}");
        let missing = SplitLists::domain(tmp.path(), tmp.path(), "sketch");
        assert!(
            read_split_lists(&missing)
                .unwrap_err()
                .to_string()
                .contains("sketch_train.txt")
        );
    }
}
