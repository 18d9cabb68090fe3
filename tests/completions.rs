//! Shell completions and man pages, generated from the clap definitions.

mod common;

use common::*;

/// Sources the bash script in a real bash and asks it to complete `words` (the last one is
/// being typed), as bash does on TAB.
fn complete(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let words_q: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let prog = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={cword}; COMP_LINE='{}'; COMP_POINT=${{#COMP_LINE}}; \
         _dindctl dindctl '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words_q.join(" "),
        words.join(" "),
        words[cword],
        words[cword - 1],
    );
    let o = std::process::Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &prog])
        .output()
        .unwrap_or_else(|e| panic!("bash: {e}"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_subcommands_rule_ids_and_profiles() {
    let dir = tempdir();
    let o = run_in(dir.path(), &["completions", "bash"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let script = dir.path().join("dindctl.bash");
    write(&script, &stdout(&o));
    assert_eq!(complete(&script, &["dindctl", "ex"]), ["explain"]);
    let subcommands = complete(&script, &["dindctl", ""]);
    for sub in [
        "render",
        "check",
        "apply",
        "diff",
        "status",
        "down",
        "init",
        "completions",
        "man",
    ] {
        assert!(
            subcommands.iter().any(|s| s == sub),
            "{sub}: {subcommands:?}"
        );
    }
    assert_eq!(
        complete(&script, &["dindctl", "explain", "socket-g"]),
        ["socket-group-mismatch"]
    );
    let offered = complete(&script, &["dindctl", "explain", ""]);
    let mut rules: Vec<&str> = offered
        .iter()
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    rules.sort();
    let mut ids: Vec<&str> = dindctl::check::registry()
        .iter()
        .map(|r| r.meta().id)
        .collect();
    ids.sort();
    assert_eq!(rules, ids);
    assert_eq!(
        complete(&script, &["dindctl", "check", "--select", "unpinned"]),
        ["unpinned-image"]
    );
    assert_eq!(
        complete(&script, &["dindctl", "render", "--profile", "pr"]),
        ["prod"]
    );
    assert!(complete(&script, &["dindctl", "apply", "--dry"]).contains(&"--dry-run".to_string()));
}

#[test]
fn every_shell_gets_a_script_and_every_subcommand_a_man_page() {
    let dir = tempdir();
    for (shell, marker) in [
        ("zsh", "#compdef dindctl"),
        ("fish", "complete -c dindctl"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[dindctl]"),
    ] {
        let o = run_in(dir.path(), &["completions", shell]);
        assert_eq!(code(&o), 0, "{shell}");
        assert!(
            stdout(&o).contains(marker),
            "{shell}: {}",
            &stdout(&o)[..200.min(stdout(&o).len())]
        );
    }
    assert_eq!(code(&run_in(dir.path(), &["completions", "tcsh"])), 2);
    let o = run_in(dir.path(), &["man", "--out", "man"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let names: Vec<String> = dindctl::cli::subcommand_names();
    assert!(names.len() >= 12, "{names:?}");
    for name in
        std::iter::once("dindctl".to_string()).chain(names.iter().map(|n| format!("dindctl-{n}")))
    {
        let page =
            std::fs::read_to_string(dir.path().join(format!("man/{name}.1"))).unwrap_or_default();
        assert!(
            page.contains(&format!(".TH {name} 1")) && page.contains(".SH NAME"),
            "{name}:\n{page}"
        );
    }
    let check = std::fs::read_to_string(dir.path().join("man/dindctl-check.1")).unwrap_or_default();
    assert!(
        check.contains("fail\\-on") && check.contains("select"),
        "{check}"
    );
}
