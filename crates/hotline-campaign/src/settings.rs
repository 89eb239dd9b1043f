//! A campaign's settings as an operator writes them (JSON from the API or the command line):
//! the calling window, retries per result, the per-customer limit, the route's limits, the
//! progressive mode's over-dial and abandoned limit, the caller id. Every field may be left
//! out (the defaults are the issue's: 09:00–12:00 and 14:00–20:00, no public holidays, 3 %
//! abandoned); for an SMS campaign (`channel: "sms"`), its templates per language
//! (`sms.templates`, see [`crate::sms`]). [`Settings::parse`] refuses an unknown field or a bad value naming the field;
//! [`Settings::normalised`] writes back every field, defaults filled in, as the store keeps
//! them; [`Settings::campaign`] makes the dialler's [`Campaign`].

use serde::{Deserialize, Serialize};

use hotline_time::{CivilDate, Zone};

use crate::model::{Campaign, Mode, RouteLimits};
use crate::rules::{DailyLimit, Retry, RetryRules};
use crate::sms::{SmsSettings, Texts, DEFAULT_RECEIPT_WAIT_SECS};
use crate::window::{DailySpan, Window};

const MINUTE: i64 = 60_000;

/// A setting refused: the field (dotted path) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for SettingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

fn err(field: &str, reason: impl Into<String>) -> SettingError {
    SettingError {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// Attempts and minutes between them, for one result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetrySetting {
    pub attempts: u32,
    pub interval_min: u32,
}

/// Retries per result that may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetrySettings {
    pub busy: Option<RetrySetting>,
    pub no_answer: Option<RetrySetting>,
    pub failed: Option<RetrySetting>,
    pub abandoned: Option<RetrySetting>,
}

/// The settings, each optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Daily spans `HH:MM-HH:MM` in the centre's zone.
    pub window: Option<Vec<String>>,
    /// Weekdays allowed, 1 = Monday … 7 = Sunday.
    pub weekdays: Option<Vec<u8>>,
    /// No calls on public holidays (the centre's calendar).
    pub skip_holidays: Option<bool>,
    pub retry: Option<RetrySettings>,
    /// Calls to one customer a day across campaigns (0: no limit).
    pub max_per_day: Option<u32>,
    pub attempts_per_sec: Option<u32>,
    pub max_lines: Option<u32>,
    /// Progressive: calls per free agent (1.0 to 3.0).
    pub over_dial: Option<f64>,
    /// Progressive: most abandoned calls among answered ones, percent (0 to 10).
    pub abandoned_limit_percent: Option<f64>,
    /// Progressive: how long an answered customer waits for an agent before hearing the
    /// apology (abandoned), seconds (1 to 30; default [`DEFAULT_AGENT_WAIT_SECS`]).
    pub agent_wait_secs: Option<u32>,
    /// The number shown to the customer; the engine's configured one when absent.
    pub caller_id: Option<String>,
    /// `call` (the default) or `sms`: an SMS campaign sends its targets a text message
    /// (made from `sms.templates`) instead of calling them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// An SMS campaign's templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<SmsSettings>,
}

/// How a campaign reaches its targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    #[default]
    Call,
    Sms,
}

/// How long a progressive campaign's answered customer waits for an agent, by default.
pub const DEFAULT_AGENT_WAIT_SECS: u32 = 5;

impl Settings {
    /// Progressive: the agent wait, seconds.
    pub fn agent_wait(&self) -> u32 {
        self.agent_wait_secs.unwrap_or(DEFAULT_AGENT_WAIT_SECS)
    }
}

/// `HH:MM-HH:MM` (24:00 allowed as the end).
fn span(field: &str, s: &str) -> Result<DailySpan, SettingError> {
    let hm = |t: &str| -> Option<(u16, u16)> {
        let (h, m) = t.trim().split_once(':')?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return None;
        }
        let (h, m) = (h.parse::<u16>().ok()?, m.parse::<u16>().ok()?);
        (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some((h, m))
    };
    let bad = || err(field, format!("{s:?} is not HH:MM-HH:MM"));
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let ((fh, fm), (th, tm)) = (hm(a).ok_or_else(bad)?, hm(b).ok_or_else(bad)?);
    Ok(DailySpan::hm(fh, fm, th, tm))
}

