//! Paper-sentence tests: each test states one sentence of SWIM, Lifeguard or memberlist and drives single
//! nodes through `step()` to show it, checking the transcript of effects (the same one-line text the
//! trace shows). No simulator: inputs are handed in by hand, so every message and timer is explicit.

use quorate_core::{Duration, Effect, Engine, Input, NodeId, NodeRng, Outbox, SimTime};
use quorate_gossip::{
    theory, Bootstrap, Command, Config, Gossip, Lifeguard, Msg, State, Timer, Update,
};

/// One node with its clock and the timers it armed, driven by hand.
struct Node {
    g: Gossip,
    now: SimTime,
    out: Outbox<Gossip>,
    /// Timers armed so far (due time, timer), for firing by name.
    timers: Vec<(SimTime, Timer)>,
    /// Every effect so far, as transcript lines.
    transcript: Vec<String>,
}

fn n(i: u32) -> NodeId {
    NodeId(i)
}

fn config(size: u32) -> Config {
    Config {
        bootstrap: Bootstrap::Full,
        ..Config::lan((1..=size).map(NodeId).collect())
    }
}

impl Node {
    fn boot(id: u32, config: &Config) -> Node {
        let g = Gossip::boot(n(id), config, None, NodeRng::for_node(1, n(id), 0));
        let mut node = Node {
            g,
            now: SimTime::ZERO,
            out: Outbox::new(),
            timers: Vec::new(),
            transcript: Vec::new(),
        };
        node.step(Input::Start);
        node
    }

    /// Steps and returns the new transcript lines.
    fn step(&mut self, input: Input<Gossip>) -> Vec<String> {
        self.g
            .step(self.now, input, &mut self.out)
            .expect("step accepted");
        let mut lines = Vec::new();
        for e in self.out.drain() {
            let line = match e {
                Effect::Send { to, msg } => format!("send {to} {msg}"),
                Effect::SetTimer { after, timer } => {
                    self.timers.push((self.now + after, timer.clone()));
                    format!("timer {after} {timer}")
                }
                Effect::Persist(p) => format!("persist {p}"),
                Effect::Emit(ev) => format!("emit {ev}"),
            };
            lines.push(line);
        }
        self.transcript.extend(lines.iter().cloned());
        lines
    }

    fn recv(&mut self, from: u32, msg: Msg) -> Vec<String> {
        self.step(Input::Message { from: n(from), msg })
    }

    fn gossip(&mut self, from: u32, update: Update) -> Vec<String> {
        self.recv(
            from,
            Msg::Gossip {
                updates: vec![update],
            },
        )
    }

    /// Advances the clock to the latest armed timer whose text starts with `name` and fires it.
    fn fire(&mut self, name: &str) -> Vec<String> {
        let (at, timer) = self
            .timers
            .iter()
            .rev()
            .find(|(_, t)| t.to_string().starts_with(name))
            .cloned()
            .unwrap_or_else(|| {
                panic!(
                    "no timer {name} armed; transcript:\n{}",
                    self.transcript.join("\n")
                )
            });
        self.now = self.now.max(at);
        self.step(Input::Timer(timer))
    }

    fn state_of(&self, id: u32) -> Option<(State, u32)> {
        self.g
            .members()
            .get(n(id))
            .map(|m| (m.state, m.incarnation))
    }

    fn queued(&self) -> Vec<String> {
        self.g
            .status()
            .queue
            .iter()
            .map(|q| q.update.to_string())
            .collect()
    }
}

fn has(lines: &[String], needle: &str) -> bool {
    lines.iter().any(|l| l.contains(needle))
}

