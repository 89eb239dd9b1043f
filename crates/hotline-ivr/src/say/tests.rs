//! Tests of `say`: expectations are written as the text the prompts speak (一千零五元三角,
//! "one thousand and five yuan thirty fen"), plus round trips over many numbers and a check
//! that every name produced exists in `sounds/prompts.tsv`.

use super::*;
use std::collections::BTreeSet;

/// What a prompt says in Mandarin (test helper; mirrors `sounds/prompts.tsv`).
fn zh_text(name: &str) -> String {
    const ZH_DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    const ZH_MONTHS: [&str; 13] = [
        "", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
    ];
    if let Some(d) = name.strip_prefix("digit_") {
        return ZH_DIGITS[d.parse::<usize>().expect("digit")].into();
    }
    if let Some(m) = name.strip_prefix("month_") {
        return format!("{}月", ZH_MONTHS[m.parse::<usize>().expect("month")]);
    }
    match name {
        "unit_shi" => "十",
        "unit_bai" => "百",
        "unit_qian" => "千",
        "unit_wan" => "万",
        "unit_yi" => "亿",
        "liang" => "两",
        "word_minus" => "负",
        "unit_yuan" => "元",
        "unit_jiao" => "角",
        "unit_fen" => "分",
        "word_zheng" => "整",
        "word_year" => "年",
        "word_day" => "号",
        "word_point" => "点",
        "time_dawn" => "凌晨",
        "time_morning" => "上午",
        "time_noon" => "中午",
        "time_afternoon" => "下午",
        "time_evening" => "晚上",
        "time_oclock" => "点",
        "time_half" => "半",
        other => panic!("no Mandarin text for {other} in this test helper"),
    }
    .into()
}

