//! Why a run could not start: bad input (playbook, inventory, variables) and usage errors.
//! Per-host failures are results, never errors (see `crate::report`).

use std::fmt;
use std::path::{Path, PathBuf};

/// A place in a user's file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
}

impl Location {
    pub fn new(file: impl AsRef<Path>, line: usize, col: usize) -> Self {
        Location {
            file: file.as_ref().to_path_buf(),
            line,
            col,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// One problem in the user's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub location: Option<Location>,
    pub message: String,
}

impl Diagnostic {
    pub fn at(location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            location: Some(location),
            message: message.into(),
        }
    }

    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            location: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) => write!(f, "{loc}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more problems in playbooks, inventories or variable files, all reported at once.
    #[error("{}", render(.0))]
    Input(Vec<Diagnostic>),
    /// The command line asked for something impossible.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn input(d: Diagnostic) -> Self {
        Error::Input(vec![d])
    }

    pub fn at(location: Location, message: impl Into<String>) -> Self {
        Error::input(Diagnostic::at(location, message))
    }

    pub fn msg(message: impl Into<String>) -> Self {
        Error::input(Diagnostic::new(message))
    }
}

impl Error {
    /// The error as the terminal shows it after `error: `: each problem on its line, followed
    /// by the source lines with a caret under its column where the file can be read, as
    /// ansible-core 2.19 shows where a load error is.
    pub fn rendered(&self) -> String {
        let Error::Input(ds) = self else {
            return self.to_string();
        };
        let mut out = String::new();
        let mut after_excerpt = false;
        for (i, d) in ds.iter().enumerate() {
            if i > 0 {
                // A blank line after source lines, so each problem reads as its own block.
                out.push_str(if after_excerpt {
                    "\n\nerror: "
                } else {
                    "\nerror: "
                });
            }
            out.push_str(&d.to_string());
            let lines = d.location.as_ref().and_then(crate::excerpt::lines);
            after_excerpt = lines.is_some();
            if let Some(lines) = lines {
                out.push_str("\n\n");
                out.push_str(&lines);
            }
        }
        out
    }
}

fn render(ds: &[Diagnostic]) -> String {
    ds.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\nerror: ")
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