#[test]
fn a_suspect_refutes_with_a_higher_incarnation() {
    let c = config(5);
    let mut n1 = Node::boot(1, &c);
    let lines = n1.gossip(
        2,
        Update::Suspect {
            node: n(1),
            incarnation: 1,
            from: n(2),
        },
    );
    assert_eq!(
        lines,
        vec!["persist incarnation=2", "emit local health score=1", "emit refuted suspect now inc=2"],
        "the suspect raises its incarnation above the accusation, durably, and counts it against its health"
    );
    assert_eq!(
        n1.queued(),
        vec!["alive(n1 inc=2)"],
        "the refutation is queued for dissemination"
    );
    assert_eq!(
        n1.state_of(1),
        Some((State::Alive, 2)),
        "a node never marks itself suspect"
    );

    // Another member that suspects n1 at incarnation 1 takes the refutation and cancels its timer.
    let mut n3 = Node::boot(3, &c);
    n3.gossip(
        2,
        Update::Suspect {
            node: n(1),
            incarnation: 1,
            from: n(2),
        },
    );
    assert_eq!(n3.state_of(1), Some((State::Suspect, 1)));
    let lines = n3.gossip(
        1,
        Update::Alive {
            node: n(1),
            incarnation: 2,
        },
    );
    assert_eq!(lines, vec!["emit member n1 alive inc=2"]);
    assert!(n3.g.suspicions().is_empty(), "the suspicion timer is gone");
    // The old timer firing later changes nothing.
    assert!(n3.fire("suspicion-timeout n1").is_empty());
    assert_eq!(n3.state_of(1), Some((State::Alive, 2)));
}

#[test]
fn an_older_incarnation_is_ignored() {
    let c = config(5);
    let mut n3 = Node::boot(3, &c);
    n3.gossip(
        2,
        Update::Alive {
            node: n(2),
            incarnation: 5,
        },
    );
    assert_eq!(n3.state_of(2), Some((State::Alive, 5)));
    assert!(n3
        .gossip(
            4,
            Update::Suspect {
                node: n(2),
                incarnation: 4,
                from: n(4)
            }
        )
        .is_empty());
    assert!(n3
        .gossip(
            4,
            Update::Dead {
                node: n(2),
                incarnation: 4,
                from: n(4)
            }
        )
        .is_empty());
    assert!(
        n3.gossip(
            4,
            Update::Alive {
                node: n(2),
                incarnation: 5
            }
        )
        .is_empty(),
        "same incarnation: old news"
    );
    assert_eq!(n3.state_of(2), Some((State::Alive, 5)));
    // The same incarnation is enough to suspect (memberlist: only strictly older is ignored).
    let lines = n3.gossip(
        4,
        Update::Suspect {
            node: n(2),
            incarnation: 5,
            from: n(4),
        },
    );
    assert!(
        has(&lines, "emit member n2 suspect inc=5 by=n4"),
        "{lines:?}"
    );
}

#[test]
fn a_dead_message_about_oneself_is_refuted() {
    let c = config(5);
    let mut n1 = Node::boot(1, &c);
    let lines = n1.gossip(
        2,
        Update::Dead {
            node: n(1),
            incarnation: 3,
            from: n(2),
        },
    );
    assert_eq!(
        lines,
        vec![
            "persist incarnation=4",
            "emit local health score=1",
            "emit refuted dead now inc=4"
        ]
    );
    assert_eq!(n1.state_of(1), Some((State::Alive, 4)));
    assert_eq!(n1.queued(), vec!["alive(n1 inc=4)"]);
}

