//! One synthetic customer at a time, without the database: name, address, phones, meter,
//! 24 monthly bills with a seasonal household consumption priced by a tiered tariff, how they
//! were paid, and for a few the arrears, dunning or legal flag; key accounts are
//! organisations with much larger volumes and an account manager.

use super::districts::{self, SeedDistrict};
use super::names;
use crate::calendar::{local_date, local_midnight, period_back};
use crate::lifecycle::Millis;
use rand::rngs::StdRng;
use rand::Rng;

const HOUR: Millis = 3_600_000;
/// How many of the latest periods get a meter reading of their own.
pub(super) const READINGS: usize = 6;
const DAY: Millis = 24 * HOUR;

/// Monthly consumption by calendar month, relative to the year's average (summer is high).
const SEASON: [f64; 12] = [
    0.86, 0.82, 0.88, 0.95, 1.04, 1.14, 1.24, 1.26, 1.12, 1.0, 0.92, 0.87,
];

/// The residential tariff (阶梯水价), fen per m³, by monthly volume: the first 22 m³, up to
/// 30 m³, and above (1 : 1.5 : 3).
pub const RESIDENTIAL_TIERS: [(i64, i64); 3] = [(22, 345), (30, 518), (i64::MAX, 1035)];
/// Non-residential water, fen per m³, one rate.
pub const BUSINESS_FEN_PER_M3: i64 = 580;
/// Days from the end of a period to the bill's due date.
pub const DUE_DAYS: i64 = 20;

/// The amount of a residential bill in fen.
pub fn residential_amount(volume: i64) -> i64 {
    let mut amount = 0;
    let mut floor = 0;
    for (upto, fen) in RESIDENTIAL_TIERS {
        if volume > floor {
            amount += (volume.min(upto) - floor) * fen;
        }
        floor = upto;
    }
    amount
}

/// A billing period: `YYYY-MM`, its calendar month (0-11) and its end (local midnight).
#[derive(Debug, Clone)]
pub(super) struct Period {
    pub name: String,
    pub month: usize,
    pub end: Millis,
}

/// The `n` completed periods before the one containing `now`, oldest first.
pub(super) fn periods(now: Millis, n: i64) -> Vec<Period> {
    let (y, m, _) = local_date(now);
    let current = y * 12 + i64::from(m) - 1;
    let month_start = |i: i64| local_midnight(i.div_euclid(12), i.rem_euclid(12) as u32 + 1, 1);
    (1..=n)
        .rev()
        .map(|k| Period {
            name: period_back(now, k),
            month: (current - k).rem_euclid(12) as usize,
            end: month_start(current - k + 1),
        })
        .collect()
}

