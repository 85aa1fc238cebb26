//! Intent: Consul's locks on the simulated cluster. A session whose TTL runs out is invalidated by the
//! leader through the log; its lock is released and, until the lock-delay (default 15 s) has passed,
//! no one acquires the key, however often they try; each acquisition increments the lock index, and the
//! old holder's sequencer is no longer valid.

use quorate_core::{Duration, NodeId, SimTime};
use quorate_kv::consul::{Behavior, ConsulRequest, ConsulResponse, DEFAULT_LOCK_DELAY_MS};
use quorate_kv::sweep::Cluster;
use quorate_kv::{Event, Expiry, Reply, Request, Response};

const T: Duration = Duration::from_millis(500);

fn consul(c: &mut Cluster, node: NodeId, req: ConsulRequest) -> ConsulResponse {
    let (_, _, Reply { result, .. }) = c.request(node, Request::Consul(req), T).expect("an answer");
    match result {
        Ok(Response::Consul(r)) => r,
        other => panic!("{other:?}"),
    }
}

fn acquire(c: &mut Cluster, node: NodeId, session: u64) -> bool {
    let r = consul(
        c,
        node,
        ConsulRequest::Acquire {
            key: "service/leader".into(),
            value: format!("s{session}"),
            session,
        },
    );
    r == ConsulResponse::Lock { ok: true }
}

fn create(c: &mut Cluster, node: NodeId, ttl_ms: Option<u64>) -> u64 {
    match consul(
        c,
        node,
        ConsulRequest::SessionCreate {
            ttl_ms,
            behavior: Behavior::Release,
            lock_delay_ms: DEFAULT_LOCK_DELAY_MS,
        },
    ) {
        ConsulResponse::Session { id } => id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn no_one_acquires_before_the_lock_delay_ends_and_the_lock_index_increments() {
    let mut c = Cluster::new(21, 3, |_| {});
    let leader = c.await_leader(Duration::from_secs(2)).unwrap();
    let holder = create(&mut c, leader, Some(500));
    let contender = create(&mut c, leader, None);
    assert!(acquire(&mut c, leader, holder));
    assert!(!acquire(&mut c, leader, contender), "the key is held");
    let get = ConsulRequest::Get {
        key: "service/leader".into(),
    };
    let ConsulResponse::Entry(Some(e)) = consul(&mut c, leader, get.clone()) else {
        panic!()
    };
    assert_eq!((e.lock_index, e.session), (1, Some(holder)));

    // The holder stops renewing: the leader invalidates its session through the log.
    let mut invalidated = None;
    while invalidated.is_none() {
        c.world.run_for(Duration::from_millis(10));
        c.drain_replies(&mut Vec::new());
        invalidated = c.events.iter().find_map(|(t, _, e)| {
            (*e == Event::Expired {
                what: Expiry::Session(holder),
            })
            .then_some(*t)
        });
        assert!(
            c.world.now() < SimTime::from_millis(5000),
            "the session never expired"
        );
    }
    let invalidated = invalidated.unwrap();
    // The contender tries every 200 ms; the first success must come after the lock-delay.
    let won_at = loop {
        if acquire(&mut c, leader, contender) {
            break c.world.now();
        }
        c.world.run_for(Duration::from_millis(200));
        assert!(c.world.now() < invalidated + Duration::from_secs(20));
    };
    let waited = won_at.since(invalidated);
    println!(
        "session invalidated at {invalidated}, contender acquired at {won_at} ({waited} later)"
    );
    assert!(
        waited >= Duration::from_millis(DEFAULT_LOCK_DELAY_MS),
        "{waited}"
    );
    assert!(
        waited <= Duration::from_millis(DEFAULT_LOCK_DELAY_MS + 600),
        "{waited}"
    );
    let ConsulResponse::Entry(Some(e)) = consul(&mut c, leader, get) else {
        panic!()
    };
    assert_eq!((e.lock_index, e.session), (2, Some(contender)));
    let stale = ConsulRequest::CheckSequencer {
        key: "service/leader".into(),
        lock_index: 1,
        session: holder,
    };
    assert_eq!(
        consul(&mut c, leader, stale),
        ConsulResponse::Sequencer { valid: false }
    );
}

#[test]
fn renewing_a_session_keeps_its_lock() {
    let mut c = Cluster::new(22, 3, |_| {});
    let leader = c.await_leader(Duration::from_secs(2)).unwrap();
    let s = create(&mut c, leader, Some(300));
    assert!(acquire(&mut c, leader, s));
    for _ in 0..10 {
        c.world.run_for(Duration::from_millis(100));
        let r = consul(&mut c, leader, ConsulRequest::SessionRenew { id: s });
        assert_eq!(
            r,
            ConsulResponse::Renewed {
                id: s,
                ttl_ms: Some(300)
            }
        );
    }
    let seq = ConsulRequest::CheckSequencer {
        key: "service/leader".into(),
        lock_index: 1,
        session: s,
    };
    assert_eq!(
        consul(&mut c, leader, seq),
        ConsulResponse::Sequencer { valid: true }
    );
}
