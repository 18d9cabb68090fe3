//! Compose profiles: a service with `profiles:` is part of the project only when one of its
//! profiles is active (`--compose-profile`, else `COMPOSE_PROFILES`, comma-separated; `*`
//! activates all). A service without `profiles:` is always part of it.

use super::env::Env;

/// The active profiles. Like the compose CLI, which splits an unset `COMPOSE_PROFILES` into
/// one empty name, the empty profile is active when none is given: `profiles: [""]` is
/// always enabled.
pub fn active(given: &[String], env: &Env) -> Vec<String> {
    if !given.is_empty() {
        return given.to_vec();
    }
    let value = env.get("COMPOSE_PROFILES").unwrap_or("");
    value.split(',').map(|p| p.trim().to_string()).collect()
}

/// Whether a service with `profiles` is enabled under `active`.
pub fn enabled(profiles: &[String], active: &[String]) -> bool {
    profiles.is_empty()
        || active.iter().any(|a| a == "*")
        || profiles.iter().any(|p| active.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection() {
        let mut vars = std::collections::HashMap::new();
        vars.insert("COMPOSE_PROFILES".to_string(), "debug, ops".to_string());
        let env = Env::new(vars);
        let a = active(&[], &env);
        assert_eq!(a, ["debug", "ops"]);
        assert!(enabled(&["".into()], &active(&[], &Env::default())));
        assert!(enabled(&[], &a));
        assert!(enabled(&["ops".into()], &a));
        assert!(!enabled(&["web".into()], &a));
        assert!(enabled(&["web".into()], &["*".into()]));
        assert_eq!(active(&["x".into()], &env), ["x"]);
    }
}
