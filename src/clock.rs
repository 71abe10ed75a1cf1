//! Measuring the server's clock, so signatures carry a timestamp the server
//! accepts even when the local clock is off.
//!
//! Everything here reads text a server controls, so the parsers never index a
//! string at a position that was not checked to be ASCII: any input gives a
//! value or `None`, never a panic (fuzzed in the tests below).

use crate::api_status::CheckError;
use crate::runtime::{DecodeError, Error};
use crate::Client;
use std::time::{SystemTime, UNIX_EPOCH};

impl Client {
    /// Calls `GET /`, compares the server's time with ours and makes every
    /// later request sign with the corrected time. Returns the offset in
    /// seconds (positive: the server is ahead).
    ///
    /// The time is read from the body's `timestamp` (SnapTrade sends ISO-8601
    /// like `2022-11-04 01:47:00.377969+00:00`), else from the `Date` header.
    ///
    /// # Errors
    /// Besides the errors of the `check` call itself, an answer in which
    /// neither the `timestamp` nor the `Date` header holds a time this parser
    /// reads is an [`Error::Decode`] (its message quotes the unreadable
    /// value); the offset is then left unchanged.
    pub async fn sync_clock(&self) -> Result<i64, Error<CheckError>> {
        let sent = unix_now();
        let resp = self.api_status().check().await?;
        let received = unix_now();
        let timestamp = resp.body.timestamp.as_deref();
        let date = resp
            .headers
            .get(http::header::DATE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let server = timestamp
            .and_then(parse_timestamp)
            .or_else(|| date.as_deref().and_then(parse_http_date));
        let Some(server) = server else {
            let seen = format!("timestamp {timestamp:?}, Date header {date:?}");
            return Err(Error::Decode(Box::new(DecodeError {
                operation_id: "ApiStatus_check",
                status: resp.status,
                message: format!("the answer carries no readable server time ({seen})"),
                excerpt: seen.clone(),
                request_id: resp.request_id().map(str::to_owned),
                body: seen.into_bytes().into(),
            })));
        };
        // The server read its clock somewhere between our send and receive.
        let offset = server - (sent + received) / 2;
        self.transport().set_clock_offset(offset);
        Ok(offset)
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Parses `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH[:]MM]` (no offset means UTC)
/// into Unix seconds.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let num = |t: &str| -> Option<i64> {
        (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (date, rest) = (s.get(..10)?, s.get(10..)?);
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (h, mi, sec) = (
        num(rest.get(0..2)?)?,
        num(rest.get(3..5)?)?,
        num(rest.get(6..8)?)?,
    );
    if rest.get(2..3)? != ":" || rest.get(5..6)? != ":" {
        return None;
    }
    let mut tail = &rest[8..];
    if let Some(frac) = tail.strip_prefix('.') {
        tail = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match tail {
        "" | "Z" | "z" => 0,
        _ => {
            let (sign, zone) = if let Some(zone) = tail.strip_prefix('+') {
                (1, zone)
            } else if let Some(zone) = tail.strip_prefix('-') {
                (-1, zone)
            } else {
                return None;
            };
            // `HHMM` or `HH:MM`, ASCII digits only: checked before slicing,
            // so a multi-byte character can never be cut in two.
            let digits: String = zone.chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let (zh, zm) = (num(&digits[..2])?, num(&digits[2..])?);
            if zh > 23 || zm > 59 {
                return None;
            }
            sign * (zh * 3600 + zm * 60)
        }
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(y, m, day) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// Parses an IMF-fixdate `Date` header (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_http_date(s: &str) -> Option<i64> {
    let mut parts = s.split_whitespace().skip(1);
    let day = parts.next()?;
    let month = parts.next()?;
    let year = parts.next()?;
    let time = parts.next()?;
    let m = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|x| *x == month)?
        + 1;
    parse_timestamp(&format!("{year}-{m:02}-{day:0>2}T{time}Z"))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`); shared with the webhook timestamp parser.
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
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

    #[test]
    fn parses_the_formats_seen_in_the_wild() {
        assert_eq!(
            parse_timestamp("2022-11-04 01:47:00.377969+00:00"),
            Some(1_667_526_420)
        );
        assert_eq!(parse_timestamp("2022-11-04T01:47:00Z"), Some(1_667_526_420));
        assert_eq!(
            parse_timestamp("2022-11-04T03:47:00+02:00"),
            Some(1_667_526_420)
        );
        assert_eq!(parse_timestamp("2023-11-14T22:13:20"), Some(1_700_000_000));
        assert_eq!(
            parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT"),
            Some(1_700_000_000)
        );
        for bad in [
            "",
            "yesterday",
            "2022-13-01T00:00:00Z",
            "2022-11-04T01:47",
            "2022-11-04X01:47:00",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    /// Issue 13: `&digits[..2]` cut `é` in two and panicked.
    #[test]
    fn a_multibyte_zone_is_rejected_not_a_panic() {
        for bad in [
            "2024-01-01T00:00:00+0é0",
            "2024-01-01T00:00:00+é00",
            "2024-01-01T00:00:00-00é",
            "2024-01-01T00:00:00+99:00",
            "2024-01-0é 00:00:00Z",
            "2024-01-01T00:00:00é",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert_eq!(parse_http_date("Tue, 1é Nov 2023 22:13:20 GMT"), None);
    }

    /// Cases per property: `PROPTEST_CASES` overrides (for long runs).
    fn config(default: u32) -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default);
        ProptestConfig::with_cases(cases)
    }

    proptest! {
        #![proptest_config(config(2000))]

        /// Any text a server could put in `timestamp` or `Date`: no panic.
        #[test]
        fn no_timestamp_panics(
            text in prop_oneof![
                any::<String>(),
                "[0-9]{4}-[0-9]{2}-[0-9é]{2}[T t][0-9é]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,6})?([Zz]|[+-][0-9é:]{0,6})?",
                "[A-Za-z]{3}, [0-9é]{1,2} [A-Za-z]{3} [0-9]{1,6} [0-9:é]{0,9} GMT",
            ]
        ) {
            let _ = parse_timestamp(&text);
            let _ = parse_http_date(&text);
        }

        /// Zones in both spellings shift the time by exactly their offset.
        #[test]
        fn zones_shift_by_their_offset(h in 0i64..24, m in 0i64..60, colon in any::<bool>()) {
            let sep = if colon { ":" } else { "" };
            let base = parse_timestamp("2023-11-14T22:13:20Z").unwrap();
            for (sign, factor) in [("+", -1), ("-", 1)] {
                let text = format!("2023-11-14T22:13:20{sign}{h:02}{sep}{m:02}");
                prop_assert_eq!(parse_timestamp(&text), Some(base + factor * (h * 3600 + m * 60)));
            }
        }
    }
}
