//! Pure business rules: is a self-reported meter reading plausible, what late fee does an
//! unpaid bill carry on a given day, and how a phone number is written so that lookups find
//! it. No database, no clock.

use crate::lifecycle::Millis;
use serde::Serialize;

pub const DAY_MS: Millis = 86_400_000;
/// The month used to scale usual consumption to the time since the last reading.
pub const MONTH_MS: Millis = 30 * DAY_MS;

/// When a reading is queried instead of accepted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadingPolicy {
    /// A reading implying more than `factor` times the usual consumption is queried.
    pub factor: f64,
    /// Usual monthly consumption assumed when the customer has no history (or less).
    pub min_usual_per_month: i64,
}

impl Default for ReadingPolicy {
    fn default() -> Self {
        ReadingPolicy {
            factor: 3.0,
            min_usual_per_month: 10,
        }
    }
}

/// Why a reading was not accepted.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum QueryReason {
    /// Below the last accepted reading (a typo, a swapped meter, or a wound-back meter).
    BelowLast { last: i64 },
    /// The consumption it implies is far above the customer's usual.
    TooHigh { consumption: i64, limit: i64 },
}

impl QueryReason {
    /// The reason in Chinese (for the ticket's Chinese summary).
    pub fn describe_zh(&self) -> String {
        match self {
            QueryReason::BelowLast { last } => format!("低于上次确认读数 {last}"),
            QueryReason::TooHigh { consumption, limit } => {
                format!("用水量 {consumption} 吨，超过合理上限 {limit} 吨")
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            QueryReason::BelowLast { last } => format!("below the last accepted reading {last}"),
            QueryReason::TooHigh { consumption, limit } => {
                format!("consumption {consumption} above the plausible {limit}")
            }
        }
    }
}

/// The verdict on a self-reported reading.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadingVerdict {
    Accepted { consumption: i64 },
    Queried(QueryReason),
}

/// Judges `value` read at `now` against the last accepted reading and the customer's average
/// monthly consumption over the last 12 months (`None` = no bills).
pub fn judge_reading(
    last: Option<(i64, Millis)>,
    monthly_average: Option<f64>,
    value: i64,
    now: Millis,
    policy: &ReadingPolicy,
) -> ReadingVerdict {
    let Some((last_value, last_at)) = last else {
        return ReadingVerdict::Accepted { consumption: 0 };
    };
    if value < last_value {
        return ReadingVerdict::Queried(QueryReason::BelowLast { last: last_value });
    }
    let consumption = value - last_value;
    let usual = monthly_average
        .unwrap_or(0.0)
        .max(policy.min_usual_per_month as f64);
    let elapsed = (now - last_at).max(0);
    let months = ((elapsed + MONTH_MS - 1) / MONTH_MS).max(1);
    let limit = (policy.factor * usual * months as f64).ceil() as i64;
    if consumption > limit {
        ReadingVerdict::Queried(QueryReason::TooHigh { consumption, limit })
    } else {
        ReadingVerdict::Accepted { consumption }
    }
}

/// How late fees (滞纳金) accrue on an unpaid balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LateFeePolicy {
    /// Per day after the due date, in millionths of the unpaid amount (1000 = 0.1 % a day).
    pub daily_rate_ppm: i64,
    /// Days after the due date before fees start.
    pub grace_days: i64,
    /// The fee never exceeds this percentage of the unpaid amount.
    pub cap_percent: i64,
}

impl Default for LateFeePolicy {
    fn default() -> Self {
        LateFeePolicy {
            daily_rate_ppm: 1000,
            grace_days: 0,
            cap_percent: 100,
        }
    }
}

/// Days overdue and the late fee, in fen, of `unpaid_fen` due at `due_at`, on `now`.
pub fn late_fee(unpaid_fen: i64, due_at: Millis, now: Millis, p: &LateFeePolicy) -> (i64, i64) {
    if unpaid_fen <= 0 || now <= due_at {
        return (0, 0);
    }
    let days = (now - due_at) / DAY_MS;
    let charged_days = (days - p.grace_days).max(0);
    let fee =
        (unpaid_fen as i128 * p.daily_rate_ppm as i128 * charged_days as i128 / 1_000_000) as i64;
    let cap = unpaid_fen.saturating_mul(p.cap_percent) / 100;
    (days, fee.min(cap))
}

