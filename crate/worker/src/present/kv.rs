//! The KV store on Raft (`engine kv`): drawn as the Raft view with the store's revision and keys, and
//! its client requests and answers read out of the trace for the verdicts panel.

use quorate_core::{NodeId, Scripted, SimTime};
use quorate_kv::{
    Command, Event, KeyRange, KvConfig, KvError, KvNode, Op, OpResult, Reply, Request, Response,
    Status, Target,
};
use quorate_sim::{LinkParams, Record, WorldCommand};
use quorate_view::verdicts::ReadKind;
use quorate_view::{Milestone, NodeView};

use super::Present;
use crate::session::verdicts::{Answer, Call, Fact, KvCall, KvResult};

impl Present for KvNode {
    /// No speculation, as for Consul's nodes (see there): a store makes steps costly to run again.
    const SPECULATION: u32 = 0;
    /// As Raft's.
    const SPEED: f64 = <quorate_raft::Raft as Present>::SPEED;

    fn setup(nodes: &[NodeId]) -> (KvConfig, LinkParams) {
        let (raft, link) = <quorate_raft::Raft as Present>::setup(nodes);
        let mut config = KvConfig::new(nodes.iter().copied());
        config.raft = raft;
        (config, link)
    }

    fn present(s: &Status, config: &KvConfig, now: SimTime) -> NodeView {
        let mut view = <quorate_raft::Raft as Present>::present(&s.raft, &config.raft, now);
        view.summary = format!("{} · rev {}", view.summary, s.revision);
        view.details
            .push(("revision".to_string(), s.revision.to_string()));
        for kv in s.keys.iter().take(12) {
            view.details.push((
                format!("key {}", kv.key),
                format!("{} (mod rev {})", kv.value, kv.mod_revision),
            ));
        }
        view
    }

    fn present_down(d: &quorate_raft::Durable) -> String {
        <quorate_raft::Raft as Present>::present_down(d)
    }

    fn milestone(event: &Event) -> Option<Milestone> {
        match event {
            Event::Raft(e) => <quorate_raft::Raft as Present>::milestone(e),
            _ => None,
        }
    }

    const CHECKED: bool = true;
    const KV: bool = true;

    fn facts(record: &Record<KvNode>, out: &mut Vec<Fact>) {
        match record {
            Record::Emit {
                node,
                event: Event::Raft(e),
            } => out.extend(super::raft_fact(*node, e).map(Fact::Raft)),
            Record::Emit {
                node,
                event: Event::Reply { tag, reply },
            } => out.push(Fact::Reply {
                node: node.0,
                tag: *tag,
                answer: answer(reply),
            }),
            Record::Command {
                command: WorldCommand::Client { node, cmd },
            } => {
                let (tag, call) = match cmd {
                    Command::Request { tag, req, .. } => (*tag, call(req)),
                    Command::SerializableRead { tag, range } => (
                        *tag,
                        Call {
                            text: format!("get {range}"),
                            read: Some(ReadKind::Serializable),
                            op: get(range),
                        },
                    ),
                    _ => return,
                };
                out.push(Fact::Call {
                    node: node.0,
                    tag,
                    call,
                });
            }
            _ => {}
        }
    }

    fn tag_request(words: &str, tag: u64) -> Option<String> {
        let list: Vec<&str> = words.split_whitespace().collect();
        match KvNode::parse_command(&list) {
            Ok(Command::Request { tag: 0, .. } | Command::SerializableRead { tag: 0, .. })
                if list.first() != Some(&"tag") =>
            {
                Some(format!("tag {tag} {}", list.join(" ")))
            }
            _ => None,
        }
    }
}

fn get(range: &KeyRange) -> KvCall {
    match range.end {
        None => KvCall::Get {
            key: range.key.clone(),
        },
        Some(_) => KvCall::Other,
    }
}

