//! The variables of a flow set and their types, one scope for all flows (a called flow shares
//! the caller's variables): the engine's, each `collect`/`lookup`/`ticket` `into`, and each
//! `set` variable typed by its expression. A variable given two types is refused.

use super::errors::{pos, Pos, Sink};
use super::Parsed;
use crate::expr::{Expr, Scope};
use crate::model::{Node, Text};
use crate::value::{shapes, Type};
use std::collections::BTreeMap;
use std::path::Path;

/// Variables the engine sets; flows may read but not set them. `today` is the centre's date
/// when the call started; `target` an outbound call's campaign data (typed by the flows'
/// `target:` declarations).
pub(crate) const ENGINE_VARS: [&str; 5] = ["caller", "dialled", "language", "today", "target"];

/// At most this many passes type the `set` variables (each pass types those whose
/// expressions only use variables typed so far).
const MAX_SET_PASSES: usize = 32;

/// The shape a lookup delivers.
pub(crate) fn lookup_shape(what: &str) -> Option<Type> {
    Some(match what {
        "customer_by_caller" | "customer_by_account" => shapes::customer(),
        "bills" => shapes::bills(),
        "arrears" => shapes::arrears(),
        "notices" => shapes::notices(),
        "submit_reading" => shapes::reading(),
        "submit_survey" => shapes::survey(),
        _ => return None,
    })
}

/// The more precise of two types, or `None` when they differ.
fn unify(a: &Type, b: &Type) -> Option<Type> {
    match (a, b) {
        (Type::Any, t) | (t, Type::Any) => Some(t.clone()),
        (Type::List(x), Type::List(y)) => unify(x, y).map(|t| Type::List(Box::new(t))),
        (Type::Record(x), Type::Record(y)) => {
            if x.len() != y.len() {
                return None;
            }
            let mut fields = BTreeMap::new();
            for (k, tx) in x {
                fields.insert(k.clone(), unify(tx, y.get(k)?)?);
            }
            Some(Type::Record(fields))
        }
        (x, y) if x == y => Some(x.clone()),
        _ => None,
    }
}

struct Builder<'a> {
    scope: Scope,
    /// Where each variable was first given its type.
    origin: BTreeMap<String, (&'a Path, Pos)>,
}

impl<'a> Builder<'a> {
    fn define(&mut self, sink: &mut Sink, file: &'a Path, name: &Text, ty: Type) {
        let var = name.value.as_str();
        if ENGINE_VARS.contains(&var) {
            return; // refused where it is written (compile)
        }
        let at = pos(&name.referenced);
        match self.scope.get(var) {
            None => {
                self.scope.insert(var.to_owned(), ty);
                self.origin.insert(var.to_owned(), (file, at));
            }
            Some(old) => match unify(old, &ty) {
                Some(t) => {
                    self.scope.insert(var.to_owned(), t);
                }
                None => {
                    let first = match self.origin.get(var) {
                        Some((f, p)) => format!(" at {}:{}:{}", f.display(), p.0, p.1),
                        None => String::new(),
                    };
                    sink.push(
                        file,
                        at,
                        format!(
                            "variable `{var}` is {} here but {}{first}",
                            ty.name(),
                            old.name()
                        ),
                    );
                }
            },
        }
    }
}

/// The scope of a flow set.
pub(crate) fn build(flows: &[Parsed], sink: &mut Sink) -> Scope {
    let mut scope: Scope = ["caller", "dialled", "language"]
        .iter()
        .map(|v| (v.to_string(), Type::Text))
        .collect();
    scope.insert("today".into(), Type::Date);
    if let Some(target) = super::outbound::target_type(flows, sink) {
        scope.insert("target".into(), target);
    }
    let mut b = Builder {
        scope,
        origin: BTreeMap::new(),
    };
    let mut sets: Vec<(&Path, &Text, Expr)> = Vec::new();
    for flow in flows {
        let file = flow.path.as_path();
        for node in flow.model.nodes.values() {
            match &node.value {
                Node::Collect(c) => b.define(sink, file, &c.into, Type::Text),
                Node::Lookup(l) => {
                    if let Some(shape) = lookup_shape(&l.what.value) {
                        b.define(sink, file, &l.into, shape);
                    }
                }
                Node::Ticket(t) => {
                    if let Some(into) = &t.into {
                        b.define(sink, file, into, shapes::ticket());
                    }
                }
                Node::Set(s) => {
                    for (var, expr) in &s.vars {
                        if let Ok(e) = Expr::parse(&expr.value) {
                            sets.push((file, &var.0, e));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    // `set` variables last, in passes: one may use another set further down or in another
    // flow. What stays untyped is reported where its expression is checked.
    for _ in 0..MAX_SET_PASSES {
        let before = sets.len();
        let mut rest = Vec::new();
        for (file, var, e) in sets {
            match e.check(&b.scope) {
                Ok(ty) => b.define(sink, file, var, ty),
                Err(_) => rest.push((file, var, e)),
            }
        }
        sets = rest;
        if sets.is_empty() || sets.len() == before {
            break;
        }
    }
    b.scope
}
