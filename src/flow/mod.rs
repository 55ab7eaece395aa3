//! Flows: the canonical bidirectional key, the per-flow state, and the bounded concurrent table.

pub mod frag;
pub mod key;
mod slab;
pub mod state;
pub mod table;
pub mod tap;

pub use key::FlowKey;
pub use state::{Decision, DecisionReason, FlowState};
pub use table::{FlowTable, TableConfig};