/// What a prompt says in English (test helper; mirrors `sounds/prompts.tsv`).
fn en_text(name: &str) -> String {
    const EN_DIGITS: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    const EN_MONTHS: [&str; 13] = [
        "",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    if let Some(d) = name.strip_prefix("digit_") {
        return EN_DIGITS[d.parse::<usize>().expect("digit")].into();
    }
    if let Some(m) = name.strip_prefix("month_") {
        return EN_MONTHS[m.parse::<usize>().expect("month")].into();
    }
    if let Some(w) = name.strip_prefix("num_") {
        return w.into();
    }
    match name {
        "word_hundred" => "hundred",
        "word_thousand" => "thousand",
        "word_million" => "million",
        "word_billion" => "billion",
        "word_and" => "and",
        "word_minus" => "minus",
        "unit_yuan" => "yuan",
        "unit_fen" => "fen",
        "word_point" => "point",
        "time_oh" => "oh",
        "time_am" => "a.m.",
        "time_pm" => "p.m.",
        "time_noon" => "noon",
        "time_midnight" => "midnight",
        other => panic!("no English text for {other} in this test helper"),
    }
    .into()
}

fn zh(value: Value, as_: SayAs) -> String {
    let names = say(&value, as_, "zh").unwrap_or_else(|e| panic!("{e}"));
    names.iter().map(|n| zh_text(n)).collect()
}

fn en(value: Value, as_: SayAs) -> String {
    let names = say(&value, as_, "en").unwrap_or_else(|e| panic!("{e}"));
    names
        .iter()
        .map(|n| en_text(n))
        .collect::<Vec<_>>()
        .join(" ")
}

fn date(year: i32, month: u8, day: u8) -> Value {
    Value::Date(Date { year, month, day })
}

#[test]
fn digits_one_by_one() {
    assert_eq!(zh(Value::text("1023"), SayAs::Digits), "一零二三");
    assert_eq!(en(Value::text("1023"), SayAs::Digits), "one zero two three");
    assert_eq!(zh(Value::text("0"), SayAs::Digits), "零");
    assert_eq!(zh(Value::text("007"), SayAs::Digits), "零零七");
    assert_eq!(zh(Value::Int(1023), SayAs::Digits), "一零二三");
    assert_eq!(en(Value::Int(0), SayAs::Digits), "zero");
    assert_eq!(
        say(&Value::text("1023"), SayAs::Digits, "zh").unwrap(),
        ["digit_1", "digit_0", "digit_2", "digit_3"]
    );
    assert_eq!(
        zh(Value::Int(i64::MAX), SayAs::Digits),
        "九二二三三七二零三六八五四七七五八零七"
    );
}

#[test]
fn zh_numbers() {
    let cases: &[(i64, &str)] = &[
        (0, "零"),
        (1, "一"),
        (2, "二"),
        (10, "十"),
        (11, "十一"),
        (12, "十二"),
        (15, "十五"),
        (20, "二十"),
        (22, "二十二"),
        (100, "一百"),
        (101, "一百零一"),
        (102, "一百零二"),
        (110, "一百一十"),
        (111, "一百一十一"),
        (120, "一百二十"),
        (200, "两百"),
        (222, "两百二十二"),
        (1000, "一千"),
        (1001, "一千零一"),
        (1002, "一千零二"),
        (1005, "一千零五"),
        (1010, "一千零一十"),
        (1050, "一千零五十"),
        (1100, "一千一百"),
        (2000, "两千"),
        (10000, "一万"),
        (10005, "一万零五"),
        (10010, "一万零一十"),
        (10200, "一万零两百"),
        (12000, "一万两千"),
        (20000, "两万"),
        (20002, "两万零二"),
        (22000, "两万两千"),
        (100000, "十万"),
        (100010, "十万零一十"),
        (100100, "十万零一百"),
        (120000, "十二万"),
        (150000, "十五万"),
        (220000, "二十二万"),
        (1000000, "一百万"),
        (1001000, "一百万一千"),
        (1020000, "一百零二万"),
        (10000000, "一千万"),
        (10000010, "一千万零一十"),
        (20000000, "两千万"),
        (100000000, "一亿"),
        (100000001, "一亿零一"),
        (100010000, "一亿零一万"),
        (101000000, "一亿零一百万"),
        (110000000, "一亿一千万"),
        (200000000, "两亿"),
        (1000000000, "十亿"),
        (1000001000, "十亿零一千"),
        (20000000000, "两百亿"),
        (
            999999999999,
            "九千九百九十九亿九千九百九十九万九千九百九十九",
        ),
        (-1, "负一"),
        (-10, "负十"),
        (-1005, "负一千零五"),
        (
            -999999999999,
            "负九千九百九十九亿九千九百九十九万九千九百九十九",
        ),
    ];
    for (n, want) in cases {
        assert_eq!(zh(Value::Int(*n), SayAs::Number), *want, "{n}");
    }
}

#[test]
fn en_numbers() {
    let cases: &[(i64, &str)] = &[
        (0, "zero"),
        (1, "one"),
        (2, "two"),
        (10, "ten"),
        (11, "eleven"),
        (20, "twenty"),
        (21, "twenty one"),
        (99, "ninety nine"),
        (100, "one hundred"),
        (101, "one hundred and one"),
        (110, "one hundred and ten"),
        (111, "one hundred and eleven"),
        (120, "one hundred and twenty"),
        (200, "two hundred"),
        (1000, "one thousand"),
        (1001, "one thousand and one"),
        (1005, "one thousand and five"),
        (1010, "one thousand and ten"),
        (1100, "one thousand one hundred"),
        (1150, "one thousand one hundred and fifty"),
        (2000, "two thousand"),
        (10000, "ten thousand"),
        (10010, "ten thousand and ten"),
        (22000, "twenty two thousand"),
        (100000, "one hundred thousand"),
        (101000, "one hundred and one thousand"),
        (120000, "one hundred and twenty thousand"),
        (1000000, "one million"),
        (1000005, "one million and five"),
        (1005000, "one million five thousand"),
        (10000000, "ten million"),
        (100000000, "one hundred million"),
        (100010000, "one hundred million ten thousand"),
        (1000000000, "one billion"),
        (1000000050, "one billion and fifty"),
        (
            999999999999,
            "nine hundred and ninety nine billion nine hundred and ninety nine million \
             nine hundred and ninety nine thousand nine hundred and ninety nine",
        ),
        (-21, "minus twenty one"),
        (-1005, "minus one thousand and five"),
    ];
    for (n, want) in cases {
        assert_eq!(en(Value::Int(*n), SayAs::Number), *want, "{n}");
    }
    assert_eq!(
        say(&Value::Int(21), SayAs::Number, "en").unwrap(),
        ["num_twenty", "digit_1"]
    );
}

#[test]
fn zh_money() {
    let cases: &[(i64, &str)] = &[
        (100530, "一千零五元三角"),
        (100500, "一千零五元整"),
        (5, "五分"),
        (1, "一分"),
        (30, "三角"),
        (35, "三角五分"),
        (0, "零元"),
        (1205, "十二元零五分"),
        (1234, "十二元三角四分"),
        (1050, "十元五角"),
        (1001, "十元零一分"),
        (1000, "十元整"),
        (100, "一元整"),
        (200, "二元整"),
        (120, "一元二角"),
        (-100530, "负一千零五元三角"),
        (-5, "负五分"),
        (
            99_999_999_999_999,
            "九千九百九十九亿九千九百九十九万九千九百九十九元九角九分",
        ),
    ];
    for (fen, want) in cases {
        assert_eq!(zh(Value::Money(*fen), SayAs::Money), *want, "{fen}");
    }
}

#[test]
fn en_money() {
    let cases: &[(i64, &str)] = &[
        (100530, "one thousand and five yuan thirty fen"),
        (100500, "one thousand and five yuan"),
        (5, "five fen"),
        (30, "thirty fen"),
        (0, "zero yuan"),
        (1200, "twelve yuan"),
        (1205, "twelve yuan five fen"),
        (100, "one yuan"),
        (121, "one yuan twenty one fen"),
        (-5, "minus five fen"),
        (-1200, "minus twelve yuan"),
    ];
    for (fen, want) in cases {
        assert_eq!(en(Value::Money(*fen), SayAs::Money), *want, "{fen}");
    }
}

#[test]
fn dates() {
    assert_eq!(
        zh(date(2026, 11, 18), SayAs::Date),
        "二零二六年十一月十八号"
    );
    assert_eq!(zh(date(2026, 1, 1), SayAs::Date), "二零二六年一月一号");
    assert_eq!(zh(date(2026, 10, 10), SayAs::Date), "二零二六年十月十号");
    assert_eq!(
        zh(date(2000, 12, 31), SayAs::Date),
        "二零零零年十二月三十一号"
    );
    assert_eq!(zh(date(2026, 2, 20), SayAs::Date), "二零二六年二月二十号");
    assert_eq!(
        say(&date(2026, 11, 18), SayAs::Date, "zh").unwrap(),
        [
            "digit_2",
            "digit_0",
            "digit_2",
            "digit_6",
            "word_year",
            "month_11",
            "unit_shi",
            "digit_8",
            "word_day"
        ]
    );
    assert_eq!(
        en(date(2026, 11, 18), SayAs::Date),
        "November eighteen two thousand and twenty six"
    );
    assert_eq!(
        en(date(2026, 1, 1), SayAs::Date),
        "January one two thousand and twenty six"
    );
    assert_eq!(
        en(date(2000, 2, 29), SayAs::Date),
        "February twenty nine two thousand"
    );
}

fn time(month: u8, day: u8, hour: u16, minute: u16) -> Value {
    Value::Time(Moment {
        date: Date {
            year: 2026,
            month,
            day,
        },
        minute: hour * 60 + minute,
    })
}

#[test]
fn times_in_mandarin_read_the_part_of_the_day_and_the_twelve_hour_clock() {
    // The example: 12月6日上午8点到下午6点.
    assert_eq!(zh(time(12, 6, 8, 0), SayAs::Time), "十二月六号上午八点");
    assert_eq!(zh(time(12, 6, 18, 0), SayAs::Clock), "下午六点");
    assert_eq!(zh(time(12, 6, 19, 0), SayAs::Clock), "晚上七点");
    assert_eq!(zh(time(12, 6, 17, 0), SayAs::Clock), "下午五点");
    assert_eq!(zh(time(12, 6, 14, 30), SayAs::Clock), "下午两点半");
    assert_eq!(zh(time(12, 6, 2, 0), SayAs::Clock), "凌晨两点");
    assert_eq!(zh(time(12, 6, 0, 0), SayAs::Clock), "凌晨零点");
    assert_eq!(zh(time(12, 6, 12, 0), SayAs::Clock), "中午十二点");
    assert_eq!(zh(time(12, 6, 21, 5), SayAs::Clock), "晚上九点零五分");
    assert_eq!(zh(time(12, 6, 10, 45), SayAs::Clock), "上午十点四十五分");
    assert_eq!(
        zh(time(11, 20, 6, 10), SayAs::Time),
        "十一月二十号上午六点十分"
    );
    assert_eq!(
        zh(time(1, 1, 23, 59), SayAs::Time),
        "一月一号晚上十一点五十九分"
    );
}

#[test]
fn times_in_english_read_am_and_pm_noon_and_midnight() {
    assert_eq!(
        en(time(12, 6, 8, 0), SayAs::Time),
        "December six eight a.m."
    );
    assert_eq!(en(time(12, 6, 18, 0), SayAs::Clock), "six p.m.");
    assert_eq!(en(time(12, 6, 18, 30), SayAs::Clock), "six thirty p.m.");
    assert_eq!(en(time(12, 6, 21, 5), SayAs::Clock), "nine oh five p.m.");
    assert_eq!(en(time(12, 6, 12, 0), SayAs::Clock), "twelve noon");
    assert_eq!(en(time(12, 6, 12, 15), SayAs::Clock), "twelve fifteen p.m.");
    assert_eq!(en(time(12, 6, 0, 0), SayAs::Clock), "twelve midnight");
    assert_eq!(en(time(12, 6, 0, 40), SayAs::Clock), "twelve forty a.m.");
    assert_eq!(
        en(time(11, 20, 11, 59), SayAs::Time),
        "November twenty eleven fifty nine a.m."
    );
}

#[test]
fn decimals_read_the_point_and_the_digits_after_it() {
    assert_eq!(zh(Value::text("0.35"), SayAs::Decimal), "零点三五");
    assert_eq!(zh(Value::text("12.05"), SayAs::Decimal), "十二点零五");
    assert_eq!(zh(Value::text("3"), SayAs::Decimal), "三");
    assert_eq!(zh(Value::text("-1.5"), SayAs::Decimal), "负一点五");
    assert_eq!(zh(Value::Int(20), SayAs::Decimal), "二十");
    assert_eq!(
        en(Value::text("0.35"), SayAs::Decimal),
        "zero point three five"
    );
    assert_eq!(
        en(Value::text("0.28"), SayAs::Decimal),
        "zero point two eight"
    );
    for bad in [
        "",
        ".5",
        "5.",
        "1.2.3",
        "abc",
        "1,5",
        "0.1234567890",
        "1e3",
        "--1",
    ] {
        let e = say(&Value::text(bad), SayAs::Decimal, "zh").expect_err(bad);
        assert_eq!(e.as_, SayAs::Decimal, "{bad}");
    }
}

#[test]
fn times_out_of_range_are_refused() {
    let bad_minute = Value::Time(Moment {
        date: Date {
            year: 2026,
            month: 12,
            day: 6,
        },
        minute: 1440,
    });
    assert!(say(&bad_minute, SayAs::Clock, "zh").is_err());
    assert!(say(&time(12, 0, 8, 0), SayAs::Time, "en").is_err());
    assert!(say(&time(13, 1, 8, 0), SayAs::Time, "zh").is_err());
    assert!(say(&date(2026, 12, 6), SayAs::Time, "zh").is_err());
    assert!(say(&time(12, 6, 8, 0), SayAs::Date, "zh").is_err());
}

#[test]
fn months() {
    assert_eq!(zh(date(2026, 11, 0), SayAs::Month), "二零二六年十一月");
    assert_eq!(zh(date(2026, 11, 18), SayAs::Month), "二零二六年十一月");
    assert_eq!(zh(date(2026, 1, 0), SayAs::Date), "二零二六年一月");
    assert_eq!(
        en(date(2026, 11, 0), SayAs::Month),
        "November two thousand and twenty six"
    );
    assert_eq!(
        en(date(2026, 3, 0), SayAs::Date),
        "March two thousand and twenty six"
    );
    assert_eq!(
        en(date(2026, 12, 5), SayAs::Month),
        "December two thousand and twenty six"
    );
}

#[test]
fn errors() {
    let bad: Vec<(Value, SayAs)> = vec![
        // digits
        (Value::text(""), SayAs::Digits),
        (Value::text("12a"), SayAs::Digits),
        (Value::text("12*"), SayAs::Digits),
        (Value::text("#"), SayAs::Digits),
        (Value::text("-1"), SayAs::Digits),
        (Value::text("1 2"), SayAs::Digits),
        (Value::text("１２"), SayAs::Digits),
        (Value::text("٣"), SayAs::Digits),
        (Value::Int(-1), SayAs::Digits),
        (Value::Int(i64::MIN), SayAs::Digits),
        (Value::Money(5), SayAs::Digits),
        (Value::Null, SayAs::Digits),
        // numbers
        (Value::Money(100), SayAs::Number),
        (Value::text("12"), SayAs::Number),
        (Value::Bool(true), SayAs::Number),
        (Value::Null, SayAs::Number),
        (date(2026, 1, 1), SayAs::Number),
        (Value::List(vec![]), SayAs::Number),
        (Value::Int(1_000_000_000_000), SayAs::Number),
        (Value::Int(-1_000_000_000_000), SayAs::Number),
        (Value::Int(i64::MAX), SayAs::Number),
        (Value::Int(i64::MIN), SayAs::Number),
        // money
        (Value::Int(100), SayAs::Money),
        (Value::text("1.00"), SayAs::Money),
        (Value::Money(100_000_000_000_000), SayAs::Money),
        (Value::Money(-100_000_000_000_000), SayAs::Money),
        (Value::Money(i64::MAX), SayAs::Money),
        (Value::Money(i64::MIN), SayAs::Money),
        // dates and months
        (date(2026, 0, 1), SayAs::Date),
        (date(2026, 13, 1), SayAs::Date),
        (date(2026, 1, 32), SayAs::Date),
        (date(2026, 1, 255), SayAs::Date),
        (date(0, 1, 1), SayAs::Date),
        (date(-5, 1, 1), SayAs::Date),
        (date(10000, 1, 1), SayAs::Date),
        (date(i32::MIN, 1, 1), SayAs::Date),
        (date(2026, 0, 0), SayAs::Month),
        (date(2026, 13, 0), SayAs::Month),
        (date(2026, 1, 32), SayAs::Month),
        (date(i32::MAX, 1, 0), SayAs::Month),
        (Value::Int(20261118), SayAs::Date),
        (Value::text("2026-11-18"), SayAs::Date),
        (Value::text("2026-11"), SayAs::Month),
        (Value::Int(202611), SayAs::Month),
    ];
    for (value, as_) in bad {
        for lang in ["zh", "en"] {
            let err = say(&value, as_, lang).expect_err(&format!("{value:?} as {as_:?} in {lang}"));
            assert_eq!(err.as_, as_);
            assert_eq!(err.value, value.to_string());
            assert!(!err.reason.is_empty());
        }
    }
    for lang in ["fr", "", "ZH", "zh-CN", "english"] {
        let err = say(&Value::Int(1), SayAs::Number, lang).expect_err(lang);
        assert!(err.reason.contains("language"), "{err}");
    }
}

/// Reads a Mandarin number back (canonical readings only).
fn parse_zh(names: &[String]) -> i64 {
    let (mut total, mut section, mut digit, mut sign) = (0i64, 0i64, 0i64, 1i64);
    for n in names {
        match n.as_str() {
            "word_minus" => sign = -1,
            "liang" => digit = 2,
            "unit_shi" => (section, digit) = (section + digit.max(1) * 10, 0),
            "unit_bai" => (section, digit) = (section + digit * 100, 0),
            "unit_qian" => (section, digit) = (section + digit * 1000, 0),
            "unit_wan" => (total, section, digit) = (total + (section + digit) * 10_000, 0, 0),
            "unit_yi" => (total, section, digit) = ((total + section + digit) * 100_000_000, 0, 0),
            d => {
                digit = d
                    .strip_prefix("digit_")
                    .expect("digit")
                    .parse()
                    .expect("digit")
            }
        }
    }
    sign * (total + section + digit)
}

/// Reads an English number back.
fn parse_en(names: &[String]) -> i64 {
    let (mut total, mut current, mut sign) = (0i64, 0i64, 1i64);
    for n in names {
        let words = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen"];
        let more = ["sixteen", "seventeen", "eighteen", "nineteen"];
        let tens = [
            "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
        ];
        match n.as_str() {
            "word_minus" => sign = -1,
            "word_and" => {}
            "word_hundred" => current *= 100,
            "word_thousand" => (total, current) = (total + current * 1000, 0),
            "word_million" => (total, current) = (total + current * 1_000_000, 0),
            "word_billion" => (total, current) = (total + current * 1_000_000_000, 0),
            other => {
                if let Some(d) = other.strip_prefix("digit_") {
                    current += d.parse::<i64>().expect("digit");
                } else {
                    let w = other.strip_prefix("num_").expect("num");
                    let all: Vec<&str> = words.iter().chain(more.iter()).copied().collect();
                    current += match all.iter().position(|x| *x == w) {
                        Some(i) => 10 + i as i64,
                        None => 20 + 10 * tens.iter().position(|x| *x == w).expect("tens") as i64,
                    };
                }
            }
        }
    }
    sign * (total + current)
}

/// Numbers to sweep: everything up to 30,000, then a spread up to the limit.
fn sample_numbers() -> Vec<i64> {
    let mut ns: Vec<i64> = (0..=30_000).collect();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..30_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let digits = (x % 12 + 1) as u32;
        ns.push(((x >> 8) % 10u64.pow(digits)) as i64);
    }
    for p in 0..12 {
        let b = 10i64.pow(p);
        ns.extend([b, 2 * b, b + 1, b + 10, 10 * b - 1, 11 * b, 101 * b]);
    }
    ns.retain(|n| (0..=999_999_999_999).contains(n));
    ns
}

