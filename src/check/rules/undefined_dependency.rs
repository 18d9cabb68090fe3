use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports `depends_on` naming a service that does not exist.
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file ("depends on undefined service").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web: {image: "web:1", depends_on: [databse]}
    ///   database: {image: "postgres:16"}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web: {image: "web:1", depends_on: [database]}
    ///   database: {image: "postgres:16"}
    /// ```
    UndefinedDependency, "undefined-dependency", Error, "`depends_on` names a service that does not exist"
}

impl Rule for UndefinedDependency {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for service in &project.services {
            for dep in &service.depends_on {
                if project.service(&dep.service).is_none() {
                    out.add(
                        &Self::META,
                        dep.span,
                        format!(
                            "`{}` depends on `{}`, which is not a service",
                            service.name, dep.service
                        ),
                    )
                    .help("fix the name, or define the service");
                }
            }
        }
    }
}
