//! Labels that disagree, and hardening hints.

use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::roles;

declare_rule! {
    /// ## What it does
    /// Reports an inner manifest that sets the same label key in `metadata.labels` and
    /// `spec.labels` with different values.
    ///
    /// ## Why is this bad?
    /// Both are copied onto the container; which value wins depends on the order of
    /// application, and tools that select by label see one of them at random.
    ///
    /// ## Example
    /// ```yaml
    /// metadata: {name: files, labels: {tier: mcp}}
    /// spec: {image: "files:1", labels: {tier: tools}}
    /// ```
    /// Use instead:
    /// ```yaml
    /// metadata: {name: files, labels: {tier: mcp}}
    /// spec: {image: "files:1", labels: {owner: tools}}
    /// ```
    ConflictingLabels, "conflicting-labels", Warning, "a label set twice with different values"
}

declare_rule! {
    /// ## What it does
    /// Suggests `security_opt: ["no-new-privileges:true"]` and `cap_drop: [ALL]` for services
    /// that are not DinD services. Never above info by default.
    ///
    /// ## Why is this bad?
    /// Without them, a compromised process can gain privileges through setuid binaries and
    /// keeps capabilities it never uses.
    ///
    /// ## Example
    /// ```yaml
    /// manager:
    ///   image: manager:1
    /// ```
    /// Use instead:
    /// ```yaml
    /// manager:
    ///   image: manager:1
    ///   security_opt: ["no-new-privileges:true"]
    ///   cap_drop: [ALL]
    /// ```
    HardeningSuggestions, "hardening-suggestions", Info, "no `no-new-privileges`, no `cap_drop`"
}

impl Rule for ConflictingLabels {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for (m, c) in cx.stack.containers() {
            for (key, value) in &c.labels {
                let Some((_, meta_value)) = c.metadata_labels.iter().find(|(k, _)| k == key) else {
                    continue;
                };
                if meta_value.value.text != value.value.text {
                    out.add(
                        &Self::META,
                        value.span,
                        format!(
                            "label `{key}` of `{}` is `{}` in spec but `{}` in metadata",
                            m.name.value, value.value.text, meta_value.value.text
                        ),
                    )
                    .related(meta_value.span, "set here in metadata")
                    .help("keep one value, or keep the label in one place");
                }
            }
        }
    }
}

impl Rule for HardeningSuggestions {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services().filter(|s| !roles::is_dind(s)) {
            let mut missing = Vec::new();
            if !service
                .security_opt
                .iter()
                .any(|o| o.value.text.starts_with("no-new-privileges"))
            {
                missing.push("`security_opt: [\"no-new-privileges:true\"]`");
            }
            if service.cap_drop.is_empty() {
                missing.push("`cap_drop: [ALL]`");
            }
            if !missing.is_empty() {
                out.add(
                    &Self::META,
                    service.key,
                    format!("`{}` could be hardened", service.name),
                )
                .help(format!("consider {}", missing.join(" and ")));
            }
        }
    }
}