#[test]
fn numbers_read_back() {
    for n in sample_numbers() {
        for n in [n, -n] {
            let zh_names = say(&Value::Int(n), SayAs::Number, "zh").unwrap();
            assert_eq!(parse_zh(&zh_names), n, "{n}: {zh_names:?}");
            let en_names = say(&Value::Int(n), SayAs::Number, "en").unwrap();
            assert_eq!(parse_en(&en_names), n, "{n}: {en_names:?}");
        }
    }
}

#[test]
fn zh_zero_and_liang_rules() {
    for n in sample_numbers().into_iter().filter(|n| *n > 0) {
        let names = say(&Value::Int(n), SayAs::Number, "zh").unwrap();
        let s: String = names.iter().map(|n| zh_text(n)).collect();
        assert!(!s.ends_with('零'), "{n}: {s}");
        assert!(!s.contains("零零"), "{n}: {s}");
        assert!(!s.starts_with("一十"), "{n}: {s}");
        assert!(!s.contains("二百") && !s.contains("二千"), "{n}: {s}");
        assert!(!s.contains("两十") && !s.ends_with('两'), "{n}: {s}");
        assert!(!s.contains("零万") && !s.contains("零亿"), "{n}: {s}");
    }
}

/// The prompt names in `sounds/prompts.tsv`.
fn manifest_names() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sounds/prompts.tsv");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .map(String::from)
        .collect()
}

