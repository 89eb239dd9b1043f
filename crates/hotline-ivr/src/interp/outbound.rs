//! The outbound nodes run: `promise`, `opt_out` and `result` evaluate their expressions and
//! emit [`Action::Outbound`] for the shell to keep for the campaign; the session adds them up
//! in its [`Record`](crate::outbound::Record). Nothing waits: the flow goes on at once.

use super::{Action, Exit, Session, Step};
use crate::flow::NodeIdx;
use crate::outbound::{CallResult, Outbound, RecordNode, ResultKind};
use crate::value::Value;

impl Session {
    pub(super) fn record(
        &mut self,
        node: &RecordNode,
        next: NodeIdx,
        out: &mut Vec<Action>,
    ) -> Step {
        match node {
            RecordNode::Promise { amount, by, error } => {
                let amount_fen = match amount.eval(&self.vars) {
                    Ok(Value::Money(f)) if f > 0 => Some(f),
                    Ok(Value::Int(y)) if y > 0 => y.checked_mul(100),
                    Ok(v) => {
                        out.push(Action::Warning(format!(
                            "promise amount `{}` is {v:?}, not an amount above zero",
                            amount.source()
                        )));
                        None
                    }
                    Err(e) => {
                        out.push(Action::Warning(format!("promise amount: {e}")));
                        None
                    }
                };
                let by = match by.eval(&self.vars) {
                    Ok(Value::Date(d)) if d.day != 0 => Some(d),
                    Ok(v) => {
                        out.push(Action::Warning(format!(
                            "promise date `{}` is {v:?}, not a day",
                            by.source()
                        )));
                        None
                    }
                    Err(e) => {
                        out.push(Action::Warning(format!("promise date: {e}")));
                        None
                    }
                };
                let (Some(amount_fen), Some(by)) = (amount_fen, by) else {
                    return Step::Go(Exit::Error, *error);
                };
                self.emit(Outbound::Promise { amount_fen, by }, out);
                self.emit(Outbound::Result(CallResult::Promise), out);
            }
            RecordNode::OptOut => {
                self.emit(Outbound::OptOut, out);
                self.emit(Outbound::Result(CallResult::OptOut), out);
            }
            RecordNode::Result { is, score } => {
                let result = match (is, score) {
                    (ResultKind::Reached, _) => Some(CallResult::Reached),
                    (ResultKind::WrongPerson, _) => Some(CallResult::WrongPerson),
                    (ResultKind::Promise, _) => Some(CallResult::Promise),
                    (ResultKind::OptOut, _) => Some(CallResult::OptOut),
                    (ResultKind::Rating, Some(e)) => {
                        let n = match e.eval(&self.vars) {
                            Ok(Value::Int(i)) => Some(i),
                            Ok(Value::Text(t)) => t.trim().parse::<i64>().ok(),
                            _ => None,
                        };
                        match n
                            .and_then(|n| u8::try_from(n).ok())
                            .filter(|n| (1..=5).contains(n))
                        {
                            Some(n) => Some(CallResult::Rating(n)),
                            None => {
                                out.push(Action::Warning(format!(
                                    "rating `{}` is not 1–5; no result set",
                                    e.source()
                                )));
                                None
                            }
                        }
                    }
                    (ResultKind::Rating, None) => None,
                };
                if let Some(r) = result {
                    self.emit(Outbound::Result(r), out);
                }
            }
        }
        Step::Go(Exit::Next, next)
    }

    fn emit(&mut self, o: Outbound, out: &mut Vec<Action>) {
        self.outbound.add(o);
        out.push(Action::Outbound(o));
    }
}
