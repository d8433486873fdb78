//! Lenient `startedDateTime` parsing: every form real producers write.

/// Parses an ISO 8601 date-time into microseconds since the Unix epoch (UTC).
///
/// Accepts 0 to 9+ fractional digits (extra digits are truncated), `Z`, `±hh:mm`, `±hhmm`,
/// `±hh`, or no zone at all (taken as UTC), and a space instead of `T`. Returns `None` for
/// empty or unparseable strings.
pub fn parse_timestamp_us(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let d = b.get(r)?;
        if d.is_empty() || !d.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(d.iter().fold(0i64, |a, &c| a * 10 + i64::from(c - b'0')))
    };
    let year = num(0..4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = num(5..7)?;
    let day = num(8..10)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let mut p = 10;
    let mut secs_of_day = 0i64;
    let mut micros = 0i64;
    let mut offset_s = 0i64;
    if matches!(b.get(p), Some(b'T' | b't' | b' ')) {
        let hour = num(p + 1..p + 3)?;
        if b.get(p + 3) != Some(&b':') {
            return None;
        }
        let minute = num(p + 4..p + 6)?;
        p += 6;
        let mut second = 0;
        if b.get(p) == Some(&b':') {
            second = num(p + 1..p + 3)?;
            p += 3;
        }
        if hour > 24 || minute > 59 || second > 60 {
            return None;
        }
        secs_of_day = hour * 3600 + minute * 60 + second;
        if matches!(b.get(p), Some(b'.' | b',')) {
            p += 1;
            let mut digits = 0;
            while let Some(c) = b.get(p).filter(|c| c.is_ascii_digit()) {
                if digits < 6 {
                    micros = micros * 10 + i64::from(c - b'0');
                }
                digits += 1;
                p += 1;
            }
            if digits == 0 {
                return None;
            }
            for _ in digits..6 {
                micros *= 10;
            }
        }
        match b.get(p) {
            None => {}
            Some(b'Z' | b'z') => p += 1,
            Some(&sign @ (b'+' | b'-')) => {
                let oh = num(p + 1..p + 3)?;
                p += 3;
                let mut om = 0;
                if b.get(p) == Some(&b':') {
                    om = num(p + 1..p + 3)?;
                    p += 3;
                } else if b.get(p).is_some_and(u8::is_ascii_digit) {
                    om = num(p..p + 2)?;
                    p += 2;
                }
                if oh > 23 || om > 59 {
                    return None;
                }
                offset_s = (oh * 3600 + om * 60) * if sign == b'-' { -1 } else { 1 };
            }
            Some(_) => return None,
        }
        if p != b.len() {
            return None;
        }
    } else if p != b.len() {
        return None;
    }
    let secs = days * 86_400 + secs_of_day - offset_s;
    secs.checked_mul(1_000_000)?.checked_add(micros)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
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
    use super::parse_timestamp_us as p;

    #[test]
    fn every_producer_form() {
        let base = 1_680_134_454_250_000; // 2023-03-30T00:00:54.250Z
        assert_eq!(p("2023-03-30T00:00:54.250Z"), Some(base));
        assert_eq!(p("2023-03-29T17:00:54.250-07:00"), Some(base));
        assert_eq!(p("2023-03-30T05:30:54.2500000+05:30"), Some(base));
        assert_eq!(p("2023-03-30T00:00:54.250000+00:00"), Some(base));
        assert_eq!(p("2023-03-30T00:00:54.250"), Some(base));
        assert_eq!(p("2023-03-30T02:00:54.250+0200"), Some(base));
        assert_eq!(p("2023-03-30T00:00:54.2501239Z"), Some(base + 123));
        assert_eq!(p("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(p("1969-12-31T23:59:59Z"), Some(-1_000_000));
        assert_eq!(p(""), None);
        assert_eq!(p("yesterday"), None);
        assert_eq!(p("2023-03-30T00:00:54.250Zjunk"), None);
    }
}