fn retry(field: &str, r: Option<RetrySetting>, default: Retry) -> Result<Retry, SettingError> {
    let Some(r) = r else { return Ok(default) };
    if !(1..=10).contains(&r.attempts) {
        return Err(err(&format!("{field}.attempts"), "1 to 10"));
    }
    if !(1..=7 * 24 * 60).contains(&r.interval_min) {
        return Err(err(&format!("{field}.interval_min"), "1 to 10080 minutes"));
    }
    Ok(Retry {
        attempts: r.attempts,
        interval: i64::from(r.interval_min) * MINUTE,
    })
}

fn back(r: Retry) -> Option<RetrySetting> {
    Some(RetrySetting {
        attempts: r.attempts,
        interval_min: u32::try_from(r.interval / MINUTE).unwrap_or(u32::MAX),
    })
}

impl Settings {
    /// `value` (a JSON object; `null` is every default) read and checked.
    pub fn parse(value: &serde_json::Value) -> Result<Settings, SettingError> {
        if value.is_null() {
            return Ok(Settings::default());
        }
        let s: Settings = serde_json::from_value(value.clone()).map_err(|e| {
            let text = e.to_string();
            // serde names an unknown field in its message; the path is the object's top.
            err("settings", text)
        })?;
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> Result<(), SettingError> {
        let zone = Zone::utc();
        self.window_in(zone, &[])?;
        self.retry_rules()?;
        if let Some(n) = self.attempts_per_sec {
            if !(1..=1000).contains(&n) {
                return Err(err("attempts_per_sec", "1 to 1000"));
            }
        }
        if let Some(n) = self.max_lines {
            if !(1..=10_000).contains(&n) {
                return Err(err("max_lines", "1 to 10000"));
            }
        }
        if let Some(x) = self.over_dial {
            if !(1.0..=3.0).contains(&x) {
                return Err(err("over_dial", "1.0 to 3.0"));
            }
        }
        if let Some(x) = self.abandoned_limit_percent {
            if !(0.0..=10.0).contains(&x) {
                return Err(err("abandoned_limit_percent", "0 to 10"));
            }
        }
        if let Some(n) = self.agent_wait_secs {
            if !(1..=30).contains(&n) {
                return Err(err("agent_wait_secs", "1 to 30"));
            }
        }
        if let Some(c) = &self.caller_id {
            if c.is_empty() || c.len() > 32 || !c.chars().all(|ch| ch.is_ascii_digit() || ch == '+')
            {
                return Err(err("caller_id", "digits (and a leading +), at most 32"));
            }
        }
        match (self.channel.unwrap_or_default(), &self.sms) {
            (Channel::Sms, None) => return Err(err("sms", "an SMS campaign needs its templates")),
            (Channel::Call, Some(_)) => {
                return Err(err("sms", "only for an SMS campaign (channel \"sms\")"))
            }
            _ => {}
        }
        self.texts()?;
        Ok(())
    }

    /// Whether the campaign sends text messages.
    pub fn is_sms(&self) -> bool {
        self.channel == Some(Channel::Sms)
    }

    /// An SMS campaign's checked templates (`None` for a call campaign).
    pub fn texts(&self) -> Result<Option<Texts>, SettingError> {
        match &self.sms {
            None => Ok(None),
            Some(s) => Texts::new(s)
                .map(Some)
                .map_err(|(field, reason)| err(&field, reason)),
        }
    }

    /// The calling window in `zone`, with `holidays` when public holidays are skipped.
    pub fn window_in(&self, zone: Zone, holidays: &[CivilDate]) -> Result<Window, SettingError> {
        let spans = match &self.window {
            None => Window::default_spans(),
            Some(list) if list.is_empty() => return Err(err("window", "at least one span")),
            Some(list) => list
                .iter()
                .enumerate()
                .map(|(i, s)| span(&format!("window[{i}]"), s))
                .collect::<Result<Vec<_>, _>>()?,
        };
        let mut w = Window::new(zone, &spans).map_err(|e| err("window", format!("{e:?}")))?;
        if let Some(days) = &self.weekdays {
            if days.is_empty() || days.iter().any(|d| !(1..=7).contains(d)) {
                return Err(err("weekdays", "1 (Monday) to 7 (Sunday), at least one"));
            }
            let zero_based: Vec<u8> = days.iter().map(|d| d - 1).collect();
            w = w.with_weekdays(&zero_based);
        }
        if self.skip_holidays.unwrap_or(true) {
            w = w.with_holidays(holidays.iter().copied());
        }
        Ok(w)
    }

    fn retry_rules(&self) -> Result<RetryRules, SettingError> {
        let d = RetryRules::default();
        let r = self.retry.unwrap_or(RetrySettings {
            busy: None,
            no_answer: None,
            failed: None,
            abandoned: None,
        });
        Ok(RetryRules {
            busy: retry("retry.busy", r.busy, d.busy)?,
            no_answer: retry("retry.no_answer", r.no_answer, d.no_answer)?,
            failed: retry("retry.failed", r.failed, d.failed)?,
            abandoned: retry("retry.abandoned", r.abandoned, d.abandoned)?,
        })
    }

    /// The dialler's campaign `id` in `mode`, its window in `zone` with `holidays`.
    pub fn campaign(
        &self,
        id: &str,
        mode: Mode,
        zone: Zone,
        holidays: &[CivilDate],
    ) -> Result<Campaign, SettingError> {
        let mut c = Campaign::new(id, mode, zone.clone());
        c.window = self.window_in(zone, holidays)?;
        c.retry = self.retry_rules()?;
        c.daily_limit = DailyLimit {
            max_per_day: self.max_per_day.filter(|n| *n > 0),
        };
        let route = RouteLimits::default();
        c.route = RouteLimits::new(
            self.attempts_per_sec.unwrap_or(route.attempts_per_sec),
            self.max_lines.unwrap_or(route.max_lines),
        );
        if let Some(x) = self.over_dial {
            c.over_dial_permille = (x * 1000.0).round() as u32;
        }
        if let Some(x) = self.abandoned_limit_percent {
            c.abandoned_limit_permille = (x * 10.0).round() as u32;
        }
        if self.is_sms() {
            c.receipt_wait = self.sms.as_ref().and_then(SmsSettings::receipt_wait_ms);
        }
        Ok(c)
    }

    /// Every field, defaults filled in: what applies, as the store keeps it.
    pub fn normalised(&self) -> Result<serde_json::Value, SettingError> {
        let c = self.campaign("-", Mode::IvrOnly, Zone::utc(), &[])?;
        let window: Vec<String> = c
            .window
            .spans()
            .iter()
            .map(|s| {
                format!(
                    "{:02}:{:02}-{:02}:{:02}",
                    s.start / 60,
                    s.start % 60,
                    s.end / 60,
                    s.end % 60
                )
            })
            .collect();
        let full = Settings {
            window: Some(window),
            weekdays: Some(self.weekdays.clone().unwrap_or_else(|| (1..=7).collect())),
            skip_holidays: Some(self.skip_holidays.unwrap_or(true)),
            retry: Some(RetrySettings {
                busy: back(c.retry.busy),
                no_answer: back(c.retry.no_answer),
                failed: back(c.retry.failed),
                abandoned: back(c.retry.abandoned),
            }),
            max_per_day: Some(c.daily_limit.max_per_day.unwrap_or(0)),
            attempts_per_sec: Some(c.route.attempts_per_sec),
            max_lines: Some(c.route.max_lines),
            over_dial: Some(f64::from(c.over_dial_permille) / 1000.0),
            abandoned_limit_percent: Some(f64::from(c.abandoned_limit_permille) / 10.0),
            agent_wait_secs: Some(self.agent_wait()),
            caller_id: self.caller_id.clone(),
            channel: self.channel,
            sms: self.sms.clone().map(|s| SmsSettings {
                receipt_wait_secs: Some(s.receipt_wait_secs.unwrap_or(DEFAULT_RECEIPT_WAIT_SECS)),
                ..s
            }),
        };
        serde_json::to_value(full).map_err(|e| err("settings", e.to_string()))
    }
}

#[cfg(test)]
mod tests;