/// What the generator needs to know about the store.
pub(super) struct Ctx<'a> {
    pub now: Millis,
    pub periods: &'a [Period],
    pub districts: &'a [SeedDistrict],
    /// Candidate account managers for key accounts (may be empty).
    pub managers: &'a [i64],
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct GenBill {
    pub period: String,
    pub volume: i64,
    pub amount_fen: i64,
    pub due_at: Millis,
    pub paid_fen: i64,
    pub paid_at: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct GenCustomer {
    pub account_no: String,
    pub name: String,
    pub address: String,
    pub district_id: i64,
    pub language: &'static str,
    pub tier: &'static str,
    pub manager: Option<i64>,
    pub credit_flag: &'static str,
    pub credit_note: String,
    pub created_at: Millis,
    pub phones: Vec<String>,
    pub meter_serial: String,
    /// The last accepted reading (m³) and when: the one the last bill was computed from.
    pub meter_last: (i64, Millis),
    /// The meter reader's readings of the last [`READINGS`] periods, oldest first (value in
    /// m³, time): each bill's consumption is the difference of two of them, the newest is
    /// `meter_last`.
    pub readings: Vec<(i64, Millis)>,
    pub bills: Vec<GenBill>,
}

impl GenCustomer {
    /// Whether an unpaid bill is past its due date.
    pub fn in_arrears(&self, now: Millis) -> bool {
        self.bills
            .iter()
            .any(|b| b.paid_fen < b.amount_fen && b.due_at < now)
    }
}

fn date(at: Millis) -> String {
    let (y, m, d) = local_date(at);
    format!("{y}年{m}月{d}日")
}

/// One customer with account number `account`.
pub(super) fn customer(
    rng: &mut StdRng,
    ctx: &Ctx,
    account: u64,
    key_account: bool,
) -> Option<GenCustomer> {
    let now = ctx.now;
    let district = districts::pick(rng, ctx.districts)?;
    let created_at = now - rng.random_range(760..7300) * DAY - rng.random_range(0..DAY);
    let english = !key_account && rng.random_bool(0.02);
    let (name, address) = if key_account {
        (
            names::organisation(rng, &district.name),
            names::street(rng, &district.name),
        )
    } else if english {
        (
            names::english_name(rng),
            names::home_address(rng, &district.name),
        )
    } else {
        (
            names::chinese_name(rng),
            names::home_address(rng, &district.name),
        )
    };
    let phones = phones(rng, key_account, english);
    let manager = (key_account && !ctx.managers.is_empty())
        .then(|| {
            ctx.managers
                .get(rng.random_range(0..ctx.managers.len()))
                .copied()
        })
        .flatten();
    let mut bills = bills(rng, ctx, key_account);
    let (credit_flag, credit_note) = if rng.random_bool(0.05) {
        arrears(rng, &mut bills, now)
    } else {
        ("none", String::new())
    };

    let first_reading = if key_account {
        rng.random_range(10_000..2_000_000)
    } else {
        rng.random_range(0..5000)
    };
    let used: i64 = bills.iter().map(|b| b.volume).sum();
    let last_read_at = ctx
        .periods
        .last()
        .map_or(created_at, |p| p.end + rng.random_range(8..18) * HOUR)
        .min(now);
    let installed = local_date(created_at).0.rem_euclid(100);
    let readings = meter_readings(first_reading, &bills, ctx.periods, last_read_at);
    Some(GenCustomer {
        account_no: account.to_string(),
        name,
        address,
        district_id: district.id,
        language: if english { "en" } else { "zh" },
        tier: if key_account {
            "key_account"
        } else {
            "standard"
        },
        manager,
        credit_flag,
        credit_note,
        created_at,
        phones,
        meter_serial: format!("SM{installed:02}{account}"),
        meter_last: (first_reading + used, last_read_at),
        readings,
        bills,
    })
}

/// The readings at the end of the last [`READINGS`] periods (the morning after, 10:00; the
/// newest at `last_read_at`): the meter's value then is the first reading plus every bill's
/// volume up to that period.
fn meter_readings(
    first_reading: i64,
    bills: &[GenBill],
    periods: &[Period],
    last_read_at: Millis,
) -> Vec<(i64, Millis)> {
    let mut value = first_reading;
    let mut all: Vec<(i64, Millis)> = bills
        .iter()
        .zip(periods)
        .map(|(b, p)| {
            value += b.volume;
            (value, p.end + 10 * HOUR)
        })
        .collect();
    if let Some(last) = all.last_mut() {
        last.1 = last_read_at;
    }
    let skip = all.len().saturating_sub(READINGS);
    all.split_off(skip)
}

/// One or two numbers: mostly mobiles; organisations have a switchboard and a contact.
fn phones(rng: &mut StdRng, key_account: bool, english: bool) -> Vec<String> {
    let mut phones = Vec::with_capacity(2);
    let first_is_landline = key_account || (!english && rng.random_bool(0.12));
    phones.push(if first_is_landline {
        names::landline(rng)
    } else {
        names::mobile(rng)
    });
    if key_account || rng.random_bool(0.3) {
        let second = if !key_account && rng.random_bool(0.4) {
            names::landline(rng)
        } else {
            names::mobile(rng)
        };
        if phones.first() != Some(&second) {
            phones.push(second);
        }
    }
    phones
}

/// A bill per period: a household's own level of consumption, the season and noise
/// (organisations use 5,000 to 40,000 m³ a month; a few homes stand empty), paid between
/// the bill's issue and its due date, or for one in twenty customers after it.
fn bills(rng: &mut StdRng, ctx: &Ctx, key_account: bool) -> Vec<GenBill> {
    let base = if key_account {
        5000.0 * 8f64.powf(rng.random::<f64>())
    } else if rng.random_bool(0.02) {
        1.0
    } else {
        6.0 + 24.0 * (rng.random::<f64>() + rng.random::<f64>()) / 2.0
    };
    let late_payer = rng.random_bool(0.05);
    ctx.periods
        .iter()
        .map(|p| {
            let noise = rng.random_range(0.85..1.15);
            let volume =
                (base * SEASON.get(p.month).copied().unwrap_or(1.0) * noise).round() as i64;
            let amount_fen = if key_account {
                volume * BUSINESS_FEN_PER_M3
            } else {
                residential_amount(volume)
            };
            let due_at = p.end + DUE_DAYS * DAY;
            let issued = p.end + 3 * DAY;
            let paid_at = if late_payer {
                due_at + rng.random_range(1..40) * DAY
            } else {
                issued + rng.random_range(0..due_at - issued)
            };
            let paid = paid_at <= ctx.now && amount_fen > 0;
            GenBill {
                period: p.name.clone(),
                volume,
                amount_fen,
                due_at,
                paid_fen: if paid { amount_fen } else { 0 },
                paid_at: paid.then_some(paid_at),
            }
        })
        .collect()
}

/// Leaves 1-6 of the latest overdue bills unpaid (the oldest of them sometimes half paid);
/// a fifth of the debtors are being dunned and one in fifty sued. Returns the credit flag
/// and its note.
fn arrears(rng: &mut StdRng, bills: &mut [GenBill], now: Millis) -> (&'static str, String) {
    let roll = rng.random::<f64>();
    let months = if roll < 0.02 {
        6
    } else if roll < 0.22 {
        rng.random_range(3..=6)
    } else {
        const MONTHS_OWED: [usize; 12] = [1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6];
        MONTHS_OWED
            .get(rng.random_range(0..MONTHS_OWED.len()))
            .copied()
            .unwrap_or(1)
    };
    let mut overdue: Vec<&mut GenBill> = bills
        .iter_mut()
        .rev()
        .filter(|b| b.due_at < now)
        .take(months)
        .collect();
    for b in overdue.iter_mut() {
        b.paid_fen = 0;
        b.paid_at = None;
    }
    if let Some(b) = overdue.last_mut() {
        if rng.random_bool(0.2) {
            b.paid_fen = b.amount_fen / 2;
            b.paid_at = Some(b.due_at - DAY);
        }
    }
    let n = overdue.len();
    if roll < 0.02 {
        let note = format!(
            "欠费{n}期，催缴无果，已于{}委托律师起诉，案号（{}）民初{}号",
            date(now - rng.random_range(5..60) * DAY),
            local_date(now).0,
            rng.random_range(1000..9999)
        );
        ("legal", note)
    } else if roll < 0.22 {
        let note = format!(
            "欠费{n}期，{}已寄送催缴通知书",
            date(now - rng.random_range(1..30) * DAY)
        );
        ("dunning", note)
    } else {
        ("none", String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const NOW: Millis = 1_795_000_000_000; // 2026-11-18

    fn ctx_parts() -> (Vec<Period>, Vec<SeedDistrict>) {
        let d = SeedDistrict {
            id: 1,
            name: "城东区".into(),
            weight: 1,
        };
        (periods(NOW, 24), vec![d])
    }

    #[test]
    fn the_tariff_is_tiered() {
        assert_eq!(residential_amount(0), 0);
        assert_eq!(residential_amount(10), 3450);
        assert_eq!(residential_amount(22), 22 * 345);
        assert_eq!(residential_amount(25), 22 * 345 + 3 * 518);
        assert_eq!(residential_amount(40), 22 * 345 + 8 * 518 + 10 * 1035);
    }

    #[test]
    fn periods_are_the_24_completed_months() {
        let ps = periods(NOW, 24);
        assert_eq!(ps.len(), 24);
        assert_eq!(ps[0].name, "2024-11");
        assert_eq!(ps[23].name, "2026-10");
        assert_eq!(ps[23].month, 9);
        assert!(ps.windows(2).all(|w| w[1].end - w[0].end >= 28 * DAY));
        assert!(ps[23].end <= NOW);
    }

    #[test]
    fn customers_are_consistent_and_reproducible() {
        let (ps, ds) = ctx_parts();
        let ctx = Ctx {
            now: NOW,
            periods: &ps,
            districts: &ds,
            managers: &[7],
        };
        let mut a = StdRng::seed_from_u64(3);
        let mut b = StdRng::seed_from_u64(3);
        for i in 0..2000u64 {
            let c = customer(&mut a, &ctx, 3_100_000_000 + i, i % 500 == 0).unwrap();
            assert_eq!(
                Some(&c),
                customer(&mut b, &ctx, 3_100_000_000 + i, i % 500 == 0).as_ref()
            );
            assert_eq!(c.bills.len(), 24);
            assert!(!c.phones.is_empty() && c.phones.len() <= 2);
            assert!(c.meter_last.1 <= NOW);
            assert_eq!(c.readings.len(), READINGS);
            assert_eq!(c.readings.last(), Some(&c.meter_last));
            let last_bills = &c.bills[c.bills.len() - READINGS + 1..];
            for (w, b) in c.readings.windows(2).zip(last_bills) {
                assert_eq!(
                    w[1].0 - w[0].0,
                    b.volume,
                    "a bill's volume is its readings' difference"
                );
                assert!(w[0].1 < w[1].1);
            }
            for bill in &c.bills {
                assert!(bill.paid_fen <= bill.amount_fen);
                assert_eq!(bill.paid_at.is_some(), bill.paid_fen > 0);
                assert!(bill.paid_at.is_none_or(|p| p <= NOW));
            }
            if c.tier == "key_account" {
                assert_eq!(c.manager, Some(7));
                assert!(c.bills.iter().all(|b| b.volume >= 3000));
            } else {
                assert!(c.bills.iter().all(|b| b.volume <= 60));
            }
            if c.credit_flag != "none" {
                assert!(c.in_arrears(NOW) && !c.credit_note.is_empty());
            }
        }
    }
}
