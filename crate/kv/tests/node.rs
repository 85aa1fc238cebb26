//! Intent: the KV node's rules on a simulated 3-node cluster, one test per rule: writes are replicated
//! and answered with their revision, a follower forwards, a retried request in a session is applied
//! once, leases expire through the log (and keep-alives keep them), a new leader extends leases by an
//! election timeout, watches deliver ordered events, and a restarted node rebuilds its store from the log.

use quorate_core::{Duration, Engine, NodeId};
use quorate_kv::sweep::Cluster;
use quorate_kv::{
    Command, Event, Expiry, KeyRange, KvError, Op, OpResult, Request, Response, WatchEvent,
};
use quorate_raft::Session;
use quorate_sim::{Record, WorldCommand};

const T: Duration = Duration::from_millis(500);

fn put(key: &str, value: &str, lease: u64) -> Request {
    Request::Op(Op::Put {
        key: key.into(),
        value: value.into(),
        lease,
    })
}

fn get(key: &str) -> Request {
    Request::Op(Op::Range(KeyRange::single(key)))
}

fn value_at(c: &Cluster, node: NodeId, key: &str) -> Option<String> {
    c.world
        .engine(node)
        .and_then(|e| e.store().get(key).map(|kv| kv.value.clone()))
}

fn settle(c: &mut Cluster, ms: u64) {
    c.world.run_for(Duration::from_millis(ms));
}

#[test]
fn a_write_is_replicated_and_answered_with_its_revision() {
    let mut c = Cluster::new(1, 3, |_| {});
    let leader = c.await_leader(Duration::from_secs(2)).unwrap();
    let (_, _, r) = c.request(leader, put("a", "1", 0), T).unwrap();
    assert_eq!(r.revision, 2);
    let (_, _, r) = c.request(leader, put("a", "2", 0), T).unwrap();
    assert_eq!(r.revision, 3);
    let (_, _, r) = c.request(leader, get("a"), T).unwrap();
    match r.result {
        Ok(Response::Op(OpResult::Range { kvs })) => {
            assert_eq!(
                (
                    kvs[0].value.as_str(),
                    kvs[0].version,
                    kvs[0].create_revision
                ),
                ("2", 2, 2)
            )
        }
        other => panic!("{other:?}"),
    }
    settle(&mut c, 200);
    for n in c.nodes.clone() {
        assert_eq!(value_at(&c, n, "a").as_deref(), Some("2"), "{n}");
    }
}

#[test]
fn a_follower_forwards_writes_and_reads_to_the_leader() {
    let mut c = Cluster::new(2, 3, |_| {});
    let leader = c.await_leader(Duration::from_secs(2)).unwrap();
    settle(&mut c, 100);
    let follower = c.nodes.iter().copied().find(|n| *n != leader).unwrap();
    let (_, _, r) = c.request(follower, put("f", "1", 0), T).unwrap();
    assert!(r.result.is_ok(), "{r}");
    let (_, _, r) = c.request(follower, get("f"), T).unwrap();
    assert!(
        matches!(r.result, Ok(Response::Op(OpResult::Range { ref kvs })) if kvs[0].value == "1"),
        "{r}"
    );
}

#[test]
fn a_node_without_a_leader_refuses_with_not_leader() {
    let mut c = Cluster::new(3, 3, |_| {});
    // At time zero nobody has been elected yet.
    let (_, _, r) = c.request(NodeId(1), put("a", "1", 0), T).unwrap();
    assert_eq!(r.result, Err(KvError::NotLeader { leader: None }));
}

#[test]
fn a_retried_request_in_a_session_is_applied_once() {
    let mut c = Cluster::new(4, 3, |_| {});
    let leader = c.await_leader(Duration::from_secs(2)).unwrap();
    settle(&mut c, 100);
    let session = Some(Session { client: 9, seq: 1 });
    for node in c.nodes.clone() {
        c.world
            .apply(WorldCommand::Client {
                node,
                cmd: Command::Request {
                    tag: 1,
                    session,
                    req: put("once", "x", 0),
                },
            })
            .unwrap();
    }
    settle(&mut c, 300);
    let store = c.world.engine(leader).unwrap().store();
    assert_eq!(
        store.get("once").unwrap().version,
        1,
        "three deliveries, one application"
    );
    assert_eq!(store.revision(), 2);
    // Every node that took the request answered it, with the first application's revision.
    let replies: Vec<u64> = c
        .world
        .take_records()
        .into_iter()
        .filter_map(|r| match r.record {
            Record::Emit {
                event: Event::Reply { reply, .. },
                ..
            } => Some(reply.revision),
            _ => None,
        })
        .collect();
    assert_eq!(replies, vec![2, 2, 2]);
}

