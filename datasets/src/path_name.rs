//! Names that become one component of a path (a pair's directory, a preset's dataset, a run's
//! directory): checked once, where they are read, so no name from a file or a flag can reach
//! outside its output directory, vanish into a nested one, or clash with a temporary name.

/// The longest name accepted: far below any filesystem's limit, with room for the prefixes and
/// suffixes a layout adds.
const MAX_LEN: usize = 100;

/// `value` if it is safe as one path component: 1 to 100 ASCII letters, digits, `-`, `_` and
/// `.`, not starting with `.` (so never `.`, `..` or a hidden temporary name). The error says
/// why, naming `field`.
pub fn check_path_name<'a>(field: &str, value: &'a str) -> Result<&'a str, String> {
    let why = if value.is_empty() {
        "is empty".to_string()
    } else if value.len() > MAX_LEN {
        format!("is longer than {MAX_LEN} characters")
    } else if value.starts_with('.') {
        "starts with '.'".to_string()
    } else if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-_.".contains(*c)))
    {
        format!("has the character {bad:?}")
    } else {
        return Ok(value);
    };
    Err(format!(
        "{field} '{value}' {why}: it names a directory, so use letters, digits, '-', '_' and '.' \
         (not first)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_pass() {
        for good in ["near", "far-2", "cifar10_cifake", "v1.2"] {
            assert_eq!(check_path_name("pairs.name", good), Ok(good));
        }
        for bad in [
            "", ".", "..", "../../x", "/abs", "a/b", "a\\b", ".hidden", "a b", "é",
        ] {
            let err = check_path_name("pairs.name", bad).unwrap_err();
            assert!(err.starts_with("pairs.name '"), "{err}");
        }
        assert!(check_path_name("x", &"a".repeat(101)).is_err());
    }
}
