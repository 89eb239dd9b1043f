//! The outbound part of a flow file, checked: its `target:` fields (names and types) and its
//! `promise`, `opt_out` and `result` nodes (expressions typed, targets resolved, a rating's
//! score required exactly with `is: rating`). Errors go to the sink as file:line:column.

use super::compile::{is_name, Ctx};
use super::errors::pos;
use super::exprs::Want;
use super::Parsed;
use crate::flow::NodeKind;
use crate::model::outbound::{OptOutNode, PromiseNode, ResultNode};
use crate::outbound::{FieldType, RecordNode, ResultKind};
use crate::value::Type;
use std::collections::BTreeMap;

const TYPES: &str = "text, number, money, date";
const RESULTS: &str = "reached, wrong_person, promise, opt_out, rating";

/// A flow's `target:` fields that are well written (the others are reported by `compile`).
pub(crate) fn fields(p: &Parsed) -> Vec<(String, FieldType)> {
    let Some(spec) = &p.model.target else {
        return Vec::new();
    };
    spec.value
        .iter()
        .filter(|(k, _)| is_name(k.as_str()))
        .filter_map(|(k, t)| Some((k.as_str().to_owned(), FieldType::parse(&t.value)?)))
        .collect()
}

/// The type of `target` over every flow that declares one: the union of their fields (a
/// field declared with two types is reported where the second one is written). `None` when
/// no flow declares a target.
pub(crate) fn target_type(flows: &[Parsed], sink: &mut super::errors::Sink) -> Option<Type> {
    let mut all: BTreeMap<String, (FieldType, String)> = BTreeMap::new();
    let mut any = false;
    for p in flows {
        let Some(spec) = &p.model.target else {
            continue;
        };
        any = true;
        for (name, ty) in fields(p) {
            let first = format!("{}", p.path.display());
            match all.get(&name) {
                Some((old, file)) if *old != ty => {
                    let at = spec
                        .value
                        .get_key_value(name.as_str())
                        .map_or((1, 1), |(k, _)| pos(&k.location()));
                    sink.push(
                        &p.path,
                        at,
                        format!(
                            "target field `{name}` is {} here but {} in {file}",
                            ty.ty().name(),
                            old.ty().name()
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    all.insert(name, (ty, first));
                }
            }
        }
    }
    let fields: Vec<(String, FieldType)> = all.into_iter().map(|(k, (t, _))| (k, t)).collect();
    any.then(|| crate::outbound::target_type(&fields))
}

impl Ctx<'_> {
    /// This flow's `target:` fields, every wrong one reported.
    pub(crate) fn target_fields(&mut self) -> Vec<(String, FieldType)> {
        let Some(spec) = &self.model.target else {
            return Vec::new();
        };
        if spec.value.is_empty() {
            self.err(pos(&spec.referenced), "`target` has no fields");
        }
        let mut out = Vec::new();
        for (name, ty) in &spec.value {
            if !is_name(name.as_str()) {
                self.err(
                    pos(&name.location()),
                    format!("target field `{}` is not lower_snake_case", name.as_str()),
                );
                continue;
            }
            match FieldType::parse(&ty.value) {
                Some(t) => out.push((name.as_str().to_owned(), t)),
                None => self.err(
                    pos(&ty.referenced),
                    format!("`{}` is not a target field type ({TYPES})", ty.value),
                ),
            }
        }
        out
    }

    pub(crate) fn promise(&mut self, p: &PromiseNode) -> Option<NodeKind> {
        let amount = self.expr(&p.amount, "amount", Want::Money);
        let by = self.expr(&p.by, "by", Want::Date);
        let next = self.target(&p.next);
        let error = self.target(&p.error);
        Some(NodeKind::Outbound {
            node: RecordNode::Promise {
                amount: amount?,
                by: by?,
                error: error?,
            },
            next: next?,
        })
    }

    pub(crate) fn opt_out(&mut self, o: &OptOutNode) -> Option<NodeKind> {
        let next = self.target(&o.next);
        Some(NodeKind::Outbound {
            node: RecordNode::OptOut,
            next: next?,
        })
    }

    pub(crate) fn result(&mut self, r: &ResultNode) -> Option<NodeKind> {
        let is = ResultKind::parse(&r.is.value);
        if is.is_none() {
            self.err(
                pos(&r.is.referenced),
                format!("`{}` is not a result ({RESULTS})", r.is.value),
            );
        }
        let mut ok = true;
        let score = match (&r.score, is) {
            (Some(s), Some(ResultKind::Rating)) => {
                let e = self.expr(s, "score", Want::Digits);
                ok &= e.is_some();
                e
            }
            (Some(s), Some(_)) => {
                self.err(pos(&s.referenced), "`score` belongs only to `is: rating`");
                ok = false;
                None
            }
            (None, Some(ResultKind::Rating)) => {
                self.err(
                    pos(&r.is.referenced),
                    "`is: rating` needs `score` (the rating 1–5)",
                );
                ok = false;
                None
            }
            (_, _) => None,
        };
        let next = self.target(&r.next);
        ok.then_some(())?;
        Some(NodeKind::Outbound {
            node: RecordNode::Result { is: is?, score },
            next: next?,
        })
    }
}
