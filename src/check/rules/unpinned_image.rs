use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::roles::split_image;
use crate::model::{Spanned, Text};

declare_rule! {
    /// ## What it does
    /// Reports an image without a tag or digest, or tagged `latest`.
    ///
    /// ## Why is this bad?
    /// What runs changes whenever the registry's `latest` moves: two machines applying the
    /// same stack run different code, and a rollback has nothing to roll back to.
    ///
    /// ## Example
    /// ```yaml
    /// image: postgres
    /// ```
    /// Use instead:
    /// ```yaml
    /// image: postgres:16.4
    /// ```
    UnpinnedImage, "unpinned-image", Warning, "an image without a tag, or tagged `latest`"
}

fn check_image(owner: &str, image: &Spanned<Text>, out: &mut Findings) {
    if image.value.unresolved {
        return;
    }
    let (repo, tag, digest) = split_image(&image.value.text);
    let problem = match (tag, digest) {
        (_, Some(_)) => return,
        (None, None) => format!("image `{repo}` of `{owner}` has no tag"),
        (Some("latest"), None) => format!("image `{repo}` of `{owner}` is tagged `latest`"),
        _ => return,
    };
    out.add(&UnpinnedImage::META, image.span, problem)
        .help("pin a version tag (`name:1.2.3`) or a digest (`name@sha256:…`)");
}

impl Rule for UnpinnedImage {
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        for service in cx.stack.services() {
            // An image name next to `build:` names what is built, not what is pulled.
            if let (Some(image), None) = (&service.image, &service.build) {
                check_image(&service.name, image, out);
            }
        }
        for (m, c) in cx.stack.containers() {
            if let Some(image) = &c.image {
                check_image(&m.name.value, image, out);
            }
        }
    }
}
