//! A percentage such as StructOCR's `error_rate: "4.37%"`, held exactly as hundredths
//! of a percent so it compares and serialises without float noise.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Percent {
    /// 4.37% is 437. Digits past the second decimal are rounded half up.
    pub hundredths: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a percentage: {0:?} (expected something like \"4.37%\")")]
pub struct ParsePercentError(pub String);

impl FromStr for Percent {
    type Err = ParsePercentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ParsePercentError(s.to_owned());
        let number = s.trim().strip_suffix('%').unwrap_or(s.trim()).trim();
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(bad());
        }
        let whole: u32 = whole.parse().map_err(|_| bad())?;
        let digit = |i: usize| u32::from(fraction.as_bytes().get(i).map_or(0, |b| b - b'0'));
        let round_up = u32::from(digit(2) >= 5);
        whole
            .checked_mul(100)
            .and_then(|h| h.checked_add(digit(0) * 10 + digit(1) + round_up))
            .map(|hundredths| Percent { hundredths })
            .ok_or_else(bad)
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}%", self.hundredths / 100, self.hundredths % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_form() {
        assert_eq!("4.37%".parse(), Ok(Percent { hundredths: 437 }));
        assert_eq!("2.22%".parse(), Ok(Percent { hundredths: 222 }));
    }

    #[test]
    fn accepts_whole_numbers_one_decimal_and_no_sign() {
        assert_eq!("0%".parse(), Ok(Percent { hundredths: 0 }));
        assert_eq!("4.4%".parse(), Ok(Percent { hundredths: 440 }));
        assert_eq!("100".parse(), Ok(Percent { hundredths: 10_000 }));
        assert_eq!("1.005%".parse(), Ok(Percent { hundredths: 101 }));
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "%", "abc%", "-1%", "4,37%", "4.3x%"] {
            assert!(bad.parse::<Percent>().is_err(), "{bad}");
        }
    }

    #[test]
    fn displays_two_decimals() {
        assert_eq!(Percent { hundredths: 437 }.to_string(), "4.37%");
        assert_eq!(Percent { hundredths: 5 }.to_string(), "0.05%");
    }
}
