//! Credentials out of recorded messages.
//!
//! Error messages are recorded as the span status, and HTTP clients put the
//! URL of a failed request in theirs (`error sending request for url
//! (https://...?key=...)`): Gemini takes its API key as `?key=`, Azure and
//! S3-style signed URLs carry `sig=` / `X-Amz-Signature=`, proxies take
//! `user:password@`. Before a message is recorded, the password of every
//! URL in it and the values of credential-like query parameters are
//! replaced with `REDACTED`.

use std::borrow::Cow;

const REDACTED: &str = "REDACTED";

/// Query parameters whose value is a credential (compared ASCII
/// case-insensitively, `-` and `_` ignored).
const CREDENTIAL_PARAMETERS: &[&str] = &[
    "key",
    "apikey",
    "apitoken",
    "token",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "authtoken",
    "auth",
    "authorization",
    "password",
    "passwd",
    "pwd",
    "secret",
    "clientsecret",
    "sig",
    "signature",
    "xamzsignature",
    "xamzsecuritytoken",
    "xamzcredential",
    "xgoogsignature",
    "xgoogcredential",
    "code",
];

/// `text` with the credentials of the URLs in it replaced; borrowed when
/// there are none.
pub(crate) fn urls(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let start = at + 3;
        out.push_str(&rest[..start]);
        let url_end = rest[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '<' | '>' | '`'))
            .map_or(rest.len(), |i| start + i);
        redact_url(&rest[start..url_end], &mut out);
        rest = &rest[url_end..];
    }
    out.push_str(rest);
    if out == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

/// Writes `url` (after its `scheme://`) to `out` with its password and
/// credential query values replaced.
fn redact_url(url: &str, out: &mut String) {
    let authority_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    let (authority, tail) = url.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            match userinfo.split_once(':') {
                Some((user, _password)) => {
                    out.push_str(user);
                    out.push(':');
                    out.push_str(REDACTED);
                }
                None => out.push_str(REDACTED),
            }
            out.push('@');
            out.push_str(host);
        }
        None => out.push_str(authority),
    }
    let Some(query_at) = tail.find('?') else {
        out.push_str(tail);
        return;
    };
    out.push_str(&tail[..=query_at]);
    let query = &tail[query_at + 1..];
    let (query, fragment) = match query.find('#') {
        Some(i) => query.split_at(i),
        None => (query, ""),
    };
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((name, value)) if !value.is_empty() && is_credential(name) => {
                out.push_str(name);
                out.push('=');
                out.push_str(REDACTED);
            }
            _ => out.push_str(pair),
        }
    }
    out.push_str(fragment);
}

fn is_credential(name: &str) -> bool {
    let normalized: String = name
        .chars()
        .filter(|c| !matches!(c, '-' | '_'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    CREDENTIAL_PARAMETERS.contains(&normalized.as_str())
}

#[cfg(test)]
mod tests {
    use super::urls;
    use proptest::prelude::*;

    #[test]
    fn query_credentials_and_passwords_are_replaced() {
        assert_eq!(
            urls("error sending request for url (https://generativelanguage.googleapis.com/v1beta/models/m:generateContent?key=AIzaSy123&alt=json)"),
            "error sending request for url (https://generativelanguage.googleapis.com/v1beta/models/m:generateContent?key=REDACTED&alt=json)"
        );
        assert_eq!(
            urls("GET http://bob:hunter2@proxy:8080/x?X-Amz-Signature=abc#frag failed"),
            "GET http://bob:REDACTED@proxy:8080/x?X-Amz-Signature=REDACTED#frag failed"
        );
        assert_eq!(
            urls("url: 'https://tok3n@h.io?api_key=s&page=2&sig='"),
            "url: 'https://REDACTED@h.io?api_key=REDACTED&page=2&sig='"
        );
    }

    #[test]
    fn text_without_credentials_is_borrowed() {
        for text in [
            "rate limited",
            "see https://status.openai.com/incidents?id=7",
            "a://",
        ] {
            assert!(
                matches!(urls(text), std::borrow::Cow::Borrowed(_)),
                "{text}"
            );
        }
    }

    proptest! {
        #[test]
        fn never_panics_and_removes_the_secret(
            prefix in ".{0,20}", user in "[a-z]{0,5}", name in "(key|token|api-key|sig|X-Goog-Signature)",
            tail in ".{0,20}",
        ) {
            let secret = "S3CRETxyz";
            let text = format!("{prefix} https://{user}:{secret}@h/p?{name}={secret}&x=1 {tail}");
            let redacted = urls(&text);
            prop_assert!(!redacted.contains(secret) || prefix.contains(secret) || tail.contains(secret));
            let _ = urls(&prefix);
        }
    }
}
