use crate::check::{Context, Findings, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a service with neither `image` nor `build` (nor `provider`).
    ///
    /// ## Why is this bad?
    /// Docker Compose refuses the file: "service has neither an image nor a build context
    /// specified" (compose-go `loader/validate.go`, `checkConsistency`). Often the `image`
    /// was meant to come from an `extends` base or an override file that is not loaded.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web: {ports: ["8080:80"]}
    /// ```
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web: {image: "nginx:1.27", ports: ["8080:80"]}
    /// ```
    MissingImage, "missing-image", Error, "a service with neither `image` nor `build`"
}

impl Rule for MissingImage {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services() {
            let no_image = service
                .image
                .as_ref()
                .is_none_or(|i| !i.value.unresolved && i.value.text.is_empty());
            if no_image && service.build.is_none() && !service.has_provider {
                out.add(
                    &Self::META,
                    service.key,
                    format!("`{}` has neither `image` nor `build`", service.name),
                )
                .help("add `image:` (or `build:` with the directory of its Dockerfile)");
            }
        }
    }
}