/// A phone number as stored and looked up: digits only, China's country code (+86, 0086)
/// dropped from mobile numbers. `None` when nothing like a number is left.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
    let national = if digits.len() == 15 && digits.starts_with("00861") {
        &digits[4..]
    } else if digits.len() == 13 && digits.starts_with("861") {
        &digits[2..]
    } else {
        &digits[..]
    };
    (3..=20)
        .contains(&national.len())
        .then(|| national.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_800_000_000_000;

    #[test]
    fn readings_are_accepted_or_queried_by_rule() {
        let p = ReadingPolicy::default();
        let last = Some((1000, NOW - MONTH_MS));
        assert_eq!(
            judge_reading(last, Some(20.0), 1015, NOW, &p),
            ReadingVerdict::Accepted { consumption: 15 }
        );
        assert_eq!(
            judge_reading(last, Some(20.0), 999, NOW, &p),
            ReadingVerdict::Queried(QueryReason::BelowLast { last: 1000 })
        );
        // 3 x 20 = 60 a month is the most that is plausible.
        assert_eq!(
            judge_reading(last, Some(20.0), 1060, NOW, &p),
            ReadingVerdict::Accepted { consumption: 60 }
        );
        assert_eq!(
            judge_reading(last, Some(20.0), 1061, NOW, &p),
            ReadingVerdict::Queried(QueryReason::TooHigh {
                consumption: 61,
                limit: 60
            })
        );
        // Three months since the last reading: three months of consumption is fine.
        let old = Some((1000, NOW - 3 * MONTH_MS));
        assert!(matches!(
            judge_reading(old, Some(20.0), 1150, NOW, &p),
            ReadingVerdict::Accepted { .. }
        ));
        // No history: the floor applies; no last reading: anything starts the series.
        assert!(matches!(
            judge_reading(last, None, 1031, NOW, &p),
            ReadingVerdict::Queried(QueryReason::TooHigh { limit: 30, .. })
        ));
        assert_eq!(
            judge_reading(None, None, 5, NOW, &p),
            ReadingVerdict::Accepted { consumption: 0 }
        );
        // The same reading again is zero consumption, not an error.
        assert_eq!(
            judge_reading(last, Some(20.0), 1000, NOW, &p),
            ReadingVerdict::Accepted { consumption: 0 }
        );
    }

    #[test]
    fn late_fees_accrue_per_whole_day_and_are_capped() {
        let p = LateFeePolicy::default();
        assert_eq!(late_fee(10_000, NOW, NOW, &p), (0, 0));
        assert_eq!(late_fee(10_000, NOW, NOW + DAY_MS - 1, &p), (0, 0));
        assert_eq!(late_fee(10_000, NOW, NOW + 10 * DAY_MS, &p), (10, 100));
        assert_eq!(late_fee(0, NOW, NOW + 10 * DAY_MS, &p), (0, 0));
        // 0.1 % a day for 5 years is over 100 %: the cap holds it at the principal.
        assert_eq!(
            late_fee(10_000, NOW, NOW + 1825 * DAY_MS, &p),
            (1825, 10_000)
        );
        let grace = LateFeePolicy {
            grace_days: 15,
            ..p
        };
        assert_eq!(late_fee(10_000, NOW, NOW + 10 * DAY_MS, &grace), (10, 0));
        assert_eq!(late_fee(10_000, NOW, NOW + 20 * DAY_MS, &grace), (20, 50));
    }

    #[test]
    fn phones_are_normalized() {
        assert_eq!(
            normalize_phone("+86 138-0000-0000").as_deref(),
            Some("13800000000")
        );
        assert_eq!(
            normalize_phone("008613800000000").as_deref(),
            Some("13800000000")
        );
        assert_eq!(
            normalize_phone("8613800000000").as_deref(),
            Some("13800000000")
        );
        assert_eq!(
            normalize_phone("(0755) 8888 1234").as_deref(),
            Some("075588881234")
        );
        assert_eq!(normalize_phone("' OR 1=1 --"), None);
        assert_eq!(normalize_phone(""), None);
    }
}
