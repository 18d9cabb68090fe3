//! The short port syntax exactly as compose reads it (`types.ParsePortConfig`, which calls
//! `nat.ParsePortSpecs` of docker/go-connections): `[ip:][host[-end]:]container[-end][/proto]`.
//! What this refuses, compose refuses; what it accepts, compose accepts (the engine may still
//! refuse some of it, which rules report separately).

use std::net::IpAddr;

/// One mapping of the short syntax after compose's expansion of ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortPort {
    /// As written, brackets removed; empty when absent.
    pub host_ip: String,
    /// Empty (a random host port), a port, or a range (`8080-8081` onto one container port).
    pub published: String,
    pub target: u16,
    pub protocol: String,
}

/// `strconv.ParseUint(s, 10, 16)`.
fn port_number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u16>().ok().map(u64::from)
}

/// go-connections `ParsePortRange`.
fn port_range(s: &str) -> Result<(u64, u64), ()> {
    if s.is_empty() {
        return Err(());
    }
    match s.split_once('-') {
        None => port_number(s).map(|p| (p, p)).ok_or(()),
        Some((a, rest)) => {
            // `strings.Split(ports, "-")` then parts[0], parts[1]: a third part is ignored.
            let b = rest.split('-').next().unwrap_or("");
            let start = port_number(a).ok_or(())?;
            let end = port_number(b).ok_or(())?;
            if end < start {
                return Err(());
            }
            Ok((start, end))
        }
    }
}

/// Splits `ip:host:container` the way `splitParts` does: the last part is the container
/// port, the one before the host port, anything before that the IP (joined by `:`).
fn split_parts(raw: &str) -> (String, String, String) {
    let parts: Vec<&str> = raw.split(':').collect();
    let n = parts.len();
    let container = parts[n - 1].to_string();
    match n {
        1 => (String::new(), String::new(), container),
        2 => (String::new(), parts[0].to_string(), container),
        3 => (parts[0].to_string(), parts[1].to_string(), container),
        _ => (
            parts[..n - 2].join(":"),
            parts[n - 2].to_string(),
            container,
        ),
    }
}

/// `SplitProtoPort`: `80/udp` → (`udp`, `80`); `80` → (`tcp`, `80`).
fn split_proto(raw: &str) -> (String, String) {
    let parts: Vec<&str> = raw.split('/').collect();
    if raw.is_empty() || parts[0].is_empty() {
        return (String::new(), String::new());
    }
    match parts.get(1) {
        None => ("tcp".into(), raw.to_string()),
        Some(&"") => ("tcp".into(), parts[0].to_string()),
        Some(p) => ((*p).to_string(), parts[0].to_string()),
    }
}

/// Parses one short-syntax port as compose does; the error is compose's reason.
pub fn parse_short(raw: &str) -> Result<ShortPorts, String> {
    let (mut ip, host, container) = split_parts(raw);
    let (proto, container) = split_proto(&container);
    if ip.starts_with('[') {
        // `net.SplitHostPort(ip + ":")` strips the brackets of an IPv6 address.
        match ip.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            Some(inner) if !inner.contains(['[', ']']) => ip = inner.to_string(),
            _ => return Err(format!("invalid IP address `{ip}`")),
        }
    }
    if !ip.is_empty() && ip.parse::<IpAddr>().is_err() {
        return Err(format!("invalid IP address `{ip}`"));
    }
    if container.is_empty() {
        return Err("no container port".into());
    }
    let (start, end) =
        port_range(&container).map_err(|()| format!("invalid container port `{container}`"))?;
    let (mut host_start, mut host_end) = (0, 0);
    if !host.is_empty() {
        (host_start, host_end) =
            port_range(&host).map_err(|()| format!("invalid host port `{host}`"))?;
    }
    if !host.is_empty() && end - start != host_end - host_start && end != start {
        return Err(format!(
            "host ports `{host}` and container ports `{container}` are ranges of different lengths"
        ));
    }
    let protocol = proto.to_ascii_lowercase();
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid protocol `{proto}`"));
    }
    if start == 0 {
        // compose drops a zero target when it canonicalises the port, then refuses the port
        // for missing its target.
        return Err("container port 0 (a port needs a container port)".into());
    }
    Ok(ShortPorts {
        host_ip: ip,
        host: (!host.is_empty()).then_some((host_start, host_end)),
        target: (start, end),
        protocol,
    })
}

/// The mappings of one short-syntax port: compose expands a range into one mapping per port;
/// they are kept as ranges here (a `1-65535` range is one value, not 65,535).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortPorts {
    pub host_ip: String,
    host: Option<(u64, u64)>,
    target: (u64, u64),
    pub protocol: String,
}

impl ShortPorts {
    /// How many mappings compose makes of it.
    pub fn len(&self) -> u64 {
        self.target.1 - self.target.0 + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// The `i`-th mapping, as compose makes it.
    pub fn get(&self, i: u64) -> ShortPort {
        let (start, end) = self.target;
        let published = match self.host {
            None => String::new(),
            Some((hs, he)) if start == end && hs != he => format!("{}-{he}", hs + i),
            Some((hs, _)) => (hs + i).to_string(),
        };
        ShortPort {
            host_ip: self.host_ip.clone(),
            published,
            target: u16::try_from(start + i).unwrap_or(0),
            protocol: self.protocol.clone(),
        }
    }

    pub fn first(&self) -> ShortPort {
        self.get(0)
    }

    pub fn last(&self) -> ShortPort {
        self.get(self.len() - 1)
    }

    /// Every mapping, in compose's order.
    pub fn iter(&self) -> impl Iterator<Item = ShortPort> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Vec<(String, String, u16, String)> {
        parse_short(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .iter()
            .map(|p| (p.host_ip, p.published, p.target, p.protocol))
            .collect()
    }

    #[test]
    fn accepts_what_compose_accepts() {
        assert_eq!(
            ok("8080:80"),
            [("".into(), "8080".into(), 80, "tcp".into())]
        );
        assert_eq!(ok("::80").len(), 1);
        assert_eq!(ok(":80")[0].1, "");
        assert_eq!(ok("[::1]:8080:80")[0].0, "::1");
        assert_eq!(ok("8080-8081:80")[0].1, "8080-8081");
        assert_eq!(ok("1-3:1-3").len(), 3);
        assert_eq!(ok("0:80")[0].1, "0");
        assert!(parse_short("8080:0").is_err());
        assert_eq!(ok("80/UDP")[0].3, "udp");
        assert_eq!(ok("127.0.0.1::80")[0].1, "");
    }

    #[test]
    fn refuses_what_compose_refuses() {
        for bad in [
            "70000:80",
            "x:80",
            "1.2.3.4.5:80:80",
            "80/xyz",
            "5-1:5-1",
            "8080-8082:80-81",
            "8080:80:90",
            "80-",
            "",
            "65536",
        ] {
            assert!(parse_short(bad).is_err(), "{bad}");
        }
    }
}
