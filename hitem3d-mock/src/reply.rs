//! A reply of the simulated service, before it becomes an HTTP response.

use std::time::Duration;

use hitem3d_types::ApiErrorCode;
use serde_json::{Value, json};

use crate::Quirks;
use crate::refusal::Refusal;

/// What to answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    pub(crate) code: Option<i64>,
    pub(crate) delay: Duration,
    /// Headers beyond the content type: a redirect's `location`, a storage put's checksum.
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A success envelope carrying `data`.
    pub(crate) fn success(data: Value, quirks: Quirks, message_key: &str) -> Self {
        Self::envelope(200, data, "success", quirks, message_key)
    }

    /// An error envelope in HTTP 200, as the service sends them.
    pub(crate) fn error(code: i64, msg: &str, quirks: Quirks) -> Self {
        Self::error_with_key(code, msg, quirks, "msg")
    }

    /// A refusal in an error envelope.
    pub(crate) fn refusal(refusal: Refusal, quirks: Quirks) -> Self {
        Self::refusal_with_key(refusal, quirks, "msg")
    }

    /// A refusal whose message field is `message_key`.
    pub(crate) fn refusal_with_key(refusal: Refusal, quirks: Quirks, message_key: &str) -> Self {
        Self::error_with_key(refusal.code, refusal.msg, quirks, message_key)
    }

    /// `code 401` in HTTP 200: the token is missing, unknown or expired.
    pub(crate) fn login_expired(quirks: Quirks) -> Self {
        Self::refusal(Refusal::documented(&ApiErrorCode::LoginExpired), quirks)
    }

    /// An error envelope whose message field is `message_key` (the token endpoint says
    /// `message` where the others say `msg`).
    pub(crate) fn error_with_key(code: i64, msg: &str, quirks: Quirks, message_key: &str) -> Self {
        let msg = if quirks.chinese_messages {
            chinese(code).unwrap_or(msg)
        } else {
            msg
        };
        Self::envelope(code, json!({}), msg, quirks, message_key)
    }

    fn envelope(code: i64, mut data: Value, msg: &str, quirks: Quirks, message_key: &str) -> Self {
        let key = if quirks.message_field {
            "message"
        } else {
            message_key
        };
        if quirks.extra_fields
            && let Some(object) = data.as_object_mut()
            && !object.is_empty()
        {
            object.insert("extra".to_owned(), json!({"mock": true}));
        }
        // Written field by field, in the order a map would sort them, without building one.
        let code_value = if quirks.code_as_string {
            json!(code.to_string())
        } else {
            json!(code)
        };
        let mut body = Vec::with_capacity(128);
        let mut write = |piece: &[u8], value: &Value| {
            body.extend_from_slice(piece);
            serde_json::to_writer(&mut body, value).expect("JSON values serialize");
        };
        write(br#"{"code":"#, &code_value);
        write(br#","data":"#, &data);
        write(format!(r#","{key}":"#).as_bytes(), &Value::from(msg));
        if quirks.extra_fields {
            body.extend_from_slice(br#","traceId":"mock-trace-0001""#);
        }
        body.push(b'}');
        Self {
            status: 200,
            content_type: "application/json",
            body,
            code: Some(code),
            delay: Duration::ZERO,
            headers: Vec::new(),
        }
    }

    /// An HTML error page, as a gateway in front of the service sends.
    pub(crate) fn html(status: u16) -> Self {
        let body = format!(
            "<html>\r\n<head><title>{status} Error</title></head>\r\n<body>\r\n<center><h1>{status} Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        );
        Self {
            status,
            content_type: "text/html",
            body: body.into_bytes(),
            code: None,
            delay: Duration::ZERO,
            headers: Vec::new(),
        }
    }

    /// Raw bytes, e.g. a result file or a CDN refusal.
    pub(crate) fn bytes(status: u16, content_type: &'static str, body: Vec<u8>) -> Self {
        Self {
            status,
            content_type,
            body,
            code: None,
            delay: Duration::ZERO,
            headers: Vec::new(),
        }
    }
}

impl Reply {
    /// `302 Found` to `location`.
    pub(crate) fn redirect(location: String) -> Self {
        Self {
            headers: vec![("location", location)],
            ..Self::bytes(302, "text/plain", Vec::new())
        }
    }

    /// What the file host answers for a link that expired or was never issued.
    pub(crate) fn link_denied() -> Self {
        Self::bytes(
            403,
            "application/xml",
            b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>".to_vec(),
        )
    }
}

/// The Chinese messages the service is known (or likely) to send.
fn chinese(code: i64) -> Option<&'static str> {
    Some(match ApiErrorCode::from_code(code) {
        ApiErrorCode::InsufficientBalance => "余额不足",
        ApiErrorCode::LoginExpired => "登录过期",
        ApiErrorCode::InvalidClientCredentials => "客户端凭证无效",
        ApiErrorCode::GenerateFailed => "生成失败",
        ApiErrorCode::SystemError => "系统错误",
        _ => return None,
    })
}
