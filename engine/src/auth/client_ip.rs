//! The client's address as login rate limiting counts it.
//!
//! Without configuration that is the TCP peer. Behind a reverse proxy every client
//! would then share the proxy's address, so one attacker could lock everyone out; an
//! operator lists the proxies to trust, and the address becomes the right-most
//! `X-Forwarded-For` hop that is not one of them. Hops are read from the right because
//! only the part our own proxies appended can be believed: anything to the left of it
//! came from the client and may be forged.

use std::{fmt, net::IpAddr, str::FromStr};

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The client's address as login rate limiting counts it. The HTTP layer provides
/// it in Leptos context beside `CurrentUser`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientIp(pub String);

/// Networks whose `X-Forwarded-For` is believed. Configured as a comma-separated
/// list (`10.0.0.0/8, 127.0.0.1`) or a TOML array; a bare address means that host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{entry}` is not an IP address or network (examples: 10.0.0.1, 10.0.0.0/8, ::1)")]
pub struct BadProxyEntry {
    entry: String,
}

impl TrustedProxies {
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The address to count: `peer` unless it is a trusted proxy, else the
    /// right-most untrusted hop of the `X-Forwarded-For` values (in header order).
    /// When every hop is trusted, the left-most one; when a hop does not parse, the
    /// last trusted address seen, so garbage never picks the identity.
    pub fn client_ip<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for
            .into_iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|hop| !hop.is_empty())
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                return client;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

impl FromStr for TrustedProxies {
    type Err = BadProxyEntry;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(parse_entry)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }
}

fn parse_entry(entry: &str) -> Result<IpNet, BadProxyEntry> {
    entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| BadProxyEntry {
            entry: entry.to_owned(),
        })
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&entries.join(","))
    }
}

impl Serialize for TrustedProxies {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Text {
            One(String),
            Many(Vec<String>),
        }
        let text = match Text::deserialize(deserializer)? {
            Text::One(text) => text,
            Text::Many(entries) => entries.join(","),
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("test address")
    }

    fn proxies(text: &str) -> TrustedProxies {
        text.parse().expect("test proxies")
    }

    #[test]
    fn without_trusted_proxies_the_peer_counts_and_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_ip(ip("10.0.0.5"), ["203.0.113.9"]),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address_with_the_header() {
        let trusted = proxies("10.0.0.0/8");
        assert_eq!(
            trusted.client_ip(ip("198.51.100.7"), ["203.0.113.9"]),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_counts() {
        let trusted = proxies("10.0.0.0/8, 127.0.0.1");
        // The client forged the first hop; our proxies appended the rest.
        let header = ["1.2.3.4, 203.0.113.9", "10.1.1.1"];
        assert_eq!(
            trusted.client_ip(ip("127.0.0.1"), header),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn when_every_hop_is_trusted_the_leftmost_counts() {
        let trusted = proxies("10.0.0.0/8");
        assert_eq!(
            trusted.client_ip(ip("10.0.0.1"), ["10.0.0.3, 10.0.0.2"]),
            ip("10.0.0.3")
        );
    }

    #[test]
    fn a_garbage_hop_stops_the_walk_at_the_last_good_address() {
        let trusted = proxies("10.0.0.0/8");
        assert_eq!(
            trusted.client_ip(ip("10.0.0.1"), ["203.0.113.9, not-an-ip, 10.0.0.2"]),
            ip("10.0.0.2")
        );
        assert_eq!(
            trusted.client_ip(ip("10.0.0.1"), ["unknown"]),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn entries_parse_as_networks_or_single_hosts_and_report_the_bad_one() {
        let parsed = proxies("192.168.0.0/16, ::1,10.0.0.7");
        assert!(parsed.trusts(ip("192.168.44.1")));
        assert!(parsed.trusts(ip("::1")));
        assert!(parsed.trusts(ip("10.0.0.7")));
        assert!(!parsed.trusts(ip("10.0.0.8")));
        let error = "10.0.0.0/8, proxy.local"
            .parse::<TrustedProxies>()
            .expect_err("a host name is not an address");
        assert!(error.to_string().contains("`proxy.local`"), "{error}");
    }
}
