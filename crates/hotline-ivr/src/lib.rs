//! IVR flows: the flow file language designers write (`model`, loaded and checked by `load`
//! into the runnable form `flow`), a pure interpreter (`interp`: events and time in, actions
//! out; no I/O), the expression language of conditions (`expr`), and values read out in
//! Mandarin and English (`say`: numbers, money with 元/角/分, dates). The engine's runtime plays
//! the actions on a call and feeds the events back; the designer tools (check, graph,
//! simulate, test) drive the same interpreter without a phone.

pub mod expr;
pub mod flow;
pub mod graph;
pub mod interp;
pub mod load;
pub mod model;
pub mod outbound;
pub mod say;
pub mod value;

pub use flow::{Flow, FlowIdx, FlowSet, Node, NodeIdx, NodeKind};
pub use value::{Date, Type, Value};
