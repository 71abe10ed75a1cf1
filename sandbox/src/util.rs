//! Small helpers: random identifiers, RFC 3339 time, raw query parsing,
//! constant-time comparison.

use percent_encoding::percent_decode_str;
use std::time::{SystemTime, UNIX_EPOCH};

/// `n` random bytes from the operating system's generator.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS generator only fails on exotic platforms; a sandbox that cannot
    // make secrets must not make predictable ones instead.
    getrandom::getrandom(&mut buf).expect("the operating system's random number generator failed");
    buf
}

/// A random version 4 UUID in its hyphenated lower-case form
/// (`adf2aa34-8219-40f7-a6b3-60156985cc61`).
pub fn uuid_v4() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A random token of `2 * N` lower-case hex digits.
pub fn token<const N: usize>() -> String {
    hex(&random_bytes::<N>())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// Unix time in whole seconds from the system clock.
pub fn system_unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Unix time in milliseconds from the system clock.
pub fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// RFC 3339 UTC time with microseconds, e.g. `2026-11-28T03:29:00.123456Z`.
pub fn rfc3339(unix_secs: u64, micros: u32) -> String {
    let days = (unix_secs / 86_400) as i64;
    let rem = unix_secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// The current time as RFC 3339, from the system clock.
pub fn rfc3339_now() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(now.as_secs(), now.subsec_micros())
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day)
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// One query parameter, percent-decoded. `+` is a literal plus, not a space:
/// SnapTrade clients encode a space as `%20`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryParam {
    /// The decoded name.
    pub name: String,
    /// The decoded value; `Err` when its bytes are not UTF-8.
    pub value: Result<String, ()>,
}

/// Splits a raw query string (without `?`) into decoded parameters, in order.
pub fn parse_query(raw: &str) -> Vec<QueryParam> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            QueryParam {
                name: percent_decode_str(name).decode_utf8_lossy().into_owned(),
                value: percent_decode_str(value)
                    .decode_utf8()
                    .map(|v| v.into_owned())
                    .map_err(|_| ()),
            }
        })
        .collect()
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(uuid_v4(), u);
    }

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339(1_700_000_000, 5), "2023-11-14T22:13:20.000005Z");
        assert_eq!(rfc3339(951_782_400, 0), "2000-02-29T00:00:00.000000Z");
        assert_eq!(rfc3339(4_107_542_400, 0), "2100-03-01T00:00:00.000000Z");
    }

    #[test]
    fn query_decoding_keeps_plus() {
        let q = parse_query("userId=a%20b%2F%C3%A9%2B%26%3D%3F&x=1+2&flag&bad=%FF");
        assert_eq!(q[0].name, "userId");
        assert_eq!(q[0].value, Ok("a b/é+&=?".to_owned()));
        assert_eq!(q[1].value, Ok("1+2".to_owned()));
        assert_eq!(q[2].value, Ok(String::new()));
        assert_eq!(q[3].value, Err(()));
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
