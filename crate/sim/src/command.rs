//! Commands that change the world from outside: faults, network changes and client requests.

use std::collections::BTreeSet;
use std::fmt;

use quorate_core::{Duration, NodeId};
use serde::{Deserialize, Serialize};

use crate::network::LinkParams;

/// A change to the world. Applied at the current sim time and logged, so that the seed plus the ordered
/// command log reproduce a run (DESIGN.md rule 4).
///
/// Generic over the client command type `C`, so the scenario parser can hold a client's words before the
/// engine parses them; a world uses `WorldCommand<E::Command>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum WorldCommand<C> {
    /// Crash a node: its volatile state is gone, its durable state stays with the host.
    Kill(NodeId),
    /// Boot a killed node again from its durable state.
    Restart(NodeId),
    /// Freeze a node: inputs for it wait until it resumes (a stopped process, a long GC pause).
    Pause(NodeId),
    Resume(NodeId),
    /// Two-way partition: no message crosses between any two of the groups.
    Partition(Vec<BTreeSet<NodeId>>),
    /// One-way partition: messages from `from` to `to` are dropped; the other direction still works.
    Cut {
        from: BTreeSet<NodeId>,
        to: BTreeSet<NodeId>,
    },
    /// Remove every partition.
    Heal,
    /// Let messages from `from` to `to` through again, leaving every other cut as it is (a cut of a
    /// group that covers this link is split around it).
    Mend {
        from: NodeId,
        to: NodeId,
    },
    /// Keep messages on the link `from -> to` in flight until released.
    Hold {
        from: NodeId,
        to: NodeId,
    },
    /// Deliver the held messages of `from -> to`, in the order they were sent, and stop holding.
    Release {
        from: NodeId,
        to: NodeId,
    },
    /// Set link parameters: for one direction, for every link from or to a node, or (both `None`) the default.
    SetLink {
        from: Option<NodeId>,
        to: Option<NodeId>,
        params: LinkParams,
    },
    /// Give a node a processing delay per received message or client request, handled one after another
    /// like a backlogged receive queue; its timers still fire on time (zero makes it normal again).
    Slow {
        node: NodeId,
        delay: Duration,
    },
    /// Hand a client command to a node's engine.
    Client {
        node: NodeId,
        cmd: C,
    },
    /// Boot a node that was not in the initial cluster.
    AddNode(NodeId),
}

fn list(f: &mut fmt::Formatter<'_>, ids: &BTreeSet<NodeId>) -> fmt::Result {
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            f.write_str(" ")?;
        }
        write!(f, "{id}")?;
    }
    Ok(())
}

/// The same words a scenario file uses for the command (without the `at` prefix).
impl<C: fmt::Display> fmt::Display for WorldCommand<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorldCommand::Kill(n) => write!(f, "kill {n}"),
            WorldCommand::Restart(n) => write!(f, "restart {n}"),
            WorldCommand::Pause(n) => write!(f, "pause {n}"),
            WorldCommand::Resume(n) => write!(f, "resume {n}"),
            WorldCommand::Partition(groups) => {
                f.write_str("partition ")?;
                for (i, g) in groups.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    list(f, g)?;
                }
                Ok(())
            }
            WorldCommand::Cut { from, to } => {
                f.write_str("cut ")?;
                list(f, from)?;
                f.write_str(" -> ")?;
                list(f, to)
            }
            WorldCommand::Heal => f.write_str("heal"),
            WorldCommand::Mend { from, to } => write!(f, "mend {from} -> {to}"),
            WorldCommand::Hold { from, to } => write!(f, "hold {from} -> {to}"),
            WorldCommand::Release { from, to } => write!(f, "release {from} -> {to}"),
            WorldCommand::SetLink { from, to, params } => {
                let side = |n: &Option<NodeId>| n.map_or("*".to_string(), |n| n.to_string());
                write!(f, "link {} -> {} {params}", side(from), side(to))
            }
            WorldCommand::Slow { node, delay } => write!(f, "slow {node} {delay}"),
            WorldCommand::Client { node, cmd } => write!(f, "client {node} {cmd}"),
            WorldCommand::AddNode(n) => write!(f, "add {n}"),
        }
    }
}

impl<C> WorldCommand<C> {
    /// The same command with its client payload converted (other variants are unchanged).
    pub fn try_map_client<D, Er>(
        self,
        f: impl FnOnce(C) -> Result<D, Er>,
    ) -> Result<WorldCommand<D>, Er> {
        use WorldCommand as W;
        Ok(match self {
            W::Client { node, cmd } => W::Client { node, cmd: f(cmd)? },
            W::Kill(n) => W::Kill(n),
            W::Restart(n) => W::Restart(n),
            W::Pause(n) => W::Pause(n),
            W::Resume(n) => W::Resume(n),
            W::Partition(g) => W::Partition(g),
            W::Cut { from, to } => W::Cut { from, to },
            W::Heal => W::Heal,
            W::Mend { from, to } => W::Mend { from, to },
            W::Hold { from, to } => W::Hold { from, to },
            W::Release { from, to } => W::Release { from, to },
            W::SetLink { from, to, params } => W::SetLink { from, to, params },
            W::Slow { node, delay } => W::Slow { node, delay },
            W::AddNode(n) => W::AddNode(n),
        })
    }
}

/// Why a command could not be applied. A rejected command changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum SimError {
    #[error("there is no node {0}")]
    UnknownNode(NodeId),
    #[error("{0} is down")]
    NodeDown(NodeId),
    #[error("{0} is already running")]
    NodeUp(NodeId),
    #[error("{0} is already paused")]
    AlreadyPaused(NodeId),
    #[error("{0} is not paused")]
    NotPaused(NodeId),
    #[error("{0} already exists")]
    NodeExists(NodeId),
    #[error("link {0} -> {1} is not held")]
    NotHeld(NodeId, NodeId),
    #[error("link {0} -> {1} is not cut")]
    NotCut(NodeId, NodeId),
    #[error("link {0} -> {1} is already held")]
    AlreadyHeld(NodeId, NodeId),
    #[error("a probability must be within [0, 1], got {0}")]
    BadProbability(String),
}
