use crate::check::{Context, Findings, Rule, declare_rule};
declare_rule! {
    /// ## What it does
    /// Reports `depends_on: X: condition: service_healthy` where `X` has its health check
    /// disabled (`disable: true`, `test: [NONE]`), an error; and where `X` has no
    /// `healthcheck:` key, a warning: its image may declare `HEALTHCHECK`, which neither
    /// dindctl nor compose can see from the file. A service built from a local Dockerfile is
    /// not reported.
    ///
    /// ## Why is this bad?
    /// `docker compose up` fails: "container X has no healthcheck configured" (compose
    /// `convergence.go`, `waitDependencies`). Compose itself loads the file.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app: {image: "app:1", depends_on: {db: {condition: service_healthy}}}
    ///   db: {image: "postgres:16"}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app: {image: "app:1", depends_on: {db: {condition: service_healthy}}}
    ///   db:
    ///     image: "postgres:16"
    ///     healthcheck: {test: [CMD, pg_isready], interval: 5s}
    /// ```
    HealthyDependencyWithoutHealthcheck, "healthy-dependency-without-healthcheck", Error,
    "`condition: service_healthy` on a service without a health check"
}

impl Rule for HealthyDependencyWithoutHealthcheck {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for service in &project.services {
            for dep in &service.depends_on {
                let Some(condition) = &dep.condition else {
                    continue;
                };
                if condition.value != "service_healthy" {
                    continue;
                }
                let Some(target) = project.service(&dep.service) else {
                    continue;
                };
                match &target.healthcheck {
                    Some(h) if !h.is_active() => {
                        out.add(
                            &Self::META,
                            condition.span,
                            format!("`{}` waits for `{}` to be healthy, but the health check of `{}` is disabled", service.name, dep.service, dep.service),
                        )
                        .related(h.span, "disabled here")
                        .help(format!("enable the health check of `{}`, or use `condition: service_started`", dep.service));
                    }
                    Some(_) => {}
                    // A local build may add `HEALTHCHECK` in its Dockerfile or inherit one.
                    None if target.build.is_some() => {}
                    None => {
                        let d = out
                            .add(
                                &Self::META,
                                condition.span,
                                format!("`{}` waits for `{}` to be healthy, but `{}` has no health check in the file", service.name, dep.service, dep.service),
                            );
                        d.severity = crate::diag::Severity::Warning;
                        d.related(target.key, "the service without a `healthcheck:`")
                            .help(format!("add a `healthcheck:` with a `test` to `{}`, unless its image declares `HEALTHCHECK`", dep.service));
                    }
                }
            }
        }
    }
}
