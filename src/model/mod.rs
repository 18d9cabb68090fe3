//! The typed stack: the outer compose project and the inner mcp/v1 manifests, built from
//! spanned YAML. `check` and `plan` read the same [`Stack`], so what is checked is what is
//! applied. Loading (files, interpolation, merging, schema) lives in [`crate::load`].

pub mod compose;
pub mod dind;
pub mod dockerfile;
pub mod intervals;
pub mod manifest;
pub mod ports;
pub mod pull;
pub mod roles;
pub mod units;

use crate::source::{SourceId, Span};
use crate::yaml::{Node, Value};

pub use compose::{Project, Service};
pub use manifest::{Container, Manifest, ManifestKind, McpSpec, Transport};

/// A value with the span of the node it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// Scalar text, and whether it depends on an unresolved variable (then it is unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub text: String,
    pub unresolved: bool,
    /// The value was written with variables (`${VAR}`) rather than literally.
    pub interpolated: bool,
}

/// The text of a scalar node (strings, numbers and booleans as written; not null).
pub fn text(node: &Node) -> Option<Spanned<Text>> {
    match &node.value {
        Value::Scalar(s) => s.as_text().map(|t| Spanned {
            value: Text {
                text: t.to_string(),
                unresolved: s.unresolved,
                interpolated: s.interpolated,
            },
            span: node.span,
        }),
        _ => None,
    }
}

/// What a file of the stack is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Compose,
    Manifest,
}

#[derive(Clone, Debug)]
pub struct StackFile {
    pub source: SourceId,
    pub kind: FileKind,
}

/// Everything `check` looks at: both layers together.
#[derive(Clone, Debug, Default)]
pub struct Stack {
    pub files: Vec<StackFile>,
    /// The merged compose project, when the stack has compose files.
    pub outer: Option<Project>,
    pub inner: Vec<Manifest>,
    /// The merged compose tree the project was typed from (the `schema-violation` rule
    /// validates it).
    pub compose_tree: Option<Node>,
    /// The project directory, as compose takes it: the directory of the first compose file,
    /// else the stack directory (or the current one). Names the project when nothing else
    /// does (see `crate::project`).
    pub project_dir: Option<std::path::PathBuf>,
    /// `COMPOSE_PROJECT_NAME` as interpolation saw it (the environment, then `.env`).
    pub env_project_name: Option<String>,
}

impl Stack {
    pub fn containers(&self) -> impl Iterator<Item = (&Manifest, &Container)> {
        self.inner
            .iter()
            .filter_map(|m| m.container().map(|c| (m, c)))
    }

    /// Names of the inner networks (`MCPNetwork`s).
    pub fn inner_network_names(&self) -> std::collections::HashSet<&str> {
        self.inner_names(|k| matches!(k, ManifestKind::Network(_)))
    }

    /// Names of the inner secrets (`MCPSecret`s).
    pub fn inner_secret_names(&self) -> std::collections::HashSet<&str> {
        self.inner_names(|k| matches!(k, ManifestKind::Secret(_)))
    }

    fn inner_names(&self, kind: impl Fn(&ManifestKind) -> bool) -> std::collections::HashSet<&str> {
        self.inner
            .iter()
            .filter(|m| kind(&m.kind))
            .map(|m| m.name.value.as_str())
            .collect()
    }

    pub fn services(&self) -> impl Iterator<Item = &Service> {
        self.outer.iter().flat_map(|p| p.services.iter())
    }
}
