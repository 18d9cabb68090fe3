//! What a service's Dockerfile (its local `build:` context) says that matters to the stack: the
//! images it is built `FROM` (a local build of `docker:*-dind` is a Docker daemon), its final
//! `USER`, the groups it creates and the users it adds to them (who may open the Docker socket),
//! and whether it declares a `HEALTHCHECK`. The loader reads the file; this module only parses.

use std::collections::HashMap;

/// The facts of one Dockerfile.
#[derive(Clone, Debug, Default)]
pub struct Dockerfile {
    /// The image of every `FROM`, in order (`AS name` stages resolved to their image).
    pub from: Vec<String>,
    pub users: DockerfileUsers,
    /// `Some(true)` a `HEALTHCHECK CMD …`, `Some(false)` `HEALTHCHECK NONE`, `None` neither.
    pub healthcheck: Option<bool>,
    /// The last `ENTRYPOINT` and `CMD` in exec form (`["a", "b"]`) or shell form.
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
}

impl Dockerfile {
    /// The image the final stage is built from.
    pub fn base(&self) -> Option<&str> {
        self.from.last().map(String::as_str)
    }
}

/// `["a", "b"]` (JSON) or a shell line.
fn instruction_args(rest: &str) -> Vec<String> {
    let rest = rest.trim();
    if rest.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Vec<String>>(rest) {
            return v;
        }
    }
    vec!["/bin/sh".into(), "-c".into(), rest.to_string()]
}

/// Parses a Dockerfile's text.
pub fn parse(text: &str) -> Dockerfile {
    let mut out = Dockerfile {
        users: parse_users(text),
        ..Dockerfile::default()
    };
    let mut stages: HashMap<String, String> = HashMap::new();
    let joined = text.replace("\\\n", " ");
    for line in joined.lines() {
        let line = line.trim();
        let Some((word, rest)) = line.split_once(char::is_whitespace) else {
            continue;
        };
        match word.to_ascii_uppercase().as_str() {
            "FROM" => {
                let parts: Vec<&str> = rest
                    .split_whitespace()
                    .filter(|p| !p.starts_with("--"))
                    .collect();
                let Some(image) = parts.first() else { continue };
                let image = stages
                    .get(*image)
                    .cloned()
                    .unwrap_or_else(|| (*image).to_string());
                if let [_, as_, name] = parts.as_slice() {
                    if as_.eq_ignore_ascii_case("as") {
                        stages.insert((*name).to_string(), image.clone());
                    }
                }
                out.from.push(image);
            }
            "HEALTHCHECK" => {
                out.healthcheck = Some(!rest.trim().eq_ignore_ascii_case("none"));
            }
            "ENTRYPOINT" => out.entrypoint = Some(instruction_args(rest)),
            "CMD" => out.cmd = Some(instruction_args(rest)),
            _ => {}
        }
    }
    out
}

/// What a Dockerfile says about users and groups.
#[derive(Clone, Debug, Default)]
pub struct DockerfileUsers {
    pub group_gids: HashMap<String, u32>,
    pub memberships: Vec<(String, String)>,
    pub primary: HashMap<String, String>,
    /// User name to the UID `adduser -u`/`useradd -u` gave it.
    pub uids: HashMap<String, u32>,
    pub last_user: Option<String>,
}

fn parse_users(text: &str) -> DockerfileUsers {
    let mut out = DockerfileUsers::default();
    // Join continuation lines, then split RUN commands on `&&` and `;`.
    let joined = text.replace("\\\n", " ");
    for line in joined.lines() {
        let line = line.trim();
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("USER ") {
            out.last_user = Some(line[5..].trim().to_string());
            continue;
        }
        if !upper.starts_with("RUN ") {
            continue;
        }
        for cmd in line[4..]
            .split(['&', ';', '|'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let words: Vec<&str> = cmd.split_whitespace().collect();
            let Some(&program) = words.first() else {
                continue;
            };
            let opt = |names: &[&str]| -> Option<&str> {
                words
                    .iter()
                    .position(|w| names.contains(w))
                    .and_then(|i| words.get(i + 1).copied())
            };
            let positional: Vec<&str> = {
                let mut v = Vec::new();
                let mut skip = false;
                for w in &words[1..] {
                    if skip {
                        skip = false;
                        continue;
                    }
                    if w.starts_with('-') {
                        // Options that take a value; flags such as `-D` do not.
                        skip = matches!(
                            *w,
                            "-g" | "-G"
                                | "-u"
                                | "-s"
                                | "-h"
                                | "--gid"
                                | "--uid"
                                | "--shell"
                                | "--home"
                                | "--ingroup"
                        );
                        continue;
                    }
                    v.push(*w);
                }
                v
            };
            match program {
                "addgroup" | "groupadd" => {
                    if let (Some(gid), Some(name)) = (
                        opt(&["-g", "--gid"]).and_then(|g| g.parse().ok()),
                        positional.last(),
                    ) {
                        out.group_gids.insert((*name).to_string(), gid);
                    } else if program == "addgroup" && positional.len() == 2 {
                        // busybox `addgroup USER GROUP` adds a user to a group.
                        out.memberships
                            .push((positional[0].to_string(), positional[1].to_string()));
                    }
                }
                "adduser" | "useradd" => {
                    if let (Some(uid), Some(user)) = (
                        opt(&["-u", "--uid"]).and_then(|u| u.parse().ok()),
                        positional.first(),
                    ) {
                        out.uids.insert((*user).to_string(), uid);
                    }
                    let group = opt(&["-G", "--ingroup", "-g"]);
                    if program == "adduser" && positional.len() == 2 && group.is_none() {
                        out.memberships
                            .push((positional[0].to_string(), positional[1].to_string()));
                    } else if let (Some(user), Some(group)) = (positional.last(), group) {
                        for g in group.split(',') {
                            out.memberships.push(((*user).to_string(), g.to_string()));
                        }
                        out.primary.insert(
                            (*user).to_string(),
                            group.split(',').next().unwrap_or(group).to_string(),
                        );
                    }
                }
                "usermod" | "gpasswd" => {
                    if let (Some(groups), Some(user)) =
                        (opt(&["-aG", "-G", "-a"]), positional.last())
                    {
                        for g in groups.split(',') {
                            out.memberships.push(((*user).to_string(), g.to_string()));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_and_groups() {
        let d = parse(
            "FROM alpine:3.20\nRUN addgroup -g 2375 docker && \\\n    adduser -D -u 1000 app && addgroup app docker\nRUN groupadd --gid 999 ops; usermod -aG ops app\nUSER app\n",
        );
        assert_eq!(d.users.group_gids.get("docker"), Some(&2375));
        assert_eq!(d.users.group_gids.get("ops"), Some(&999));
        assert!(
            d.users
                .memberships
                .contains(&("app".into(), "docker".into()))
        );
        assert!(d.users.memberships.contains(&("app".into(), "ops".into())));
        assert_eq!(d.users.last_user.as_deref(), Some("app"));
    }

    #[test]
    fn stages_healthcheck_and_entrypoint() {
        let d = parse(
            "FROM docker:27-dind AS base\nFROM base\nHEALTHCHECK CMD docker info\nENTRYPOINT [\"dockerd-entrypoint.sh\"]\nCMD --debug\n",
        );
        assert_eq!(d.base(), Some("docker:27-dind"));
        assert_eq!(d.healthcheck, Some(true));
        assert_eq!(
            d.entrypoint,
            Some(vec!["dockerd-entrypoint.sh".to_string()])
        );
        assert_eq!(d.cmd.map(|c| c.len()), Some(3));
    }
}
