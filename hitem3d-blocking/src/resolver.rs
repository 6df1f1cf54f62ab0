//! Name resolution without a thread per request. ureq's default resolver spawns a thread for
//! every request with a time limit, even for an IP address on a reused connection (ureq 3.5,
//! `unversioned/resolver.rs:113-121`); the client limits every request, so each call paid for a
//! thread. This one answers IP addresses at once and keeps a host name's addresses for a
//! minute, asking the default resolver (with its time limit) only for names not seen lately.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use http::Uri;
use ureq::config::Config;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a host name's addresses are reused.
const KEEP_ADDRESSES_FOR: Duration = Duration::from_secs(60);

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    default: DefaultResolver,
    recent: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(authority) = uri.authority() else {
            return self.default.resolve(uri, config, timeout);
        };
        let port = authority.port_u16().or_else(|| match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        let Some(port) = port else {
            return self.default.resolve(uri, config, timeout);
        };
        let host = authority.host();
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            let mut addresses = self.empty();
            addresses.push(SocketAddr::new(ip, port));
            return Ok(addresses);
        }
        let key = format!("{host}:{port}");
        let now = Instant::now();
        if let Some((at, addresses)) = self.lock().get(&key)
            && now.duration_since(*at) < KEEP_ADDRESSES_FOR
        {
            return Ok(addresses.clone());
        }
        let addresses = self.default.resolve(uri, config, timeout)?;
        self.lock().insert(key, (now, addresses.clone()));
        Ok(addresses)
    }
}

impl CachingResolver {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, ResolvedSocketAddrs)>> {
        self.recent.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(resolver: &CachingResolver, url: &str) -> Vec<SocketAddr> {
        let uri: Uri = url.parse().unwrap();
        let config = Config::default();
        resolver
            .resolve(&uri, &config, NextTimeout::default())
            .unwrap()
            .to_vec()
    }

    #[test]
    fn ip_addresses_are_answered_as_they_are() {
        let resolver = CachingResolver::default();
        assert_eq!(
            resolve(&resolver, "http://127.0.0.1:8080/x"),
            ["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(
            resolve(&resolver, "https://[::1]/x"),
            ["[::1]:443".parse::<SocketAddr>().unwrap()]
        );
        assert!(resolver.lock().is_empty(), "nothing to remember");
    }

    #[test]
    fn a_host_name_is_resolved_once_and_then_remembered() {
        let resolver = CachingResolver::default();
        let first = resolve(&resolver, "http://localhost:9/x");
        assert!(!first.is_empty());
        assert_eq!(resolver.lock().len(), 1);
        let key = "localhost:9".to_owned();
        // Remembered addresses are answered without asking again, whatever they are.
        let mut planted = resolver.empty();
        planted.push("10.9.9.9:9".parse().unwrap());
        resolver
            .lock()
            .insert(key.clone(), (Instant::now(), planted));
        assert_eq!(
            resolve(&resolver, "http://localhost:9/y"),
            ["10.9.9.9:9".parse::<SocketAddr>().unwrap()]
        );
        // Older than a minute: asked again.
        let mut stale = resolver.empty();
        stale.push("10.9.9.9:9".parse().unwrap());
        let long_ago = Instant::now().checked_sub(KEEP_ADDRESSES_FOR).unwrap();
        resolver.lock().insert(key, (long_ago, stale));
        assert_eq!(resolve(&resolver, "http://localhost:9/z"), first);
    }
}
