use crate::check::{Context, Findings, Rule, declare_rule};
use crate::model::dind::{daemons, default_pools};
use crate::model::{ManifestKind, Spanned, Text};
use crate::net::Cidr;
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reports two networks whose subnets overlap: two outer networks, two inner
    /// `MCPNetwork`s, an inner and an outer one, or an inner subnet and the DinD daemon's
    /// default address pools (172.17.0.0/16–172.31.0.0/16, 192.168.0.0/16) when the DinD
    /// service sets neither `--default-address-pool` nor `--bip`.
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
    /// Use instead:
    /// ```yaml
    /// networks:
    ///   a: {ipam: {config: [{subnet: 172.30.0.0/16}]}}
    ///   b: {ipam: {config: [{subnet: 172.31.0.0/24}]}}
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
    fn check(&self, cx: &Context<'_>, out: &mut Findings) {
        let outer = outer_subnets(cx);
        let inner = inner_subnets(cx);
        within(&outer, "outer", out);
        within(&inner, "inner", out);
        for b in &inner {
            if let Some(a) = outer.iter().find(|a| a.cidr.overlaps(&b.cidr)) {
                out.add(&Self::META, b.span, format!("inner subnet `{}` of `{}` overlaps outer subnet `{}` of `{}`", b.cidr, b.network, a.cidr, a.network))
                    .related(a.span, "the outer subnet")
                    .help("containers inside DinD could not reach the outer network's addresses; pick a subnet used by neither layer");
            }
        }
        let Some(project) = &cx.stack.outer else {
            return;
        };
        for d in daemons(project) {
            let pools = if d.pools_set {
                d.pools.clone()
            } else {
                default_pools()
            };
            for b in &inner {
                if let Some(pool) = pools.iter().find(|p| p.overlaps(&b.cidr)) {
                    let whose = if d.pools_set {
                        "the address pool"
                    } else {
                        "a default address pool"
                    };
                    out.add(&Self::META, b.span, format!("inner subnet `{}` of `{}` overlaps {whose} `{pool}` of `{}`", b.cidr, b.network, d.service.name))
                        .help(if d.pools_set {
                            "the inner daemon allocates networks from that pool; move the subnet out of it"
                        } else {
                            "the inner daemon allocates bridge networks from 172.17.0.0/16 upward; pass `--default-address-pool base=10.210.0.0/16,size=24` to the DinD service, or move the subnet"
                        });
                }
            }
        }
    }
}
