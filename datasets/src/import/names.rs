//! Classes from file names (the CiFake layout): a directory of images per split whose class
//! is part of each file's name, read out by a regular expression.

use std::path::Path;

use regex::Regex;

use super::folder::image_files;
use super::{ClassMap, Input, InputImage, InputPixels, InputSplit, Problem};
use crate::error::{Error, Result};

/// How a file name gives its class: the rule's capture (the group named `class`, else the
/// first group) is a key of the class list. A list of names (`a,b`) has the names as keys;
/// a mapping (`1=cat,2=dog`) maps keys onto names, several keys may share one, and an empty
/// key (`=plane`) is the class of names where an optional group took no part.
#[derive(Debug, Clone)]
pub struct NameRule {
    pattern: Regex,
    /// Output class names, in order.
    classes: Vec<String>,
    /// Key → label.
    keys: Vec<(String, u32)>,
}

impl NameRule {
    /// Errors name the option (`name_rule`, `name_classes`) they come from.
    pub fn new(pattern: &str, classes: &ClassMap) -> Result<NameRule> {
        let pattern = Regex::new(pattern).map_err(|e| {
            Error::setting(
                "name_rule",
                format!("is not a regular expression: {}", one_line(&e.to_string())),
            )
        })?;
        if pattern.captures_len() < 2 {
            return Err(Error::setting(
                "name_rule",
                format!(
                    "'{pattern}' has no capture group; put the class part in parentheses, as in '_(\\w+)\\.png$'"
                ),
            ));
        }
        let pairs: Vec<(String, String)> = match classes {
            ClassMap::Names(names) => names.iter().map(|n| (n.clone(), n.clone())).collect(),
            ClassMap::Map(pairs) => pairs.clone(),
        };
        let mut names: Vec<String> = Vec::new();
        let mut keys = Vec::new();
        for (key, name) in pairs {
            if keys.iter().any(|(k, _)| *k == key) {
                return Err(Error::setting(
                    "name_classes",
                    format!("names the key '{key}' twice"),
                ));
            }
            let label = match names.iter().position(|n| *n == name) {
                Some(at) => at,
                None => {
                    names.push(name);
                    names.len() - 1
                }
            };
            keys.push((key, label as u32));
        }
        Ok(NameRule {
            pattern,
            classes: names,
            keys,
        })
    }

    /// The label of a file name, or why it has none.
    fn label_of(&self, file_name: &str) -> std::result::Result<u32, String> {
        let captures = self
            .pattern
            .captures(file_name)
            .ok_or_else(|| format!("the name does not match the rule '{}'", self.pattern))?;
        let key = captures
            .name("class")
            .or_else(|| captures.get(1))
            .map_or("", |m| m.as_str());
        self.keys
            .iter()
            .find(|(k, _)| k == key)
            .map(|&(_, label)| label)
            .ok_or_else(|| {
                let known: Vec<String> = self.keys.iter().map(|(k, _)| format!("'{k}'")).collect();
                format!(
                    "the rule gives class '{key}', which is not in the class list ({})",
                    known.join(", ")
                )
            })
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads the images directly inside each `(split, directory)`, sorted by name, labelled by
/// `rule`. A file the rule gives no class is a [`Problem`]: the import names it, or skips it
/// where asked.
pub fn read_named(dirs: &[(&str, &Path)], rule: &NameRule) -> Result<Input> {
    let mut splits = Vec::new();
    let mut problems = Vec::new();
    for &(split, dir) in dirs {
        if !dir.is_dir() {
            return Err(Error::invalid(dir, "no such directory"));
        }
        let mut images = Vec::new();
        let files = image_files(dir)?;
        if files.is_empty() {
            return Err(Error::invalid(dir, "holds no .png/.jpg/.jpeg/.bmp images"));
        }
        for file in files {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let origin = format!("{split}/{name}");
            match rule.label_of(&name) {
                Ok(label) => images.push(InputImage {
                    pixels: InputPixels::File(file),
                    label,
                    origin,
                }),
                Err(reason) => problems.push(Problem {
                    file: file.display().to_string(),
                    reason,
                }),
            }
        }
        splits.push(InputSplit {
            name: split.to_string(),
            images,
        });
    }
    let from: Vec<String> = dirs.iter().map(|(_, d)| d.display().to_string()).collect();
    Ok(Input {
        classes: rule.classes.clone(),
        splits,
        from: from.join(", "),
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pattern: &str, classes: &str) -> NameRule {
        NameRule::new(pattern, &classes.parse().unwrap()).unwrap()
    }

    #[test]
    fn the_capture_names_the_class_and_an_absent_group_is_the_empty_key() {
        let cifake = rule(r"^\d+(?: \((\d+)\))?\.jpg$", "=plane,2=car,3=car");
        assert_eq!(cifake.classes, ["plane", "car"]);
        assert_eq!(cifake.label_of("0001.jpg"), Ok(0));
        assert_eq!(cifake.label_of("0001 (2).jpg"), Ok(1));
        assert_eq!(cifake.label_of("0001 (3).jpg"), Ok(1));
        let err = cifake.label_of("0001 (9).jpg").unwrap_err();
        assert!(
            err.contains("class '9'") && err.contains("('', '2', '3')"),
            "{err}"
        );
        assert!(
            cifake
                .label_of("x.png")
                .unwrap_err()
                .contains("does not match")
        );

        let named = rule(r"_(?P<class>[a-z]+)_\d+", "cat,dog");
        assert_eq!(named.label_of("img_dog_7.png"), Ok(1));
    }

    #[test]
    fn a_rule_without_a_group_or_with_a_key_twice_is_refused() {
        let list: ClassMap = "a,b".parse().unwrap();
        let err = NameRule::new(r"\d+", &list).unwrap_err().to_string();
        assert!(
            err.starts_with("name_rule:") && err.contains("no capture group"),
            "{err}"
        );
        assert!(
            NameRule::new("(", &list)
                .unwrap_err()
                .to_string()
                .starts_with("name_rule:")
        );
        let twice: ClassMap = "1=a,1=b".parse().unwrap();
        let err = NameRule::new("(1)", &twice).unwrap_err().to_string();
        assert!(
            err.contains("name_classes") && err.contains("'1' twice"),
            "{err}"
        );
    }
}
