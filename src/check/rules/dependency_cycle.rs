use std::collections::HashMap;

use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a cycle in `depends_on`, showing the cycle.
    ///
    /// ## Why is this bad?
    /// Docker Compose cannot order the services and refuses to start them.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   a: {image: "a:1", depends_on: [b]}
    ///   b: {image: "b:1", depends_on: [a]}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   a: {image: "a:1", depends_on: [b]}
    ///   b: {image: "b:1"}
    /// ```
    DependencyCycle, "dependency-cycle", Error, "a `depends_on` cycle"
}

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    Unvisited,
    Active,
    Done,
}

impl Rule for DependencyCycle {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        let index: HashMap<&str, usize> = project
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), i))
            .collect();
        let mut marks = vec![Mark::Unvisited; project.services.len()];
        // Iterative depth-first search; the stack holds (service, next dependency to visit).
        for root in 0..project.services.len() {
            if marks[root] != Mark::Unvisited {
                continue;
            }
            let mut stack = vec![(root, 0usize)];
            marks[root] = Mark::Active;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let deps = &project.services[node].depends_on;
                if *next >= deps.len() {
                    marks[node] = Mark::Done;
                    stack.pop();
                    continue;
                }
                let dep = &deps[*next];
                *next += 1;
                let Some(&target) = index.get(dep.service.as_str()) else {
                    continue;
                };
                match marks[target] {
                    Mark::Unvisited => {
                        marks[target] = Mark::Active;
                        stack.push((target, 0));
                    }
                    Mark::Active => {
                        let start = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                        let mut names: Vec<&str> = stack[start..]
                            .iter()
                            .map(|(n, _)| project.services[*n].name.as_str())
                            .collect();
                        names.push(&project.services[target].name);
                        let cycle = names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(" → ");
                        out.add(&Self::META, dep.span, format!("dependency cycle: {cycle}"))
                            .help("remove one of these `depends_on` entries; services in a cycle cannot be started in order");
                    }
                    Mark::Done => {}
                }
            }
        }
    }
}
