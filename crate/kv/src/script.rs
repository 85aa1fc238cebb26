//! The scenario-file words of the KV engine: Raft's `param` keys plus the lease clock, and client requests.

use quorate_core::{Duration, NodeId, ScriptError, Scripted};
use quorate_raft::{Raft, Session};

use crate::consul::{Behavior, ConsulRequest, DEFAULT_LOCK_DELAY_MS};
use crate::node::{Command, KvConfig, KvNode};
use crate::types::{CmpOp, Compare, KeyRange, Op, Request, Target, Txn};

const HELP: &str = "\
param <raft key> <value>           every raft parameter (voters, election_timeout, read_mode, ...)
param lease_check_interval 100ms   how often the leader looks for expired leases
client n1 put <key> <value> [lease=<id>]   put (followers forward it to the leader)
client n1 get <key>                linearizable read (ReadIndex / lease read / unsafe_local per read_mode)
client n1 get <key> serializable   serializable read: this node's applied store at once (may be stale)
client n1 get-prefix <prefix>      every key under a prefix
client n1 del <key>                delete a key
client n1 del-prefix <prefix>      delete every key under a prefix
client n1 cas <key> <old> <new>    txn: if value(key) == old then put key=new
client n1 lock <key> <owner>       try-lock: txn if key absent (create revision 0) then put key=owner
client n1 unlock <key> <owner>     txn: if value(key) == owner then delete key
client n1 lease-grant <ttl>        grant a lease, e.g. lease-grant 5s
client n1 lease-revoke <id>        revoke a lease and delete its keys
client n1 keepalive <id>           renew a lease on the leader
client n1 session-create [ttl=<d>] [behavior=release|delete] [lock-delay=<d>]   Consul session
client n1 session-destroy <id>     invalidate a Consul session (its locks are released or deleted)
client n1 session-renew <id>       renew a Consul session's TTL on the leader
client n1 acquire <key> <value> <session>   Consul lock acquire (true/false)
client n1 release <key> <session>  Consul lock release
client n1 consul-get <key>         a Consul entry with its lock index and holder
client n1 watch <id> <key|prefix/> [<from revision>]   watch a key, or a prefix when it ends in /
client n1 unwatch <id>             cancel a watch
client n1 session <client> <seq> <request...>   a request in a client session (a retry applies once)
client n1 tag <n> <request...>     tag the request; the reply event carries #<n>
client n1 campaign                 start an election now
client n1 transfer n2              hand leadership to n2
";

fn word<'a>(words: &[&'a str], i: usize, what: &str) -> Result<&'a str, ScriptError> {
    words
        .get(i)
        .copied()
        .ok_or_else(|| ScriptError::new(i, format!("{what} is missing here")))
}

fn number(words: &[&str], i: usize) -> Result<u64, ScriptError> {
    let w = word(words, i, "a number")?;
    w.parse()
        .map_err(|_| ScriptError::new(i, format!("`{w}` is not a number")))
}

fn range_of(key: &str) -> KeyRange {
    if key.ends_with('/') {
        KeyRange::prefix(key)
    } else {
        KeyRange::single(key)
    }
}

