//! The parsed form of an expression. Chains of the same operator (`a + b - c`, `a and b and
//! c`, `x.y.z`) are flat lists, so the tree is only as deep as the nesting of parentheses,
//! `not` and minus signs, which the parser limits.

use crate::value::Value;

/// A node and the characters `start..end` of the source it was parsed from.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// `null`, `true`, `42`, `12.5`, `"text"`.
    Lit(Value),
    /// A top-level variable.
    Var(String),
    /// `base.f1.f2…`; each field with the offset of its name.
    Field(Box<Node>, Vec<(String, usize)>),
    /// `len(x)`.
    Len(Box<Node>),
    /// A date function: `mmdd_date(keys, today)`, `days_between(from, to)`.
    Date(DateFn, Box<Node>, Box<Node>),
    /// Unary minus.
    Neg(Box<Node>),
    Not(Box<Node>),
    /// `first (+|-) x (+|-) y …`; each operator with its offset.
    Sum(Box<Node>, Vec<(Arith, usize, Node)>),
    /// `left op right`, the operator's offset.
    Cmp(Box<Node>, CmpOp, usize, Box<Node>),
    /// `a and b and …` (at least two operands).
    And(Vec<Node>),
    /// `a or b or …` (at least two operands).
    Or(Vec<Node>),
}

/// The two-argument date functions (see `crate::outbound`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateFn {
    /// `mmdd_date(text, date)`: the date keyed as MMDD, nearest to the given day; null when
    /// the keys are no real day.
    MmddDate,
    /// `days_between(date, date)`: days from the first to the second.
    DaysBetween,
}

impl DateFn {
    pub fn name(self) -> &'static str {
        match self {
            DateFn::MmddDate => "mmdd_date",
            DateFn::DaysBetween => "days_between",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arith {
    Add,
    Sub,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Arith {
    pub fn symbol(self) -> &'static str {
        match self {
            Arith::Add => "+",
            Arith::Sub => "-",
        }
    }
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// `==` or `!=`.
    pub fn is_equality(self) -> bool {
        matches!(self, CmpOp::Eq | CmpOp::Ne)
    }
}

/// The source text of a node, to quote it in messages.
pub(crate) fn snippet(source: &str, node: &Node) -> String {
    source
        .chars()
        .skip(node.start)
        .take(node.end.saturating_sub(node.start))
        .collect()
}
