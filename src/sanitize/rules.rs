//! The sanitizer's rules: the built-in defaults (docs/sanitize.md) and a TOML file that
//! adds to them, removes from them, or turns them into an allow-list.

use crate::transform::names::{
    Memo, is_authorization_context_key, is_generic_value_key, is_secret_name, memo,
};
use crate::transform::redact::{HeaderClass, header_class, is_secret_param_value};
use regex::Regex;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The default rules as a TOML document: what `--print-default-rules` prints and what an
/// empty `--rules` file means.
pub const DEFAULT_RULES: &str = r#"# harx sanitize rules. The built-in rules are always on; this file adds to them,
# removes from them, or (mode = "allow") turns them into an allow-list.
# Built in (docs/sanitize.md lists every one):
#  - headers: Authorization and Proxy-Authorization (scheme word kept), every Cookie value
#    (names kept), Set-Cookie values (attributes kept), credential headers by name
#    (x-api-key, x-amz-security-token, ...) and by word (token, secret, password, session,
#    auth, csrf, xsrf, signature, ...; word-bounded: `author`, `keyboard` survive),
#    Sec-WebSocket-Protocol bearer tokens, URL rules in Referer, Location, :path, Refresh
#  - URLs everywhere (request.url, queryString, redirectURL, _initiator, page titles,
#    URLs inside bodies): secret query and fragment parameters, pre-signed URL signatures,
#    userinfo passwords
#  - cookies[] values in requests and responses
#  - bodies (form, multipart, JSON at any depth incl. GraphQL variables and JSON sent as
#    text/plain, base64 bodies decoded and re-encoded, SSE data lines, WebSocket and
#    Socket.IO frames, SAML and CSRF hidden inputs in HTML)
#  - tokens in any string: JWT, JWE, AWS/GitHub/Slack/Stripe/Google/npm/SendGrid/Twilio
#    keys, PEM private keys, `access_token=`-style pairs (also \u-escaped)
#  - every later occurrence of a value already redacted (8 characters or more)

# "deny": redact what the rules name. "allow": redact every header value, cookie,
# parameter and JSON string value except the names allowed below (tokens are still
# redacted wherever they are).
mode = "deny"
# "redact": values become [REDACTED]. "pseudonym": [REDACTED:<8 hex>], an HMAC-SHA256 of
# the value under a random per-run key (or --key-file), so equal values stay equal.
replacement = "redact"
# Shortest redacted value whose later occurrences are redacted too.
min_propagation_length = 8

[headers]
add = []     # more secret header names (case-insensitive)
remove = []  # header names never redacted
allow = []   # allow mode: header values kept

[cookies]
keep = []    # cookie names whose values are kept

[params]     # query, fragment and form parameters
add = []
remove = []
allow = []

[json_keys]  # keys in JSON bodies, at any depth
add = []
remove = []
allow = []

