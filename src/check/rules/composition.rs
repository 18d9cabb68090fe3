//! Rules whose findings come from assembling a compose project out of files: `include`,
//! `extends`, `-f` merges, env files. Declared here so that they can be listed, explained,
//! configured and suppressed like every other rule.

use crate::check::{Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a file the project names that does not exist or cannot be read: an included
    /// compose file, the `file:` of an `extends`, a required `env_file`, an include's
    /// `env_file`.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the project ("no such file or directory", "env file … not
    /// found"). An `env_file` entry with `required: false` may be missing.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web: {image: "web:1", env_file: [.env.local]}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web: {image: "web:1", env_file: [{path: .env.local, required: false}]}
    /// ```
    MissingFile, "missing-file", Error, "a file the project names does not exist"
}

declare_rule! {
    /// ## What it does
    /// Reports an `include` that leads back to a file on its own chain (a file that
    /// includes itself, directly or through others).
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the project: "include cycle detected" (compose-go
    /// `loader/include.go`).
    ///
    /// ## Example
    /// ```yaml
    /// # compose.yaml
    /// include: [compose.yaml]
    /// ```
    /// Use instead:
    /// ```yaml
    /// include: [db/compose.yaml]
    /// ```
    IncludeCycle, "include-cycle", Error, "an `include` that leads back to itself"
}

declare_rule! {
    /// ## What it does
    /// Reports a service, network, volume, secret or config defined both by a file and by a
    /// project it includes, differently.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the project: "conflicts with imported resource" (compose-go
    /// `loader/include.go`, `importResource`).
    ///
    /// ## Example
    /// ```yaml
    /// include: [db/compose.yaml]   # defines `db`
    /// services:
    ///   db: {image: "postgres:15"}
    /// ```
    /// Use instead:
    /// ```yaml
    /// include: [db/compose.yaml]
    /// services:
    ///   app: {image: "app:1", depends_on: [db]}
    /// ```
    IncludeConflict, "include-conflict", Error, "a resource defined by a file and by what it includes"
}

declare_rule! {
    /// ## What it does
    /// Reports an `extends` chain that comes back to a service already on it.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "Circular reference" (compose-go
    /// `loader/extends.go`).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   a: {extends: b}
    ///   b: {extends: a, image: "x:1"}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   a: {extends: b}
    ///   b: {image: "x:1"}
    /// ```
    ExtendsCycle, "extends-cycle", Error, "an `extends` chain that goes round in a circle"
}

declare_rule! {
    /// ## What it does
    /// Reports an `extends` that names a service its file (or the `file:` it names) does not
    /// define.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "cannot extend service … not found" (compose-go
    /// `loader/extends.go`). `extends` is resolved before `include`, so a service from an
    /// included project cannot be extended by name.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web: {extends: base}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web: {extends: {file: common.yaml, service: base}}
    /// ```
    UndefinedExtends, "undefined-extends", Error, "`extends` naming a service that does not exist"
}

declare_rule! {
    /// ## What it does
    /// Reports a list entry that compose silently drops because a later entry has the same
    /// key: two mounts at one target, two ports with the same host and container side, a
    /// variable set twice in `environment`, a label twice.
    ///
    /// ## Why is this bad?
    /// Compose keeps one entry per key (compose-go `override/uncity.go`, the later wins), so
    /// the earlier line has no effect — usually not what its author meant.
    ///
    /// ## Example
    /// ```yaml
    /// volumes: ["./data:/data", "cache:/data"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// volumes: ["./data:/data", "cache:/cache"]
    /// ```
    OverriddenEntry, "overridden-entry", Warning, "a list entry compose drops for a later one"
}

declare_rule! {
    /// ## What it does
    /// Reports a compose file with no content.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses it: "empty compose file".
    ///
    /// ## Example
    /// ```yaml
    /// # nothing yet
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web: {image: "nginx:1.27"}
    /// ```
    EmptyComposeFile, "empty-compose-file", Error, "a compose file without content"
}

declare_rule! {
    /// ## What it does
    /// Reports an env file (`.env`, `--env-file`, a service's `env_file`) that compose cannot
    /// parse: a key with a space or an unexpected character, an unterminated quote.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the project (compose-go `dotenv`).
    ///
    /// ## Example
    /// ```text
    /// DB HOST=db
    /// ```
    /// Use instead:
    /// ```text
    /// DB_HOST=db
    /// ```
    InvalidEnvFile, "invalid-env-file", Error, "an env file compose cannot parse"
}

impl Rule for MissingFile {}
impl Rule for IncludeCycle {}
impl Rule for IncludeConflict {}
impl Rule for ExtendsCycle {}
impl Rule for UndefinedExtends {}
impl Rule for OverriddenEntry {}
impl Rule for EmptyComposeFile {}
impl Rule for InvalidEnvFile {}
