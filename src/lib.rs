//! nfdpi: a deep-packet-inspection classifier for iptables' NFQUEUE target.
//!
//! Data flows one way: packet source (nfqueue | pcap) → [`packet`] view → [`flow`] table →
//! [`signature`] matcher → [`policy`] verdict and mark → sink (nfq verdict | [`report`]).
//! [`engine::Engine::process`] is the one entry both modes call.

pub mod capture;
pub mod cli;
pub mod config;
pub mod engine;
pub mod explain;
pub mod flow;
pub mod generate;
pub mod install;
pub mod iptables;
pub mod metrics;
pub mod nfqueue;
pub mod packet;
pub mod policy;
pub mod proto;
pub mod replay;
pub mod report;
pub mod signature;
pub mod stats;
pub mod trace;