# Extra patterns: every match in any string is redacted.
# [[patterns]]
# name = "ticket"
# regex = "TCK-[0-9]{8}"
"#;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct NameLists {
    add: Vec<String>,
    remove: Vec<String>,
    allow: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct CookieLists {
    keep: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternSpec {
    name: String,
    regex: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RulesFile {
    mode: String,
    replacement: String,
    min_propagation_length: usize,
    headers: NameLists,
    cookies: CookieLists,
    params: NameLists,
    json_keys: NameLists,
    patterns: Vec<PatternSpec>,
}

impl Default for RulesFile {
    fn default() -> Self {
        Self {
            mode: "deny".to_owned(),
            replacement: "redact".to_owned(),
            min_propagation_length: 8,
            headers: NameLists::default(),
            cookies: CookieLists::default(),
            params: NameLists::default(),
            json_keys: NameLists::default(),
            patterns: Vec::new(),
        }
    }
}

/// JSON body keys redacted by default (compared lower-case), besides the URL-parameter
/// word rules.
const JSON_KEYS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passcode",
    "newpassword",
    "new_password",
    "current_password",
    "currentpassword",
    "secret",
    "client_secret",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "sessiontoken",
    "statetoken",
    "statehandle",
    "session_token",
    "csrf",
    "xsrf",
    "authenticity_token",
    "api_key",
    "apikey",
    "private_key",
    "privatekey",
    "otp",
    "pin",
    "authorization",
    "cookie",
    "set-cookie",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "client_assertion",
    "assertion",
    "samlresponse",
    "samlrequest",
];

/// Hidden HTML inputs whose values are redacted.
const HIDDEN_INPUTS: &[&str] = &[
    "samlresponse",
    "samlrequest",
    "authenticity_token",
    "__requestverificationtoken",
    "csrfmiddlewaretoken",
    "_csrf",
    "csrf_token",
    "csrf",
    "_token",
    "xsrf_token",
];

const JK_PLAIN: u8 = 0;
const JK_SECRET: u8 = 1;
const JK_GENERIC: u8 = 2;
const JK_ANSWER: u8 = 2 | 4;
const JK_CODE: u8 = 8;
const JK_AUTH_CONTEXT: u8 = 16;

/// The built-in verdict on a JSON key, before the context: secret, a generic value key
/// (secret under a secret parent), `answer`, `code`, an OAuth context word, or plain.
fn json_key_kind(key: &str) -> u8 {
    let l = key.trim().to_ascii_lowercase();
    if JSON_KEYS.contains(&l.as_str()) {
        return JK_SECRET;
    }
    if l == "code" {
        return JK_CODE | JK_GENERIC;
    }
    if l == "answer" {
        return JK_ANSWER;
    }
    let generic = if is_generic_value_key(&l) {
        JK_GENERIC
    } else {
        JK_PLAIN
    };
    if l == "key" {
        return generic;
    }
    if is_secret_name(key) || header_class(key) != HeaderClass::Plain {
        return JK_SECRET;
    }
    if matches!(l.as_str(), "state" | "nonce" | "session_state") {
        return JK_AUTH_CONTEXT | generic;
    }
    generic
}

/// Where a JSON value sits, as far as redaction cares.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonContext {
    /// Some enclosing key is secret (`credentials`, `password`).
    pub secret_parent: bool,
    /// The enclosing key is a security question.
    pub question_parent: bool,
    /// The object's other members belong to an OAuth/OIDC exchange.
    pub authorization: bool,
}

/// Whether replacements are fixed markers or keyed pseudonyms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacement {
    /// `[REDACTED]`.
    Redact,
    /// `[REDACTED:<hmac8>]`.
    Pseudonym,
}

/// The effective rules.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Allow-list mode.
    pub allow_mode: bool,
    /// Marker style.
    pub replacement: Replacement,
    /// Shortest value propagated.
    pub min_propagation: usize,
    headers_add: Vec<String>,
    headers_remove: Vec<String>,
    headers_allow: Vec<String>,
    cookies_keep: Vec<String>,
    params_add: Vec<String>,
    params_remove: Vec<String>,
    params_allow: Vec<String>,
    keys_add: Vec<String>,
    keys_remove: Vec<String>,
    keys_allow: Vec<String>,
    /// Token patterns: (rule name, regex).
    pub tokens: Vec<(String, Regex)>,
    /// All token patterns at once: one pass tells whether any can match.
    pub token_set: regex::RegexSet,
    /// `name=value` pairs with a secret name inside free text.
    pub text_pairs: Regex,
    /// `<input …>` tags.
    pub html_input: Regex,
    /// `<meta name="csrf-token" …>` tags.
    pub html_meta: Regex,
    /// `name: value` / `name = value` pairs in free text (JavaScript, GraphQL, STOMP,
    /// YAML, logs): group 1 the name, then the value quoted (2, 3) or bare (4).
    pub text_kv: Regex,
    /// Where a secret-sounding name stands before `:` or `=` in free text: the places
    /// [`Rules::text_kv`] is run from.
    pub text_kv_prefilter: Regex,
    /// `<ns:name …>value</` XML elements: group 1 the local name, 2 the value.
    pub xml_element: Regex,
    /// SHA-256 of the effective rules text (built-in version plus the user's file).
    pub sha256: String,
    /// Whether the file adds or removes names (else the built-in verdicts, memoised,
    /// are the answer).
    user_names: bool,
}

fn lower(v: Vec<String>) -> Vec<String> {
    v.into_iter().map(|s| s.to_ascii_lowercase()).collect()
}

fn re(p: &str) -> Result<Regex, String> {
    Regex::new(p).map_err(|e| format!("bad pattern {p}: {e}"))
}

/// How many token patterns are built in.
pub const TOKEN_PATTERN_COUNT: usize = TOKEN_PATTERNS.len();

