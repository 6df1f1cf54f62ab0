//! Name resolution without a thread per request to an IP address. ureq's default resolver
//! spawns a thread for every request with a time limit, even for `127.0.0.1` on a reused
//! connection (ureq 3.5, `unversioned/resolver.rs:113-121`), and the client limits every
//! request. An address needs no resolving; host names still go to ureq's resolver, where a
//! thread is small next to the network round trip.

use std::net::{IpAddr, SocketAddr};

use http::Uri;
use ureq::config::Config;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct AddressShortcut(DefaultResolver);

impl Resolver for AddressShortcut {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or_default().trim_matches(['[', ']']);
        let Ok(ip) = host.parse::<IpAddr>() else {
            return self.0.resolve(uri, config, timeout);
        };
        // The client sends http(s) only.
        let https = uri.scheme_str() == Some("https");
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let mut addresses = self.empty();
        addresses.push(SocketAddr::new(ip, port));
        Ok(addresses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(url: &str) -> Vec<SocketAddr> {
        let uri: Uri = url.parse().unwrap();
        AddressShortcut::default()
            .resolve(&uri, &Config::default(), NextTimeout::default())
            .unwrap()
            .to_vec()
    }

    #[test]
    fn addresses_are_answered_as_they_are_and_names_resolved() {
        let address = |text: &str| text.parse::<SocketAddr>().unwrap();
        assert_eq!(
            resolve("http://127.0.0.1:8080/x"),
            [address("127.0.0.1:8080")]
        );
        assert_eq!(resolve("https://[::1]/x"), [address("[::1]:443")]);
        assert_eq!(resolve("http://10.1.2.3/x"), [address("10.1.2.3:80")]);
        assert!(
            resolve("http://localhost:9/x")
                .iter()
                .all(|found| found.port() == 9 && found.ip().is_loopback()),
            "a name goes to ureq's resolver"
        );
    }
}
