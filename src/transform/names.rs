//! What a name says about its value: one normalisation of header, cookie, parameter,
//! form-field and JSON key names, and the rules that decide from it whether the value is
//! a secret. Every output path (export, the views, `sanitize`) asks here.
//!
//! A name is cut into lower-case words at separators (`-_. []:`, any non-alphanumeric
//! byte) and at camelCase boundaries, so `accessToken`, `X-Api_Key`, `user[password]`,
//! `X-Parse-REST-API-Key` and ` api-key ` all become word lists the rules can read.

/// The words of a name, lower-case, at most [`MAX_WORDS`] of them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Words {
    words: Vec<String>,
}

/// Words kept of one name (names are attacker-controlled).
pub const MAX_WORDS: usize = 16;

impl Words {
    /// Cuts `name` into words.
    pub fn of(name: &str) -> Self {
        let mut words: Vec<String> = Vec::new();
        let mut cur = String::new();
        let b: Vec<char> = name.chars().take(256).collect();
        let flush = |cur: &mut String, words: &mut Vec<String>| {
            if !cur.is_empty() && words.len() < MAX_WORDS {
                words.push(std::mem::take(cur));
            }
            cur.clear();
        };
        for (i, &c) in b.iter().enumerate() {
            if !c.is_alphanumeric() {
                flush(&mut cur, &mut words);
                continue;
            }
            if let Some(&p) = i.checked_sub(1).and_then(|j| b.get(j)) {
                let next_lower = b.get(i + 1).is_some_and(|n| n.is_lowercase());
                // `aB` and the `B` of `ABc` start a word: `accessToken`, `APIKey`
                let boundary = (p.is_lowercase() || p.is_ascii_digit()) && c.is_uppercase()
                    || p.is_uppercase() && c.is_uppercase() && next_lower;
                if boundary {
                    flush(&mut cur, &mut words);
                }
            }
            cur.extend(c.to_lowercase());
        }
        flush(&mut cur, &mut words);
        Self { words }
    }

    /// The words.
    pub fn as_slice(&self) -> &[String] {
        &self.words
    }

    /// The words joined with nothing between them (`xapikey`).
    pub fn joined(&self) -> String {
        self.words.concat()
    }

    /// The words joined with `_` (`access_token`): the form lists are written in.
    pub fn snake(&self) -> String {
        self.words.join("_")
    }

    fn last(&self) -> Option<&str> {
        self.words.last().map(String::as_str)
    }
}

/// Words that make a name secret wherever they stand in it.
const SECRET_WORDS: &[&str] = &[
    "token",
    "tokens",
    "secret",
    "secrets",
    "password",
    "passwords",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "passcode",
    "apikey",
    "credential",
    "credentials",
    "signature",
    "sig",
    "jwt",
    "session",
    "sessionid",
    "sid",
    "auth",
    "authorization",
    "authentication",
    "csrf",
    "xsrf",
    "csrftoken",
    "xsrftoken",
    "assertion",
    "samlresponse",
    "samlrequest",
    "otp",
    "totp",
    "hotp",
    "pin",
    "bearer",
    "jsessionid",
    "phpsessid",
    "aspsessionid",
    "privatekey",
    "secretkey",
    "accesskey",
    "apitoken",
    "authtoken",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "sessiontoken",
    "statetoken",
    "cookie",
];

/// Endings of a name written without separators (`confirmpassword`, `xapikey`) that make
/// it secret.
const SECRET_ENDINGS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "passcode",
    "passphrase",
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "sessionid",
    "signature",
    "credential",
    "credentials",
    "authorization",
    "authentication",
];

/// A word followed by `key` (or `code`) that names a secret: `api key`, `subscription
/// key`, `recovery code`.
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "secret",
    "private",
    "subscription",
    "master",
    "signing",
    "encryption",
    "app",
    "application",
    "license",
    "licence",
    "account",
    "shared",
    "client",
    "auth",
    "session",
    "admin",
    "service",
    "functions",
    "function",
    "host",
    "rest",
    "javascript",
    "js",
    "webhook",
    "ingest",
    "ingestion",
    "write",
    "server",
    "publish",
    "push",
];

const CODE_QUALIFIERS: &[&str] = &[
    "recovery",
    "backup",
    "verification",
    "verify",
    "auth",
    "authorization",
    "mfa",
    "otp",
    "sms",
    "security",
    "reset",
    "device",
    "user",
    "confirmation",
    "activation",
    "login",
    "one",
    "magic",
    "pairing",
];