#[test]
fn every_name_is_a_prompt() {
    let manifest = manifest_names();
    let mut values: Vec<(Value, SayAs)> = Vec::new();
    for n in sample_numbers() {
        values.push((Value::Int(n), SayAs::Number));
        values.push((Value::Int(-n), SayAs::Number));
        values.push((Value::Money(n * 100 + n % 100), SayAs::Money));
        values.push((Value::Money(-(n % 10_000)), SayAs::Money));
        values.push((Value::Int(n), SayAs::Digits));
    }
    values.push((Value::text("0123456789"), SayAs::Digits));
    for month in 1..=12 {
        for day in 0..=31 {
            for year in [1, 999, 1999, 2000, 2026, 9999] {
                values.push((date(year, month, day), SayAs::Date));
                values.push((date(year, month, day), SayAs::Month));
            }
        }
    }
    for month in 1..=12 {
        for day in [1, 9, 10, 21, 31] {
            for minute in 0..24 * 60 {
                values.push((time(month, day, 0, minute), SayAs::Time));
            }
        }
    }
    values.push((Value::text("-1234.0567"), SayAs::Decimal));
    let mut used = BTreeSet::new();
    for (value, as_) in &values {
        for lang in ["zh", "en"] {
            let names = say(value, *as_, lang).unwrap_or_else(|e| panic!("{e}"));
            assert!(!names.is_empty(), "{value:?} as {as_:?}");
            used.extend(names);
        }
    }
    let missing: Vec<_> = used.difference(&manifest).collect();
    assert!(missing.is_empty(), "not in sounds/prompts.tsv: {missing:?}");
}

#[test]
fn a_recording_is_said_by_its_own_name_and_only_a_recordings_name() {
    for lang in ["zh", "en"] {
        assert_eq!(
            say(
                &Value::text("rec_notice_7_1765000000000"),
                SayAs::Recording,
                lang
            ),
            Ok(vec!["rec_notice_7_1765000000000".to_string()])
        );
    }
    for bad in ["", "rec_", "welcome", "rec_../x", "rec_a b", "digit_0"] {
        let e = say(&Value::text(bad), SayAs::Recording, "zh").expect_err(bad);
        assert_eq!(e.as_, SayAs::Recording, "{bad}");
    }
    let long = format!("rec_{}", "a".repeat(100));
    assert!(say(&Value::text(&long), SayAs::Recording, "zh").is_err());
    assert!(say(&Value::Int(7), SayAs::Recording, "zh").is_err());
}
