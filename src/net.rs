//! IP networks in CIDR notation: parsing, containment and overlap.

use std::fmt;
use std::net::IpAddr;

/// A network such as `10.201.0.0/24`. The address is kept as written; host bits may be set
/// (Docker accepts `10.0.0.1/24` and uses the network it belongs to).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CidrError {
    MissingPrefix,
    BadAddress,
    BadPrefix,
}

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CidrError::MissingPrefix => "missing `/prefix`",
            CidrError::BadAddress => "not an IP address",
            CidrError::BadPrefix => "prefix length out of range",
        })
    }
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Self, CidrError> {
        let (addr, prefix) = s.split_once('/').ok_or(CidrError::MissingPrefix)?;
        let addr: IpAddr = addr.parse().map_err(|_| CidrError::BadAddress)?;
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) || prefix.len() > 3 {
            return Err(CidrError::BadPrefix);
        }
        let prefix: u8 = prefix.parse().map_err(|_| CidrError::BadPrefix)?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(CidrError::BadPrefix);
        }
        Ok(Self { addr, prefix })
    }

    fn bits(addr: IpAddr) -> (u128, u8) {
        match addr {
            IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
            IpAddr::V6(a) => (u128::from(a), 128),
        }
    }

    fn range(&self) -> (u128, u128) {
        let (bits, width) = Self::bits(self.addr);
        let host_bits = u32::from(width - self.prefix);
        let mask = if host_bits >= 128 {
            0
        } else {
            !0u128 << host_bits
        };
        let width_mask = if width == 128 {
            !0u128
        } else {
            (1u128 << width) - 1
        };
        let start = bits & mask & width_mask;
        let end = start | (!mask & width_mask);
        (start, end)
    }

    /// Whether the two networks share an address (only networks of one family can).
    pub fn overlaps(&self, other: &Cidr) -> bool {
        if self.addr.is_ipv4() != other.addr.is_ipv4() {
            return false;
        }
        let (a0, a1) = self.range();
        let (b0, b1) = other.range();
        a0 <= b1 && b0 <= a1
    }

    pub fn contains(&self, addr: IpAddr) -> bool {
        if self.addr.is_ipv4() != addr.is_ipv4() {
            return false;
        }
        let (start, end) = self.range();
        let (bits, _) = Self::bits(addr);
        start <= bits && bits <= end
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert!(Cidr::parse("10.201.0.0/24").is_ok());
        assert!(Cidr::parse("fd00::/64").is_ok());
        assert_eq!(Cidr::parse("10.0.0.0"), Err(CidrError::MissingPrefix));
        assert_eq!(Cidr::parse("10.0.0.300/8"), Err(CidrError::BadAddress));
        assert_eq!(Cidr::parse("10.0.0.0/33"), Err(CidrError::BadPrefix));
        assert_eq!(Cidr::parse("10.0.0.0/+8"), Err(CidrError::BadPrefix));
    }

    #[test]
    fn overlap_and_containment() {
        let a = Cidr::parse("172.30.0.0/16").unwrap_or_else(|e| panic!("{e}"));
        let b = Cidr::parse("172.30.5.0/24").unwrap_or_else(|e| panic!("{e}"));
        let c = Cidr::parse("10.201.0.0/24").unwrap_or_else(|e| panic!("{e}"));
        let all = Cidr::parse("0.0.0.0/0").unwrap_or_else(|e| panic!("{e}"));
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c));
        assert!(all.overlaps(&c));
        assert!(c.contains("10.201.0.1".parse().unwrap_or_else(|e| panic!("{e}"))));
        assert!(!c.contains("10.201.1.1".parse().unwrap_or_else(|e| panic!("{e}"))));
    }
}
