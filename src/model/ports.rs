//! Published ports: the compose short syntax (`[host_ip:][host_port[-end]:]port[-end][/proto]`),
//! the long syntax, and the mcp/v1 map form (`"[host_ip:]host_port": "port[/proto]"`).

use std::fmt;
use std::net::IpAddr;

/// An inclusive port range; a single port is `start == end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub start: u16,
    pub end: u16,
}

impl Range {
    pub fn single(p: u16) -> Self {
        Self { start: p, end: p }
    }

    pub fn contains(&self, p: u16) -> bool {
        self.start <= p && p <= self.end
    }

    pub fn overlaps(&self, other: &Range) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    pub fn len(&self) -> u32 {
        u32::from(self.end - self.start) + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

/// A parsed port publication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortSpec {
    /// The host IP as written, when one is.
    pub host_ip: Option<IpAddr>,
    /// The host port(s); `None` when only the container port is given (random host port).
    pub host: Option<Range>,
    pub container: Range,
    pub protocol: String,
}

impl PortSpec {
    /// Whether the host IP binds every interface (absent, `0.0.0.0` or `::`).
    pub fn all_interfaces(&self) -> bool {
        self.host_ip.is_none_or(|ip| ip.is_unspecified())
    }

    pub fn loopback_only(&self) -> bool {
        self.host_ip.is_some_and(|ip| ip.is_loopback())
    }

    /// Whether two publications can collide on the host: same protocol, overlapping host
    /// ports, and host IPs that share an address (an unspecified IP overlaps every address).
    pub fn collides_with(&self, other: &PortSpec) -> bool {
        let (Some(a), Some(b)) = (self.host, other.host) else {
            return false;
        };
        let ips_overlap = match (self.host_ip, other.host_ip) {
            (None, _) | (_, None) => true,
            (Some(x), Some(y)) => x.is_unspecified() || y.is_unspecified() || x == y,
        };
        self.protocol == other.protocol && a.overlaps(&b) && ips_overlap
    }
}

fn parse_port(s: &str, what: &str) -> Result<u16, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what} `{s}` is not a number"));
    }
    match s.parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) => u16::try_from(n).map_err(|e| e.to_string()),
        _ => Err(format!("{what} `{s}` is out of range 1-65535")),
    }
}

/// `8000` or `8000-8010`.
pub fn parse_range(s: &str, what: &str) -> Result<Range, String> {
    match s.split_once('-') {
        Some((a, b)) => {
            let start = parse_port(a, what)?;
            let end = parse_port(b, what)?;
            if end < start {
                return Err(format!("{what} range `{s}` ends before it starts"));
            }
            Ok(Range { start, end })
        }
        None => parse_port(s, what).map(Range::single),
    }
}

fn parse_protocol(p: &str) -> Result<String, String> {
    match p {
        "tcp" | "udp" | "sctp" => Ok(p.to_string()),
        other => Err(format!("protocol `{other}` is not tcp, udp or sctp")),
    }
}

fn parse_ip(s: &str) -> Result<IpAddr, String> {
    s.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| format!("host IP `{s}` is not an IP address"))
}

/// Checks that a host range can map onto the container range: the same length, or any host
/// range onto a single container port.
fn check_lengths(host: Range, container: Range) -> Result<(), String> {
    if container.len() != 1 && host.len() != container.len() {
        return Err(format!(
            "host range `{host}` and container range `{container}` differ in length"
        ));
    }
    Ok(())
}

/// Parses the compose short syntax.
pub fn parse_short(spec: &str) -> Result<PortSpec, String> {
    let (body, protocol) = match spec.rsplit_once('/') {
        Some((b, p)) => (b, parse_protocol(p)?),
        None => (spec, "tcp".to_string()),
    };
    let (ip, rest) = if let Some(stripped) = body.strip_prefix('[') {
        let (ip, rest) = stripped
            .split_once("]:")
            .ok_or_else(|| format!("`{spec}`: a bracketed IPv6 address needs `]:` after it"))?;
        (Some(ip), rest)
    } else {
        let parts: Vec<&str> = body.split(':').collect();
        match parts.len() {
            1 | 2 => (None, body),
            3 => (Some(parts[0]), &body[parts[0].len() + 1..]),
            _ => {
                // Unbracketed IPv6: the last two parts are the ports.
                let cut =
                    body.len() - parts[parts.len() - 1].len() - parts[parts.len() - 2].len() - 2;
                (Some(&body[..cut]), &body[cut + 1..])
            }
        }
    };
    let host_ip = match ip {
        Some(ip) if !ip.is_empty() => Some(parse_ip(ip)?),
        _ => None,
    };
    let (host, container) = match rest.split_once(':') {
        Some((h, c)) => {
            let host = if h.is_empty() {
                None
            } else {
                Some(parse_range(h, "host port")?)
            };
            (host, parse_range(c, "container port")?)
        }
        None => (None, parse_range(rest, "container port")?),
    };
    if let Some(h) = host {
        check_lengths(h, container)?;
    }
    Ok(PortSpec {
        host_ip,
        host,
        container,
        protocol,
    })
}