#[test]
fn a_leave_is_not_a_failure() {
    let c = config(5);
    let mut n2 = Node::boot(2, &c);
    let lines = n2.step(Input::Command(Command::Leave));
    assert!(has(&lines, "emit member n2 left inc=1"), "{lines:?}");
    assert_eq!(n2.queued(), vec!["left(n2 inc=1)"]);
    // The leave rides on the next gossip round.
    let lines = n2.fire("gossip-tick");
    let sent: Vec<&String> = lines.iter().filter(|l| l.starts_with("send")).collect();
    assert!(
        !sent.is_empty() && sent.iter().all(|l| l.contains("left(n2 inc=1)")),
        "{lines:?}"
    );

    let mut n3 = Node::boot(3, &c);
    let lines = n3.gossip(
        2,
        Update::Dead {
            node: n(2),
            incarnation: 1,
            from: n(2),
        },
    );
    assert_eq!(
        lines,
        vec!["emit member n2 left inc=1"],
        "left, not dead, and no suspicion first"
    );
    assert_eq!(n3.state_of(2), Some((State::Left, 1)));
    // A left member is not probed: a full round of probes never targets n2.
    for _ in 0..8 {
        let lines = n3.fire("probe-tick");
        assert!(!has(&lines, "send n2 ping"), "{lines:?}");
        n3.now += Duration::from_secs(1);
        let _ = n3.fire("probe-timeout");
        let _ = n3.fire("probe-deadline");
    }
    // After the leave timeout the leaver goes silent and refuses commands.
    let lines = n2.fire("leave-done");
    let _ = lines;
    assert_eq!(n2.g.phase(), quorate_gossip::Phase::Left);
    assert!(n2
        .g
        .step(n2.now, Input::Command(Command::Leave), &mut n2.out)
        .is_err());
}

