//! Queue rules resolved for routing (interned names, milliseconds, sanitised values) and the
//! requirement a call has after a given wait: base and call skills, the current routing step,
//! relaxation; plus the qualification test and the time-independent priority key.

use std::collections::HashMap;

use crate::config::{Exit, QueueConfig, Strategy};
use crate::ids::{AgentId, Millis, Tier};
use crate::validate::MAX_LEVEL;

/// An interned skill or language name.
pub(crate) type Sym = u32;

/// Skill and language names, interned case-insensitively.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    map: HashMap<String, Sym>,
}

impl Interner {
    pub(crate) fn intern(&mut self, name: &str) -> Sym {
        let key = name.trim().to_lowercase();
        if let Some(&s) = self.map.get(&key) {
            return s;
        }
        let s = Sym::try_from(self.map.len()).unwrap_or(Sym::MAX);
        self.map.insert(key, s);
        s
    }

    /// Sorted skill list with levels capped at 10, zero levels dropped, duplicates at their max.
    pub(crate) fn skills<'a>(
        &mut self,
        it: impl IntoIterator<Item = (&'a str, u8)>,
    ) -> Vec<(Sym, u8)> {
        let v: Vec<(Sym, u8)> = it
            .into_iter()
            .map(|(n, l)| (self.intern(n), l.min(MAX_LEVEL)))
            .collect();
        normalise(v)
    }
}

/// Sorts by skill, keeps the highest level of duplicates, drops level 0.
pub(crate) fn normalise(mut v: Vec<(Sym, u8)>) -> Vec<(Sym, u8)> {
    v.retain(|&(_, l)| l > 0);
    v.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    v.dedup_by_key(|e| e.0);
    v
}

/// One routing step, resolved.
#[derive(Debug, Clone)]
pub(crate) struct StepRule {
    pub after_ms: Millis,
    pub preferred_only: bool,
    pub skills: Vec<(Sym, u8)>,
    pub tier: Option<Tier>,
}

/// A queue's configuration in the form routing uses.
#[derive(Debug, Clone)]
pub(crate) struct QueueRules {
    pub name: String,
    pub base: Vec<(Sym, u8)>,
    pub sl_ms: Millis,
    pub wrap_ms: Millis,
    pub ring_ms: Millis,
    pub max_wait_ms: Option<Millis>,
    pub exit: Exit,
    pub announce_ms: Option<Millis>,
    pub strategy: Strategy,
    pub boost: i128,
    pub ageing: i128,
    pub short_ms: Millis,
    pub default_handle_ms: Millis,
    pub cb_attempts: u32,
    pub cb_retry_ms: Millis,
    pub cb_dial_ms: Millis,
    pub steps: Vec<StepRule>,
    pub relax: Vec<(Millis, u8)>,
}

fn ms(secs: u32) -> Millis {
    Millis::from(secs) * 1000
}

impl QueueRules {
    /// Resolves a config; values `validate` would refuse are made harmless here (ring time at
    /// least 1 s, steps and relaxation sorted) so an unvalidated config can never panic.
    pub(crate) fn resolve(cfg: &QueueConfig, syms: &mut Interner) -> Self {
        let base = syms.skills(cfg.skills.iter().map(|(k, v)| (k.as_str(), *v)));
        let mut steps: Vec<StepRule> = cfg
            .steps
            .iter()
            .map(|s| StepRule {
                after_ms: ms(s.after_secs),
                preferred_only: s.preferred_only,
                skills: syms.skills(s.skills.iter().map(|(k, v)| (k.as_str(), *v))),
                tier: s.tier,
            })
            .collect();
        steps.sort_by_key(|s| s.after_ms);
        let mut relax: Vec<(Millis, u8)> = cfg
            .relax
            .iter()
            .map(|r| (ms(r.after_secs), r.by.min(MAX_LEVEL)))
            .collect();
        relax.sort_by_key(|r| r.0);
        QueueRules {
            name: cfg.name.clone(),
            base,
            sl_ms: ms(cfg.service_level.within_secs),
            wrap_ms: ms(cfg.wrap_up_secs),
            ring_ms: ms(cfg.ring_secs.max(1)),
            max_wait_ms: cfg.max_wait_secs.filter(|&s| s > 0).map(ms),
            exit: cfg.max_wait_exit.clone(),
            announce_ms: Some(cfg.announce_secs).filter(|&s| s > 0).map(ms),
            strategy: cfg.strategy,
            boost: i128::from(cfg.key_account_boost),
            ageing: i128::from(cfg.ageing_per_min),
            short_ms: ms(cfg.short_abandon_secs),
            default_handle_ms: ms(cfg.default_handle_secs.max(1)),
            cb_attempts: cfg.callback.attempts.max(1),
            cb_retry_ms: ms(cfg.callback.retry_secs),
            cb_dial_ms: ms(cfg.callback.dial_secs),
            steps,
            relax,
        }
    }

