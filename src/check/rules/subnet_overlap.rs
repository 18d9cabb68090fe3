use crate::check::{Context, Findings, Rule, RuleMeta, declare_rule};
use crate::model::{ManifestKind, Spanned, Text};
use crate::net::Cidr;
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reports two networks whose subnets overlap: two outer networks, or two inner
    /// `MCPNetwork`s. (Inner against outer subnets and the DinD daemon's default pools are
    /// checked by the cross-layer part of this rule.)
    ///
    /// ## Why is this bad?
    /// Docker refuses to create the second network ("Pool overlaps with other one"), or
    /// routing between the containers breaks.
    ///
    /// ## Example
    /// ```yaml
    /// networks:
    ///   a: {ipam: {config: [{subnet: 172.30.0.0/16}]}}
    ///   b: {ipam: {config: [{subnet: 172.30.5.0/24}]}}
    /// ```
    SubnetOverlap, "subnet-overlap", Error, "two subnets overlap"
}

/// A named subnet: the network's name and the parsed subnet with its span.
pub struct Subnet {
    pub network: String,
    pub cidr: Cidr,
    pub span: Span,
}

pub fn parse(network: &str, text: &Spanned<Text>) -> Option<Subnet> {
    if text.value.unresolved {
        return None;
    }
    Cidr::parse(&text.value.text).ok().map(|cidr| Subnet {
        network: network.to_string(),
        cidr,
        span: text.span,
    })
}

pub fn outer_subnets(cx: &Context<'_>) -> Vec<Subnet> {
    cx.stack
        .outer
        .iter()
        .flat_map(|p| &p.networks)
        .flat_map(|n| n.subnets.iter().filter_map(|s| parse(&n.name, s)))
        .collect()
}

pub fn inner_subnets(cx: &Context<'_>) -> Vec<Subnet> {
    cx.stack
        .inner
        .iter()
        .filter_map(|m| match &m.kind {
            ManifestKind::Network(n) => n.subnet.as_ref().and_then(|s| parse(&m.name.value, s)),
            _ => None,
        })
        .collect()
}

fn within(subnets: &[Subnet], layer: &str, out: &mut Findings) {
    for (i, b) in subnets.iter().enumerate() {
        if let Some(a) = subnets[..i].iter().find(|a| a.cidr.overlaps(&b.cidr)) {
            out.add(
                &SubnetOverlap::META,
                b.span,
                format!(
                    "{layer} subnet `{}` of `{}` overlaps `{}` of `{}`",
                    b.cidr, b.network, a.cidr, a.network
                ),
            )
            .related(a.span, "the other subnet")
            .help("give every network a subnet of its own");
        }
    }
}

impl Rule for SubnetOverlap {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        within(&outer_subnets(cx), "outer", out);
        within(&inner_subnets(cx), "inner", out);
    }
}
