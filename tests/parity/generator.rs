//! Variants of real compose files for the differential test: each case is one base file from
//! the corpus with one edit of a named class (a field set to a valid or an invalid value, a
//! reference to something that does not exist, an `include`, an `extends`, a second `-f` file,
//! a value that arrives through interpolation, …). Seeded: the same seed gives the same cases.

use std::path::{Path, PathBuf};

use dindctl::source::SourceDb;
use dindctl::yaml::{self, Node};

/// One project for both tools: files relative to a fresh directory, the `-f` files in order,
/// and the variables both tools see.
#[derive(Clone, Debug)]
pub struct Case {
    pub id: String,
    pub class: String,
    /// Files to write, relative to the case directory.
    pub files: Vec<(String, String)>,
    /// The compose files given with `-f`, in order (relative).
    pub compose_files: Vec<String>,
    pub env: Vec<(String, String)>,
}

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    pub fn pick_ref<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A base file: its text, where it lived (for the files it refers to), and its services.
#[derive(Clone, Debug)]
pub struct Base {
    pub name: String,
    pub text: String,
    /// Sibling files the base needs (relative path, contents), e.g. the other files of a
    /// compose-go testdata directory.
    pub siblings: Vec<(String, String)>,
    /// Where the base itself lives relative to the case directory.
    pub path: String,
    pub env: Vec<(String, String)>,
}

/// The directories of compose-go's `loader/testdata`, whose files the corpus keeps flattened
/// (`extends_withdir_dir_base.yaml` is `extends/withdir/dir/base.yaml`), longest first.
const TESTDATA_DIRS: &[&str] = &[
    "extends/withdir/dir",
    "extends/withdir",
    "combined/dir",
    "remote/cycle",
    "remote/nested",
    "include/dir",
    "combined",
    "extends",
    "include",
    "remote",
    "subdir",
];

