//! Class options: naming, selecting or merging the classes of an input ([`ClassMap`]), and
//! the one parser of `old=new` class maps, which the mixer's renames use too ([`class_pairs`]).

use std::str::FromStr;

use crate::error::{Error, Result};

/// The parsed classes option: either a list of names (`a,b,c`) or a mapping (`old=new,...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassMap {
    /// Rename the input's classes in order, or, where every name is an input class, keep
    /// just those classes in that order.
    Names(Vec<String>),
    /// Map input classes to output classes (several may share one); unmapped classes are
    /// dropped. Output classes are numbered in order of first appearance.
    Map(Vec<(String, String)>),
}

impl FromStr for ClassMap {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let entries = entries(text, "a,b,c or old=new,...")?;
        let pairs: Option<Vec<(String, String)>> = entries.iter().copied().map(pair).collect();
        if let Some(pairs) = pairs {
            Ok(ClassMap::Map(pairs))
        } else if entries.iter().any(|e| e.contains('=')) {
            Err(format!(
                "'{text}' mixes names and old=new mappings; use one form"
            ))
        } else {
            Ok(ClassMap::Names(
                entries.into_iter().map(String::from).collect(),
            ))
        }
    }
}

/// The entries of a class option, split at commas and trimmed. An empty entry is refused
/// rather than dropped: it is a typo (`a,,b`) more often than not. `form` is the option's form,
/// for the message.
fn entries<'a>(text: &'a str, form: &str) -> Result<Vec<&'a str>, String> {
    let entries: Vec<&str> = text.split(',').map(str::trim).collect();
    if entries.iter().any(|e| e.is_empty()) {
        return Err(format!("'{text}' has an empty entry; use {form}"));
    }
    Ok(entries)
}

/// An `old=new` entry as its two trimmed names; `None` for an entry without `=`.
fn pair(entry: &str) -> Option<(String, String)> {
    let (from, to) = entry.split_once('=')?;
    Some((from.trim().to_string(), to.trim().to_string()))
}

/// The pairs of a class map that only maps (`old=new[,old=new...]`), in order: the mixer's
/// renames of synthetic classes. An empty entry, or one that is not `old=new`, is an
/// [`Error::Setting`] naming `field`, the option it came from.
pub fn class_pairs(field: &'static str, text: &str) -> Result<Vec<(String, String)>> {
    entries(text, "old=new,...")
        .map_err(|message| Error::setting(field, message))?
        .into_iter()
        .map(|entry| {
            pair(entry).ok_or_else(|| {
                Error::setting(
                    field,
                    format!("entry '{entry}' is not old=new (as in sneaker=Sneaker)"),
                )
            })
        })
        .collect()
}

impl ClassMap {
    /// Returns the output class names and, for each input class, its output label (or
    /// `None` to drop its images).
    pub fn apply(&self, input: &[String]) -> Result<(Vec<String>, Vec<Option<u32>>)> {
        match self {
            ClassMap::Names(names) if names.iter().all(|n| input.contains(n)) => {
                let relabel = input
                    .iter()
                    .map(|c| names.iter().position(|n| n == c).map(|p| p as u32))
                    .collect();
                Ok((names.clone(), relabel))
            }
            ClassMap::Names(names)
                if names.iter().any(|n| input.contains(n)) && names.len() != input.len() =>
            {
                let unknown = names
                    .iter()
                    .find(|n| !input.contains(n))
                    .expect("not all known");
                Err(Error::setting(
                    "classes",
                    format!(
                        "'{unknown}' is not a class of the input; pick from its {} classes ({})",
                        input.len(),
                        abbreviated(input)
                    ),
                ))
            }
            ClassMap::Names(names) if names.len() == input.len() => {
                Ok((names.clone(), (0..input.len() as u32).map(Some).collect()))
            }
            ClassMap::Names(names) => Err(Error::setting(
                "classes",
                format!(
                    "names {} classes but the input has {} ({}); give one name per class",
                    names.len(),
                    input.len(),
                    abbreviated(input)
                ),
            )),
            ClassMap::Map(pairs) => {
                let mut outputs: Vec<String> = Vec::new();
                let mut relabel = vec![None; input.len()];
                for (from, to) in pairs {
                    let Some(at) = input.iter().position(|c| c == from) else {
                        return Err(Error::setting(
                            "classes",
                            format!(
                                "maps '{from}', which is not a class of the input ({})",
                                abbreviated(input)
                            ),
                        ));
                    };
                    let label = match outputs.iter().position(|o| o == to) {
                        Some(p) => p,
                        None => {
                            outputs.push(to.clone());
                            outputs.len() - 1
                        }
                    };
                    relabel[at] = Some(label as u32);
                }
                Ok((outputs, relabel))
            }
        }
    }
}

/// The first class names of a long list, then how many more: an error stays one short line
/// even for hundreds of classes.
fn abbreviated(names: &[String]) -> String {
    const SHOWN: usize = 12;
    if names.len() <= SHOWN {
        return names.join(", ");
    }
    format!(
        "{}, … {} more",
        names[..SHOWN].join(", "),
        names.len() - SHOWN
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn renames_in_order() {
        let map: ClassMap = "cat,dog".parse().unwrap();
        let (out, relabel) = map.apply(&names(&["0", "1"])).unwrap();
        assert_eq!(out, names(&["cat", "dog"]));
        assert_eq!(relabel, vec![Some(0), Some(1)]);
    }

    #[test]
    fn selects_and_reorders_existing_names() {
        let map: ClassMap = "dog,cat".parse().unwrap();
        let (out, relabel) = map.apply(&names(&["cat", "bird", "dog"])).unwrap();
        assert_eq!(out, names(&["dog", "cat"]));
        assert_eq!(relabel, vec![Some(1), None, Some(0)]);
    }

    #[test]
    fn maps_several_to_one() {
        let map: ClassMap = "cat=animal,dog=animal,car=vehicle".parse().unwrap();
        let (out, relabel) = map.apply(&names(&["car", "cat", "dog"])).unwrap();
        assert_eq!(out, names(&["animal", "vehicle"]));
        assert_eq!(relabel, vec![Some(1), Some(0), Some(0)]);
    }

    #[test]
    fn wrong_count_and_unknown_class_are_errors() {
        let map: ClassMap = "a,b,c".parse().unwrap();
        assert!(
            map.apply(&names(&["x", "y"]))
                .unwrap_err()
                .to_string()
                .contains("3 classes")
        );
        let map: ClassMap = "x,zebra".parse().unwrap();
        let err = map.apply(&names(&["x", "y", "w"])).unwrap_err().to_string();
        assert!(err.contains("'zebra' is not a class of the input"), "{err}");
        let map: ClassMap = "z=a".parse().unwrap();
        assert!(map.apply(&names(&["x"])).is_err());
        assert!("a,b=c".parse::<ClassMap>().is_err());
        assert!("a,,b".parse::<ClassMap>().is_err());
    }

    #[test]
    fn pairs_parse_and_empty_or_bare_entries_name_the_field() {
        let pairs = class_pairs("renames", " a=A, b = B ").unwrap();
        assert_eq!(pairs, [("a".into(), "A".into()), ("b".into(), "B".into())]);
        for (text, says) in [
            ("a=A,,b=B", "has an empty entry"),
            ("a=A,", "has an empty entry"),
            ("", "has an empty entry"),
            ("a=A,b", "entry 'b' is not old=new"),
        ] {
            let err = class_pairs("renames", text).unwrap_err().to_string();
            assert!(
                err.starts_with("renames: ") && err.contains(says),
                "{text}: {err}"
            );
        }
    }
}
