use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a service with a `container_name` that runs more than one container
    /// (`scale` or `deploy.replicas` above 1).
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "can't set container_name and deploy.replicas as
    /// container name must be unique" (compose-go `checkConsistency`).
    ///
    /// ## Example
    /// ```yaml
    /// worker: {image: "worker:1", container_name: worker, deploy: {replicas: 3}}
    /// ```
    /// Use instead:
    /// ```yaml
    /// worker: {image: "worker:1", deploy: {replicas: 3}}
    /// ```
    ContainerNameWithReplicas, "container-name-with-replicas", Error,
    "`container_name` on a service that runs several containers"
}

impl Rule for ContainerNameWithReplicas {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for s in cx.stack.services() {
            let Some(name) = &s.container_name else {
                continue;
            };
            if name.value.unresolved || s.instances() <= 1 {
                continue;
            }
            let (field, span) = match (&s.scale, &s.replicas) {
                (Some(sc), _) => ("scale", sc.span),
                (None, Some(r)) => ("deploy.replicas", r.span),
                (None, None) => continue,
            };
            out.add(
                &Self::META,
                span,
                format!(
                    "`{}` runs {} containers (`{field}`) but names them all `{}`",
                    s.name,
                    s.instances(),
                    name.value.text
                ),
            )
            .related(name.span, "`container_name` here")
            .help("drop `container_name` (compose names them `<project>-<service>-<n>`), or run one container");
        }
    }
}