fn grant(c: &mut Cluster, node: NodeId, ttl_ms: u64) -> u64 {
    match c
        .request(node, Request::LeaseGrant { ttl_ms }, T)
        .unwrap()
        .2
        .result
    {
        Ok(Response::LeaseGrant { id, .. }) => id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_expired_lease_deletes_its_keys_on_every_node() {
    let mut c = Cluster::new(5, 3, |_| {});
    let leader = c.await_leader(Duration::from_secs(2)).unwrap();
    let id = grant(&mut c, leader, 300);
    assert!(c
        .request(leader, put("eph", "1", id), T)
        .unwrap()
        .2
        .result
        .is_ok());
    settle(&mut c, 100);
    assert_eq!(value_at(&c, NodeId(1), "eph").as_deref(), Some("1"));
    settle(&mut c, 400);
    c.drain_replies(&mut Vec::new());
    assert!(
        c.events.iter().any(|(_, n, e)| *n == leader
            && *e
                == Event::Expired {
                    what: Expiry::Lease(id)
                }),
        "the leader decided the expiry"
    );
    for n in c.nodes.clone() {
        assert_eq!(value_at(&c, n, "eph"), None, "{n}");
        assert!(c.world.engine(n).unwrap().store().lease(id).is_none());
    }
}

#[test]
fn keep_alives_keep_a_lease_and_its_keys() {
    let mut c = Cluster::new(6, 3, |_| {});
    let leader = c.await_leader(Duration::from_secs(2)).unwrap();
    let id = grant(&mut c, leader, 300);
    c.request(leader, put("eph", "1", id), T).unwrap();
    for _ in 0..10 {
        settle(&mut c, 100);
        let r = c
            .request(leader, Request::LeaseKeepAlive { id }, T)
            .unwrap()
            .2;
        assert_eq!(r.result, Ok(Response::LeaseKeepAlive { id, ttl_ms: 300 }));
    }
    assert_eq!(value_at(&c, leader, "eph").as_deref(), Some("1"));
}

#[test]
fn a_new_leader_extends_leases_by_an_election_timeout() {
    let mut c = Cluster::new(7, 3, |_| {});
    let old = c.await_leader(Duration::from_secs(2)).unwrap();
    let id = grant(&mut c, old, 400);
    c.request(old, put("eph", "1", id), T).unwrap();
    settle(&mut c, 50);
    c.world.apply(WorldCommand::Kill(old)).unwrap();
    let mut new = None;
    while new.is_none() {
        settle(&mut c, 5);
        new = c.leader();
    }
    let new = new.unwrap();
    let became = c.world.now();
    let deadline = c.world.status(new).unwrap().leases[0].deadline.unwrap();
    // TTL + election_timeout_max on the new leader's clock, from the moment it took over.
    assert!(deadline.since(became) <= Duration::from_millis(700));
    assert!(
        deadline.since(became) >= Duration::from_millis(690),
        "{}",
        deadline.since(became)
    );
    // A keep-alive at the new leader keeps the key past the old deadline.
    settle(&mut c, 300);
    let r = c.request(new, Request::LeaseKeepAlive { id }, T).unwrap().2;
    assert!(r.result.is_ok(), "{r}");
    assert_eq!(value_at(&c, new, "eph").as_deref(), Some("1"));
}

#[test]
fn a_watch_from_a_revision_sees_changes_in_order() {
    let mut c = Cluster::new(8, 3, |_| {});
    let leader = c.await_leader(Duration::from_secs(2)).unwrap();
    for v in ["1", "2"] {
        c.request(leader, put("w/a", v, 0), T).unwrap();
    }
    c.request(leader, put("other", "x", 0), T).unwrap();
    c.world
        .apply(WorldCommand::Client {
            node: leader,
            cmd: Command::Watch {
                id: 5,
                range: KeyRange::prefix("w/"),
                from: 3,
            },
        })
        .unwrap();
    c.request(leader, Request::Op(Op::Delete(KeyRange::single("w/a"))), T)
        .unwrap();
    let seen: Vec<WatchEvent> = c
        .events
        .iter()
        .filter_map(|(_, _, e)| match e {
            Event::Watch { id: 5, events } => Some(events.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let revs: Vec<(String, u64)> = seen
        .iter()
        .map(|e| (e.to_string(), e.kv.mod_revision))
        .collect();
    assert_eq!(revs.len(), 2, "{revs:?}");
    assert_eq!(revs[0].1, 3);
    assert!(revs[1].0.starts_with("DELETE w/a"), "{revs:?}");
    assert_eq!(revs[1].1, 5);
}

#[test]
fn a_restarted_node_rebuilds_its_store_from_the_log() {
    let mut c = Cluster::new(9, 3, |_| {});
    let leader = c.await_leader(Duration::from_secs(2)).unwrap();
    for i in 0..5 {
        c.request(leader, put(&format!("r{i}"), "v", 0), T).unwrap();
    }
    settle(&mut c, 100);
    let victim = c.nodes.iter().copied().find(|n| *n != leader).unwrap();
    let before = c.world.engine(victim).unwrap().store().clone();
    c.world.apply(WorldCommand::Kill(victim)).unwrap();
    c.world.apply(WorldCommand::Restart(victim)).unwrap();
    settle(&mut c, 300);
    let after = c.world.engine(victim).unwrap().store();
    assert_eq!(after.revision(), before.revision());
    assert_eq!(after.keys().count(), 5);
}

#[test]
fn a_node_with_live_leases_survives_a_serde_round_trip() {
    // The worker hands engine state over as JSON; the leader's lease clock must come through.
    let mut c = Cluster::new(10, 3, |_| {});
    let leader = c.await_leader(Duration::from_secs(2)).unwrap();
    let id = grant(&mut c, leader, 1000);
    c.request(leader, put("eph", "1", id), T).unwrap();
    let node = c.world.engine(leader).unwrap();
    let json = serde_json::to_string(node).expect("serializes");
    let back: quorate_kv::KvNode = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    assert_eq!(
        back.status().leases[0].deadline,
        node.status().leases[0].deadline
    );
}
