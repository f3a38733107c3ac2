//! The classes option: naming, selecting or merging the classes of an input.

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
        let entries: Vec<&str> = text.split(',').map(str::trim).collect();
        if entries.iter().any(|e| e.is_empty()) {
            return Err(format!(
                "'{text}' has an empty entry; use a,b,c or old=new,..."
            ));
        }
        if entries.iter().all(|e| e.contains('=')) {
            let pairs = entries
                .iter()
                .map(|e| {
                    let (from, to) = e.split_once('=').expect("checked");
                    (from.trim().to_string(), to.trim().to_string())
                })
                .collect();
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
    }
}