/// Parses the long syntax's fields (each already as text).
pub fn parse_long(
    target: &str,
    published: Option<&str>,
    host_ip: Option<&str>,
    protocol: Option<&str>,
) -> Result<PortSpec, String> {
    let container = parse_range(target, "target port")?;
    let host = match published {
        Some(p) if !p.is_empty() => Some(parse_range(p, "published port")?),
        _ => None,
    };
    if let Some(h) = host {
        check_lengths(h, container)?;
    }
    let host_ip = match host_ip {
        Some(ip) if !ip.is_empty() => Some(parse_ip(ip)?),
        _ => None,
    };
    let protocol = parse_protocol(protocol.unwrap_or("tcp"))?;
    Ok(PortSpec {
        host_ip,
        host,
        container,
        protocol,
    })
}

/// Parses an mcp/v1 port entry: key `[host_ip:]host_port`, value `container_port[/proto]`.
pub fn parse_manifest(key: &str, value: &str) -> Result<PortSpec, String> {
    let (ip, host) = match key.rsplit_once(':') {
        Some((ip, port)) => (Some(ip), port),
        None => (None, key),
    };
    let (container, protocol) = match value.split_once('/') {
        Some((c, p)) => (c, parse_protocol(p)?),
        None => (value, "tcp".to_string()),
    };
    let host = parse_range(host, "host port")?;
    let container = parse_range(container, "container port")?;
    check_lengths(host, container)?;
    let host_ip = match ip {
        Some(ip) if !ip.is_empty() => Some(parse_ip(ip)?),
        _ => None,
    };
    Ok(PortSpec {
        host_ip,
        host: Some(host),
        container,
        protocol,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> PortSpec {
        parse_short(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn short_syntax() {
        let p = ok("127.0.0.1:8001:8000/udp");
        assert_eq!(p.host_ip, "127.0.0.1".parse().ok());
        assert_eq!(p.host, Some(Range::single(8001)));
        assert_eq!(p.container, Range::single(8000));
        assert_eq!(p.protocol, "udp");
        assert_eq!(ok("3000").host, None);
        assert_eq!(
            ok("9090-9091:8080-8081").host,
            Some(Range {
                start: 9090,
                end: 9091
            })
        );
        assert_eq!(ok("8000-8010:80").container, Range::single(80));
        assert!(ok("[::1]:6001:6001").loopback_only());
        assert!(ok("::1:6000:6000").loopback_only());
        assert_eq!(ok("127.0.0.1::80").host, None);
        assert!(ok("0.0.0.0:80:80").all_interfaces());
    }

    #[test]
    fn invalid() {
        for bad in [
            "0:80",
            "70000:80",
            "80:x",
            "8080-8000:80",
            "1-2:3-5",
            "80/ftp",
            "1.2.3:80:80",
            "[::1:80:80",
            "",
        ] {
            assert!(parse_short(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn collisions() {
        let a = ok("8080:80");
        assert!(a.collides_with(&ok("127.0.0.1:8080:81")));
        assert!(!ok("127.0.0.1:8080:80").collides_with(&ok("127.0.0.2:8080:80")));
        assert!(!a.collides_with(&ok("8080:80/udp")));
        assert!(ok("8000-8010:8000-8010").collides_with(&ok("8005:1")));
    }

    #[test]
    fn manifest_form() {
        let p = parse_manifest("127.0.0.1:13001", "3000/tcp").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.host, Some(Range::single(13001)));
        assert!(parse_manifest("13001", "99999").is_err());
    }
}
