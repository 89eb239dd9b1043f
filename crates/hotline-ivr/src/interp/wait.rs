//! Menus and digit collection: prompts with barge-in, timeouts, retries with the invalid and
//! no-input prompts, type-ahead, and the read-back confirmation of collected digits.

use super::prompts::Rendered;
use super::{Action, Event, Exit, Session, Step, Wait};
use crate::flow::{Collect, Menu, NodeKind, PromptItem};
use crate::say::SayAs;
use crate::value::Value;

/// What a menu or collect is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Its prompts are playing; a key stops them.
    Playing,
    /// Waiting for a key until timer `id`.
    Waiting { timer: u64 },
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct MenuWait {
    attempt: u32,
    phase: Phase,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct CollectWait {
    attempt: u32,
    digits: String,
    phase: Phase,
    /// Reading the input back and waiting for 1 (accept) or 2 (again).
    confirming: bool,
}

impl Session {
    fn current_menu(&self) -> Option<Menu> {
        match self.kind()? {
            NodeKind::Menu(m) => Some(m.clone()),
            _ => None,
        }
    }

    fn current_collect(&self) -> Option<Collect> {
        match self.kind()? {
            NodeKind::Collect(c) => Some(c.clone()),
            _ => None,
        }
    }

    /// Plays `first` then `then` (barge-in on); true when something plays.
    fn play_two(
        &mut self,
        first: &[PromptItem],
        then: &[PromptItem],
        out: &mut Vec<Action>,
    ) -> bool {
        let mut r = Rendered::default();
        self.expand(first, &mut r, out, 0);
        self.expand(then, &mut r, out, 0);
        self.push_play(r, out)
    }

    fn push_play(&mut self, r: Rendered, out: &mut Vec<Action>) -> bool {
        if r.prompts.is_empty() {
            return false;
        }
        out.push(Action::Play {
            prompts: r.prompts,
            barge_in: true,
            script: r.script,
        });
        true
    }

    fn set_timer(&mut self, ms: u64, out: &mut Vec<Action>) -> Phase {
        let id = self.id();
        out.push(Action::Timer {
            id,
            at: self.now.saturating_add(ms as i64),
        });
        Phase::Waiting { timer: id }
    }

    // ---------------------------------------------------------------- menu

    pub(super) fn start_menu(&mut self, menu: &Menu, out: &mut Vec<Action>) -> Step {
        if !self.typeahead.is_empty() {
            let k = self.typeahead.remove(0);
            return self.menu_key(menu, 0, k, out);
        }
        self.menu_prompt(menu, 0, &[], out);
        Step::Wait
    }

    /// Plays `before` and the menu's prompts, then waits.
    fn menu_prompt(
        &mut self,
        menu: &Menu,
        attempt: u32,
        before: &[PromptItem],
        out: &mut Vec<Action>,
    ) {
        let phase = if self.play_two(before, &menu.prompts, out) {
            Phase::Playing
        } else {
            self.set_timer(menu.timeout_ms, out)
        };
        self.wait = Wait::Menu(MenuWait { attempt, phase });
    }

    fn menu_key(&mut self, menu: &Menu, attempt: u32, key: char, out: &mut Vec<Action>) -> Step {
        match menu.keys.iter().find(|(k, _)| *k == key) {
            Some(&(k, target)) => Step::Go(Exit::Key(k), target),
            None => self.menu_retry(menu, attempt, &menu.invalid.clone(), out),
        }
    }

    fn menu_retry(
        &mut self,
        menu: &Menu,
        attempt: u32,
        why: &[PromptItem],
        out: &mut Vec<Action>,
    ) -> Step {
        let attempt = attempt + 1;
        if attempt > menu.retries {
            return Step::Go(Exit::Fallback, menu.fallback);
        }
        self.menu_prompt(menu, attempt, why, out);
        Step::Wait
    }

    pub(super) fn on_menu(&mut self, m: MenuWait, event: Event, out: &mut Vec<Action>) {
        let Some(menu) = self.current_menu() else {
            return;
        };
        let step = match (m.phase, event) {
            (Phase::Playing, Event::Digit(k)) => {
                out.push(Action::StopPlay);
                self.menu_key(&menu, m.attempt, k, out)
            }
            (Phase::Waiting { .. }, Event::Digit(k)) => self.menu_key(&menu, m.attempt, k, out),
            (Phase::Playing, Event::PlayDone) => {
                let phase = self.set_timer(menu.timeout_ms, out);
                self.wait = Wait::Menu(MenuWait { phase, ..m });
                Step::Wait
            }
            (Phase::Waiting { timer }, Event::Timer(id)) if id == timer => {
                self.menu_retry(&menu, m.attempt, &menu.no_input, out)
            }
            _ => {
                self.wait = Wait::Menu(m);
                Step::Wait
            }
        };
        self.follow(step, out);
    }

    /// Carries out a step decided while handling an event.
    pub(super) fn follow(&mut self, step: Step, out: &mut Vec<Action>) {
        match step {
            Step::Go(exit, target) => self.go(exit, target, out),
            Step::Jump(target) => self.enter(target, out),
            Step::Wait => {}
        }
    }

    // ---------------------------------------------------------------- collect

    pub(super) fn start_collect(&mut self, c: &Collect, out: &mut Vec<Action>) -> Step {
        let mut w = CollectWait {
            attempt: 0,
            digits: String::new(),
            phase: Phase::Playing,
            confirming: false,
        };
        // Keys pressed ahead count as the start of the input.
        while !self.typeahead.is_empty() {
            let k = self.typeahead.remove(0);
            match self.collect_key(c, w, k, out) {
                Ok(next) => w = next,
                Err(step) => return step,
            }
        }
        if w.digits.is_empty() {
            self.collect_prompt(c, 0, &[], out);
        } else {
            w.phase = self.set_timer(c.inter_timeout_ms, out);
            self.wait = Wait::Collect(w);
        }
        Step::Wait
    }

    fn collect_prompt(
        &mut self,
        c: &Collect,
        attempt: u32,
        before: &[PromptItem],
        out: &mut Vec<Action>,
    ) {
        let phase = if self.play_two(before, &c.prompts, out) {
            Phase::Playing
        } else {
            self.set_timer(c.first_timeout_ms, out)
        };
        self.wait = Wait::Collect(CollectWait {
            attempt,
            digits: String::new(),
            phase,
            confirming: false,
        });
    }

    /// One key of input: `Ok` with the new state while collecting, `Err(step)` when the
    /// input is complete (and judged) or given up.
    fn collect_key(
        &mut self,
        c: &Collect,
        mut w: CollectWait,
        key: char,
        out: &mut Vec<Action>,
    ) -> Result<CollectWait, Step> {
        if Some(key) == c.terminator {
            return Err(self.collect_done(c, w, out));
        }
        if !(key.is_ascii_digit() || key == '*' || key == '#') {
            return Ok(w);
        }
        w.digits.push(key);
        if w.digits.len() >= c.max {
            return Err(self.collect_done(c, w, out));
        }
        Ok(w)
    }

    /// Judges a complete input: accept, confirm, or ask again.
    fn collect_done(&mut self, c: &Collect, w: CollectWait, out: &mut Vec<Action>) -> Step {
        let n = w.digits.chars().count();
        let valid =
            n >= c.min && n <= c.max && c.pattern.as_ref().is_none_or(|p| p.matches(&w.digits));
        if !valid {
            return self.collect_retry(c, w.attempt, &c.invalid, out);
        }
        let Some(confirm) = &c.confirm else {
            self.vars.insert(c.into.clone(), Value::Text(w.digits));
            return Step::Go(Exit::Next, c.next);
        };
        let mut r = Rendered::default();
        self.expand(&confirm.prompts, &mut r, out, 0);
        let value = match confirm.say_as {
            SayAs::Number => w
                .digits
                .parse::<i64>()
                .map(Value::Int)
                .unwrap_or_else(|_| Value::Text(w.digits.clone())),
            _ => Value::Text(w.digits.clone()),
        };
        let as_ = if matches!(value, Value::Int(_)) {
            confirm.say_as
        } else {
            SayAs::Digits
        };
        self.say_into(&value, as_, &mut r, out);
        self.expand(&confirm.ask, &mut r, out, 0);
        let phase = if self.push_play(r, out) {
            Phase::Playing
        } else {
            self.set_timer(c.first_timeout_ms, out)
        };
        self.wait = Wait::Collect(CollectWait {
            phase,
            confirming: true,
            ..w
        });
        Step::Wait
    }

    fn collect_retry(
        &mut self,
        c: &Collect,
        attempt: u32,
        why: &[PromptItem],
        out: &mut Vec<Action>,
    ) -> Step {
        let attempt = attempt + 1;
        if attempt > c.retries {
            return Step::Go(Exit::Fallback, c.fallback);
        }
        self.collect_prompt(c, attempt, why, out);
        Step::Wait
    }

    pub(super) fn on_collect(&mut self, w: CollectWait, event: Event, out: &mut Vec<Action>) {
        let Some(c) = self.current_collect() else {
            return;
        };
        let step = match (w.confirming, w.phase, event) {
            (_, Phase::Playing, Event::PlayDone) => {
                let ms = if w.digits.is_empty() || w.confirming {
                    c.first_timeout_ms
                } else {
                    c.inter_timeout_ms
                };
                let phase = self.set_timer(ms, out);
                self.wait = Wait::Collect(CollectWait { phase, ..w });
                Step::Wait
            }
            (true, phase, Event::Digit(k)) => {
                if phase == Phase::Playing {
                    out.push(Action::StopPlay);
                }
                match k {
                    '1' => {
                        self.vars.insert(c.into.clone(), Value::Text(w.digits));
                        Step::Go(Exit::Next, c.next)
                    }
                    '2' => self.collect_retry(&c, w.attempt, &[], out),
                    _ => self.collect_retry(&c, w.attempt, &c.invalid, out),
                }
            }
            (false, phase, Event::Digit(k)) => {
                if phase == Phase::Playing {
                    out.push(Action::StopPlay);
                }
                match self.collect_key(&c, w, k, out) {
                    Ok(mut w) => {
                        w.phase = self.set_timer(c.inter_timeout_ms, out);
                        self.wait = Wait::Collect(w);
                        Step::Wait
                    }
                    Err(step) => step,
                }
            }
            (confirming, Phase::Waiting { timer }, Event::Timer(id)) if id == timer => {
                if w.digits.is_empty() || confirming {
                    self.collect_retry(&c, w.attempt, &c.no_input, out)
                } else {
                    // The caller stopped keying: what is there is the input.
                    self.collect_done(&c, w, out)
                }
            }
            _ => {
                self.wait = Wait::Collect(w);
                Step::Wait
            }
        };
        self.follow(step, out);
    }
}
