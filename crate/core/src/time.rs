use std::fmt;
use std::ops::{Add, AddAssign, Sub};

use serde::{Deserialize, Serialize};

/// A point in simulated time, in microseconds since the world started.
///
/// Simulated time is an argument to every engine call; nothing in Quorate reads a wall clock to get it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(u64);

/// A span of simulated time, in microseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Duration(u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_micros(us: u64) -> SimTime {
        SimTime(us)
    }
    pub const fn from_millis(ms: u64) -> SimTime {
        SimTime(ms.saturating_mul(1_000))
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
    /// Time elapsed since `earlier`, zero when `earlier` is later.
    pub fn since(self, earlier: SimTime) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

impl Duration {
    pub const ZERO: Duration = Duration(0);

    pub const fn from_micros(us: u64) -> Duration {
        Duration(us)
    }
    pub const fn from_millis(ms: u64) -> Duration {
        Duration(ms.saturating_mul(1_000))
    }
    pub const fn from_secs(s: u64) -> Duration {
        Duration(s.saturating_mul(1_000_000))
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e3
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
    pub const fn saturating_mul(self, k: u64) -> Duration {
        Duration(self.0.saturating_mul(k))
    }

    /// Parses `250ms`, `1.5s`, `20us` or `2m`: a decimal number and a unit. Returns `None` on anything else.
    pub fn parse(text: &str) -> Option<Duration> {
        let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (number, unit) = text.split_at(split);
        let scale: u64 = match unit {
            "us" => 1,
            "ms" => 1_000,
            "s" => 1_000_000,
            "m" | "min" => 60_000_000,
            _ => return None,
        };
        let (whole, frac) = match number.split_once('.') {
            Some((w, f)) => (w, f),
            None => (number, ""),
        };
        if whole.is_empty() && frac.is_empty() {
            return None;
        }
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut micros = whole.checked_mul(scale)?;
        // Fractional digits beyond microsecond precision are rejected rather than rounded silently.
        let mut place = scale;
        for digit in frac.bytes() {
            if !digit.is_ascii_digit() {
                return None;
            }
            place /= 10;
            let d = u64::from(digit - b'0');
            if place == 0 {
                if d != 0 {
                    return None;
                }
                continue;
            }
            micros = micros.checked_add(d * place)?;
        }
        Some(Duration(micros))
    }
}

impl Add<Duration> for SimTime {
    type Output = SimTime;
    fn add(self, d: Duration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<Duration> for SimTime {
    fn add_assign(&mut self, d: Duration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, d: Duration) -> Duration {
        Duration(self.0.saturating_add(d.0))
    }
}

impl Sub for Duration {
    type Output = Duration;
    fn sub(self, d: Duration) -> Duration {
        Duration(self.0.saturating_sub(d.0))
    }
}

/// Seconds with six decimals (`12.000250`): fixed width after the point so trace lines sort and diff well.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}", self.0 / 1_000_000, self.0 % 1_000_000)
    }
}

/// The largest exact unit: `150ms`, `1500ms`, `3s`, `20us`.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0;
        if us == 0 {
            write!(f, "0ms")
        } else if us.is_multiple_of(1_000_000) {
            write!(f, "{}s", us / 1_000_000)
        } else if us.is_multiple_of(1_000) {
            write!(f, "{}ms", us / 1_000)
        } else {
            write!(f, "{}us", us)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        for (text, us) in [
            ("250ms", 250_000),
            ("1.5s", 1_500_000),
            ("20us", 20),
            ("2m", 120_000_000),
            ("0.1ms", 100),
        ] {
            assert_eq!(Duration::parse(text), Some(Duration(us)), "{text}");
        }
        for text in ["150ms", "1500ms", "20us", "3s", "0ms"] {
            assert_eq!(Duration::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn parse_rejects_garbage_without_panicking() {
        for text in [
            "",
            "ms",
            "5",
            "5 ms",
            "5h",
            "1.2.3s",
            ".ms",
            "0.0000001s",
            "99999999999999999999s",
            "-5ms",
        ] {
            assert_eq!(Duration::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn time_display_is_fixed_width() {
        assert_eq!(SimTime::from_micros(12_000_250).to_string(), "12.000250");
        assert_eq!(SimTime::ZERO.to_string(), "0.000000");
    }
}