/// Last words that make a name metadata about a secret rather than the secret:
/// `token_type`, `authTime`, `passwordPolicy`, `session_expires`.
const META_ENDINGS: &[&str] = &[
    "type",
    "types",
    "endpoint",
    "time",
    "hint",
    "url",
    "uri",
    "method",
    "methods",
    "mode",
    "length",
    "len",
    "expires",
    "expiry",
    "expiration",
    "exp",
    "ttl",
    "count",
    "version",
    "status",
    "policy",
    "name",
    "names",
    "header",
    "headers",
    "required",
    "enabled",
    "format",
    "lifetime",
    "age",
    "timeout",
    "field",
    "label",
    "placeholder",
    "strength",
    "rules",
    "provider",
    "providers",
    "scheme",
    "realm",
    "at",
    "in",
    "on",
    "state",
    "user",
    "level",
    "duration",
    "date",
    "changed",
    "updated",
    "created",
    "set",
    "valid",
    "error",
    "errors",
    "message",
    "flow",
    "step",
    "id",
];

/// Whole names that carry a secret word but name no secret.
const NOT_SECRET: &[&str] = &[
    "token_type",
    "grant_type",
    "response_type",
    "token_endpoint",
    "auth_time",
    "authuser",
    "token_type_hint",
    "www_authenticate",
    "password_reset",
];

/// Names whose last word is in [`META_ENDINGS`] but that are secrets all the same.
const SECRET_DESPITE_ENDING: &[&str] = &[
    "session_state",
    "session_id",
    "jsession_id",
    "csrf_state",
    "auth_state",
];

/// Whether a name (already cut into words) names a secret value.
pub fn words_are_secret(w: &Words) -> bool {
    let words = w.as_slice();
    if words.is_empty() {
        return false;
    }
    let snake = w.snake();
    if NOT_SECRET.contains(&snake.as_str()) || snake.starts_with("access_control_") {
        return false;
    }
    let joined = w.joined();
    let strong = words.iter().any(|x| {
        SECRET_WORDS.contains(&x.as_str()) || x.contains("password") || x.contains("passwd")
    }) || SECRET_ENDINGS.iter().any(|e| joined.ends_with(e))
        || words.windows(2).any(|p| {
            (p[1] == "key" || p[1] == "keys") && KEY_QUALIFIERS.contains(&p[0].as_str())
                || (p[1] == "code" || p[1] == "codes") && CODE_QUALIFIERS.contains(&p[0].as_str())
        });
    if !strong {
        return false;
    }
    if SECRET_DESPITE_ENDING.contains(&snake.as_str()) {
        return true;
    }
    // `token_type`, `passwordPolicy`: metadata about a secret, when the secret word is
    // not itself last.
    match w.last() {
        Some(last) => words.len() == 1 || !META_ENDINGS.contains(&last),
        None => false,
    }
}

/// Whether `name` names a secret value.
pub fn is_secret_name(name: &str) -> bool {
    memo(Memo::SecretName, name, || {
        u8::from(words_are_secret(&Words::of(name)))
    }) == 1
}

/// What a memoised verdict is about.
#[derive(Debug, Clone, Copy)]
pub enum Memo {
    /// [`is_secret_name`].
    SecretName = 0,
    /// `redact::header_class`.
    HeaderClass = 1,
    /// `redact::is_secret_param`.
    SecretParam = 2,
    /// `redact::is_secret_param_value`'s list of names secret when the value is random.
    IfRandom = 3,
    /// The sanitizer's JSON key category.
    JsonKey = 4,
    /// The sanitizer's free-text name verdict.
    TextName = 5,
}

const KINDS: usize = 6;
const UNKNOWN: u8 = u8::MAX;
/// Names remembered per thread (names are attacker-controlled: memory stays bounded).
const MEMO_NAMES: usize = 8192;

type MemoMap = std::collections::HashMap<
    Box<str>,
    [u8; KINDS],
    std::hash::BuildHasherDefault<super::redact::FnvHasher>,
>;

/// A verdict about a name, computed once per thread: a capture has a few hundred
/// distinct names and millions of uses of them.
pub fn memo(kind: Memo, name: &str, compute: impl FnOnce() -> u8) -> u8 {
    use std::cell::RefCell;
    thread_local! {
        static MEMO: RefCell<MemoMap> = RefCell::new(MemoMap::default());
    }
    let k = kind as usize;
    let known = MEMO.with(|m| m.borrow().get(name).map(|v| v[k]));
    if let Some(v) = known.filter(|&v| v != UNKNOWN) {
        return v;
    }
    let v = compute();
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if let Some(slot) = m.get_mut(name) {
            slot[k] = v;
        } else if m.len() < MEMO_NAMES {
            let mut slot = [UNKNOWN; KINDS];
            slot[k] = v;
            m.insert(name.into(), slot);
        }
    });
    v
}

