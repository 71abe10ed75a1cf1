//! Parsers for the throttling headers a server sends: `Retry-After` (seconds
//! or an HTTP date) and the numbers of `X-RateLimit-*`.
//!
//! The server controls this text, so nothing here indexes, slices or does
//! arithmetic that could panic: every input yields a value or `None`
//! (fuzzed in the tests below). Numbers too large for `u64` saturate instead
//! of being dropped: "wait longer than you can count" must not read as "no
//! wait given" (which would retry sooner than asked).

use std::time::{SystemTime, UNIX_EPOCH};

/// An `X-RateLimit-Reset` at or above this is read as a Unix time, not a
/// number of seconds: as a delay it would be over 31 years, while as a time
/// it is 2001-09-09, before any server of today was written. Some APIs send
/// the one, some the other.
const UNIX_TIME_THRESHOLD: u64 = 1_000_000_000;

/// Reads a non-negative decimal integer (surrounding whitespace allowed),
/// saturating at `u64::MAX`. `None` for anything else (signs, fractions,
/// empty text).
pub(crate) fn parse_count(value: &str) -> Option<u64> {
    let digits = value.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.bytes().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

/// `Retry-After` as seconds from `now`: the delta-seconds form as given, an
/// HTTP date as the time left until it (0 when it has passed).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<u64> {
    if let Some(secs) = parse_count(value) {
        return Some(secs);
    }
    let at = parse_http_date(value)?;
    Some(seconds_until(at, now))
}

/// `X-RateLimit-Reset` as seconds from `now` (see [`UNIX_TIME_THRESHOLD`]).
pub(crate) fn parse_reset(value: &str, now: SystemTime) -> Option<u64> {
    let n = parse_count(value)?;
    if n < UNIX_TIME_THRESHOLD {
        return Some(n);
    }
    Some(seconds_until(i64::try_from(n).unwrap_or(i64::MAX), now))
}

/// Seconds from `now` until the Unix time `at`, 0 if it has passed.
fn seconds_until(at: i64, now: SystemTime) -> u64 {
    let now = now
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    u64::try_from(at.saturating_sub(now)).unwrap_or(0)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// An HTTP date (RFC 9110 §5.6.7) as Unix seconds. All three forms a
/// recipient must accept: IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`,
/// RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` and asctime
/// `Sun Nov  6 08:49:37 1994`. The weekday is not checked.
pub(crate) fn parse_http_date(value: &str) -> Option<i64> {
    let parts: Vec<&str> = value.split_ascii_whitespace().collect();
    let (day, month, year, time) = match parts.as_slice() {
        // IMF-fixdate.
        [_, day, month, year, time, "GMT"] => (*day, *month, number(year)?, *time),
        // RFC 850: a two-digit year is in the past century window of §5.6.7;
        // 1970-2069 keeps it simple and right for any date a server sends.
        [_, date, time, "GMT"] => {
            let mut it = date.split('-');
            let (day, month, yy) = (it.next()?, it.next()?, it.next()?);
            if it.next().is_some() || yy.len() != 2 {
                return None;
            }
            let yy = number(yy)?;
            (
                day,
                month,
                if yy < 70 { 2000 + yy } else { 1900 + yy },
                *time,
            )
        }
        // asctime.
        [_, month, day, time, year] => (*day, *month, number(year)?, *time),
        _ => return None,
    };
    let m = MONTHS.iter().position(|x| *x == month)? as i64 + 1;
    let d = number(day)?;
    let mut hms = time.split(':');
    let (h, mi, s) = (
        number(hms.next()?)?,
        number(hms.next()?)?,
        number(hms.next()?)?,
    );
    if hms.next().is_some()
        || !(1..=31).contains(&d)
        || h > 23
        || mi > 59
        || s > 60
        || !(0..=9999).contains(&year)
    {
        return None;
    }
    Some(days_from_civil(year, m, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// One to four ASCII digits.
fn number(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`); the inputs are range-checked by the caller.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::Duration;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn the_three_http_date_forms_are_read() {
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(form), Some(784_111_777), "{form}");
        }
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 0é Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_saturates() {
        let now = at(784_111_700);
        assert_eq!(parse_retry_after(" 120 ", now), Some(120));
        assert_eq!(
            parse_retry_after("18446744073709551615", now),
            Some(u64::MAX)
        );
        // Too large for u64: still "very long", not "no wait given".
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(u64::MAX)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(77)
        );
        // A date in the past means: retry now.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at(784_200_000)),
            Some(0)
        );
        for bad in ["-1", "1.5", "", "soon", "1e3"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn reset_reads_deltas_and_unix_times() {
        let now = at(1_700_000_000);
        assert_eq!(parse_reset("30", now), Some(30));
        assert_eq!(parse_reset("1700000045", now), Some(45));
        assert_eq!(parse_reset("1600000000", now), Some(0));
        assert_eq!(
            parse_reset("18446744073709551615", now),
            Some(i64::MAX as u64 - 1_700_000_000)
        );
        assert_eq!(parse_reset("x", now), None);
    }

    /// Cases per property: `PROPTEST_CASES` overrides (for long runs).
    fn config(default: u32) -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default);
        ProptestConfig::with_cases(cases)
    }

    /// Text shaped like the headers, with hostile bytes mixed in.
    fn header_like() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[0-9 ]{0,30}",
            "[A-Za-z]{0,9},? [0-9é]{0,3}[ -][A-Za-zé]{0,4}[ -][0-9]{0,5} [0-9:é]{0,9} (GMT|UTC|é)?",
            "[A-Za-z]{3} [A-Za-z]{3} [ 0-9]{1,2} [0-9:]{0,9} [0-9]{0,6}",
        ]
    }

    proptest! {
        #![proptest_config(config(2000))]

        #[test]
        fn no_header_value_panics(value in header_like(), now in any::<u64>()) {
            let now = UNIX_EPOCH.checked_add(Duration::from_secs(now)).unwrap_or(UNIX_EPOCH);
            let _ = parse_count(&value);
            let _ = parse_reset(&value, now);
            let _ = parse_http_date(&value);
            if let Some(wait) = parse_retry_after(&value, now) {
                // A date never yields more than the time until year 10000.
                if parse_count(&value).is_none() {
                    prop_assert!(wait < 253_402_300_800);
                }
            }
        }

        #[test]
        fn formatted_dates_read_back(secs in 0i64..253_402_300_799) {
            let days = secs.div_euclid(86_400);
            let (y, m, d) = civil_from_days(days);
            let rem = secs.rem_euclid(86_400);
            let text = format!(
                "Xxx, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
                MONTHS[(m - 1) as usize],
                rem / 3600,
                rem % 3600 / 60,
                rem % 60
            );
            prop_assert_eq!(parse_http_date(&text), Some(secs));
        }
    }

    /// Inverse of `days_from_civil` (Hinnant), for the round-trip property.
    fn civil_from_days(z: i64) -> (i64, i64, i64) {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        (if m <= 2 { y + 1 } else { y }, m, d)
    }
}