/// A request as the panel words it and the register model sees it.
fn call(req: &Request) -> Call {
    let (read, op) = match req {
        Request::Op(Op::Range(r)) => (Some(ReadKind::Linearizable), get(r)),
        Request::Op(Op::Put {
            key,
            value,
            lease: 0,
        }) => (
            None,
            KvCall::Put {
                key: key.clone(),
                value: value.clone(),
            },
        ),
        Request::Op(Op::Put { key, .. }) => (
            None,
            KvCall::Unmodelled {
                keys: vec![key.clone()],
            },
        ),
        Request::Op(Op::Delete(r)) => (
            None,
            KvCall::Unmodelled {
                keys: match &r.end {
                    None => vec![r.key.clone()],
                    // A prefix may cover keys not written yet: name the prefix.
                    Some(_) => vec![format!("{}*", r.key)],
                },
            },
        ),
        Request::Txn(t) => (None, cas_of(t)),
        _ => (None, KvCall::Other),
    };
    // In the words the client form sends.
    let text = match &op {
        KvCall::Put { key, value } => format!("put {key} {value}"),
        KvCall::Cas { key, old, new } => format!("cas {key} {old} {new}"),
        KvCall::Lock { key, owner } => format!("lock {key} {owner}"),
        KvCall::Unlock { key, owner } => format!("unlock {key} {owner}"),
        _ => req.to_string(),
    };
    Call { text, read, op }
}

/// `cas` is the txn `if value(k) == old then put k=new else get k` (crate/kv's `script::cas`), `lock`
/// `if create(k) == 0 then put k=owner` and `unlock` `if value(k) == owner then delete k`.
fn cas_of(t: &quorate_kv::Txn) -> KvCall {
    match (t.compare.as_slice(), t.success.as_slice()) {
        (
            [c],
            [Op::Put {
                key,
                value,
                lease: 0,
            }],
        ) if c.key == *key
            && c.op == quorate_kv::CmpOp::Equal
            && c.target == Target::CreateRevision(0) =>
        {
            KvCall::Lock {
                key: key.clone(),
                owner: value.clone(),
            }
        }
        ([c], [Op::Delete(r)])
            if r.end.is_none() && c.key == r.key && c.op == quorate_kv::CmpOp::Equal =>
        {
            match &c.target {
                Target::Value(owner) => KvCall::Unlock {
                    key: r.key.clone(),
                    owner: owner.clone(),
                },
                _ => KvCall::Unmodelled {
                    keys: vec![r.key.clone()],
                },
            }
        }
        (
            [c],
            [Op::Put {
                key,
                value,
                lease: 0,
            }],
        ) if c.key == *key && c.op == quorate_kv::CmpOp::Equal => match &c.target {
            Target::Value(old) => KvCall::Cas {
                key: key.clone(),
                old: old.clone(),
                new: value.clone(),
            },
            _ => KvCall::Unmodelled {
                keys: vec![key.clone()],
            },
        },
        _ => {
            let keys = t
                .success
                .iter()
                .chain(&t.failure)
                .filter_map(|op| match op {
                    Op::Put { key, .. } => Some(key.clone()),
                    Op::Delete(r) => Some(r.key.clone()),
                    Op::Range(_) => None,
                })
                .collect();
            KvCall::Unmodelled { keys }
        }
    }
}

fn answer(reply: &Reply) -> Answer {
    let (text, result) = match &reply.result {
        Err(e @ (KvError::NotLeader { .. } | KvError::ReadDropped)) => {
            (e.to_string(), KvResult::Refused)
        }
        Err(e) => (e.to_string(), KvResult::Other),
        Ok(Response::Op(OpResult::Range { kvs })) => match kvs.as_slice() {
            [] => ("no value".to_string(), KvResult::Get(None)),
            [one] => (
                format!("{} = {}", one.key, one.value),
                KvResult::Get(Some(one.value.clone())),
            ),
            many => (
                many.iter()
                    .map(|kv| format!("{} = {}", kv.key, kv.value))
                    .collect::<Vec<_>>()
                    .join(", "),
                KvResult::Other,
            ),
        },
        Ok(Response::Op(OpResult::Put { .. })) => ("ok".to_string(), KvResult::Put),
        // What a failed compare read; the verdicts word the outcome after the request (a cas
        // swaps, a lock locks).
        Ok(Response::Txn { succeeded, results }) => {
            let seen = match results.first() {
                Some(OpResult::Range { kvs }) if !*succeeded => match kvs.first() {
                    Some(kv) => format!("{} = {}", kv.key, kv.value),
                    None => "no value".to_string(),
                },
                _ => String::new(),
            };
            (
                seen,
                KvResult::Cas {
                    swapped: *succeeded,
                },
            )
        }
        Ok(other) => (
            Reply {
                revision: reply.revision,
                result: Ok(other.clone()),
            }
            .to_string(),
            KvResult::Other,
        ),
    };
    Answer {
        revision: reply.revision,
        text,
        result,
    }
}