/// Whether a header name says its value is `Authorization`-shaped (scheme word, then the
/// credential): `Authorization`, `X-Forwarded-Authorization`, `Authentication`.
pub fn is_credentials_name(w: &Words) -> bool {
    matches!(w.last(), Some("authorization" | "authentication"))
}

/// Whether a name is one of the generic keys (`value`, `answer`) that hold the secret of
/// a secret-named parent: Okta's `{"password": {"value": …}}`.
pub fn is_generic_value_key(name: &str) -> bool {
    let l = name.trim().to_ascii_lowercase();
    matches!(
        l.as_str(),
        "value"
            | "answer"
            | "text"
            | "data"
            | "plain"
            | "plaintext"
            | "raw"
            | "current"
            | "new"
            | "old"
            | "confirm"
            | "confirmation"
            | "repeat"
            | "hash"
            | "secret"
            | "string"
            | "key"
            | "code"
            | "otp"
    )
}

/// Whether a key names the context of an authorization exchange (OAuth, OIDC), where a
/// sibling `code` is an authorization code rather than an error code.
pub fn is_authorization_context_key(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    matches!(
        l.as_str(),
        "state"
            | "redirect_uri"
            | "redirecturi"
            | "code_verifier"
            | "codeverifier"
            | "grant_type"
            | "granttype"
            | "session_state"
            | "client_id"
            | "clientid"
            | "id_token"
            | "scope"
            | "nonce"
    )
}

/// Whether a value looks like a credential rather than a word or a number: at least 16
/// characters, no whitespace, and two kinds of character among lower, upper and digits
/// (`SplxlOBeZQQYbYS6WxSbIA`, not `invalid_user_password`).
pub fn token_shaped(v: &str) -> bool {
    if v.len() < 16 || v.chars().any(char::is_whitespace) {
        return false;
    }
    let lower = v.bytes().any(|c| c.is_ascii_lowercase());
    let upper = v.bytes().any(|c| c.is_ascii_uppercase());
    let digit = v.bytes().any(|c| c.is_ascii_digit());
    u8::from(lower) + u8::from(upper) + u8::from(digit) >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: &str) -> Vec<String> {
        Words::of(n).as_slice().to_vec()
    }

    #[test]
    fn cuts_names_into_words() {
        assert_eq!(words("accessToken"), ["access", "token"]);
        assert_eq!(
            words("X-Parse-REST-API-Key"),
            ["x", "parse", "rest", "api", "key"]
        );
        assert_eq!(words("APIKey"), ["api", "key"]);
        assert_eq!(words("user[password]"), ["user", "password"]);
        assert_eq!(words(" X-Api_Key "), ["x", "api", "key"]);
        assert_eq!(words("SecretAccessKey"), ["secret", "access", "key"]);
        assert_eq!(words("oauth2Token"), ["oauth2", "token"]);
        assert!(words("").is_empty());
    }

    #[test]
    fn secret_names() {
        for n in [
            "accessToken",
            "api-key",
            "subscription-key",
            "x-algolia-api-key",
            "authToken",
            "api_key",
            "X-Api_Key",
            "X-Algolia-API-Key",
            "X-Parse-REST-API-Key",
            "X-Authorization",
            "x-amzn-Remapped-Authorization",
            "Authentication",
            " X-Api-Key ",
            "user[password]",
            "clientSecret",
            "apiToken",
            "confirmPassword",
            "apiSecret",
            "SecretAccessKey",
            "SecretKey",
            "otp",
            "passcode",
            "xapikey",
            "newpassword",
            "session_state",
            "JSESSIONID",
            "recovery_code",
            "x-csrf-token",
            "sessionId",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn names_that_are_not_secret() {
        for n in [
            "author",
            "keyboard",
            "token_type",
            "tokenType",
            "grant_type",
            "auth_time",
            "authuser",
            "WWW-Authenticate",
            "Access-Control-Allow-Credentials",
            "Access-Control-Allow-Headers",
            "passwordPolicy",
            "TrackingID",
            "X-Request-Id",
            "key",
            "code",
            "error_code",
            "page",
            "tokenizer",
            "Content-Security-Policy",
            "monkey",
            "passwordStrength",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn token_shape() {
        assert!(token_shaped("SplxlOBeZQQYbYS6WxSbIA"));
        assert!(!token_shaped("invalid_user_password"));
        assert!(!token_shaped("short1A"));
        assert!(!token_shaped("has a space 1234567 ABC"));
    }
}
