//! An index given on the command line or taken from the array job running this process:
//! `7`, `env` (Slurm's `SLURM_ARRAY_TASK_ID`, else Kubernetes' `JOB_COMPLETION_INDEX`), or
//! `env+1000` (the same plus an offset, for arrays split under Slurm's size limit).

use std::str::FromStr;

use anyhow::{Result, bail};

/// The environment variables an array job sets, in the order they are read.
const ARRAY_VARIABLES: [&str; 2] = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayIndex {
    Given(usize),
    FromEnv { offset: usize },
}

impl FromStr for ArrayIndex {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let invalid = || format!("'{text}' is not an index: give a number, `env` or `env+OFFSET`");
        if let Some(rest) = text.strip_prefix("env") {
            let offset = match rest.strip_prefix('+') {
                Some(number) => number.parse().map_err(|_| invalid())?,
                None if rest.is_empty() => 0,
                None => return Err(invalid()),
            };
            return Ok(ArrayIndex::FromEnv { offset });
        }
        text.parse().map(ArrayIndex::Given).map_err(|_| invalid())
    }
}

impl ArrayIndex {
    /// The index, reading the environment where asked; `flag` names the option in errors.
    pub fn resolve(self, flag: &str) -> Result<usize> {
        match self {
            ArrayIndex::Given(index) => Ok(index),
            ArrayIndex::FromEnv { offset } => {
                for name in ARRAY_VARIABLES {
                    if let Ok(value) = std::env::var(name) {
                        return match value.trim().parse::<usize>() {
                            Ok(index) => Ok(index + offset),
                            Err(_) => bail!("{flag} env: {name} is '{value}', not an index"),
                        };
                    }
                }
                bail!(
                    "{flag} env: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set; \
                     give the index as a number outside an array job"
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_parse() {
        assert_eq!("7".parse(), Ok(ArrayIndex::Given(7)));
        assert_eq!("env".parse(), Ok(ArrayIndex::FromEnv { offset: 0 }));
        assert_eq!("env+1000".parse(), Ok(ArrayIndex::FromEnv { offset: 1000 }));
        for bad in ["-1", "envy", "env+", "env-3", "x"] {
            assert!(bad.parse::<ArrayIndex>().is_err(), "{bad}");
        }
    }
}
