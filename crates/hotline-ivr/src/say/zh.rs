//! Mandarin numbers and money: 万/亿 sections of four digits, one 零 for a run of zeros
//! inside a number (none at the end), 十 without 一 only at the very start, 两 before 百 and
//! 千 and for a 万/亿 section that is just 2; money as 元, 角, 分 with 整 and 零; times of
//! day as 上午八点半.

use super::DIGITS;

/// A time of day (hour 0..=23, minute 0..=59) on the 12-hour clock with the part of the day:
/// 凌晨零点, 上午八点, 中午十二点, 下午两点半, 下午六点, 晚上九点零五分.
pub(super) fn clock(hour: u16, minute: u16, out: &mut Vec<&'static str>) {
    let (part, h) = match hour {
        0..=5 => ("time_dawn", hour),
        6..=11 => ("time_morning", hour),
        12 => ("time_noon", 12),
        13..=18 => ("time_afternoon", hour - 12),
        _ => ("time_evening", hour - 12),
    };
    out.push(part);
    if h == 2 {
        out.push("liang");
    } else {
        number(u64::from(h), out);
    }
    out.push("time_oclock");
    match minute {
        0 => {}
        30 => out.push("time_half"),
        m => {
            if m < 10 {
                out.push(DIGITS[0]);
            }
            number(u64::from(m), out);
            out.push("unit_fen");
        }
    }
}

/// `n` (at most 999,999,999,999) as a Mandarin number: 一亿零一万, 十万零一十, 两千万.
pub(super) fn number(n: u64, out: &mut Vec<&'static str>) {
    if n == 0 {
        out.push(DIGITS[0]);
        return;
    }
    let sections = [
        (n / 100_000_000, Some("unit_yi")),
        (n / 10_000 % 10_000, Some("unit_wan")),
        (n % 10_000, None),
    ];
    let mut started = false;
    let mut gap = false;
    for (value, unit) in sections {
        if value == 0 {
            gap = started;
            continue;
        }
        if started && (gap || value < 1000) {
            out.push(DIGITS[0]);
        }
        section(value, !started, unit.is_some(), out);
        out.extend(unit);
        started = true;
        gap = false;
    }
}

/// One section, 1..=9999. `first`: it starts the number (一十 → 十); `before_unit`: 万 or 亿
/// follows (a lone 2 is 两).
fn section(value: u64, first: bool, before_unit: bool, out: &mut Vec<&'static str>) {
    let digits = [value / 1000, value / 100 % 10, value / 10 % 10, value % 10];
    let mut spoken = false;
    let mut gap = false;
    for (place, d) in digits.into_iter().enumerate() {
        if d == 0 {
            gap = spoken;
            continue;
        }
        if gap {
            out.push(DIGITS[0]);
            gap = false;
        }
        let Some(&digit) = DIGITS.get(d as usize) else {
            continue;
        };
        match place {
            0 | 1 => {
                out.push(if d == 2 { "liang" } else { digit });
                out.push(if place == 0 { "unit_qian" } else { "unit_bai" });
            }
            2 => {
                if !(d == 1 && first && !spoken) {
                    out.push(digit);
                }
                out.push("unit_shi");
            }
            _ => out.push(if d == 2 && before_unit && !spoken {
                "liang"
            } else {
                digit
            }),
        }
        spoken = true;
    }
}

/// Money: `yuan` (at most 999,999,999,999) and `cents` (0..=99 fen). 一千零五元三角,
/// 一千零五元整, 十二元零五分, 五分, 零元.
pub(super) fn money(yuan: u64, cents: u64, out: &mut Vec<&'static str>) {
    let (jiao, fen) = (cents / 10, cents % 10);
    if yuan > 0 || cents == 0 {
        number(yuan, out);
        out.push("unit_yuan");
        if cents == 0 && yuan > 0 {
            out.push("word_zheng");
        }
    }
    if jiao > 0 {
        out.extend(DIGITS.get(jiao as usize).copied());
        out.push("unit_jiao");
    }
    if fen > 0 {
        if jiao == 0 && yuan > 0 {
            out.push(DIGITS[0]);
        }
        out.extend(DIGITS.get(fen as usize).copied());
        out.push("unit_fen");
    }
}
