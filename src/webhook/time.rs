//! Points in time for the replay window: [`UnixTime`], and reading and
//! writing `eventTimestamp`.
//!
//! SnapTrade writes `eventTimestamp` as ISO 8601 with microseconds and an
//! offset (`2026-08-01T12:00:00.000000+00:00`). The parser also takes the
//! variants other senders produce (`Z`, a space for `T`, no fraction, no
//! offset = UTC, `+0000`, `+00`) and a number of Unix seconds. It works on
//! bytes, never slices inside a character and never overflows, so hostile
//! input only yields `None`.

use crate::clock::days_from_civil;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const NANOS_PER_SEC: i128 = 1_000_000_000;

/// A point in time, in nanoseconds since the Unix epoch (negative before it).
///
/// The `now` argument of [`verify`](super::verify) takes anything that
/// converts into one: a [`SystemTime`], Unix seconds as an integer or an
/// `f64`, or a [`Duration`] since the epoch.
///
/// ```
/// use snaptrade::webhook::UnixTime;
/// use std::time::{Duration, UNIX_EPOCH};
/// assert_eq!(UnixTime::from(1_785_585_600_i64), UnixTime::from(UNIX_EPOCH + Duration::from_secs(1_785_585_600)));
/// assert_eq!(UnixTime::from_secs(90).as_secs(), 90);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime {
    nanos: i128,
}

impl UnixTime {
    /// The system clock's current time.
    pub fn now() -> UnixTime {
        SystemTime::now().into()
    }

    /// Whole seconds since the epoch.
    pub fn from_secs(secs: i64) -> UnixTime {
        UnixTime {
            nanos: i128::from(secs) * NANOS_PER_SEC,
        }
    }

    /// Nanoseconds since the epoch.
    pub fn from_nanos(nanos: i128) -> UnixTime {
        UnixTime { nanos }
    }

    /// Whole seconds since the epoch, rounded down.
    pub fn as_secs(self) -> i64 {
        let secs = self.nanos.div_euclid(NANOS_PER_SEC);
        i64::try_from(secs).unwrap_or(if secs < 0 { i64::MIN } else { i64::MAX })
    }

    /// Nanoseconds since the epoch.
    pub fn as_nanos(self) -> i128 {
        self.nanos
    }

    /// `self - earlier` in nanoseconds (negative when `earlier` is later).
    pub(crate) fn nanos_since(self, earlier: UnixTime) -> i128 {
        self.nanos.saturating_sub(earlier.nanos)
    }
}

impl From<SystemTime> for UnixTime {
    fn from(t: SystemTime) -> UnixTime {
        let nanos = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(before) => -(before.duration().as_nanos() as i128),
        };
        UnixTime { nanos }
    }
}

/// A [`Duration`] is read as the time since the Unix epoch.
impl From<Duration> for UnixTime {
    fn from(d: Duration) -> UnixTime {
        UnixTime {
            nanos: d.as_nanos() as i128,
        }
    }
}

macro_rules! from_secs_int {
    ($($t:ty),*) => {$(
        /// Whole seconds since the Unix epoch.
        impl From<$t> for UnixTime {
            fn from(secs: $t) -> UnixTime {
                UnixTime { nanos: i128::from(secs) * NANOS_PER_SEC }
            }
        }
    )*};
}
from_secs_int!(i32, u32, i64, u64);

/// Seconds since the Unix epoch, with a fraction (`NaN` and values beyond
/// the year ±30 million count as the epoch and a far-off time respectively).
impl From<f64> for UnixTime {
    fn from(secs: f64) -> UnixTime {
        let secs = if secs.is_nan() {
            0.0
        } else {
            secs.clamp(-1e15, 1e15)
        };
        UnixTime {
            nanos: (secs * 1e9) as i128,
        }
    }
}

