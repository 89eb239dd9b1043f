//! English numbers and money, British style: "and" before the last two digits (one hundred
//! and twenty, one thousand and five, one million and fifty), groups of three digits with
//! thousand, million and billion; money as "... yuan ... fen"; times of day as "eight thirty
//! a.m.".

use super::DIGITS;

const TEENS: [&str; 10] = [
    "num_ten",
    "num_eleven",
    "num_twelve",
    "num_thirteen",
    "num_fourteen",
    "num_fifteen",
    "num_sixteen",
    "num_seventeen",
    "num_eighteen",
    "num_nineteen",
];

/// Index 0 and 1 unused.
const TENS: [&str; 10] = [
    "",
    "",
    "num_twenty",
    "num_thirty",
    "num_forty",
    "num_fifty",
    "num_sixty",
    "num_seventy",
    "num_eighty",
    "num_ninety",
];

/// `n` (at most 999,999,999,999) as an English number: zero, twenty one, one thousand and five.
pub(super) fn number(n: u64, out: &mut Vec<&'static str>) {
    if n == 0 {
        out.push(DIGITS[0]);
        return;
    }
    let groups = [
        (n / 1_000_000_000, Some("word_billion")),
        (n / 1_000_000 % 1000, Some("word_million")),
        (n / 1000 % 1000, Some("word_thousand")),
        (n % 1000, None),
    ];
    let mut started = false;
    for (value, unit) in groups {
        if value == 0 {
            continue;
        }
        if started && unit.is_none() && value < 100 {
            out.push("word_and");
        }
        group(value, out);
        out.extend(unit);
        started = true;
    }
}

/// 1..=999: "one hundred and twenty", "twenty one".
fn group(value: u64, out: &mut Vec<&'static str>) {
    let (hundreds, rest) = (value / 100, value % 100);
    if hundreds > 0 {
        out.extend(DIGITS.get(hundreds as usize).copied());
        out.push("word_hundred");
        if rest > 0 {
            out.push("word_and");
        }
    }
    match rest {
        0 => {}
        1..=9 => out.extend(DIGITS.get(rest as usize).copied()),
        10..=19 => out.extend(TEENS.get((rest - 10) as usize).copied()),
        _ => {
            out.extend(TENS.get((rest / 10) as usize).copied());
            if rest % 10 > 0 {
                out.extend(DIGITS.get((rest % 10) as usize).copied());
            }
        }
    }
}

/// A time of day (hour 0..=23, minute 0..=59) on the 12-hour clock: "eight a.m.",
/// "six thirty p.m.", "nine oh five p.m.", "twelve noon", "twelve midnight".
pub(super) fn clock(hour: u16, minute: u16, out: &mut Vec<&'static str>) {
    let h = match hour % 12 {
        0 => 12,
        h => h,
    };
    number(u64::from(h), out);
    match minute {
        0 => {}
        m => {
            if m < 10 {
                out.push("time_oh");
            }
            number(u64::from(m), out);
        }
    }
    out.push(match (hour, minute) {
        (0, 0) => "time_midnight",
        (12, 0) => "time_noon",
        (0..=11, _) => "time_am",
        _ => "time_pm",
    });
}

/// Money: `yuan` (at most 999,999,999,999) and `cents` (0..=99 fen): "one thousand and five
/// yuan thirty fen", "five fen", "twelve yuan", "zero yuan".
pub(super) fn money(yuan: u64, cents: u64, out: &mut Vec<&'static str>) {
    if yuan > 0 || cents == 0 {
        number(yuan, out);
        out.push("unit_yuan");
    }
    if cents > 0 {
        number(cents, out);
        out.push("unit_fen");
    }
}
