//! Compose's `extends` stage (compose-go `loader/extends.go`): a service that names a base
//! (`extends: base`, `extends: {service: base, file: other.yaml}`) becomes the base merged
//! under it with compose's merge rules, bases resolved first (chains), cycles refused. A base
//! from another file is read and interpolated with the same variables but not validated on
//! its own; its relative paths stay relative to its own file (every node keeps the span of
//! the file it came from).

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::source::Span;
use crate::yaml::{Node, Value};

use super::compose::Ctx;
use super::env::Env;
use super::merge;
use super::tree;

/// One link of an extends chain, for cycle detection: (file, service).
type Link = (PathBuf, String);

/// Applies `extends` to every service of `doc`, which was read from `file`.
pub fn apply(ctx: &mut Ctx<'_>, doc: &mut Node, file: &Path, env: &Env) {
    let names: Vec<String> = match doc.get("services").and_then(Node::as_map) {
        Some(entries) => entries
            .iter()
            .filter(|e| e.value.get("extends").is_some())
            .filter_map(|e| e.key_text().map(str::to_string))
            .collect(),
        None => return,
    };
    if names.is_empty() {
        return;
    }
    let Some(services) = tree::get_mut(doc, "services") else {
        return;
    };
    for name in names {
        let mut chain = Vec::new();
        resolve(ctx, services, &name, file, env, &mut chain);
    }
}

fn text(node: &Node) -> Option<String> {
    tree::string(node).map(str::to_string)
}

/// Resolves `extends` of service `name` in `services` (a mapping node) in place. Returns
/// whether the service is usable as a base.
fn resolve(
    ctx: &mut Ctx<'_>,
    services: &mut Node,
    name: &str,
    file: &Path,
    env: &Env,
    chain: &mut Vec<Link>,
) -> bool {
    let Some(service) = services.get(name) else {
        return false;
    };
    let Some(extends) = service.get("extends") else {
        return true;
    };
    let extends_span = extends.span;
    let (reference, ref_file, ref_span, file_span) = match &extends.value {
        Value::Map(_) => {
            let Some(r) = extends.get("service").and_then(text) else {
                // The schema reports the missing `service`.
                return false;
            };
            let span = extends.get("service").map_or(extends_span, |n| n.span);
            let file_span = extends.get("file").map_or(span, |n| n.span);
            (r, extends.get("file").and_then(text), span, file_span)
        }
        Value::Scalar(_) => match text(extends) {
            Some(r) => (r, None, extends_span, extends_span),
            None => return false,
        },
        Value::Seq(_) => return false,
    };
    let link_file = ref_file
        .as_ref()
        .map_or_else(|| file.to_path_buf(), |f| resolve_path(file, f));
    let link = (link_file.clone(), name.to_string());
    if chain.contains(&link) {
        let mut cycle: Vec<String> = chain.iter().map(|(_, s)| format!("`{s}`")).collect();
        cycle.push(format!("`{name}`"));
        ctx.push(
            Diagnostic::error(
                "extends-cycle",
                format!(
                    "`extends` goes round in a circle: {}",
                    cycle.join(" extends ")
                ),
                Some(extends_span),
            )
            .with_help(
                "break the chain: a service cannot extend itself, directly or through others",
            ),
        );
        return false;
    }
    chain.push(link);
    let base = match &ref_file {
        None => {
            if services.get(&reference).is_none() {
                ctx.push(
                    Diagnostic::error(
                        "undefined-extends",
                        format!("`{name}` extends `{reference}`, which is not a service of this file"),
                        Some(ref_span),
                    )
                    .with_help("name a service defined in the same file, or add `file:` naming the file that defines it"),
                );
                chain.pop();
                return false;
            }
            if !resolve(ctx, services, &reference, file, env, chain) {
                chain.pop();
                return false;
            }
            services.get(&reference).cloned()
        }
        Some(other) => base_from_file(
            ctx,
            &link_file,
            other,
            &reference,
            name,
            (file_span, ref_span),
            env,
            chain,
        ),
    };
    chain.pop();
    let Some(mut base) = base else {
        return false;
    };
    tree::remove(&mut base, "extends");
    let Some(entry) = tree::entry_mut(services, name) else {
        return false;
    };
    let mut own = std::mem::replace(
        &mut entry.value,
        Node::new(extends_span, Value::Map(Vec::new())),
    );
    tree::remove(&mut own, "extends");
    let resets = merge::take_resets(&mut own);
    for r in &resets {
        merge::remove_path(&mut base, r);
    }
    let mut path = vec!["services".to_string(), "x".to_string()];
    match merge::merge(base, own.clone(), &mut path) {
        Ok(merged) => entry.value = merged,
        Err(e) => {
            ctx.push(Diagnostic::error(
                "schema-violation",
                format!(
                    "`{name}` cannot override `{}` of the service it extends: the kinds differ",
                    e.path
                ),
                Some(e.span),
            ));
            entry.value = own;
        }
    }
    true
}

/// `file` relative to the directory of `from`.
pub fn resolve_path(from: &Path, file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    super::lexical(&from.parent().unwrap_or(Path::new("")).join(p))
}

#[allow(clippy::too_many_arguments)]
fn base_from_file(
    ctx: &mut Ctx<'_>,
    path: &Path,
    written: &str,
    reference: &str,
    name: &str,
    (file_span, span): (Span, Span),
    env: &Env,
    chain: &mut Vec<Link>,
) -> Option<Node> {
    let mut doc = ctx.read_document(path, file_span, written, env)?;
    let Some(services) = tree::get_mut(&mut doc, "services") else {
        ctx.push(Diagnostic::error(
            "undefined-extends",
            format!("`{name}` extends `{reference}` from `{written}`, which has no services"),
            Some(span),
        ));
        return None;
    };
    if services.get(reference).is_none() {
        ctx.push(Diagnostic::error(
            "undefined-extends",
            format!("`{name}` extends `{reference}`, which `{written}` does not define"),
            Some(span),
        ));
        return None;
    }
    if !resolve(ctx, services, reference, path, env, chain) {
        return None;
    }
    services.get(reference).cloned()
}
