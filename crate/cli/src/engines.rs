//! The engines the CLI knows, by the name scenario files use.

use quorate_core::Scripted;
use quorate_demo::Heartbeat;
use quorate_gossip::Gossip;
use quorate_kv::KvNode;
use quorate_raft::Raft;
use quorate_systems::{ConsulNode, EtcdNode};

/// Calls `$body` with `$E` bound to the engine named `$name`, or evaluates `$unknown`.
macro_rules! with_engine {
    ($name:expr, $E:ident => $body:expr, _ => $unknown:expr) => {
        match $name {
            n if n == <quorate_demo::Heartbeat as quorate_core::Scripted>::NAME => {
                type $E = quorate_demo::Heartbeat;
                $body
            }
            n if n == <quorate_gossip::Gossip as quorate_core::Scripted>::NAME => {
                type $E = quorate_gossip::Gossip;
                $body
            }
            n if n == <quorate_raft::Raft as quorate_core::Scripted>::NAME => {
                type $E = quorate_raft::Raft;
                $body
            }
            n if n == <quorate_kv::KvNode as quorate_core::Scripted>::NAME => {
                type $E = quorate_kv::KvNode;
                $body
            }
            n if n == <quorate_systems::ConsulNode as quorate_core::Scripted>::NAME => {
                type $E = quorate_systems::ConsulNode;
                $body
            }
            n if n == <quorate_systems::EtcdNode as quorate_core::Scripted>::NAME => {
                type $E = quorate_systems::EtcdNode;
                $body
            }
            _ => $unknown,
        }
    };
}
pub(crate) use with_engine;

pub const NAMES: &[&str] = &[
    Heartbeat::NAME,
    Gossip::NAME,
    Raft::NAME,
    KvNode::NAME,
    ConsulNode::NAME,
    EtcdNode::NAME,
];

pub fn describe() -> String {
    let mut out = String::new();
    for (name, help) in [
        (Heartbeat::NAME, Heartbeat::script_help()),
        (Gossip::NAME, Gossip::script_help()),
        (Raft::NAME, Raft::script_help()),
        (KvNode::NAME, KvNode::script_help()),
        (ConsulNode::NAME, ConsulNode::script_help()),
        (EtcdNode::NAME, EtcdNode::script_help()),
    ] {
        out += &format!("{name}\n");
        for line in help.lines() {
            out += &format!("  {line}\n");
        }
    }
    out
}
