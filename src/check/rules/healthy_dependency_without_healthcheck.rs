use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports `depends_on: X: condition: service_healthy` where `X` has no health check, or
    /// has it disabled. A service built from a local Dockerfile may declare `HEALTHCHECK`
    /// there, so such a dependency is not reported.
    ///
    /// ## Why is this bad?
    /// `docker compose up` fails: "container X has no healthcheck configured".
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
                let healthy = target
                    .healthcheck
                    .as_ref()
                    .is_some_and(|h| h.is_active() && !h.test.is_empty());
                let from_image = target.healthcheck.is_none() && target.build.is_some();
                if !healthy && !from_image {
                    out.add(
                        &Self::META,
                        condition.span,
                        format!("`{}` waits for `{}` to be healthy, but `{}` has no health check", service.name, dep.service, dep.service),
                    )
                    .related(target.key, "the service without a health check")
                    .help(format!("add a `healthcheck:` with a `test` to `{}`, or use `condition: service_started`", dep.service));
                }
            }
        }
    }
}
