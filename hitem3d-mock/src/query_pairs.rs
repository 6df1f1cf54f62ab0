//! A request's query as decoded name and value pairs. Most queries the mock gets (a task id,
//! a link key) need no decoding; those are split in place, which costs a fraction of a
//! decoder's pass over every byte.

use std::borrow::Cow;

/// The pairs of `query` as `application/x-www-form-urlencoded` decodes them: empty pieces
/// skipped, a piece without `=` a name with an empty value.
pub(crate) fn query_pairs(
    query: &str,
) -> Box<dyn Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> + '_> {
    if query.contains(['%', '+']) {
        return Box::new(url::form_urlencoded::parse(query.as_bytes()));
    }
    Box::new(
        query
            .split('&')
            .filter(|piece| !piece.is_empty())
            .map(|piece| {
                let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
                (Cow::Borrowed(name), Cow::Borrowed(value))
            }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(query: &str) -> Vec<(String, String)> {
        query_pairs(query)
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect()
    }

    #[test]
    fn split_in_place_as_the_decoder_would_decode() {
        for query in [
            "task_id=abc.hitem3d-mock.1",
            "a=1&&b=2&",
            "&flag&x=",
            "k=v=w",
            "",
            "a=%41+b&c=d",
            "t=x%2By+z",
        ] {
            let decoded: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            assert_eq!(owned(query), decoded, "{query:?}");
        }
    }

    #[test]
    fn plain_pairs_are_borrowed() {
        let (name, value) = query_pairs("task_id=t-1").next().unwrap();
        assert!(matches!(
            (name, value),
            (Cow::Borrowed("task_id"), Cow::Borrowed("t-1"))
        ));
    }
}