/// Reads an `eventTimestamp` value: an ISO 8601 string, or Unix seconds as a
/// JSON number or a string of digits. Values of 10^11 and more are taken as
/// milliseconds (10^11 seconds is in the year 5138).
pub(crate) fn parse_event_timestamp(value: &serde_json::Value) -> Option<UnixTime> {
    match value {
        serde_json::Value::String(s) => parse_iso8601(s).or_else(|| parse_unix_text(s)),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(from_unix_number(i128::from(i) * NANOS_PER_SEC))
            } else {
                let f = n.as_f64()?;
                // Reject what cannot be a time before converting (no saturation surprises).
                (f.is_finite() && f.abs() < 1e15).then(|| from_unix_number((f * 1e9) as i128))
            }
        }
        _ => None,
    }
}

/// Seconds, or milliseconds when the value is implausibly large for seconds.
fn from_unix_number(nanos: i128) -> UnixTime {
    const MILLIS_THRESHOLD: i128 = 100_000_000_000 * NANOS_PER_SEC;
    if nanos.abs() >= MILLIS_THRESHOLD {
        UnixTime::from_nanos(nanos / 1000)
    } else {
        UnixTime::from_nanos(nanos)
    }
}

fn parse_unix_text(s: &str) -> Option<UnixTime> {
    let s = s.trim();
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i128 = s.parse().ok()?;
    Some(from_unix_number(secs * NANOS_PER_SEC))
}

