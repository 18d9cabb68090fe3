use std::collections::HashMap;

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reports two containers with the same name on one daemon: two outer services with the
    /// same `container_name`, or two inner containers with the same name inside DinD.
    ///
    /// ## Why is this bad?
    /// The second container cannot be created ("Conflict. The container name is already in
    /// use").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   a: {image: "a:1", container_name: app}
    ///   b: {image: "b:1", container_name: app}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   a: {image: "a:1", container_name: app-a}
    ///   b: {image: "b:1", container_name: app-b}
    /// ```
    DuplicateContainerName, "duplicate-container-name", Error, "two containers with one name on one daemon"
}

fn report<'a>(names: impl Iterator<Item = (&'a str, Span)>, daemon: &str, out: &mut Findings) {
    let mut first: HashMap<&str, Span> = HashMap::new();
    for (name, span) in names {
        match first.get(name) {
            Some(&earlier) => {
                out.add(
                    &DuplicateContainerName::META,
                    span,
                    format!("container name `{name}` is used twice on the {daemon} daemon"),
                )
                .related(earlier, "first used here")
                .help("container names are unique per daemon; rename one");
            }
            None => {
                first.insert(name, span);
            }
        }
    }
}

impl Rule for DuplicateContainerName {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let outer = cx
            .stack
            .services()
            .filter_map(|s| s.container_name.as_ref())
            .filter(|c| !c.value.unresolved)
            .map(|c| (c.value.text.as_str(), c.span));
        report(outer, "host", out);
        let inner = cx
            .stack
            .containers()
            .map(|(_, c)| (c.container_name.value.as_str(), c.container_name.span));
        report(inner, "DinD", out);
    }
}