    /// The priority key: effective priority × 60 000 at time `t` equals `key + ageing × t`,
    /// so within one queue the order of keys never changes as time passes.
    pub(crate) fn prio_key(&self, priority: u8, tier: Tier, enqueued: Millis) -> i128 {
        let boost = if tier == Tier::KeyAccount {
            self.boost
        } else {
            0
        };
        (i128::from(priority.min(100)) + boost) * 60_000 - self.ageing * i128::from(enqueued)
    }

    /// Effective priority × 60 000 at `now` for a key of this queue.
    pub(crate) fn eff_at(&self, key: i128, now: Millis) -> i128 {
        key + self.ageing * i128::from(now)
    }

    fn applies(step: &StepRule, needs: &Needs<'_>) -> bool {
        step.tier.is_none_or(|t| t == needs.tier)
            && (!step.preferred_only || needs.preferred.is_some())
    }

    /// What an agent must have for a call that has waited `waited` ms in this queue.
    pub(crate) fn requirement(&self, needs: &Needs<'_>, waited: Millis) -> Requirement {
        let step = self
            .steps
            .iter()
            .rev()
            .find(|s| s.after_ms <= waited && Self::applies(s, needs));
        let by = self
            .relax
            .iter()
            .rev()
            .find(|r| r.0 <= waited)
            .map_or(0, |r| r.1);
        match step {
            Some(s) if s.preferred_only => Requirement {
                skills: relaxed(s.skills.clone(), by),
                language: None,
                only: needs.preferred,
            },
            _ => {
                let mut all = self.base.clone();
                all.extend_from_slice(needs.skills);
                if let Some(s) = step {
                    all.extend_from_slice(&s.skills);
                }
                Requirement {
                    skills: relaxed(normalise(all), by),
                    language: needs.language,
                    only: None,
                }
            }
        }
    }

    /// The next wait (ms) at which the requirement differs from the one at `waited`.
    pub(crate) fn next_change(
        &self,
        needs: &Needs<'_>,
        waited: Millis,
        now: &Requirement,
    ) -> Option<Millis> {
        let mut times: Vec<Millis> = self
            .steps
            .iter()
            .filter(|s| s.after_ms > waited && Self::applies(s, needs))
            .map(|s| s.after_ms)
            .chain(self.relax.iter().map(|r| r.0).filter(|&t| t > waited))
            .collect();
        times.sort_unstable();
        times.dedup();
        times
            .into_iter()
            .find(|&t| self.requirement(needs, t) != *now)
    }
}

fn relaxed(mut skills: Vec<(Sym, u8)>, by: u8) -> Vec<(Sym, u8)> {
    if by > 0 {
        for s in &mut skills {
            s.1 = s.1.saturating_sub(by).max(1);
        }
    }
    skills
}

/// What a call brings to the requirement.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Needs<'a> {
    pub skills: &'a [(Sym, u8)],
    pub language: Option<Sym>,
    pub tier: Tier,
    pub preferred: Option<AgentId>,
}

/// The concrete test an agent must pass at one moment; waiting calls with equal requirements
/// share an index bucket.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct Requirement {
    pub skills: Vec<(Sym, u8)>,
    pub language: Option<Sym>,
    pub only: Option<AgentId>,
}

/// An agent's capabilities, as the qualification test sees them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caps<'a> {
    pub id: AgentId,
    pub skills: &'a [(Sym, u8)],
    pub languages: &'a [Sym],
}