/// `YYYY-MM-DD(T|t| )HH:MM[:SS[(.|,)fraction]][Z|z|±HH[[:]MM]]`; no offset means UTC.
pub(crate) fn parse_iso8601(s: &str) -> Option<UnixTime> {
    let b = s.trim().as_bytes();
    let mut p = Cursor { b, i: 0 };
    let year = p.digits(4)?;
    p.expect(b'-')?;
    let month = p.digits(2)?;
    p.expect(b'-')?;
    let day = p.digits(2)?;
    if !matches!(p.next()?, b'T' | b't' | b' ') {
        return None;
    }
    let hour = p.digits(2)?;
    p.expect(b':')?;
    let minute = p.digits(2)?;
    let mut second = 0;
    let mut nanos: i128 = 0;
    if p.peek() == Some(b':') {
        p.i += 1;
        second = p.digits(2)?;
        if matches!(p.peek(), Some(b'.' | b',')) {
            p.i += 1;
            let start = p.i;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                // Digits past nanoseconds are read and ignored.
                if p.i - start < 9 {
                    nanos = nanos * 10 + i128::from(b[p.i] - b'0');
                }
                p.i += 1;
            }
            let read = p.i - start;
            if read == 0 {
                return None;
            }
            for _ in read..9 {
                nanos *= 10;
            }
        }
    }
    let offset_secs: i128 = match p.next() {
        None | Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let hours = p.digits(2)?;
            if p.peek() == Some(b':') {
                p.i += 1;
            }
            let minutes = if p.peek().is_some() { p.digits(2)? } else { 0 };
            if hours > 23 || minutes > 59 {
                return None;
            }
            let secs = i128::from(hours * 3600 + minutes * 60);
            if sign == b'+' {
                secs
            } else {
                -secs
            }
        }
        Some(_) => return None,
    };
    if p.peek().is_some() {
        return None;
    }
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 60;
    if !valid {
        return None;
    }
    let secs = i128::from(days_from_civil(year, month, day)) * 86_400
        + i128::from(hour * 3600 + minute * 60 + second)
        - offset_secs;
    Some(UnixTime::from_nanos(secs * NANOS_PER_SEC + nanos))
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    /// Exactly `n` ASCII digits (n ≤ 4, so the value fits easily).
    fn digits(&mut self, n: usize) -> Option<i64> {
        let mut v = 0;
        for _ in 0..n {
            let c = self.next()?;
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The inverse of [`days_from_civil`](crate::clock::days_from_civil).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Writes a time the way SnapTrade writes `eventTimestamp`: UTC, microseconds,
/// `+00:00` (Python's `datetime.isoformat()`).
///
/// ```
/// use snaptrade::webhook::{format_event_timestamp, UnixTime};
/// assert_eq!(
///     format_event_timestamp(UnixTime::from_secs(1_785_585_600)),
///     "2026-08-01T12:00:00.000000+00:00"
/// );
/// ```
pub fn format_event_timestamp(t: impl Into<UnixTime>) -> String {
    let nanos = t.into().nanos;
    let secs = nanos.div_euclid(NANOS_PER_SEC);
    let micros = nanos.rem_euclid(NANOS_PER_SEC) / 1000;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let days = i64::try_from(days).unwrap_or(0);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}+00:00",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secs(s: &str) -> Option<i64> {
        parse_iso8601(s).map(UnixTime::as_secs)
    }

    #[test]
    fn iso8601_variants() {
        let t = Some(1_785_585_600);
        for s in [
            "2026-08-01T12:00:00.000000+00:00",
            "2026-08-01T12:00:00Z",
            "2026-08-01t12:00:00z",
            "2026-08-01 12:00:00",
            "2026-08-01T12:00",
            "2026-08-01T14:00:00+02:00",
            "2026-08-01T14:00:00+0200",
            "2026-08-01T14:00:00+02",
            "2026-08-01T10:30:00-01:30",
            "  2026-08-01T12:00:00.999999999999Z ",
            "2026-08-01T12:00:00,5Z",
        ] {
            assert_eq!(secs(s), t, "{s}");
        }
        assert_eq!(
            parse_iso8601("2026-08-01T12:00:00.25Z").map(UnixTime::as_nanos),
            Some(1_785_585_600_250_000_000)
        );
        assert_eq!(secs("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(secs("1969-12-31T23:59:59Z"), Some(-1));
        assert_eq!(secs("2024-02-29T00:00:00Z"), Some(1_709_164_800));
    }

    #[test]
    fn hostile_or_invalid_input_is_none_not_a_panic() {
        for s in [
            "",
            "2026-08-01",
            "2026-08-01T",
            "2026-08-01T12:00:00.",
            "2026-08-01T12:00:00+1é1",
            "2026-08-01T12:00:00+é",
            "2026-08-01T12:00:00+24:00",
            "2026-08-01T12:00:00Zjunk",
            "2026-13-01T12:00:00Z",
            "2026-02-30T12:00:00Z",
            "2023-02-29T12:00:00Z",
            "2026-08-01T24:00:00Z",
            "2026-08-01X12:00:00Z",
            "２０２６-08-01T12:00:00Z",
            "é",
            "2026-08-01T12:00:00+",
        ] {
            assert_eq!(parse_iso8601(s), None, "{s:?}");
            assert_eq!(parse_event_timestamp(&json!(s)), None, "{s:?}");
        }
        for v in [
            json!(null),
            json!(true),
            json!([1]),
            json!({}),
            json!(1e300),
        ] {
            assert_eq!(parse_event_timestamp(&v), None, "{v}");
        }
    }

    #[test]
    fn numbers_are_unix_seconds_or_millis() {
        let t = Some(UnixTime::from_secs(1_785_585_600));
        assert_eq!(parse_event_timestamp(&json!(1_785_585_600)), t);
        assert_eq!(parse_event_timestamp(&json!(1_785_585_600_000_i64)), t);
        assert_eq!(parse_event_timestamp(&json!("1785585600")), t);
        assert_eq!(
            parse_event_timestamp(&json!(1_785_585_600.5)).map(UnixTime::as_nanos),
            Some(1_785_585_600_500_000_000)
        );
        assert_eq!(parse_event_timestamp(&json!(u64::MAX)), None);
        assert_eq!(UnixTime::from(1.5_f64).as_nanos(), 1_500_000_000);
        assert_eq!(UnixTime::from(f64::NAN), UnixTime::from_secs(0));
    }

    #[test]
    fn format_round_trips() {
        for secs in [0_i64, 1_785_585_600, 951_782_400, -86_400, 4_102_444_799] {
            let t = UnixTime::from_nanos(i128::from(secs) * NANOS_PER_SEC + 123_456_000);
            let text = format_event_timestamp(t);
            assert_eq!(parse_iso8601(&text), Some(t), "{text}");
        }
        assert_eq!(
            format_event_timestamp(UnixTime::from_secs(951_782_400)),
            "2000-02-29T00:00:00.000000+00:00"
        );
    }
}