/// The built-in token patterns (JWE before JWT: a JWE has five segments).
const TOKEN_PATTERNS: &[(&str, &str)] = &[
    (
        "jwe",
        r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+",
    ),
    (
        "jwt",
        r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*",
    ),
    (
        "pem-private-key",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----",
    ),
    ("aws-access-key", r"(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    (
        "github-token",
        r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})",
    ),
    ("slack-token", r"xox[abprs]-[A-Za-z0-9-]{10,}"),
    ("stripe-key", r"[sr]k_live_[A-Za-z0-9]{16,}"),
    ("google-api-key", r"AIza[0-9A-Za-z_-]{35}"),
    ("npm-token", r"npm_[A-Za-z0-9]{36}\b"),
    ("sendgrid-key", r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
    ("twilio-key", r"\bSK[0-9a-fA-F]{32}\b"),
    (
        "k8s-bearer-subprotocol",
        r"base64url\.bearer\.authorization\.k8s\.io\.[A-Za-z0-9_-]+",
    ),
];

impl Rules {
    /// The rules from a TOML file's text (`None`: the defaults).
    ///
    /// # Errors
    /// A message naming the problem (unknown key, bad value, bad regex).
    pub fn load(user: Option<&str>) -> Result<Self, String> {
        match user {
            None => Ok(Self::builtin().clone()),
            Some(text) => {
                let file: RulesFile = toml::from_str(text).map_err(|e| e.to_string())?;
                Self::compile(file, Some(text))
            }
        }
    }