impl Caps<'_> {
    /// Every required skill at or above its level, the language, the preferred agent.
    pub(crate) fn qualifies(&self, req: &Requirement) -> bool {
        if req.only.is_some_and(|o| o != self.id) {
            return false;
        }
        if let Some(l) = req.language {
            if self.languages.binary_search(&l).is_err() {
                return false;
            }
        }
        let mut have = self.skills.iter();
        'need: for &(skill, level) in &req.skills {
            for &(s, l) in have.by_ref() {
                if s == skill {
                    if l >= level {
                        continue 'need;
                    }
                    return false;
                }
                if s > skill {
                    return false;
                }
            }
            return false;
        }
        true
    }

    /// Sum of the agent's levels in the required skills (for `most_skilled`).
    pub(crate) fn score(&self, req: &Requirement) -> u32 {
        req.skills
            .iter()
            .filter_map(|(s, _)| {
                self.skills
                    .binary_search_by_key(s, |e| e.0)
                    .ok()
                    .and_then(|i| self.skills.get(i))
                    .map(|e| u32::from(e.1))
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Relax, RouteStep};

    fn rules(syms: &mut Interner) -> QueueRules {
        let mut q = QueueConfig::new("q");
        q.skills = [("billing".to_string(), 3)].into();
        q.steps = vec![
            RouteStep {
                after_secs: 0,
                preferred_only: true,
                tier: Some(Tier::KeyAccount),
                skills: [("billing".to_string(), 1)].into(),
            },
            RouteStep {
                after_secs: 20,
                skills: [("key_account".to_string(), 1)].into(),
                tier: Some(Tier::KeyAccount),
                ..RouteStep::default()
            },
        ];
        q.relax = vec![Relax {
            after_secs: 30,
            by: 2,
        }];
        QueueRules::resolve(&q, syms)
    }

    #[test]
    fn requirement_follows_steps_and_relaxation() {
        let mut syms = Interner::default();
        let r = rules(&mut syms);
        let (billing, meters, ka, en) = (
            syms.intern("billing"),
            syms.intern("meters"),
            syms.intern("key_account"),
            syms.intern("EN"),
        );
        let own = [(meters, 2)];
        let mut needs = Needs {
            skills: &own,
            language: Some(en),
            tier: Tier::Standard,
            preferred: None,
        };
        let mut skills = vec![(billing, 3), (meters, 2)];
        skills.sort_unstable();
        assert_eq!(r.requirement(&needs, 0).skills, skills);
        assert_eq!(r.requirement(&needs, 0).language, Some(en));
        assert_eq!(
            r.next_change(&needs, 0, &r.requirement(&needs, 0)),
            Some(30_000)
        );
        let relaxed = r.requirement(&needs, 30_000);
        assert!(relaxed.skills.contains(&(billing, 1)) && relaxed.skills.contains(&(meters, 1)));
        assert_eq!(r.next_change(&needs, 30_000, &relaxed), None);

        needs.tier = Tier::KeyAccount;
        needs.preferred = Some(AgentId(7));
        let first = r.requirement(&needs, 0);
        assert_eq!(first.only, Some(AgentId(7)));
        assert_eq!(first.skills, vec![(billing, 1)]);
        assert_eq!(first.language, None);
        assert_eq!(r.next_change(&needs, 0, &first), Some(20_000));
        let second = r.requirement(&needs, 20_000);
        assert_eq!(second.only, None);
        assert!(second.skills.contains(&(ka, 1)));
        // Relaxation never takes a level below 1.
        assert!(r.requirement(&needs, 40_000).skills.contains(&(ka, 1)));
    }

    #[test]
    fn qualification_walks_sorted_skills() {
        let mut syms = Interner::default();
        let (a, b, c, zh) = (
            syms.intern("a"),
            syms.intern("b"),
            syms.intern("c"),
            syms.intern("zh"),
        );
        let skills = [(a, 5), (c, 2)];
        let langs = [zh];
        let caps = Caps {
            id: AgentId(1),
            skills: &skills,
            languages: &langs,
        };
        let req = |skills: Vec<(Sym, u8)>, language| Requirement {
            skills,
            language,
            only: None,
        };
        assert!(caps.qualifies(&req(vec![(a, 5), (c, 2)], Some(zh))));
        assert!(caps.qualifies(&req(vec![], None)));
        assert!(!caps.qualifies(&req(vec![(a, 6)], None)));
        assert!(!caps.qualifies(&req(vec![(b, 1)], None)));
        assert!(!caps.qualifies(&req(vec![(c, 1)], Some(syms.intern("en")))));
        assert_eq!(caps.score(&req(vec![(a, 1), (b, 1), (c, 1)], None)), 7);
        let only = Requirement {
            only: Some(AgentId(2)),
            ..Requirement::default()
        };
        assert!(!caps.qualifies(&only));
    }
}