fn testdata_path(flat: &str) -> String {
    for dir in TESTDATA_DIRS {
        let prefix = format!("{}_", dir.replace('/', "_"));
        if let Some(rest) = flat.strip_prefix(&prefix) {
            return format!("{dir}/{rest}");
        }
    }
    flat.to_string()
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"));
    out.sort();
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Variables the labelled `valid-env` documents were loaded with in compose-go's tests, and a
/// few the generated interpolation cases read.
pub fn fixed_env() -> Vec<(String, String)> {
    [
        ("FOO_SCALE", "2"),
        ("GA", "ga-value"),
        ("HOME", "/home/parity"),
        ("PARITY_PORT", "8080"),
        ("PARITY_EMPTY", ""),
        ("PARITY_WORD", "many"),
        ("PARITY_TRUE", "true"),
        ("PARITY_SIZE", "512m"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
    .collect()
}

/// Every base: awesome-compose, compose-go's testdata (in its original layout), the labelled
/// compose-go documents, and this project's own DinD stacks.
pub fn bases(corpus: &Path, repo: &Path) -> Vec<Base> {
    let mut out = Vec::new();
    for p in yaml_files(&corpus.join("awesome-compose")) {
        out.push(standalone(&p, "awesome-compose"));
    }
    for label in ["valid", "valid-env", "invalid"] {
        for p in yaml_files(&corpus.join("compose-go-labelled").join(label)) {
            out.push(standalone(&p, &format!("labelled-{label}")));
        }
    }
    let testdata = corpus.join("compose-go");
    let all: Vec<(String, String)> = yaml_files(&testdata)
        .iter()
        .map(|p| {
            let flat = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (testdata_path(&flat), read(p))
        })
        .collect();
    for (path, text) in &all {
        out.push(Base {
            name: format!("compose-go/{path}"),
            text: text.clone(),
            siblings: all.iter().filter(|(p, _)| p != path).cloned().collect(),
            path: path.clone(),
            env: Vec::new(),
        });
    }
    for stack in ["examples/broken-stack", "examples/fixed-stack"] {
        let p = repo.join(stack).join("docker-compose.dind.yml");
        out.push(Base {
            name: format!("{stack}/docker-compose.dind.yml"),
            text: read(&p),
            siblings: Vec::new(),
            path: "docker-compose.dind.yml".into(),
            env: Vec::new(),
        });
    }
    out
}

fn standalone(p: &Path, group: &str) -> Base {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Base {
        name: format!("{group}/{name}"),
        text: read(p),
        siblings: Vec::new(),
        path: "compose.yaml".into(),
        env: Vec::new(),
    }
}

/// Where a block-style service sits in the text.
#[derive(Clone, Debug)]
struct ServiceLoc {
    name: String,
    /// Indentation of the service's own keys.
    indent: usize,
    /// End of the service's last entry.
    end: usize,
    entries: Vec<(String, usize, usize)>,
}

fn parse(text: &str) -> Option<Node> {
    let mut db = SourceDb::new();
    let id = db.add("base.yml", text);
    let parsed = yaml::parse(id, text, yaml::Limits::default());
    if !parsed.errors.is_empty() || parsed.documents.len() != 1 {
        return None;
    }
    parsed.documents.into_iter().next()
}

fn column(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    offset - line_start
}

/// Block-style services with at least one key.
fn services(text: &str) -> Vec<ServiceLoc> {
    let Some(doc) = parse(text) else {
        return Vec::new();
    };
    let Some(entries) = doc.get("services").and_then(Node::as_map) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|e| {
            let name = e.key_text()?.to_string();
            let map = e.value.as_map()?;
            let first = map.first()?;
            if text.as_bytes().get(e.value.span.start) == Some(&b'{') {
                return None;
            }
            let indent = column(text, first.key.span.start);
            let end = map
                .iter()
                .map(|x| x.value.span.end.max(x.key.span.end))
                .max()?;
            Some(ServiceLoc {
                name,
                indent,
                end,
                entries: map
                    .iter()
                    .filter_map(|x| {
                        Some((
                            x.key_text()?.to_string(),
                            x.key.span.start,
                            x.value.span.end.max(x.key.span.end),
                        ))
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Sets `key: value` (flow style, one line) in service `svc`, replacing an existing entry.
fn set_key(text: &str, svc: &str, key: &str, value: &str) -> Option<String> {
    let loc = services(text).into_iter().find(|s| s.name == svc)?;
    if let Some((_, start, end)) = loc.entries.iter().find(|(k, _, _)| k == key) {
        return Some(format!(
            "{}{key}: {value}{}",
            &text[..*start],
            &text[*end..]
        ));
    }
    Some(format!(
        "{}\n{}{key}: {value}{}",
        &text[..loc.end],
        " ".repeat(loc.indent),
        &text[loc.end..]
    ))
}

fn remove_key(text: &str, svc: &str, key: &str) -> Option<String> {
    let loc = services(text).into_iter().find(|s| s.name == svc)?;
    let (_, start, end) = loc.entries.iter().find(|(k, _, _)| k == key)?;
    if loc.entries.len() == 1 {
        return None;
    }
    Some(format!("{}{}", &text[..*start], &text[*end..]))
}

/// Adds `name: value` under the top-level `section`, creating it when absent.
fn add_top(text: &str, section: &str, name: &str, value: &str) -> Option<String> {
    let doc = parse(text)?;
    let root = doc.as_map()?;
    match root.iter().find(|e| e.key_text() == Some(section)) {
        Some(e) => match e.value.as_map() {
            Some(map)
                if !map.is_empty() && text.as_bytes().get(e.value.span.start) != Some(&b'{') =>
            {
                let indent = column(text, map[0].key.span.start);
                let end = map
                    .iter()
                    .map(|x| x.value.span.end.max(x.key.span.end))
                    .max()?;
                Some(format!(
                    "{}\n{}{name}: {value}{}",
                    &text[..end],
                    " ".repeat(indent),
                    &text[end..]
                ))
            }
            Some(map) if !map.is_empty() => None,
            _ => {
                let end = e.value.span.end.max(e.key.span.end);
                Some(format!(
                    "{}{section}:\n  {name}: {value}{}",
                    &text[..e.key.span.start],
                    &text[end..]
                ))
            }
        },
        None => Some(format!(
            "{}{}{section}:\n  {name}: {value}\n",
            text,
            if text.ends_with('\n') { "" } else { "\n" }
        )),
    }
}

/// Sets a top-level scalar key (e.g. `name`), replacing it when present.
fn set_top(text: &str, key: &str, value: &str) -> Option<String> {
    let doc = parse(text)?;
    let root = doc.as_map()?;
    match root.iter().find(|e| e.key_text() == Some(key)) {
        Some(e) => Some(format!(
            "{}{key}: {value}{}",
            &text[..e.key.span.start],
            &text[e.value.span.end.max(e.key.span.end)..]
        )),
        None => Some(format!("{key}: {value}\n{text}")),
    }
}

const BOOL_FIELDS: &[&str] = &[
    "privileged",
    "read_only",
    "init",
    "tty",
    "stdin_open",
    "oom_kill_disable",
];
const BOOLS: &[&str] = &[
    "true",
    "false",
    "\"true\"",
    "True",
    "FALSE",
    "\"yes\"",
    "\"off\"",
    "maybe",
    "\"maybe\"",
    "1",
    "\"1\"",
    "\"\"",
    "null",
    "yes",
    "on",
    "\"TRUE\"",
    "[true]",
];
const INT_FIELDS: &[&str] = &[
    "pids_limit",
    "cpu_shares",
    "oom_score_adj",
    "cpu_count",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_runtime",
];
const INTS: &[&str] = &[
    "2",
    "\"2\"",
    "-1",
    "\"-1\"",
    "many",
    "\"2.5\"",
    "2.5",
    "1_000",
    "0x10",
    "\"0x10\"",
    "\"\"",
    "99999999999999999999",
    "0755",
    "\"08\"",
    "+3",
    "1e3",
    "\" 2\"",
    "true",
];
const FLOAT_FIELDS: &[&str] = &["cpus", "cpu_percent"];
const FLOATS: &[&str] = &[
    "0.5", "\"0.5\"", "\"1e3\"", "abc", "-1", "\"\"", ".5", "\"1,5\"", "2", "\"2\"", "1_0.5",
    ".inf", "\".nan\"",
];
const SIZE_FIELDS: &[&str] = &[
    "mem_limit",
    "mem_reservation",
    "memswap_limit",
    "shm_size",
    "mem_swappiness",
];
const SIZES: &[&str] = &[
    "512m",
    "\"1g\"",
    "1024",
    "\"1x\"",
    "lots",
    "-1g",
    "\"-512m\"",
    "\"1.5g\"",
    "\"\"",
    "\"1 g\"",
    "1kb",
    "1KiB",
    "1.5",
    "\"12345678901234567890\"",
    "0",
    "\"512M\"",
    "1tb",
    "-1",
    "\"100b\"",
    "[1]",
];
const DURATIONS: &[&str] = &[
    "30s",
    "1m30s",
    "\"1h\"",
    "500ms",
    "soon",
    "10",
    "\"10\"",
    "\"-5s\"",
    "1d",
    "1.5s",
    "\"\"",
    "1h2m3s4ms5us6ns",
    "\"5 s\"",
    "2w",
    "1y",
    "0",
    "\"0s\"",
    "1.5",
    "\"1m-30s\"",
];
const PORTS: &[&str] = &[
    "\"8080:80\"",
    "80",
    "\"1-5:1-5\"",
    "\"70000:80\"",
    "\"x:80\"",
    "\"127.0.0.1:8080:80\"",
    "\"1.2.3.4.5:80:80\"",
    "\"80/xyz\"",
    "\"80/udp\"",
    "\"[::1]:8080:80\"",
    "\"5-1:5-1\"",
    "\"8080-8081:80\"",
    "\"0:80\"",
    "\"8080:0\"",
    "\"::80\"",
    "\":80\"",
    "\"127.0.0.1::80\"",
    "\"8080:80:90\"",
    "\"8080-8082:80-81\"",
    "\"65536\"",
    "\"80-\"",
    "{target: 80, published: \"8080\"}",
    "{target: 70000}",
    "{target: 80, published: abc}",
    "{target: 80, host_ip: bad}",
    "{target: 80, host_ip: \"::1\"}",
    "{target: 80, protocol: xyz}",
    "{published: 8080}",
    "{target: \"80\"}",
    "{target: x}",
    "{target: 80, published: \"8080-8081\"}",
    "{target: 80, mode: host}",
    "{target: 80, published: 70000}",
    "80.5",
    "-80",
    "[80]",
    "\"0.0.0.0:80:80/tcp\"",
];
const MOUNTS: &[&str] = &[
    "\"/host:/container\"",
    "\"/host:/container:ro\"",
    "\"./rel:/data\"",
    "\"/x:/y:bogus\"",
    "\"a:b:c:d\"",
    "\"/data\"",
    "\":/x\"",
    "\"/x:\"",
    "\"vol:rel\"",
    "\"undeclared:/data\"",
    "\"/x:/y:rw,z\"",
    "\"/x:/y:ro,nocopy\"",
    "\"~/x:/y\"",
    "\"/x:relative\"",
    "{type: bind, source: /x, target: /y}",
    "{type: bind, target: /y}",
    "{type: volume, source: nope, target: /y}",
    "{type: volume, target: /y}",
    "{type: tmpfs, target: /t, tmpfs: {size: 1x}}",
    "{type: tmpfs, target: /t, tmpfs: {size: -1}}",
    "{type: tmpfs, target: /t, tmpfs: {size: 64m}}",
    "{type: tmpfs, target: /t, tmpfs: {mode: 1777}}",
    "{type: weird, target: /y}",
    "{type: bind, source: '', target: /y}",
    "{type: bind, source: /x, target: /y, read_only: maybe}",
    "{type: bind, source: /x, target: /y, read_only: \"true\"}",
    "{source: /x, target: /y}",
    "{type: bind, source: /x}",
    "{type: bind, source: /x, target: /y, bind: {propagation: rshared}}",
    "{type: bind, source: /x, target: /y, bind: {create_host_path: maybe}}",
    "{type: volume, source: nope, target: /y, volume: {nocopy: maybe}}",
    "42",
];
const EXTRA_HOSTS: &[&str] = &[
    "[\"h:1.2.3.4\"]",
    "[\"hostonly\"]",
    "[\"h=1.2.3.4\"]",
    "[\"h:::1\"]",
    "[\"h=[::1]\"]",
    "[\"host.docker.internal:host-gateway\"]",
    "{h: 1.2.3.4}",
    "{h: [1.2.3.4, 5.6.7.8]}",
    "[\":1.2.3.4\"]",
    "[\"=1.2.3.4\"]",
    "{h: {x: 1}}",
    "\"h:1.2.3.4\"",
    "[\"a:b:c\"]",
];
const HEALTH_TESTS: &[&str] = &[
    "[CMD, \"true\"]",
    "[CMD-SHELL, \"exit 0\"]",
    "[NONE]",
    "[WRONG, x]",
    "[]",
    "\"curl -f http://localhost\"",
    "[cmd, x]",
    "[\"\"]",
    "42",
];
const ULIMITS: &[&str] = &[
    "{nofile: 1024}",
    "{nofile: \"1024\"}",
    "{nofile: x}",
    "{nofile: {soft: 1, hard: 2}}",
    "{nofile: {soft: 1}}",
    "{nofile: {soft: x, hard: 2}}",
    "{nofile: {soft: \"1\", hard: \"2\"}}",
    "{nofile: -1}",
    "{nofile: 1.5}",
];
const ENVIRONMENTS: &[&str] = &[
    "[\"A=1\"]",
    "[\"A =1\"]",
    "[\"A\"]",
    "{A: 1}",
    "{A: {b: 1}}",
    "{A: [1]}",
    "{A: null}",
    "{A: true}",
    "[\"=x\"]",
    "[1]",
    "[\"A=1\", \"A=2\"]",
    "\"A=1\"",
];
const COMMANDS: &[&str] = &[
    "\"echo 'unterminated\"",
    "\"echo \\\"ok\\\"\"",
    "[echo, ok]",
    "[echo, 1]",
    "\"\"",
    "[]",
    "null",
    "{a: 1}",
    "\"a \\\\\"",
];
const DEVICES: &[&str] = &[
    "[\"/dev/a:/dev/b\"]",
    "[\"/dev/a:/dev/b:rwm\"]",
    "[\"a:b:c:d\"]",
    "[\"/dev/a\"]",
    "[{source: /dev/a, target: /dev/b}]",
    "[{source: /dev/a}]",
    "[1]",
];
const RESTARTS: &[&str] = &[
    "always",
    "\"no\"",
    "no",
    "on-failure:3",
    "unless-stopped",
    "sometimes",
    "on-failure:x",
];

/// The classes of edits, each with how to apply it to a base.
pub const CLASSES: &[&str] = &[
    "bool-field",
    "int-field",
    "float-field",
    "size-field",
    "stop-grace-period",
    "healthcheck-retries",
    "healthcheck-duration",
    "healthcheck-test",
    "healthcheck-disable",
    "deploy-replicas",
    "deploy-resources",
    "deploy-durations",
    "deploy-devices",
    "scale",
    "ports",
    "mounts",
    "extra-hosts",
    "ulimits",
    "environment",
    "command",
    "devices",
    "restart",
    "blkio-weight",
    "depends-on",
    "links-volumes-from",
    "network-mode",
    "networks-ref",
    "secrets-ref",
    "configs-ref",
    "no-image",
    "container-name",
    "top-secrets",
    "top-configs",
    "top-volumes",
    "top-networks",
    "project-name",
    "unknown-keys",
    "extends",
    "include",
    "profiles",
    "override-file",
    "interpolated",
    "yaml-scalars",
    "structure",
];

/// One variant of `base` for `class`, or `None` when the class does not apply to it.
fn variant(base: &Base, class: &str, rng: &mut Rng) -> Option<(String, Vec<(String, String)>)> {
    let text = &base.text;
    let svcs = services(text);
    let svc = if svcs.is_empty() {
        None
    } else {
        Some(rng.pick_ref(&svcs).clone())
    };
    let name = svc.as_ref().map(|s| s.name.clone());
    let other = svcs
        .iter()
        .map(|s| s.name.clone())
        .find(|n| Some(n) != name.as_ref());
    let set =
        |key: &str, value: &str| -> Option<String> { set_key(text, name.as_deref()?, key, value) };
    let mut extra: Vec<(String, String)> = Vec::new();
    let out = match class {
        "bool-field" => set(rng.pick(BOOL_FIELDS), rng.pick(BOOLS)),
        "int-field" => set(rng.pick(INT_FIELDS), rng.pick(INTS)),
        "float-field" => set(rng.pick(FLOAT_FIELDS), rng.pick(FLOATS)),
        "size-field" => set(rng.pick(SIZE_FIELDS), rng.pick(SIZES)),
        "stop-grace-period" => set("stop_grace_period", rng.pick(DURATIONS)),
        "healthcheck-retries" => set(
            "healthcheck",
            &format!("{{test: [CMD, \"true\"], retries: {}}}", rng.pick(INTS)),
        ),
        "healthcheck-duration" => {
            let key = rng.pick(&["interval", "timeout", "start_period", "start_interval"]);
            set(
                "healthcheck",
                &format!("{{test: [CMD, \"true\"], {key}: {}}}", rng.pick(DURATIONS)),
            )
        }
        "healthcheck-test" => set(
            "healthcheck",
            &format!("{{test: {}}}", rng.pick(HEALTH_TESTS)),
        ),
        "healthcheck-disable" => set("healthcheck", &format!("{{disable: {}}}", rng.pick(BOOLS))),
        "deploy-replicas" => set("deploy", &format!("{{replicas: {}}}", rng.pick(INTS))),
        "deploy-resources" => {
            let value = match rng.below(4) {
                0 => format!("{{limits: {{memory: {}}}}}", rng.pick(SIZES)),
                1 => format!("{{limits: {{cpus: {}}}}}", rng.pick(FLOATS)),
                2 => format!("{{limits: {{pids: {}}}}}", rng.pick(INTS)),
                _ => format!("{{reservations: {{memory: {}}}}}", rng.pick(SIZES)),
            };
            set("deploy", &format!("{{resources: {value}}}"))
        }
        "deploy-durations" => {
            let value = match rng.below(4) {
                0 => format!("{{update_config: {{delay: {}}}}}", rng.pick(DURATIONS)),
                1 => format!("{{restart_policy: {{window: {}}}}}", rng.pick(DURATIONS)),
                2 => format!("{{update_config: {{parallelism: {}}}}}", rng.pick(INTS)),
                _ => format!("{{restart_policy: {{max_attempts: {}}}}}", rng.pick(INTS)),
            };
            set("deploy", &value)
        }
        "deploy-devices" => {
            let device = rng.pick(&[
                "{capabilities: [gpu]}",
                "{capabilities: [gpu], count: 1}",
                "{capabilities: [gpu], count: all}",
                "{capabilities: [gpu], count: many}",
                "{capabilities: [gpu], count: 1, device_ids: [\"0\"]}",
                "{count: 1}",
                "{capabilities: [gpu], device_ids: [\"0\", \"1\"]}",
                "{capabilities: gpu}",
            ]);
            set(
                "deploy",
                &format!("{{resources: {{reservations: {{devices: [{device}]}}}}}}"),
            )
        }
        "scale" => {
            let scale = rng.pick(&["2", "-1", "\"2\"", "x", "0"]);
            let text = set("scale", scale)?;
            match rng.below(3) {
                0 => set_key(
                    &text,
                    name.as_deref()?,
                    "deploy",
                    rng.pick(&["{replicas: 3}", "{replicas: 2}"]),
                ),
                _ => Some(text),
            }
        }
        "ports" => {
            let n = 1 + rng.below(2);
            let items: Vec<&str> = (0..n).map(|_| rng.pick(PORTS)).collect();
            set("ports", &format!("[{}]", items.join(", ")))
        }
        "mounts" => {
            let n = 1 + rng.below(2);
            let items: Vec<&str> = (0..n).map(|_| rng.pick(MOUNTS)).collect();
            let t = set("volumes", &format!("[{}]", items.join(", ")))?;
            if rng.below(3) == 0 {
                set_key(
                    &t,
                    name.as_deref()?,
                    "tmpfs",
                    rng.pick(&["/y", "[/t]", "/data"]),
                )
            } else {
                Some(t)
            }
        }
        "extra-hosts" => set("extra_hosts", rng.pick(EXTRA_HOSTS)),
        "ulimits" => set("ulimits", rng.pick(ULIMITS)),
        "environment" => set("environment", rng.pick(ENVIRONMENTS)),
        "command" => set(rng.pick(&["command", "entrypoint"]), rng.pick(COMMANDS)),
        "devices" => set("devices", rng.pick(DEVICES)),
        "restart" => set("restart", rng.pick(RESTARTS)),
        "blkio-weight" => set(
            "blkio_config",
            &format!(
                "{{weight: {}}}",
                rng.pick(&["300", "\"300\"", "abc", "70000", "-1", "5"])
            ),
        ),
        "depends-on" => {
            let target = match rng.below(4) {
                0 => "nope".to_string(),
                1 => name.clone()?,
                _ => other.clone().unwrap_or_else(|| "nope".into()),
            };
            let form = match rng.below(5) {
                0 => format!("[{target}]"),
                1 => format!("{{{target}: {{condition: service_healthy}}}}"),
                2 => format!("{{{target}: {{condition: bogus}}}}"),
                3 => format!("{{{target}: {{condition: service_started, required: false}}}}"),
                _ => format!(
                    "{{{target}: {{condition: service_completed_successfully, restart: maybe}}}}"
                ),
            };
            let t = set("depends_on", &form)?;
            // Sometimes close a cycle through the other service.
            match (&other, rng.below(3)) {
                (Some(o), 0) if target == *o => {
                    set_key(&t, o, "depends_on", &format!("[{}]", name.clone()?))
                }
                _ => Some(t),
            }
        }
        "links-volumes-from" => {
            let target = if rng.below(2) == 0 {
                "nope".to_string()
            } else {
                other.clone().unwrap_or_else(|| "nope".into())
            };
            match rng.below(4) {
                0 => set("links", &format!("[{target}]")),
                1 => set("links", &format!("[\"{target}:alias\"]")),
                2 => set("volumes_from", &format!("[{target}]")),
                _ => set(
                    "volumes_from",
                    &format!("[\"container:{target}\", \"{target}:ro\"]"),
                ),
            }
        }
        "network-mode" => {
            let target = other.clone().unwrap_or_else(|| "nope".into());
            let mode = rng
                .pick_ref(&[
                    "host".to_string(),
                    "none".to_string(),
                    "bridge".to_string(),
                    format!("\"service:{target}\""),
                    "\"service:nope\"".to_string(),
                    "\"container:abc\"".to_string(),
                    "\"\"".to_string(),
                ])
                .clone();
            let t = set("network_mode", &mode)?;
            if rng.below(2) == 0 {
                set_key(&t, name.as_deref()?, "networks", "[default]")
            } else {
                Some(t)
            }
        }
        "networks-ref" => set(
            "networks",
            rng.pick(&[
                "[nope]",
                "[default]",
                "{default: {aliases: [x]}}",
                "{default: {ipv4_address: 1.2.3.4}}",
                "{default: {priority: x}}",
                "{default: {priority: \"5\"}}",
                "{nope: null}",
                "\"default\"",
            ]),
        ),
        "secrets-ref" => {
            let declared = rng.below(2) == 0;
            let t = if declared {
                add_top(text, "secrets", "s1", "{file: ./s1.txt}")?
            } else {
                text.clone()
            };
            let form = rng.pick(&[
                "[s1]",
                "[{source: s1, target: /x}]",
                "[{source: s1, mode: 0400}]",
                "[{source: s1, mode: x}]",
                "[{target: /x}]",
            ]);
            set_key(&t, name.as_deref()?, "secrets", form)
        }
        "configs-ref" => {
            let t = if rng.below(2) == 0 {
                add_top(text, "configs", "c1", "{content: hello}")?
            } else {
                text.clone()
            };
            set_key(
                &t,
                name.as_deref()?,
                "configs",
                rng.pick(&[
                    "[c1]",
                    "[{source: c1, target: /x}]",
                    "[{source: c1, uid: 1}]",
                ]),
            )
        }
        "no-image" => {
            let t = remove_key(text, name.as_deref()?, "image");
            t.and_then(|t| {
                if rng.below(2) == 0 {
                    remove_key(&t, name.as_deref()?, "build").or(Some(t))
                } else {
                    Some(t)
                }
            })
        }
        "container-name" => {
            let cname = rng.pick(&["ok-name", "c", "\"bad name\"", "_x", "a.b", "1"]);
            let t = set("container_name", cname)?;
            match rng.below(3) {
                0 => set_key(
                    &t,
                    name.as_deref()?,
                    "deploy",
                    rng.pick(&["{replicas: 2}", "{replicas: 1}"]),
                ),
                1 => other
                    .as_deref()
                    .and_then(|o| set_key(&t, o, "container_name", cname)),
                _ => Some(t),
            }
        }
        "top-secrets" => add_top(
            text,
            "secrets",
            "s1",
            rng.pick(&[
                "{}",
                "{file: ./x}",
                "{environment: GA}",
                "{file: ./x, environment: GA}",
                "{external: true}",
                "{external: true, file: ./x}",
                "{external: {name: n}}",
                "{name: a, external: {name: b}}",
                "{driver: custom}",
                "{content: x}",
                "null",
            ]),
        ),
        "top-configs" => add_top(
            text,
            "configs",
            "c1",
            rng.pick(&[
                "{}",
                "{file: ./x}",
                "{content: x}",
                "{environment: GA}",
                "{file: ./x, content: y}",
                "{external: true}",
                "{external: maybe}",
            ]),
        ),
        "top-volumes" => add_top(
            text,
            "volumes",
            "v1",
            rng.pick(&[
                "{}",
                "null",
                "{external: true}",
                "{external: true, driver: local}",
                "{external: true, labels: {a: b}}",
                "{external: true, name: other}",
                "{external: true, driver_opts: {a: b}}",
                "{external: \"true\"}",
                "{external: maybe}",
                "{driver: local, driver_opts: {type: none}}",
                "{name: a, external: {name: b}}",
                "{labels: [\"a=b\"]}",
                "[]",
            ]),
        ),
        "top-networks" => add_top(
            text,
            "networks",
            "n1",
            rng.pick(&[
                "{}",
                "null",
                "{external: true}",
                "{external: true, driver: bridge}",
                "{external: true, ipam: {config: [{subnet: 10.1.0.0/24}]}}",
                "{internal: maybe}",
                "{internal: \"true\"}",
                "{ipam: {config: [{subnet: 10.1.0.0/24, gateway: 10.1.0.1}]}}",
                "{ipam: {config: [{subnet: bad}]}}",
                "{driver_opts: {a: 1}}",
                "{enable_ipv6: yes}",
                "{name: a, external: {name: b}}",
            ]),
        ),
        "project-name" => set_top(
            text,
            "name",
            rng.pick(&[
                "ok",
                "\"Bad Name\"",
                "1",
                "\"_x\"",
                "\"\"",
                "[a]",
                "My-App",
                "\"-x\"",
            ]),
        ),
        "unknown-keys" => match rng.below(4) {
            0 => set("no_such_key", "1"),
            1 => set("x-extension", "{a: 1}"),
            2 => set_top(text, "x-top", "{a: 1}"),
            _ => set_top(text, "nonsense", "1"),
        },
        "extends" => {
            let target = other.clone().unwrap_or_else(|| "nope".into());
            match rng.below(6) {
                0 => set("extends", "{service: nope}"),
                1 => set("extends", &target),
                2 => set("extends", &name.clone()?),
                3 => set("extends", "{file: missing.yaml, service: x}"),
                4 => {
                    extra.push(("base.yaml".into(), "services:\n  basesvc:\n    image: base:1\n    ports: [\"9000:9000\"]\n    environment: [A=1]\n".into()));
                    set(
                        "extends",
                        rng.pick(&[
                            "{file: base.yaml, service: basesvc}",
                            "{file: base.yaml, service: nope}",
                        ]),
                    )
                }
                _ => {
                    extra.push(("base.yaml".into(), format!("services:\n  basesvc:\n    image: base:1\n    privileged: {}\n    mem_limit: {}\n", rng.pick(BOOLS), rng.pick(SIZES))));
                    set("extends", "{file: base.yaml, service: basesvc}")
                }
            }
        }
        "include" => {
            let inc = match rng.below(5) {
                0 => "services:\n  incsvc:\n    image: inc:1\n".to_string(),
                1 => format!(
                    "services:\n  incsvc:\n    image: inc:1\n    healthcheck: {{retries: {}}}\n",
                    rng.pick(INTS)
                ),
                2 => format!(
                    "include: [{}]\nservices:\n  incsvc:\n    image: inc:1\n",
                    base.path
                ),
                3 => format!(
                    "services:\n  {}:\n    image: inc:1\n",
                    name.clone().unwrap_or_else(|| "incsvc".into())
                ),
                _ => "services:\n  incsvc:\n    image: ${PARITY_WORD}\n".to_string(),
            };
            extra.push(("inc/compose.yaml".into(), inc));
            let spec = rng.pick(&[
                "[inc/compose.yaml]",
                "[missing.yaml]",
                "[{path: inc/compose.yaml}]",
                "[{path: inc/compose.yaml, env_file: missing.env}]",
                "[{path: inc/compose.yaml, project_directory: inc}]",
                "\"inc/compose.yaml\"",
            ]);
            let t = set_top(text, "include", spec)?;
            if rng.below(2) == 0 {
                set_key(&t, name.as_deref()?, "depends_on", "[incsvc]")
            } else {
                Some(t)
            }
        }
        "profiles" => {
            let t = set(
                "profiles",
                rng.pick(&["[debug]", "\"debug\"", "[\"\"]", "[1]"]),
            )?;
            match &other {
                Some(o) if rng.below(2) == 0 => {
                    set_key(&t, o, "depends_on", &format!("[{}]", name.clone()?))
                }
                _ => Some(t),
            }
        }
        "override-file" => {
            let s = name.clone()?;
            let body = match rng.below(8) {
                0 => format!("    image: {}\n", rng.pick(&["over:1", "[x]", "1"])),
                1 => format!("    ports: [{}]\n", rng.pick(PORTS)),
                2 => format!("    privileged: {}\n", rng.pick(BOOLS)),
                3 => format!("    environment: {}\n", rng.pick(ENVIRONMENTS)),
                4 => format!("    mem_limit: {}\n", rng.pick(SIZES)),
                5 => "    depends_on: [nope]\n".to_string(),
                6 => format!("    command: {}\n", rng.pick(COMMANDS)),
                _ => "    volumes: [\"/a:/data\"]\n".to_string(),
            };
            extra.push((
                "compose.override.yaml".into(),
                format!("services:\n  {s}:\n{body}"),
            ));
            Some(text.clone())
        }
        "interpolated" => {
            let (field, values): (&str, &[&str]) = match rng.below(6) {
                0 => (rng.pick(BOOL_FIELDS), &["true", "maybe", "yes", ""]),
                1 => ("pids_limit", &["2", "many", "2.5", ""]),
                2 => ("mem_limit", &["512m", "1x", "-1g", ""]),
                3 => ("stop_grace_period", &["10s", "soon", ""]),
                4 => ("cpus", &["0.5", "abc"]),
                _ => ("image", &["img:1", ""]),
            };
            let value = rng.pick(values);
            let form = match rng.below(5) {
                0 => format!("\"${{PARITY_UNSET_X:-{value}}}\""),
                1 => format!("\"${{PARITY_WORD:+{value}}}\""),
                2 => "${PARITY_WORD}".to_string(),
                3 => {
                    // Defaults nested deeper than any fixed bound (compose takes 1,000 levels).
                    let depth = 1 + rng.below(120);
                    format!(
                        "\"{}{value}{}\"",
                        "${PARITY_UNSET_X:-".repeat(depth),
                        "}".repeat(depth)
                    )
                }
                _ => format!("\"${{PARITY_EMPTY-{value}}}\""),
            };
            set(field, &form)
        }
        "yaml-scalars" => match rng.below(6) {
            0 => set(
                "image",
                rng.pick(&[
                    "2001-12-14",
                    "\"2001-12-14\"",
                    "!!str 2001-12-14",
                    "12",
                    "0x1F",
                    "~",
                    "1.0",
                ]),
            ),
            1 => set(
                "stop_signal",
                rng.pick(&["2001-12-14 21:59:43.10", "SIGTERM"]),
            ),
            2 => set(
                "labels",
                rng.pick(&[
                    "{a: 2001-12-14}",
                    "{a: 1}",
                    "[\"a=b\"]",
                    "{a: {b: c}}",
                    "{a: null}",
                ]),
            ),
            3 => set(
                "environment",
                rng.pick(&["{D: 2001-12-14}", "{N: 0755}", "{F: .5}"]),
            ),
            4 => set(
                "working_dir",
                rng.pick(&["/app", "1", "true", "2001-12-14"]),
            ),
            _ => set("hostname", rng.pick(&["h", "1", "\"\"", "[h]"])),
        },
        "structure" => match rng.below(6) {
            0 => Some(format!("{text}\nservices: {{}}\n")),
            1 => set_top(
                text,
                "services",
                rng.pick(&["[]", "{}", "null", "{a: null}", "{a: 1}", "{a: {}}"]),
            ),
            2 => set("image", "x\n    image: y"),
            3 => Some(format!(
                "{text}\n---\nservices:\n  second-doc:\n    image: x\n"
            )),
            4 => set_top(text, "version", rng.pick(&["\"3\"", "3.8", "\"2\"", "1"])),
            _ => Some(format!("x: &a {{image: x}}\n{text}")),
        },
        _ => None,
    }?;
    Some((out, extra))
}

/// `count` cases over `bases`, plus every base unchanged.
pub fn generate(bases: &[Base], seed: u64, count: usize) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    let mut cases = Vec::new();
    for (i, base) in bases.iter().enumerate() {
        cases.push(case(
            base,
            format!("base-{i}"),
            "unchanged",
            base.text.clone(),
            Vec::new(),
        ));
    }
    let mut attempts = 0;
    while cases.len() < bases.len() + count && attempts < count * 20 {
        attempts += 1;
        let class = rng.pick(CLASSES);
        let base = rng.pick_ref(bases);
        if base.name.starts_with("labelled-invalid") {
            continue;
        }
        if let Some((text, extra)) = variant(base, class, &mut rng) {
            let id = format!("v{}-{class}", cases.len());
            let mut c = case(base, id, class, text, extra.clone());
            if class == "override-file" {
                c.compose_files.push("compose.override.yaml".into());
            }
            cases.push(c);
        }
    }
    cases
}

fn case(base: &Base, id: String, class: &str, text: String, extra: Vec<(String, String)>) -> Case {
    let mut files = base.siblings.clone();
    files.push((base.path.clone(), text));
    files.extend(extra);
    let mut env = fixed_env();
    env.extend(base.env.clone());
    Case {
        id,
        class: class.to_string(),
        files,
        compose_files: vec![base.path.clone()],
        env,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_the_yaml_valid() {
        let text =
            "services:\n  a:\n    image: x\n    ports:\n      - \"1:1\"\n  b:\n    image: y\n";
        let t = set_key(text, "a", "ports", "[\"2:2\"]").unwrap_or_default();
        assert_eq!(
            t,
            "services:\n  a:\n    image: x\n    ports: [\"2:2\"]\n  b:\n    image: y\n"
        );
        let t = set_key(text, "b", "privileged", "true").unwrap_or_default();
        assert!(t.ends_with("    image: y\n    privileged: true\n"), "{t}");
        let t = add_top(text, "volumes", "v", "{}").unwrap_or_default();
        assert!(t.ends_with("volumes:\n  v: {}\n"), "{t}");
        assert_eq!(
            testdata_path("extends_withdir_dir_base.yaml"),
            "extends/withdir/dir/base.yaml"
        );
        assert_eq!(
            testdata_path("extends_depends_on.yaml"),
            "extends/depends_on.yaml"
        );
    }
}
