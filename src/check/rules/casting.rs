//! Rules whose findings come from the loader's interpolation and decode stages: values
//! Docker Compose cannot turn into the type it reads them as. Declared here so that they can
//! be listed, explained, configured and suppressed like every other rule.

use crate::check::{Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a mapping key that is not a string: a number, a boolean, `null`, a date, or a
    /// collection.
    ///
    /// ## Why is this bad?
    /// Docker Compose turns every key into a string first and refuses the file otherwise
    /// ("non-string key", compose-go `convertToStringKeysRecursive`).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     labels: {1: one}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     labels: {"1": one}
    /// ```
    NonStringKey, "non-string-key", Error, "a mapping key that is not a string"
}

declare_rule! {
    /// ## What it does
    /// Reports a boolean field (`privileged`, `read_only`, `init`, `tty`, `external`, …)
    /// whose value is neither a YAML boolean nor a string compose reads as one (`true`,
    /// `false`, `yes`, `no`, `on`, `off`, in any case), also after interpolation.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "failed to cast to expected type: invalid boolean"
    /// (compose-go `loader/interpolate.go`, `toBoolean`).
    ///
    /// ## Example
    /// ```yaml
    /// privileged: maybe
    /// ```
    /// Use instead:
    /// ```yaml
    /// privileged: true
    /// ```
    InvalidBoolean, "invalid-boolean", Error, "a boolean field whose value is not a boolean"
}

declare_rule! {
    /// ## What it does
    /// Reports a number field whose value compose cannot read as its type: text that is not
    /// an integer (`retries: many`, `pids_limit: "2.5"`), not a number (`cpus: abc`), a
    /// negative value where compose reads an unsigned integer (`healthcheck.retries: -1`), a
    /// negative `scale` or `deploy.replicas`; also after interpolation.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "failed to cast to expected type: strconv.Atoi:
    /// parsing …" (compose-go `loader/interpolate.go`), "cannot parse value as 'uint64'",
    /// "must be greater than or equal to 0" (`checkConsistency`).
    ///
    /// ## Example
    /// ```yaml
    /// healthcheck: {test: [CMD, "true"], retries: many}
    /// ```
    /// Use instead:
    /// ```yaml
    /// healthcheck: {test: [CMD, "true"], retries: 3}
    /// ```
    InvalidNumber, "invalid-number", Error, "a number field whose value is not a number of its kind"
}

declare_rule! {
    /// ## What it does
    /// Reports a byte size (`mem_limit`, `memswap_limit`, `shm_size`,
    /// `deploy.resources.limits.memory`, tmpfs `size`, …) that compose cannot read: a unit
    /// other than `b`, `k`, `m`, `g`, `t`, `p` (optionally with `b` or `ib`), no number, or a
    /// negative size written with a unit (`-1g`).
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "invalid size", "invalid suffix" (compose-go
    /// `types.UnitBytes`, go-units `RAMInBytes`).
    ///
    /// ## Example
    /// ```yaml
    /// mem_limit: 512x
    /// ```
    /// Use instead:
    /// ```yaml
    /// mem_limit: 512m
    /// ```
    InvalidByteSize, "invalid-byte-size", Error, "a byte size compose cannot read"
}

declare_rule! {
    /// ## What it does
    /// Reports a `command` or `entrypoint` string that does not split into words: an
    /// unterminated quote or a trailing backslash.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "invalid command line string" (compose-go
    /// `types.ShellCommand`, go-shellwords).
    ///
    /// ## Example
    /// ```yaml
    /// command: "echo 'hello"
    /// ```
    /// Use instead:
    /// ```yaml
    /// command: ["echo", "hello"]
    /// ```
    InvalidCommand, "invalid-command", Error, "a command string with an unterminated quote"
}

declare_rule! {
    /// ## What it does
    /// Reports an `extra_hosts` entry without an IP (`host` alone) or with an empty or
    /// malformed host name.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "invalid additional host, missing IP", "bad host
    /// name" (compose-go `types.HostsList`).
    ///
    /// ## Example
    /// ```yaml
    /// extra_hosts: ["host.docker.internal"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// extra_hosts: ["host.docker.internal:host-gateway"]
    /// ```
    InvalidExtraHost, "invalid-extra-host", Error, "an `extra_hosts` entry without an IP"
}

declare_rule! {
    /// ## What it does
    /// Reports an `environment` list entry whose name ends with whitespace (`"A =1"`).
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "environment variable A is declared with a trailing
    /// space" (compose-go `types.MappingWithEquals`).
    ///
    /// ## Example
    /// ```yaml
    /// environment: ["LOG_LEVEL =debug"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// environment: ["LOG_LEVEL=debug"]
    /// ```
    InvalidEnvironment, "invalid-environment", Error, "an environment entry compose refuses"
}

declare_rule! {
    /// ## What it does
    /// Reports a mount compose cannot read: a short volume spec with an empty part or too
    /// many colons, a bind mount without a source, a device mapping with more than three
    /// parts or without a target.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "invalid spec: … too many colons", "field Source must
    /// not be empty", "confusing device mapping" (compose-go `format.ParseVolume`,
    /// `transform/device.go`).
    ///
    /// ## Example
    /// ```yaml
    /// volumes: ["/srv/data:/data:ro:z"]
    /// ```
    /// Use instead:
    /// ```yaml
    /// volumes: ["/srv/data:/data:ro,z"]
    /// ```
    InvalidMount, "invalid-mount", Error, "a volume, bind or device mount compose cannot read"
}

impl Rule for NonStringKey {}
impl Rule for InvalidBoolean {}
impl Rule for InvalidNumber {}
impl Rule for InvalidByteSize {}
impl Rule for InvalidCommand {}
impl Rule for InvalidExtraHost {}
impl Rule for InvalidEnvironment {}
impl Rule for InvalidMount {}
