//! An endpoint's URL, split once into the parts of an `http::Uri`: a request to it then needs
//! no URL parsing, only its query string checked (this runs for every poll).

use bytes::Bytes;
use http::Uri;
use http::uri::{Authority, Parts, PathAndQuery, Scheme};
use url::{Position, Url, form_urlencoded};

/// See the module documentation.
#[derive(Debug, Clone)]
pub(crate) struct EndpointUri {
    scheme: Scheme,
    authority: Authority,
    path: PathAndQuery,
}

impl EndpointUri {
    /// The parts of `url`, an absolute http(s) URL without query or fragment.
    pub(crate) fn new(url: &Url) -> Self {
        // A `Url` is always a valid URI: the `url` crate percent-encodes what a URI may not hold.
        let part = |range: std::ops::Range<Position>| Bytes::copy_from_slice(url[range].as_bytes());
        Self {
            scheme: url
                .scheme()
                .parse()
                .expect("a URL's scheme is a URI scheme"),
            authority: Authority::from_maybe_shared(part(
                Position::BeforeUsername..Position::AfterPort,
            ))
            .expect("a URL's authority is a URI authority"),
            path: PathAndQuery::from_maybe_shared(part(Position::BeforePath..Position::AfterPath))
                .expect("a URL's path is a URI path"),
        }
    }

    /// The endpoint's URI.
    pub(crate) fn uri(&self) -> Uri {
        self.with_path(self.path.clone())
    }

    /// The endpoint's URI with `?name=value`, form-encoded as the `url` crate's query pairs
    /// are (a space becomes `+`).
    pub(crate) fn with_query(&self, name: &str, value: &str) -> Uri {
        let path = self.path.path();
        let mut text = String::with_capacity(path.len() + 2 + name.len() + value.len() * 3);
        text.push_str(path);
        text.push('?');
        // The pieces `append_pair` would write, without its serializer: a task id, which
        // needs no encoding, comes back whole as one piece.
        text.extend(form_urlencoded::byte_serialize(name.as_bytes()));
        text.push('=');
        text.extend(form_urlencoded::byte_serialize(value.as_bytes()));
        let path = PathAndQuery::from_maybe_shared(Bytes::from(text))
            .expect("a form-encoded query is a valid URI query");
        self.with_path(path)
    }

    fn with_path(&self, path: PathAndQuery) -> Uri {
        let mut parts = Parts::default();
        parts.scheme = Some(self.scheme.clone());
        parts.authority = Some(self.authority.clone());
        parts.path_and_query = Some(path);
        Uri::from_parts(parts).expect("scheme, authority and path make an absolute URI")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_as_the_url_crate_gives(base: &str, value: &str) {
        let url = Url::parse(base).unwrap();
        let endpoint = EndpointUri::new(&url);
        assert_eq!(endpoint.uri().to_string(), url.as_str());
        let mut with_query = url.clone();
        with_query.query_pairs_mut().append_pair("task_id", value);
        let uri = endpoint.with_query("task_id", value);
        assert_eq!(uri.to_string(), with_query.as_str(), "{value:?}");
    }

    #[test]
    fn the_uri_is_the_one_the_url_crate_would_give() {
        assert_as_the_url_crate_gives("https://api.hitem3d.ai/open-api/v1/query-task", "abc");
        assert_as_the_url_crate_gives("http://user:pw@127.0.0.1:8080/proxy/x", "a b/c&d=e?f#g%+é");
        assert_as_the_url_crate_gives("http://[::1]:9/x", "");
        assert_as_the_url_crate_gives("http://h/x", "2c2ad20c_jjewelry-aigc-api_1NraEb5ohU");
    }

    #[test]
    fn every_ascii_character_is_kept_or_encoded_as_the_url_crate_does() {
        for byte in 0..=127_u8 {
            let text = char::from(byte).to_string();
            assert_as_the_url_crate_gives("http://h/x", &format!("t{text}1"));
        }
    }
}
