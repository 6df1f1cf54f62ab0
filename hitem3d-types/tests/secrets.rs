//! Credentials and tokens never appear in `Debug` or `Display` output.

use hitem3d_types::{AccessToken, ClientId, ClientSecret, Envelope, TokenData};
use proptest::prelude::*;

proptest! {
    #[test]
    fn secrets_are_never_formatted(secret in "[A-Za-z0-9*_]{12,64}") {
        let client_secret = ClientSecret::new(secret.clone());
        let token = AccessToken::new(secret.clone());
        let envelope = Envelope::success(TokenData {
            access_token: token.clone(),
            token_type: Some("Bearer".to_owned()),
            nonce: None,
        });
        for text in [
            format!("{client_secret:?}"),
            format!("{client_secret}"),
            format!("{token:?}"),
            format!("{token}"),
            format!("{envelope:?}"),
            format!("{envelope:#?}"),
        ] {
            prop_assert!(!text.contains(&secret), "{text}");
        }
        prop_assert_eq!(token.expose_secret(), secret.as_str());
    }

    #[test]
    fn client_ids_show_only_a_prefix(id in "ak_[0-9a-f]{32}") {
        let client_id = ClientId::new(id.clone());
        let shown = format!("{client_id:?} {client_id}");
        prop_assert!(!shown.contains(&id), "{shown}");
        prop_assert!(shown.contains(&id[..7]), "{shown}");
    }
}

#[test]
fn secrets_read_from_config_files() {
    let secret: ClientSecret = serde_json::from_str("\"sk_0123\"").unwrap();
    assert_eq!(secret.expose_secret(), "sk_0123");
    let id: ClientId = serde_json::from_str("\"ak_1\"").unwrap();
    assert_eq!(id.as_str(), "ak_1");
    assert_eq!(id.to_string(), "ak_1", "short ids are shown whole");
}