fn request(words: &[&str], at: usize) -> Result<Request, ScriptError> {
    let verb = word(words, at, "a kv request (put, get, del, cas, ...)")?;
    let key = |i: usize| word(words, at + i, "a key").map(str::to_string);
    let end = |n: usize| {
        if words.len() > at + n {
            Err(ScriptError::new(at + n, "unexpected word"))
        } else {
            Ok(())
        }
    };
    let req = match verb {
        "put" => {
            let (k, v) = (key(1)?, word(words, at + 2, "a value")?.to_string());
            let lease = match words.get(at + 3) {
                None => 0,
                Some(w) => w
                    .strip_prefix("lease=")
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| ScriptError::new(at + 3, format!("`{w}` is not lease=<id>")))?,
            };
            end(4)?;
            Request::Op(Op::Put {
                key: k,
                value: v,
                lease,
            })
        }
        "get" => {
            end(2)?;
            Request::Op(Op::Range(KeyRange::single(key(1)?)))
        }
        "get-prefix" => {
            end(2)?;
            Request::Op(Op::Range(KeyRange::prefix(key(1)?)))
        }
        "del" => {
            end(2)?;
            Request::Op(Op::Delete(KeyRange::single(key(1)?)))
        }
        "del-prefix" => {
            end(2)?;
            Request::Op(Op::Delete(KeyRange::prefix(key(1)?)))
        }
        "cas" => {
            let k = key(1)?;
            let old = word(words, at + 2, "the expected value")?.to_string();
            let new = word(words, at + 3, "the new value")?.to_string();
            end(4)?;
            cas(&k, &old, &new)
        }
        "lock" => {
            let k = key(1)?;
            let owner = word(words, at + 2, "the owner")?.to_string();
            end(3)?;
            lock(&k, &owner)
        }
        "unlock" => {
            let k = key(1)?;
            let owner = word(words, at + 2, "the owner")?.to_string();
            end(3)?;
            unlock(&k, &owner)
        }
        "lease-grant" => {
            let w = word(words, at + 1, "a ttl (e.g. 5s)")?;
            let ttl = Duration::parse(w)
                .filter(|d| d.as_micros() >= 1000)
                .ok_or_else(|| {
                    ScriptError::new(at + 1, format!("`{w}` is not a ttl of at least 1ms"))
                })?;
            end(2)?;
            Request::LeaseGrant {
                ttl_ms: ttl.as_micros() / 1000,
            }
        }
        "lease-revoke" => {
            let id = number(words, at + 1)?;
            end(2)?;
            Request::LeaseRevoke { id }
        }
        "keepalive" => {
            let id = number(words, at + 1)?;
            end(2)?;
            Request::LeaseKeepAlive { id }
        }
        "session-create" => {
            let mut ttl_ms = None;
            let mut behavior = Behavior::Release;
            let mut lock_delay_ms = DEFAULT_LOCK_DELAY_MS;
            for (i, w) in words.iter().enumerate().skip(at + 1) {
                let bad = || {
                    ScriptError::new(
                        i,
                        format!("`{w}` is not ttl=<d>, behavior=release|delete or lock-delay=<d>"),
                    )
                };
                let (k, v) = w.split_once('=').ok_or_else(bad)?;
                let ms = || {
                    Duration::parse(v)
                        .map(|d| d.as_micros() / 1000)
                        .ok_or_else(bad)
                };
                match k {
                    "ttl" => ttl_ms = Some(ms()?).filter(|t| *t > 0),
                    "lock-delay" => lock_delay_ms = ms()?,
                    "behavior" => {
                        behavior = match v {
                            "release" => Behavior::Release,
                            "delete" => Behavior::Delete,
                            _ => return Err(bad()),
                        }
                    }
                    _ => return Err(bad()),
                }
            }
            Request::Consul(ConsulRequest::SessionCreate {
                ttl_ms,
                behavior,
                lock_delay_ms,
            })
        }
        "session-destroy" => {
            let id = number(words, at + 1)?;
            end(2)?;
            Request::Consul(ConsulRequest::SessionDestroy { id })
        }
        "session-renew" => {
            let id = number(words, at + 1)?;
            end(2)?;
            Request::Consul(ConsulRequest::SessionRenew { id })
        }
        "acquire" => {
            let (k, v) = (key(1)?, word(words, at + 2, "a value")?.to_string());
            let session = number(words, at + 3)?;
            end(4)?;
            Request::Consul(ConsulRequest::Acquire {
                key: k,
                value: v,
                session,
            })
        }
        "release" => {
            let k = key(1)?;
            let session = number(words, at + 2)?;
            end(3)?;
            Request::Consul(ConsulRequest::Release { key: k, session })
        }
        "consul-get" => {
            end(2)?;
            Request::Consul(ConsulRequest::Get { key: key(1)? })
        }
        other => {
            return Err(ScriptError::new(
                at,
                format!("unknown kv command `{other}`"),
            ))
        }
    };
    Ok(req)
}

/// `txn if <key's target> == <target> then <then> else get key`: one compare on the key, one write.
fn txn_on(key: &str, target: Target, then: Op) -> Request {
    Request::Txn(Txn {
        compare: vec![Compare {
            key: key.to_string(),
            op: CmpOp::Equal,
            target,
        }],
        success: vec![then],
        failure: vec![Op::Range(KeyRange::single(key))],
    })
}

fn put(key: &str, value: &str) -> Op {
    Op::Put {
        key: key.to_string(),
        value: value.to_string(),
        lease: 0,
    }
}

/// The compare-and-set transaction: `if value(key) == old then put key=new`, reading the key otherwise.
pub fn cas(key: &str, old: &str, new: &str) -> Request {
    txn_on(key, Target::Value(old.to_string()), put(key, new))
}

/// A try-lock as a key: `txn if create(key) == 0 then put key=owner else get key`. The key exists only
/// while someone holds it, so its create revision is 0 exactly when it is free (etcd's lock recipes
/// compare the create revision the same way).
pub fn lock(key: &str, owner: &str) -> Request {
    txn_on(key, Target::CreateRevision(0), put(key, owner))
}

/// Releases a [`lock`]: `txn if value(key) == owner then delete key else get key`, so only its holder
/// frees it.
pub fn unlock(key: &str, owner: &str) -> Request {
    txn_on(
        key,
        Target::Value(owner.to_string()),
        Op::Delete(KeyRange::single(key)),
    )
}

impl Scripted for KvNode {
    const NAME: &'static str = "kv";

