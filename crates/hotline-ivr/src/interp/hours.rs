//! The opening hours of a calendar read out, generated from the calendar itself so that what
//! callers hear cannot disagree with when the `schedule` node opens: the weekdays with the
//! same hours grouped into runs (星期一至星期五 / Monday to Friday), each span's start and end
//! as times of day (上午八点半至下午五点半 / eight thirty a.m. to five thirty p.m.), and, when
//! the calendar has holidays, that they are closed (法定节假日休息). Pure.

use crate::flow::Calendar;
use crate::say::{say, SayAs, SayError};
use crate::value::{Date, Moment, Value};

/// A time of day (minutes since midnight; 1440, the end of the day, reads as midnight).
fn clock(minute: u16, language: &str, out: &mut Vec<String>) -> Result<(), SayError> {
    let t = Value::Time(Moment {
        date: Date {
            year: 2026,
            month: 1,
            day: 1,
        },
        minute: minute % (24 * 60),
    });
    out.extend(say(&t, SayAs::Clock, language)?);
    Ok(())
}

/// The prompts that read `calendar`'s opening hours in `language`.
pub fn hours_prompts(calendar: &Calendar, language: &str) -> Result<Vec<String>, SayError> {
    let mut out = Vec::new();
    let mut day = 0;
    let mut first_run = true;
    while let Some(spans) = calendar.hours.get(day) {
        if spans.is_empty() {
            day += 1;
            continue;
        }
        let mut last = day;
        while calendar.hours.get(last + 1) == Some(spans) {
            last += 1;
        }
        if !first_run {
            out.push("word_and".into());
        }
        first_run = false;
        out.push(format!("weekday_{}", day + 1));
        if last > day {
            out.push("time_through".into());
            out.push(format!("weekday_{}", last + 1));
        }
        for (i, &(start, end)) in spans.iter().enumerate() {
            if i > 0 {
                out.push("word_and".into());
            }
            clock(start, language, &mut out)?;
            out.push("time_through".into());
            clock(end, language, &mut out)?;
        }
        day = last + 1;
    }
    if !calendar.holidays.is_empty() {
        out.push("hours_holidays_closed".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn office(holidays: bool) -> Calendar {
        let day = vec![(8 * 60 + 30, 17 * 60 + 30)];
        Calendar {
            hours: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                vec![(9 * 60, 12 * 60)],
                vec![],
            ],
            holidays: if holidays {
                BTreeSet::from([Date {
                    year: 2026,
                    month: 10,
                    day: 1,
                }])
            } else {
                BTreeSet::new()
            },
            workdays: BTreeSet::new(),
            workday_hours: day,
        }
    }

    #[test]
    fn weekdays_with_the_same_hours_are_one_run_and_each_span_is_read() {
        let names = hours_prompts(&office(true), "zh").unwrap();
        // 星期一至星期五 上午八点半至下午五点半 和 星期六 上午九点至中午十二点 法定节假日休息
        assert_eq!(
            names,
            [
                "weekday_1",
                "time_through",
                "weekday_5",
                "time_morning",
                "digit_8",
                "time_oclock",
                "time_half",
                "time_through",
                "time_afternoon",
                "digit_5",
                "time_oclock",
                "time_half",
                "word_and",
                "weekday_6",
                "time_morning",
                "digit_9",
                "time_oclock",
                "time_through",
                "time_noon",
                "unit_shi",
                "digit_2",
                "time_oclock",
                "hours_holidays_closed"
            ]
        );
        let en = hours_prompts(&office(false), "en").unwrap();
        assert_eq!(
            en,
            [
                "weekday_1",
                "time_through",
                "weekday_5",
                "digit_8",
                "num_thirty",
                "time_am",
                "time_through",
                "digit_5",
                "num_thirty",
                "time_pm",
                "word_and",
                "weekday_6",
                "digit_9",
                "time_am",
                "time_through",
                "num_twelve",
                "time_noon"
            ]
        );
    }

    #[test]
    fn split_days_runs_and_midnight() {
        let mut c = office(false);
        c.hours[2] = vec![(8 * 60, 12 * 60), (13 * 60, 24 * 60)];
        c.hours[5] = vec![];
        let names = hours_prompts(&c, "zh").unwrap();
        let text = names.join(" ");
        // Monday-Tuesday, Wednesday alone (two spans, to midnight), Thursday-Friday.
        assert!(
            text.starts_with("weekday_1 time_through weekday_2 "),
            "{text}"
        );
        assert!(
            text.contains("word_and weekday_3 time_morning digit_8 time_oclock time_through time_noon unit_shi digit_2 time_oclock word_and time_afternoon digit_1 time_oclock time_through time_dawn digit_0 time_oclock word_and weekday_4 time_through weekday_5"),
            "{text}"
        );
        assert!(!text.contains("weekday_6") && !text.contains("weekday_7"));
        // Closed every day: nothing to read.
        c.hours = Default::default();
        assert!(hours_prompts(&c, "zh").unwrap().is_empty());
    }
}
