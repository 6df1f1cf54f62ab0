//! The token cache in virtual time: refresh before expiry, after a refusal, never on bad
//! credentials.

mod support;

use hitem3d_core::machines::{Call, CallStep, TokenCache, TokenNeed};
use std::collections::VecDeque;
use std::time::Duration;

use hitem3d_core::types::{AccessToken, ClientId, ClientSecret, TaskData, TokenData};
use hitem3d_core::{ApiRequests, BaseUrl, CallError, RetryPolicy, Timestamp, TokenCachePolicy};
use support::{Reply, Script, cached_token, drive};

const HOUR: Duration = Duration::from_secs(3600);

fn api() -> ApiRequests {
    ApiRequests::new(BaseUrl::parse("http://127.0.0.1:1").unwrap())
}

fn cache(policy: TokenCachePolicy) -> TokenCache {
    TokenCache::new(
        &api(),
        ClientId::new("ak_1"),
        ClientSecret::new("sk_1"),
        policy,
    )
}

fn token_reply(token: &'static str) -> Reply {
    Reply::Json(match token {
        "one" => {
            r#"{"code":200,"message":"success","data":{"accessToken":"one","tokenType":"Bearer"}}"#
        }
        "two" => {
            r#"{"code":200,"message":"success","data":{"accessToken":"two","tokenType":"Bearer"}}"#
        }
        _ => unreachable!(),
    })
}

#[test]
fn a_token_is_reused_until_the_refresh_margin_then_replaced() {
    let mut cache = cache(TokenCachePolicy::default());
    let mut script = Script::new([token_reply("one"), token_reply("two")]);
    let start = Timestamp::ZERO;
    assert_eq!(
        cached_token(&mut cache, &mut script, start)
            .unwrap()
            .expose_secret(),
        "one"
    );
    for hours in [1, 12, 22] {
        let at = start + HOUR * hours;
        assert_eq!(
            cached_token(&mut cache, &mut script, at)
                .unwrap()
                .expose_secret(),
            "one"
        );
    }
    assert_eq!(cache.refresh_at(), Some(start + HOUR * 23));
    let at = start + HOUR * 23;
    assert_eq!(
        cached_token(&mut cache, &mut script, at)
            .unwrap()
            .expose_secret(),
        "two"
    );
    assert_eq!(script.sent.len(), 2);
}

#[test]
fn the_lifetime_counts_from_when_the_fetch_began() {
    let mut cache = cache(TokenCachePolicy::default().with_lifetime(HOUR, Duration::from_secs(60)));
    let TokenNeed::Fetch(_) = cache.token_or_request(Timestamp::ZERO, 1) else {
        panic!()
    };
    let data = serde_json::from_str(r#"{"accessToken":"one"}"#).unwrap();
    cache.store(data, Timestamp::ZERO + Duration::from_secs(30));
    assert_eq!(
        cache.refresh_at(),
        Some(Timestamp::ZERO + Duration::from_secs(3540))
    );
}

#[test]
fn invalidation_drops_only_the_refused_token() {
    let mut cache = cache(TokenCachePolicy::default());
    let mut script = Script::new([token_reply("one"), token_reply("two")]);
    let one = cached_token(&mut cache, &mut script, Timestamp::ZERO).unwrap();
    assert!(!cache.invalidate(&AccessToken::new("someone else's")));
    assert!(cache.invalidate(&one));
    let two = cached_token(&mut cache, &mut script, Timestamp::ZERO).unwrap();
    assert_eq!(two.expose_secret(), "two");
    // A late refusal of `one`, seen by another call, must not throw away `two`.
    assert!(!cache.invalidate(&one));
    assert!(
        matches!(cache.token_or_request(Timestamp::ZERO, 2), TokenNeed::Valid(t) if t.expose_secret() == "two")
    );
}

/// A driver's loop: query-task with tokens from the cache, refreshing on a refusal.
fn query_through_cache(cache: &mut TokenCache, script: &mut Script) -> Result<TaskData, CallError> {
    let mut call = Call::query_task(&api(), "t-1".into(), RetryPolicy::default(), 1);
    let now = Timestamp::ZERO;
    loop {
        match call.next(now) {
            CallStep::NeedToken { stale } => {
                if let Some(stale) = stale {
                    cache.invalidate(&stale);
                }
                call.set_token(cached_token(cache, script, now)?);
            }
            CallStep::Send(request) => match script.answer(&request, now) {
                Ok(response) => call.on_response(response, now),
                Err(failure) => call.on_transport_failure(failure, now),
            },
            CallStep::Wait { .. } => unreachable!("no retries in this script"),
            CallStep::Done(result) => return result,
        }
    }
}

#[test]
fn code_401_inside_http_200_fetches_a_new_token_and_replays() {
    let mut cache = cache(TokenCachePolicy::default());
    let mut script = Script::new([
        token_reply("one"),
        Reply::Json(r#"{"code":401,"data":{},"msg":"login expired"}"#),
        token_reply("two"),
        Reply::Json(r#"{"code":200,"data":{"task_id":"t-1","state":"queueing"}}"#),
    ]);
    let task = query_through_cache(&mut cache, &mut script).unwrap();
    assert_eq!(task.task_id.as_str(), "t-1");
    assert_eq!(
        script.paths(),
        [
            "/open-api/v1/auth/token",
            "/open-api/v1/query-task",
            "/open-api/v1/auth/token",
            "/open-api/v1/query-task"
        ]
    );
    assert_eq!(script.sent[3].2.as_deref(), Some("Bearer two"));
}

#[test]
fn bad_credentials_during_a_refresh_end_the_call_without_looping() {
    let mut cache = cache(TokenCachePolicy::default());
    let mut script = Script::new([
        token_reply("one"),
        Reply::Json(r#"{"code":401,"msg":"login expired"}"#),
        Reply::Json(r#"{"code":40010000,"message":"client credentials are invalid","data":{}}"#),
    ]);
    let error = query_through_cache(&mut cache, &mut script).unwrap_err();
    assert!(error.api_error().unwrap().is_bad_credentials(), "{error:?}");
    assert_eq!(script.sent.len(), 3, "no further token request");
}

/// A batch of 8 with a wrong secret sent 8 token requests: a refusal of the credentials is
/// kept, and every later call ends with it without sending anything.
#[test]
fn a_refusal_of_the_credentials_is_kept_and_another_failure_is_not() {
    let mut cache = cache(TokenCachePolicy::default());
    let TokenNeed::Fetch(call) = cache.token_or_request(Timestamp::ZERO, 1) else {
        panic!("nothing cached yet");
    };
    let mut script = Script::new([Reply::Json(
        r#"{"code":40010000,"message":"client credentials are invalid","data":{}}"#,
    )]);
    let refused = drive::<TokenData>(*call, &mut script, &mut VecDeque::new(), Timestamp::ZERO)
        .result
        .unwrap_err();
    assert!(cache.refusal().is_none());
    assert!(cache.note_fetch_error(&refused));
    assert_eq!(cache.refusal(), Some(&refused));

    let mut cache = self::cache(TokenCachePolicy::default());
    let TokenNeed::Fetch(call) = cache.token_or_request(Timestamp::ZERO, 1) else {
        panic!("nothing cached yet");
    };
    let mut script = Script::new([Reply::Json(
        r#"{"code":40000000,"message":"bad request","data":{}}"#,
    )]);
    let failed = drive::<TokenData>(*call, &mut script, &mut VecDeque::new(), Timestamp::ZERO)
        .result
        .unwrap_err();
    assert!(!cache.note_fetch_error(&failed), "{failed}");
    assert!(cache.refusal().is_none());
}