/// Runs one probe of n1 that gets no ack, with `nacks` of its helpers answering nack.
fn failed_probe(lifeguard: Lifeguard, nacks: usize) -> (Vec<String>, u32) {
    let c = Config {
        lifeguard,
        ..config(10)
    };
    let mut n1 = Node::boot(1, &c);
    let lines = n1.fire("probe-tick");
    let ping = lines
        .iter()
        .find(|l| l.contains(" ping seq="))
        .expect("a ping")
        .clone();
    let target: u32 = ping["send n".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let seq = 1;
    let reqs = n1.fire("probe-timeout");
    let helpers: Vec<u32> = reqs
        .iter()
        .filter(|l| l.contains("ping-req"))
        .map(|l| {
            l["send n".len()..]
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(helpers.len(), 3, "{reqs:?}");
    assert!(reqs
        .iter()
        .all(|l| !l.contains("ping-req") || l.contains(&format!("target=n{target}"))));
    for &h in helpers.iter().take(nacks) {
        n1.recv(
            h,
            Msg::Nack {
                seq,
                piggyback: vec![],
            },
        );
    }
    let end = n1.fire("probe-deadline");
    assert!(
        has(&end, &format!("emit member n{target} suspect")),
        "{end:?}"
    );
    (end, n1.g.awareness().score())
}

#[test]
fn a_nack_raises_the_requesters_local_health_only_as_memberlist_does() {
    // memberlist probeNode: a failed probe costs one point per expected nack that did not come.
    assert_eq!(
        failed_probe(Lifeguard::ON, 3).1,
        0,
        "all helpers nacked: the target is the problem, not us"
    );
    assert_eq!(failed_probe(Lifeguard::ON, 2).1, 1);
    assert_eq!(failed_probe(Lifeguard::ON, 1).1, 2);
    let (lines, score) = failed_probe(Lifeguard::ON, 0);
    assert_eq!(score, 3, "no nack at all: we are probably the one cut off");
    assert!(has(&lines, "emit local health score=3"));
    // With local health off, helpers are not asked to nack and the score never moves.
    assert_eq!(
        failed_probe(
            Lifeguard {
                local_health: false,
                ..Lifeguard::ON
            },
            0
        )
        .1,
        0
    );

    // A successful probe lowers the score by one; the probe period scales with (score + 1).
    let c = config(10);
    let mut n1 = Node::boot(1, &c);
    n1.g = {
        let mut g = n1.g.clone();
        // Drive the score up through refutations (each +1).
        let mut out = Outbox::new();
        for inc in 1..=3 {
            let msg = Msg::Gossip {
                updates: vec![Update::Suspect {
                    node: n(1),
                    incarnation: inc * 10,
                    from: n(2),
                }],
            };
            g.step(n1.now, Input::Message { from: n(2), msg }, &mut out)
                .unwrap();
        }
        g
    };
    assert_eq!(n1.g.awareness().score(), 3);
    n1.fire("probe-tick");
    let p = n1.g.status().probe.expect("a probe in flight");
    assert_eq!(
        p.deadline.since(p.started),
        Duration::from_secs(4),
        "period scaled by score + 1"
    );
    let lines = n1.recv(
        2,
        Msg::Ack {
            seq: 1,
            piggyback: vec![],
        },
    );
    assert!(has(&lines, "emit local health score=2"), "{lines:?}");
}

#[test]
fn a_nack_after_the_probe_period_does_not_count() {
    // memberlist counts nacks when the probe period ends. A helper nacks `probe_timeout` after the
    // ping-req, which itself left `probe_timeout` after the ping: with LAN defaults (500 ms, 1 s) and a
    // score of 0 that is just after the period, so a probe of a dead member costs the full +3. (Known
    // in memberlist; Lifeguard's footnote 5 and swift-cluster-membership#6 discuss it.)
    let c = config(10);
    let mut n1 = Node::boot(1, &c);
    n1.fire("probe-tick");
    n1.fire("probe-timeout");
    let end = n1.fire("probe-deadline");
    assert!(has(&end, "emit local health score=3"), "{end:?}");
    for h in 2..=4 {
        assert!(
            n1.recv(
                h,
                Msg::Nack {
                    seq: 1,
                    piggyback: vec![]
                }
            )
            .is_empty(),
            "late nacks change nothing"
        );
    }
    assert_eq!(n1.g.awareness().score(), 3);
}

#[test]
fn a_helper_relays_the_ack_or_nacks_after_the_probe_timeout() {
    let c = config(5);
    let mut n2 = Node::boot(2, &c);
    let lines = n2.recv(
        1,
        Msg::PingReq {
            seq: 7,
            target: n(3),
            nack: true,
            piggyback: vec![],
        },
    );
    assert_eq!(
        lines,
        vec![
            "send n3 ping seq=1 target=n3",
            "timer 500ms relay-timeout seq=1"
        ]
    );
    let lines = n2.recv(
        3,
        Msg::Ack {
            seq: 1,
            piggyback: vec![],
        },
    );
    assert_eq!(lines, vec!["send n1 ack seq=7"]);
    assert!(n2.fire("relay-timeout").is_empty(), "acked: no nack");
    n2.recv(
        1,
        Msg::PingReq {
            seq: 8,
            target: n(4),
            nack: true,
            piggyback: vec![],
        },
    );
    assert_eq!(n2.fire("relay-timeout"), vec!["send n1 nack seq=8"]);
}

/// Gossip rounds until the queue is empty, so that what a ping carries is not ordinary piggyback.
fn drain_queue(node: &mut Node) {
    while !node.g.queue().is_empty() {
        node.fire("gossip-tick");
    }
}

#[test]
fn a_ping_to_a_suspect_carries_the_suspicion_and_the_suspect_refutes_at_once() {
    // Buddy system (Lifeguard IV-C).
    let c = config(2);
    let mut n1 = Node::boot(1, &c);
    n1.gossip(
        2,
        Update::Suspect {
            node: n(2),
            incarnation: 1,
            from: n(1),
        },
    );
    drain_queue(&mut n1);
    let lines = n1.fire("probe-tick");
    assert_eq!(
        lines[1], "send n2 ping seq=1 target=n2 +suspect(n2 inc=1 by=n1)",
        "{lines:?}"
    );
    let mut n2 = Node::boot(2, &c);
    let msg = Msg::Ping {
        seq: 1,
        target: n(2),
        piggyback: vec![Update::Suspect {
            node: n(2),
            incarnation: 1,
            from: n(1),
        }],
    };
    let lines = n2.recv(1, msg);
    assert_eq!(lines[0], "send n1 ack seq=1");
    assert!(has(&lines, "emit refuted suspect now inc=2"), "{lines:?}");
    // Without the buddy system the ping is plain.
    let c = Config {
        lifeguard: Lifeguard {
            buddy: false,
            ..Lifeguard::ON
        },
        ..config(2)
    };
    let mut n1 = Node::boot(1, &c);
    n1.gossip(
        2,
        Update::Suspect {
            node: n(2),
            incarnation: 1,
            from: n(1),
        },
    );
    drain_queue(&mut n1);
    let lines = n1.fire("probe-tick");
    assert!(
        lines[1].starts_with("send n2 ping seq=1 target=n2"),
        "{lines:?}"
    );
    assert!(!lines[1].contains("+suspect"), "{lines:?}");
}

/// The suspicion timer armed when `confirmations` independent members confirm a suspicion of n5 in a
/// 30-member cluster (K = SuspicionMult - 2 = 2 wanted).
#[test]
fn suspicion_timeout_follows_the_formula_for_0_1_2_confirmations() {
    let c = config(30);
    let mut n1 = Node::boot(1, &c);
    let min = theory::suspicion_min(4, 30, Duration::from_secs(1));
    let max = min.saturating_mul(6);
    assert_eq!(min, Duration::from_millis(5_908));
    let lines = n1.gossip(
        2,
        Update::Suspect {
            node: n(5),
            incarnation: 1,
            from: n(2),
        },
    );
    assert!(
        has(&lines, &format!("timer {max} suspicion-timeout n5")),
        "0 confirmations: max; {lines:?}"
    );
    // The accuser cannot confirm itself.
    assert!(n1
        .gossip(
            2,
            Update::Suspect {
                node: n(5),
                incarnation: 1,
                from: n(2)
            }
        )
        .is_empty());
    let one = theory::suspicion_timeout(1, 2, min, max);
    let expect_one = max.as_secs_f64() - (max - min).as_secs_f64() * 2f64.ln() / 3f64.ln();
    assert_eq!(
        one,
        Duration::from_millis((expect_one * 1000.0).floor() as u64)
    );
    n1.now += Duration::from_secs(1);
    let lines = n1.gossip(
        3,
        Update::Suspect {
            node: n(5),
            incarnation: 1,
            from: n(3),
        },
    );
    let remaining = one - Duration::from_secs(1);
    assert!(
        has(
            &lines,
            &format!("emit suspicion n5 confirmed by=n3 1/2 timeout={one}")
        ),
        "{lines:?}"
    );
    assert!(
        has(&lines, &format!("timer {remaining} suspicion-timeout n5")),
        "1 confirmation; {lines:?}"
    );
    assert_eq!(
        n1.queued(),
        vec!["suspect(n5 inc=1 by=n3)"],
        "a counted confirmation is re-gossiped"
    );
    let lines = n1.gossip(
        4,
        Update::Suspect {
            node: n(5),
            incarnation: 1,
            from: n(4),
        },
    );
    let remaining = min - Duration::from_secs(1);
    assert!(
        has(&lines, &format!("timer {remaining} suspicion-timeout n5")),
        "2 confirmations: min; {lines:?}"
    );
    // Stale timers (armed before the confirmations) are ignored; the current one declares n5 dead.
    let first = n1
        .timers
        .iter()
        .find(|(_, t)| t.to_string() == "suspicion-timeout n5")
        .unwrap()
        .1
        .clone();
    n1.now = SimTime::ZERO + min;
    let lines = n1.step(Input::Timer(first));
    assert!(
        lines.is_empty(),
        "the max-timeout timer is stale: {lines:?}"
    );
    let lines = n1.fire("suspicion-timeout n5");
    assert!(has(&lines, "emit member n5 dead inc=1 by=n1"), "{lines:?}");
    assert_eq!(n1.state_of(5), Some((State::Dead, 1)));

    // Dynamic suspicion off: every suspicion lasts min.
    let c = Config {
        lifeguard: Lifeguard {
            dynamic_suspicion: false,
            ..Lifeguard::ON
        },
        ..config(30)
    };
    let mut n1 = Node::boot(1, &c);
    let lines = n1.gossip(
        2,
        Update::Suspect {
            node: n(5),
            incarnation: 1,
            from: n(2),
        },
    );
    assert!(
        has(&lines, &format!("timer {min} suspicion-timeout n5")),
        "{lines:?}"
    );
    // Too few members to expect confirmations (n - 2 < K): min at once.
    let mut small = Node::boot(1, &config(3));
    let lines = small.gossip(
        2,
        Update::Suspect {
            node: n(3),
            incarnation: 1,
            from: n(2),
        },
    );
    assert!(has(&lines, "timer 4s suspicion-timeout n3"), "{lines:?}");
}

#[test]
fn a_user_event_is_delivered_once_and_re_gossiped_once() {
    let c = config(5);
    let mut n1 = Node::boot(1, &c);
    let lines = n1.step(Input::Command(Command::Event {
        name: "deploy".into(),
        payload: "v2".into(),
    }));
    assert_eq!(lines, vec!["emit user event deploy@0 received"]);
    let mut n2 = Node::boot(2, &c);
    let ev = n1.g.status().queue[0].update.clone();
    assert_eq!(
        n2.gossip(1, ev.clone()),
        vec!["emit user event deploy@0 received"]
    );
    assert!(
        n2.gossip(3, ev).is_empty(),
        "duplicates are dropped by the event buffer"
    );
    assert_eq!(n2.queued(), vec!["event(deploy@0)"]);
    assert_eq!(
        n2.g.status().lamport,
        1,
        "the Lamport clock witnessed the event"
    );
}

#[test]
fn failed_commands_change_nothing() {
    let c = config(3);
    let mut n1 = Node::boot(1, &c);
    let before = serde_json::to_string(&n1.g).unwrap();
    let big = "x".repeat(600);
    let err = n1.g.step(
        n1.now,
        Input::Command(Command::Event {
            name: big,
            payload: String::new(),
        }),
        &mut n1.out,
    );
    assert!(err.is_err());
    assert!(n1
        .g
        .step(n1.now, Input::Command(Command::Join(n(1))), &mut n1.out)
        .is_err());
    assert!(n1.out.is_empty());
    assert_eq!(serde_json::to_string(&n1.g).unwrap(), before);
}

#[test]
fn dead_news_about_a_suspect_clears_its_timer_and_a_restart_rejoins_above_its_old_life() {
    let c = config(5);
    let mut n3 = Node::boot(3, &c);
    n3.gossip(
        2,
        Update::Suspect {
            node: n(4),
            incarnation: 1,
            from: n(2),
        },
    );
    let lines = n3.gossip(
        2,
        Update::Dead {
            node: n(4),
            incarnation: 1,
            from: n(2),
        },
    );
    assert_eq!(lines, vec!["emit member n4 dead inc=1 by=n2"]);
    assert!(n3.g.suspicions().is_empty());
    // n4 restarts from its durable incarnation and announces itself one above.
    let mut durable = quorate_gossip::Durable::default();
    Gossip::apply_persist(&mut durable, &quorate_gossip::Persist::Incarnation(1));
    let mut n4 = Gossip::boot(n(4), &c, Some(&durable), NodeRng::for_node(1, n(4), 1));
    let mut out = Outbox::new();
    n4.step(SimTime::ZERO, Input::Start, &mut out).unwrap();
    let text: Vec<String> = out.drain().map(|e| format!("{e:?}")).collect();
    assert!(text[0].contains("Incarnation(2)"), "{text:?}");
    assert!(
        text.iter()
            .any(|t| t.contains("PushPull") && t.contains("join: true")),
        "rejoins through a member: {text:?}"
    );
    let lines = n3.gossip(
        4,
        Update::Alive {
            node: n(4),
            incarnation: 2,
        },
    );
    assert_eq!(lines, vec!["emit member n4 alive inc=2"]);
}