    /// The built-in rules, compiled once. They cannot fail: their patterns are constants
    /// that the unit tests compile (`builtin_rules_compile`), so a bad one fails every
    /// test run rather than a user's.
    pub fn builtin() -> &'static Self {
        static BUILTIN: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            Self::compile(RulesFile::default(), None)
                .unwrap_or_else(|e| unreachable!("built-in rules: {e}"))
        })
    }

    fn compile(file: RulesFile, user: Option<&str>) -> Result<Self, String> {
        let allow_mode = match file.mode.as_str() {
            "deny" => false,
            "allow" => true,
            m => return Err(format!("mode = \"{m}\": expected \"deny\" or \"allow\"")),
        };
        let replacement = match file.replacement.as_str() {
            "redact" => Replacement::Redact,
            "pseudonym" => Replacement::Pseudonym,
            r => {
                return Err(format!(
                    "replacement = \"{r}\": expected \"redact\" or \"pseudonym\""
                ));
            }
        };
        let mut tokens = Vec::new();
        for (name, p) in TOKEN_PATTERNS {
            tokens.push(((*name).to_owned(), re(p)?));
        }
        for p in file.patterns {
            tokens.push((format!("pattern:{}", p.name), re(&p.regex)?));
        }
        let token_set = regex::RegexSet::new(tokens.iter().map(|(_, r)| r.as_str()))
            .map_err(|e| format!("token patterns: {e}"))?;
        let mut h = Sha256::new();
        h.update(DEFAULT_RULES.as_bytes());
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        // A file equal to the defaults is the default rule set.
        if let Some(u) = user.filter(|u| *u != DEFAULT_RULES) {
            h.update(u.as_bytes());
        }
        Ok(Self {
            allow_mode,
            replacement,
            min_propagation: file.min_propagation_length.max(1),
            headers_add: lower(file.headers.add),
            headers_remove: lower(file.headers.remove),
            headers_allow: lower(file.headers.allow),
            cookies_keep: file.cookies.keep,
            params_add: lower(file.params.add),
            params_remove: lower(file.params.remove),
            params_allow: lower(file.params.allow),
            keys_add: lower(file.json_keys.add),
            keys_remove: lower(file.json_keys.remove),
            keys_allow: lower(file.json_keys.allow),
            tokens,
            token_set,
            text_pairs: re(
                r"(?i)\b(access_token|refresh_token|id_token|client_secret|code_verifier|password|passwd|session_token|sessiontoken|statetoken|api_key|apikey|samlresponse|samlrequest|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature)=([^&\s\x22'<>\\]+)",
            )?,
            html_input: re(r"(?is)<input\b[^>]*>")?,
            text_kv: re(
                r#"(?i)["']?([A-Za-z_$][A-Za-z0-9_.$\-\[\]]{0,63})["']?[ \t]*[:=][ \t]*(?:"((?:[^"\\\n]|\\.)+)"|'((?:[^'\\\n]|\\.)+)'|([^\s"',;&<>(){}\[\]]+))"#,
            )?,
            text_kv_prefilter: re(
                r#"(?i)(?:pass|pwd|token|secret|key|auth|sess|otp|pin|sig|cred|csrf|xsrf|cookie|jwt|bearer|code|sid|nonce|ticket|saml|assertion|oidc|client.?data)[A-Za-z0-9_.$\-\[\]]{0,48}["']?[ \t]*[:=]"#,
            )?,
            // only elements whose name holds a secret word: a page has thousands of others
            xml_element: re(
                r"(?i)<(?:[A-Za-z_][A-Za-z0-9_.-]*:)?([A-Za-z0-9_.-]*(?:pass|pwd|token|secret|key|auth|sess|otp|pin|sig|cred|csrf|xsrf|cookie|jwt|bearer|saml|assertion|ticket|code)[A-Za-z0-9_.-]*)(?:\s[^>]*)?>([^<]+)</",
            )?,
            html_meta: re(
                r#"(?is)<meta\b[^>]*name\s*=\s*["']?(?:csrf[-_]?token|_csrf|xsrf[-_]?token)["']?[^>]*>"#,
            )?,
            sha256: format!("{:x}", h.finalize()),
            user_names: false,
        }
        .with_user_names())
    }

    /// Whether the rules file adds or removes names.
    pub fn has_user_names(&self) -> bool {
        self.user_names
    }

    fn with_user_names(mut self) -> Self {
        self.user_names = !(self.keys_add.is_empty()
            && self.keys_remove.is_empty()
            && self.params_add.is_empty()
            && self.params_remove.is_empty()
            && self.headers_add.is_empty()
            && self.headers_remove.is_empty());
        self
    }

    /// How a header's value is redacted (`Plain`: kept).
    pub fn header(&self, name: &str) -> HeaderClass {
        if !self.allow_mode && self.headers_remove.is_empty() && self.headers_add.is_empty() {
            return header_class(name);
        }
        let l = name.trim().to_ascii_lowercase();
        if self.headers_remove.contains(&l) {
            return HeaderClass::Plain;
        }
        if self.headers_add.contains(&l) {
            return HeaderClass::Secret;
        }
        let class = header_class(name);
        if self.allow_mode && class == HeaderClass::Plain && !self.headers_allow.contains(&l) {
            return HeaderClass::Secret;
        }
        class
    }

    /// Whether a cookie's value is kept.
    pub fn keep_cookie(&self, name: &str) -> bool {
        self.cookies_keep.iter().any(|k| k == name)
    }

    /// Whether a query, fragment or form parameter's value is secret.
    pub fn param(&self, name: &str, value: &str) -> bool {
        if !self.allow_mode && self.params_remove.is_empty() && self.params_add.is_empty() {
            return is_secret_param_value(name, value);
        }
        let l = name.trim().to_ascii_lowercase();
        if self.params_remove.contains(&l) {
            return false;
        }
        if self.params_add.contains(&l) || is_secret_param_value(name, value) {
            return true;
        }
        self.allow_mode && !self.params_allow.contains(&l)
    }

    /// Whether a `name: value` pair found in free text (scripts, GraphQL, STOMP frames) is
    /// secret: judged by the name's words only (`key`, `code` alone are too common there).
    pub fn text_name(&self, name: &str) -> bool {
        let builtin = || {
            memo(Memo::TextName, name, || {
                u8::from(is_secret_name(name) || header_class(name) != HeaderClass::Plain)
            }) == 1
        };
        if !self.user_names {
            return builtin();
        }
        let l = name.trim().to_ascii_lowercase();
        if self.keys_remove.contains(&l) || self.params_remove.contains(&l) {
            return false;
        }
        self.keys_add.contains(&l) || self.params_add.contains(&l) || builtin()
    }

    /// Whether a JSON value under `key` is secret. `ctx`: what the walk knows of where
    /// the value sits.
    pub fn json_key(&self, key: &str, value: &str, ctx: JsonContext) -> bool {
        if self.user_names || self.allow_mode {
            let l = key.trim().to_ascii_lowercase();
            if self.keys_remove.contains(&l) {
                return false;
            }
            if self.keys_add.contains(&l) {
                return true;
            }
        }
        let kind = memo(Memo::JsonKey, key, || json_key_kind(key));
        if kind == JK_SECRET {
            return true;
        }
        // `{"password": {"value": …}}`, `{"credentials": {"recovery_question": {"answer"}}}`
        if ctx.secret_parent && kind & JK_GENERIC != 0 {
            return true;
        }
        if kind & JK_ANSWER == JK_ANSWER && ctx.question_parent {
            return true;
        }
        // `code` is an error code far more often than an OAuth code in a JSON body: it is
        // secret beside `state`, `redirect_uri`, `grant_type`…, or when it looks minted.
        if kind & JK_CODE != 0 {
            return ctx.authorization
                || value.len() >= 20
                    && value.bytes().any(|c| c.is_ascii_lowercase())
                    && value.bytes().any(|c| c.is_ascii_uppercase())
                    && value.bytes().any(|c| c.is_ascii_digit());
        }
        if kind & JK_AUTH_CONTEXT != 0 && ctx.authorization {
            return true;
        }
        self.allow_mode && !self.keys_allow.contains(&key.trim().to_ascii_lowercase())
    }

    /// Whether an object's member names make it part of an authorization exchange.
    pub fn authorization_object<'k>(&self, mut keys: impl Iterator<Item = &'k str>) -> bool {
        keys.any(is_authorization_context_key)
    }

    /// Whether an HTML hidden input of this name carries a secret.
    pub fn hidden_input(&self, name: &str) -> bool {
        let l = name.to_ascii_lowercase();
        HIDDEN_INPUTS.contains(&l.as_str())
            || l.contains("csrf")
            || l.contains("xsrf")
            || matches!(
                l.as_str(),
                "code"
                    | "id_token"
                    | "state"
                    | "session_state"
                    | "access_token"
                    | "wresult"
                    | "wctx"
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_compile() {
        // every constant pattern compiles, each on its own and in the set
        for (name, p) in TOKEN_PATTERNS {
            assert!(Regex::new(p).is_ok(), "{name}");
        }
        let r = Rules::builtin();
        assert_eq!(r.tokens.len(), TOKEN_PATTERN_COUNT);
        assert_eq!(r.token_set.len(), TOKEN_PATTERN_COUNT);
        assert!(!r.allow_mode && !r.has_user_names());
        // each pattern finds what it is for (and the set agrees)
        let samples = [
            "AKIAABCDEFGHIJKLMNOP",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "AIzaSyA1234567890abcdefghijklmnopqrstuv",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
        ];
        for s in samples {
            assert!(r.token_set.is_match(s), "{s}");
        }
        assert!(!r.token_set.is_match("an ordinary sentence about keys"));
    }

    #[test]
    fn defaults_parse_and_print_the_same_rules() {
        let a = Rules::load(None).unwrap_or_else(|e| panic!("{e}"));
        let b = Rules::load(Some(DEFAULT_RULES)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.allow_mode, b.allow_mode);
        assert_eq!(a.tokens.len(), b.tokens.len());
        assert!(
            a.param("access_token", "x")
                && a.param("X-Amz-Signature", "x")
                && !a.param("page", "2")
        );
        assert_eq!(a.header("Authorization"), HeaderClass::Credentials);
        assert_eq!(a.header("author"), HeaderClass::Plain);
        let none = JsonContext::default();
        assert!(a.json_key("password", "x", none) && !a.json_key("error", "x", none));
        let secret = JsonContext {
            secret_parent: true,
            ..none
        };
        assert!(a.json_key("answer", "x", secret) && a.json_key("value", "x", secret));
        assert!(
            !a.json_key("code", "E42", none) && !a.json_key("code", "invalid_user_password", none)
        );
        let auth = JsonContext {
            authorization: true,
            ..none
        };
        assert!(a.json_key("code", "abc", auth));
    }

    #[test]
    fn user_rules_add_remove_allow() {
        let r = Rules::load(Some(
            "[headers]\nadd = [\"X-Tenant\"]\nremove = [\"cookie\"]\n[params]\nremove = [\"code\"]\n[json_keys]\nadd = [\"ssn\"]\n[[patterns]]\nname = \"ticket\"\nregex = \"TCK-[0-9]{4}\"\n",
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.header("x-tenant"), HeaderClass::Secret);
        assert_eq!(r.header("Cookie"), HeaderClass::Plain);
        assert!(!r.param("code", "x"));
        assert!(r.json_key("SSN", "1", JsonContext::default()));
        assert!(r.tokens.iter().any(|(n, _)| n == "pattern:ticket"));
        let allow = Rules::load(Some("mode = \"allow\"\n[headers]\nallow = [\"accept\"]\n"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(allow.header("Accept"), HeaderClass::Plain);
        assert_eq!(allow.header("X-Anything"), HeaderClass::Secret);
        assert!(Rules::load(Some("mode = \"maybe\"")).is_err());
        assert!(Rules::load(Some("colour = 1")).is_err());
        assert!(Rules::load(Some("[[patterns]]\nname = \"x\"\nregex = \"(\"")).is_err());
    }
}
