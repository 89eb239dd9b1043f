//! The nodes that reach outside the flow: `lookup` (its arguments per `what`, `not_found`
//! exactly when it can find nothing), `ticket` and `transfer` (kinds, queues, skill levels,
//! priority).

use super::compile::Ctx;
use super::errors::{pos, Pos};
use super::exprs::Want;
use crate::expr::Expr;
use crate::flow::{Lookup, LookupWhat, TicketNode, Transfer};
use crate::model::{self, Text};

impl Ctx<'_> {
    pub(crate) fn lookup(&mut self, l: &model::Lookup) -> Option<Lookup> {
        let what_at = pos(&l.what.referenced);
        let what = l.what.value.as_str();
        // (account, district, kind, value): Some(true) required, Some(false) optional,
        // None refused.
        let (account, district, kind, value) = match what {
            "customer_by_caller" => (None, None, None, None),
            "customer_by_account" | "bills" | "arrears" => (Some(true), None, None, None),
            "notices" => (None, Some(false), Some(false), None),
            "submit_reading" => (Some(true), None, None, Some(true)),
            "submit_survey" => (None, None, None, Some(true)),
            _ => {
                self.err(
                    what_at,
                    format!("`{what}` is not a lookup (customer_by_caller, customer_by_account, bills, arrears, notices, submit_reading, submit_survey)"),
                );
                (Some(false), Some(false), Some(false), Some(false))
            }
        };
        let account = self.arg(what, what_at, "account", &l.account, account, Want::Digits);
        let district = self.arg(what, what_at, "district", &l.district, district, Want::Text);
        let value = self.arg(what, what_at, "value", &l.value, value, Want::Digits);
        let kind = match (&l.kind, kind) {
            (Some(k), None) => {
                self.err(pos(&k.referenced), format!("`{what}` takes no `kind`"));
                None
            }
            (Some(k), Some(_)) if k.value.trim().is_empty() => {
                self.err(pos(&k.referenced), "`kind` is empty");
                None
            }
            (k, _) => Some(k.as_ref().map(|k| k.value.clone())),
        };
        let into = self.var_name(&l.into);
        let timeout = self.duration(&l.timeout, "timeout", 3_000);
        let next = self.target(&l.next);
        let error = self.target(&l.error);
        let known = super::scope::lookup_shape(what).is_some();
        let not_found = match (&l.not_found, known && lookup_can_miss(what)) {
            (None, true) => {
                self.err(
                    what_at,
                    format!("`{what}` can find nothing: it needs `not_found`"),
                );
                None
            }
            (Some(t), false) if known => {
                self.err(
                    pos(&t.referenced),
                    format!("`{what}` always finds something: `not_found` is not allowed"),
                );
                None
            }
            (Some(t), _) => self.target(t).map(Some),
            (None, false) => Some(None),
        };
        let (account, district, kind, value) = (account?, district?, kind?, value?);
        let what = match (what, account, district, value) {
            ("customer_by_caller", ..) => LookupWhat::CustomerByCaller,
            ("customer_by_account", Some(account), ..) => LookupWhat::CustomerByAccount { account },
            ("bills", Some(account), ..) => LookupWhat::Bills { account },
            ("arrears", Some(account), ..) => LookupWhat::Arrears { account },
            ("notices", _, district, _) => LookupWhat::Notices { district, kind },
            ("submit_reading", Some(account), _, Some(value)) => {
                LookupWhat::SubmitReading { account, value }
            }
            ("submit_survey", _, _, Some(value)) => LookupWhat::SubmitSurvey { value },
            _ => return None,
        };
        Some(Lookup {
            what,
            into: into?,
            timeout_ms: timeout?,
            next: next?,
            not_found: not_found?,
            error: error?,
        })
    }

    /// A lookup argument: `required` Some(true) = needed, Some(false) = optional, None =
    /// refused. `None` when wrong; `Some(None)` when absent and fine.
    fn arg(
        &mut self,
        what: &str,
        what_at: Pos,
        field: &str,
        given: &Option<Text>,
        required: Option<bool>,
        want: Want,
    ) -> Option<Option<Expr>> {
        match (given, required) {
            (None, Some(true)) => {
                self.err(what_at, format!("`{what}` needs `{field}`"));
                None
            }
            (None, _) => Some(None),
            (Some(t), None) => {
                self.err(pos(&t.referenced), format!("`{what}` takes no `{field}`"));
                None
            }
            (Some(t), Some(_)) => self.expr(t, field, want).map(Some),
        }
    }

    pub(crate) fn ticket(&mut self, t: &model::Ticket) -> Option<TicketNode> {
        let kind_ok = !t.kind.value.trim().is_empty();
        if !kind_ok {
            self.err(pos(&t.kind.referenced), "`kind` is empty");
        }
        let summary = self.template(&t.summary, "summary");
        let mut summaries = Vec::new();
        for (lang, text) in t.summaries.iter().flat_map(|s| s.value.iter()) {
            if !self.languages.iter().any(|l| l == lang.as_str()) {
                self.err(
                    pos(&lang.location()),
                    format!(
                        "summary in `{}`, which is not one of the flow's languages ({})",
                        lang.as_str(),
                        self.languages.join(", ")
                    ),
                );
            } else if let Some(tpl) = self.template(text, "summaries") {
                summaries.push((lang.as_str().to_owned(), tpl));
            }
        }
        let customer = self.opt_expr(&t.customer, "customer", Want::Digits);
        let address = self.opt_expr(&t.address, "address", Want::Text);
        let reporter = self.opt_expr(&t.reporter_phone, "reporter_phone", Want::Digits);
        let into = match &t.into {
            None => Some(None),
            Some(v) => self.var_name(v).map(Some),
        };
        let next = self.target(&t.next);
        let error = self.target(&t.error);
        kind_ok.then_some(())?;
        Some(TicketNode {
            kind: t.kind.value.clone(),
            summary: summary?,
            summaries,
            customer: customer?,
            address: address?,
            reporter_phone: reporter?,
            into: into?,
            next: next?,
            error: error?,
        })
    }

    fn opt_expr(&mut self, t: &Option<Text>, field: &str, want: Want) -> Option<Option<Expr>> {
        match t {
            None => Some(None),
            Some(t) => self.expr(t, field, want).map(Some),
        }
    }

    pub(crate) fn transfer(&mut self, t: &model::Transfer) -> Option<Transfer> {
        let queue_ok = !t.queue.value.trim().is_empty();
        if !queue_ok {
            self.err(pos(&t.queue.referenced), "`queue` is empty");
        }
        let mut skills = Some(Vec::new());
        for (skill, level) in &t.skills {
            let name_ok = !skill.as_str().trim().is_empty();
            if !name_ok {
                self.err(pos(&skill.location()), "a skill name is empty");
            }
            let level = self.number(&Some(level.clone()), "skill level", 1, 1, 5);
            match (&mut skills, name_ok, level) {
                (Some(list), true, Some(l)) => {
                    list.push((skill.as_str().to_owned(), u8::try_from(l).ok()?))
                }
                _ => skills = None,
            }
        }
        let priority = self.number(&t.priority, "priority", 0, 0, 100);
        let agent = self.opt_expr(&t.preferred_agent, "preferred_agent", Want::Text);
        queue_ok.then_some(())?;
        Some(Transfer {
            queue: t.queue.value.clone(),
            skills: skills?,
            priority: u8::try_from(priority?).ok()?,
            reason: t.reason.clone().unwrap_or_default(),
            preferred_agent: agent?,
        })
    }
}

/// Whether a lookup can find nothing (as `LookupWhat::can_miss`), by its name.
pub(crate) fn lookup_can_miss(what: &str) -> bool {
    matches!(what, "customer_by_caller" | "customer_by_account")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn can_miss_by_name_agrees_with_lookup_what() -> Result<(), crate::expr::ExprError> {
        let x = || Expr::parse("caller");
        let all = [
            LookupWhat::CustomerByCaller,
            LookupWhat::CustomerByAccount { account: x()? },
            LookupWhat::Bills { account: x()? },
            LookupWhat::Arrears { account: x()? },
            LookupWhat::Notices {
                district: Some(x()?),
                kind: None,
            },
            LookupWhat::SubmitReading {
                account: x()?,
                value: x()?,
            },
            LookupWhat::SubmitSurvey { value: x()? },
        ];
        for what in all {
            assert_eq!(
                lookup_can_miss(what.name()),
                what.can_miss(),
                "{}",
                what.name()
            );
            assert!(super::super::scope::lookup_shape(what.name()).is_some());
        }
        Ok(())
    }
}