    fn configure(nodes: &[NodeId], params: &[(String, String)]) -> Result<KvConfig, ScriptError> {
        let mut lease_check_interval = Duration::from_millis(100);
        let mut raft_params = Vec::new();
        let mut raft_index = Vec::new();
        for (i, (key, value)) in params.iter().enumerate() {
            if key == "lease_check_interval" {
                lease_check_interval = Duration::parse(value)
                    .filter(|d| d.as_micros() > 0)
                    .ok_or_else(|| {
                        ScriptError::new(i, format!("`{value}` is not a positive duration"))
                    })?;
            } else {
                raft_params.push((key.clone(), value.clone()));
                raft_index.push(i);
            }
        }
        let raft = <Raft as Scripted>::configure(nodes, &raft_params).map_err(|mut e| {
            e.word = raft_index.get(e.word).copied().unwrap_or(0);
            e
        })?;
        Ok(KvConfig {
            raft,
            lease_check_interval,
        })
    }

    fn parse_command(words: &[&str]) -> Result<Command, ScriptError> {
        let mut at = 0;
        let mut tag = 0;
        let mut session = None;
        loop {
            match words.get(at).copied() {
                Some("tag") => {
                    tag = number(words, at + 1)?;
                    at += 2;
                }
                Some("session") => {
                    session = Some(Session {
                        client: number(words, at + 1)?,
                        seq: number(words, at + 2)?,
                    });
                    at += 3;
                }
                _ => break,
            }
        }
        match words.get(at).copied() {
            Some("campaign") if at == 0 => Ok(Command::Campaign),
            Some("transfer") if at == 0 => {
                let w = word(words, 1, "a node id")?;
                let to = NodeId::parse(w).ok_or_else(|| {
                    ScriptError::new(1, format!("`{w}` is not a node id (n1, n2, ...)"))
                })?;
                Ok(Command::TransferLeader { to })
            }
            Some("watch") if at == 0 => {
                let id = number(words, 1)?;
                let range = range_of(word(words, 2, "a key or a prefix/")?);
                let from = if words.len() > 3 {
                    number(words, 3)?
                } else {
                    0
                };
                Ok(Command::Watch { id, range, from })
            }
            Some("get") if words.len() == at + 3 && words[at + 2] == "serializable" => {
                if session.is_some() {
                    return Err(ScriptError::new(
                        0,
                        "a serializable read is not written to the log: it takes no session",
                    ));
                }
                Ok(Command::SerializableRead {
                    tag,
                    range: KeyRange::single(words[at + 1]),
                })
            }
            Some("unwatch") if at == 0 => Ok(Command::CancelWatch {
                id: number(words, 1)?,
            }),
            _ => Ok(Command::Request {
                tag,
                session,
                req: request(words, at)?,
            }),
        }
    }

    fn script_help() -> &'static str {
        HELP
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_parse_into_requests_and_errors_name_the_word() {
        let c = KvNode::parse_command(&["session", "3", "4", "put", "k", "v", "lease=7"]).unwrap();
        assert_eq!(
            c,
            Command::Request {
                tag: 0,
                session: Some(Session { client: 3, seq: 4 }),
                req: Request::Op(Op::Put {
                    key: "k".into(),
                    value: "v".into(),
                    lease: 7
                }),
            }
        );
        assert_eq!(KvNode::parse_command(&["put", "k"]).unwrap_err().word, 2);
        assert_eq!(KvNode::parse_command(&["frob"]).unwrap_err().word, 0);
        assert_eq!(
            KvNode::parse_command(&["tag", "4", "get", "k", "serializable"]).unwrap(),
            Command::SerializableRead {
                tag: 4,
                range: KeyRange::single("k")
            }
        );
        assert_eq!(
            KvNode::parse_command(&["get", "k", "stale"])
                .unwrap_err()
                .word,
            2
        );
        assert_eq!(
            KvNode::parse_command(&["session-create", "ttl=10s", "behavior=delete"]).unwrap(),
            Command::Request {
                tag: 0,
                session: None,
                req: Request::Consul(ConsulRequest::SessionCreate {
                    ttl_ms: Some(10_000),
                    behavior: Behavior::Delete,
                    lock_delay_ms: DEFAULT_LOCK_DELAY_MS
                }),
            }
        );
        assert_eq!(
            KvNode::parse_command(&["session-create", "behavior=maybe"])
                .unwrap_err()
                .word,
            1
        );
        assert_eq!(
            KvNode::parse_command(&["lease-grant", "0s"])
                .unwrap_err()
                .word,
            1
        );
        let cfg = KvNode::configure(
            &[NodeId(1), NodeId(2)],
            &[
                ("lease_check_interval".into(), "50ms".into()),
                ("read_mode".into(), "bogus".into()),
            ],
        );
        assert_eq!(cfg.unwrap_err().word, 1);
    }
}
