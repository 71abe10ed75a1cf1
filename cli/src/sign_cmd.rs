//! `snaptrade sign`: the Signature of a request, computed by the same code the
//! client uses, so a user who gets 401 code 1076 can compare with their own.

use crate::args::SignArgs;
use serde::Serialize;
use serde_json::Value;
use snaptrade::SecretString;
use std::io::Read as _;

/// What `sign` computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signed {
    /// The HTTP method (not part of the signature).
    pub method: String,
    /// The path that was signed.
    pub path: String,
    /// The query that was signed.
    pub query: String,
    /// The exact string that was signed.
    pub signed_string: String,
    /// The `Signature` header value.
    pub signature: String,
    /// Hints about likely mistakes (printed to stderr, not signed).
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// Computes the signature for `args`. `client_id` is the global `--client-id`,
/// used only with `--timestamp`. Errors are usage errors, as text.
pub fn sign(
    args: &SignArgs,
    client_id: Option<&str>,
    consumer_key: &SecretString,
) -> Result<Signed, String> {
    let mut notes = Vec::new();
    let mut path = args.path.trim().to_owned();
    if let Some(rest) = path
        .strip_prefix("https://")
        .or_else(|| path.strip_prefix("http://"))
    {
        // A whole URL was pasted: sign what is sent, i.e. without the origin.
        path = match rest.find('/') {
            Some(i) => rest[i..].to_owned(),
            None => "/".to_owned(),
        };
        notes.push(format!(
            "signing the path without scheme and host: {}",
            path.split_once('?').map_or(path.as_str(), |(p, _)| p)
        ));
    }
    let mut query = match (path.split_once('?'), &args.query) {
        (Some(_), Some(_)) => {
            return Err("the query is given twice: in --path (after `?`) and in --query".into())
        }
        (Some((p, q)), None) => {
            let q = q.to_owned();
            path = p.to_owned();
            q
        }
        (None, Some(q)) => q.strip_prefix('?').unwrap_or(q).to_owned(),
        (None, None) => String::new(),
    };
    if !path.starts_with('/') {
        return Err(format!("--path must start with `/` (got {:?})", args.path));
    }
    if let Some(ts) = &args.timestamp {
        let ts = if ts == "now" {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        } else {
            ts.parse::<u64>().map_err(|_| {
                format!("--timestamp must be Unix time in whole seconds or `now` (got {ts:?})")
            })?
        };
        let client_id = client_id
            .filter(|c| !c.is_empty())
            .ok_or("--timestamp appends clientId too: give --client-id or SNAPTRADE_CLIENT_ID")?;
        if has_param(&query, "clientId") || has_param(&query, "timestamp") {
            notes.push(
                "the query already has clientId or timestamp, and --timestamp appended them again"
                    .into(),
            );
        }
        let ts = ts.to_string();
        let extra = snaptrade::runtime::query_string([("clientId", client_id), ("timestamp", &ts)]);
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&extra);
    } else {
        let has_auth = has_param(&query, "clientId") && has_param(&query, "timestamp");
        let unsigned_status = path == "/" && query.is_empty();
        if !has_auth && !unsigned_status {
            notes.push(
                "signed SnapTrade requests carry clientId and timestamp in the query, after the \
             operation's own parameters (add them, or use --timestamp T with --client-id)"
                    .into(),
            );
        }
    }
    let body = read_body(args)?;
    if let Some(b) = &body {
        if !b.is_object() && !b.is_null() {
            notes.push("SnapTrade request bodies are JSON objects".into());
        }
    }
    let signed_string = snaptrade::sign::signed_string(&path, &query, body.as_ref());
    let signature = snaptrade::sign::sign_string(consumer_key.expose(), &signed_string);
    Ok(Signed {
        method: args.method.to_ascii_uppercase(),
        path,
        query,
        signed_string,
        signature,
        notes,
    })
}

fn has_param(query: &str, name: &str) -> bool {
    query
        .split('&')
        .any(|pair| pair.split_once('=').map_or(pair, |(n, _)| n) == name)
}

fn read_body(args: &SignArgs) -> Result<Option<Value>, String> {
    let (text, source) = match (&args.body, &args.body_file) {
        (Some(b), _) => (b.clone(), "--body".to_owned()),
        (None, Some(f)) if f.as_os_str() == "-" => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("cannot read the body from standard input: {e}"))?;
            (s, "standard input".to_owned())
        }
        (None, Some(f)) => (
            std::fs::read_to_string(f)
                .map_err(|e| format!("cannot read --body-file {}: {e}", f.display()))?,
            f.display().to_string(),
        ),
        (None, None) => return Ok(None),
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| format!("the body in {source} is not JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(path: &str, query: Option<&str>, body: Option<&str>) -> SignArgs {
        SignArgs {
            method: "post".into(),
            path: path.into(),
            query: query.map(Into::into),
            timestamp: None,
            body: body.map(Into::into),
            body_file: None,
            verbose: false,
        }
    }

    const KEY: &str = "YOUR_CONSUMER_KEY";

    #[test]
    fn register_vector() {
        let s = sign(
            &args(
                "/snapTrade/registerUser",
                Some("clientId=YOUR_CLIENT_ID&timestamp=1700000000"),
                Some(r#"{"userId":"snaptrade-user-123"}"#),
            ),
            None,
            &KEY.into(),
        )
        .unwrap();
        assert_eq!(s.signature, "P3KirfS8xyXD3M3U5VUV9Nf3y6WKwXNtyzxm3rrtMiY=");
        assert_eq!(s.method, "POST");
        assert!(s.notes.is_empty(), "{:?}", s.notes);
    }

    #[test]
    fn timestamp_and_client_id_are_appended_like_the_sdk() {
        let mut a = args(
            "https://api.snaptrade.com/snapTrade/registerUser",
            None,
            Some(r#"{"userId":"snaptrade-user-123"}"#),
        );
        a.timestamp = Some("1700000000".into());
        let s = sign(&a, Some("YOUR_CLIENT_ID"), &KEY.into()).unwrap();
        assert_eq!(s.path, "/snapTrade/registerUser");
        assert_eq!(s.query, "clientId=YOUR_CLIENT_ID&timestamp=1700000000");
        assert_eq!(s.signature, "P3KirfS8xyXD3M3U5VUV9Nf3y6WKwXNtyzxm3rrtMiY=");
        assert!(sign(&a, None, &KEY.into()).is_err());
    }

    #[test]
    fn query_in_path_is_split_off() {
        let s = sign(
            &args(
                "/snapTrade/deleteUser?userId=snaptrade-user-123&clientId=YOUR_CLIENT_ID&timestamp=1700000000",
                None,
                None,
            ),
            None,
            &KEY.into(),
        )
        .unwrap();
        assert_eq!(s.signature, "2C1XnGDjFTlm1QYCkIk9S/2mEriiYoI+26jTeA3zvYE=");
        assert!(sign(&args("/p?a=1", Some("b=2"), None), None, &KEY.into()).is_err());
        assert!(sign(&args("p", None, None), None, &KEY.into()).is_err());
        assert!(sign(&args("/p", None, Some("{nope")), None, &KEY.into()).is_err());
    }

    #[test]
    fn missing_auth_params_give_a_note() {
        let s = sign(&args("/snapTrade/listUsers", None, None), None, &KEY.into()).unwrap();
        assert_eq!(s.notes.len(), 1);
    }
}
