//! What clients and servers say to each other besides Raft and gossip: a request with an id (and, for
//! Consul's blocking queries, the index to wait past), its reply, and etcd's remote watches.

use std::fmt;

use quorate_core::Duration;
use quorate_kv::{KeyRange, Reply, Request, Revision, WatchEvent};
use serde::{Deserialize, Serialize};

/// A blocking query (Consul's `?index=&wait=`): answer once the watched index exceeds `index`, or
/// after `max` at the latest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wait {
    pub index: u64,
    pub max: Duration,
}

/// Client <-> server messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientMsg {
    /// A request; `id` is the client's and comes back in the reply.
    Call {
        id: u64,
        req: Request,
        wait: Option<Wait>,
    },
    Reply {
        id: u64,
        reply: Reply,
    },
    /// etcd: watch `range` from revision `from`; events come back as `Events` with this id.
    Watch {
        id: u64,
        range: KeyRange,
        from: Revision,
    },
    CancelWatch {
        id: u64,
    },
    Events {
        id: u64,
        events: Vec<WatchEvent>,
    },
    /// etcd: the client's liveness probe of its member; `boot` changes when the member restarts (its
    /// watches are gone then).
    Ping {
        id: u64,
    },
    Pong {
        id: u64,
        boot: u64,
    },
}

impl fmt::Display for ClientMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientMsg::Call { id, req, wait } => {
                write!(f, "call #{} {req}", id & 0xffff_ffff)?;
                if let Some(w) = wait {
                    write!(f, " wait>{} {}", w.index, w.max)?;
                }
                Ok(())
            }
            ClientMsg::Reply { id, reply } => write!(f, "reply #{} {reply}", id & 0xffff_ffff),
            ClientMsg::Watch { id, range, from } => {
                write!(f, "watch #{} {range} from={from}", id & 0xffff_ffff)
            }
            ClientMsg::CancelWatch { id } => write!(f, "cancel watch #{}", id & 0xffff_ffff),
            ClientMsg::Events { id, events } => {
                write!(f, "events #{}:", id & 0xffff_ffff)?;
                for e in events {
                    write!(f, " {e};")?;
                }
                Ok(())
            }
            ClientMsg::Ping { id } => write!(f, "ping #{id}"),
            ClientMsg::Pong { id, .. } => write!(f, "pong #{id}"),
        }
    }
}
