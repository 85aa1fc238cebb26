//! A hosted world gives the inline trace record for record, however its calls are batched.
//!
//! `Churn` is an engine made to catch any reordering: every input folds into a running hash that it
//! emits and sends on, so a node that sees two inputs the other way round (or an input at another time)
//! changes every later record. It sets timers due right away or on the same half-millisecond grid the
//! fixed-latency links deliver on (inputs of one node at equal times, a node's own timer between two of
//! its queued messages), sends to itself, and the runs kill, restart, pause, slow and partition nodes.

use std::collections::BTreeMap;
use std::fmt;

use quorate_core::{Duration, Engine, EngineError, Input, NodeId, NodeRng, Outbox, SimTime};
use quorate_sim::{
    node_ids, Drive, Latency, LinkParams, NodeHost, TraceMode, World, WorldCommand, WorldConfig,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Churn {
    id: NodeId,
    peers: Vec<NodeId>,
    hash: u64,
    /// Timers set and not yet fired: a node with none arms one, so every node keeps going.
    armed: u32,
    rng: NodeRng,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Word(u64);

impl fmt::Display for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Never;

impl fmt::Display for Never {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("never")
    }
}

impl EngineError for Never {}

fn mix(hash: u64, word: u64) -> u64 {
    (hash ^ word)
        .wrapping_mul(0x0000_0100_0000_01b3)
        .rotate_left(17)
}

impl Engine for Churn {
    type Msg = Word;
    type Timer = Word;
    type Command = Word;
    type Event = Word;
    type Persist = Word;
    type Durable = u64;
    type Config = Vec<NodeId>;
    type Status = u64;
    type Error = Never;

    fn boot(id: NodeId, peers: &Vec<NodeId>, durable: Option<&u64>, rng: NodeRng) -> Churn {
        Churn {
            id,
            peers: peers.clone(),
            hash: durable.copied().unwrap_or(u64::from(id.0)),
            armed: 0,
            rng,
        }
    }

    fn step(
        &mut self,
        now: SimTime,
        input: Input<Churn>,
        out: &mut Outbox<Churn>,
    ) -> Result<(), Never> {
        let word = match &input {
            Input::Start => 1,
            Input::Message { from, msg } => mix(u64::from(from.0), msg.0),
            Input::Timer(t) => mix(2, t.0),
            Input::Command(c) => mix(3, c.0),
        };
        self.hash = mix(mix(self.hash, word), now.as_micros());
        out.emit(Word(self.hash));
        if matches!(input, Input::Timer(_)) {
            self.armed = self.armed.saturating_sub(1);
        }
        let rng = &mut self.rng;
        if self.armed == 0 || rng.chance(0.3) {
            self.armed += 1;
            // Due now, or on the half-millisecond grid (the links' grid too).
            let after = Duration::from_micros(500 * rng.below(4));
            out.set_timer(after, Word(self.hash));
        }
        if rng.chance(0.05) {
            out.persist(Word(self.hash));
        }
        let sends = if rng.chance(0.5) { 1 } else { 0 } + if rng.chance(0.1) { 1 } else { 0 };
        for _ in 0..sends {
            // Now and then to itself.
            let to = if rng.chance(0.1) {
                self.id
            } else {
                self.peers[rng.below(self.peers.len() as u64) as usize]
            };
            out.send(to, Word(self.hash));
        }
        Ok(())
    }

    fn status(&self) -> u64 {
        self.hash
    }

    fn apply_persist(durable: &mut u64, write: &Word) {
        *durable = write.0;
    }
}

fn config(seed: u64, latency: Latency) -> WorldConfig<Churn> {
    let ids = node_ids(5);
    WorldConfig {
        seed,
        nodes: ids.clone(),
        engine: ids,
        network: LinkParams {
            latency,
            ..LinkParams::default()
        },
    }
}

/// Faults at fixed times: they end plans and start nodes again mid-run.
fn schedule(world: &mut World<Churn>) {
    let ms = SimTime::from_micros;
    let n = NodeId;
    world.schedule(ms(40_000), WorldCommand::Kill(n(2)));
    world.schedule(
        ms(40_000),
        WorldCommand::Client {
            node: n(3),
            cmd: Word(7),
        },
    );
    world.schedule(ms(65_500), WorldCommand::Restart(n(2)));
    world.schedule(ms(80_000), WorldCommand::Pause(n(4)));
    world.schedule(ms(90_000), WorldCommand::Resume(n(4)));
    world.schedule(
        ms(100_000),
        WorldCommand::Slow {
            node: n(5),
            delay: Duration::from_micros(700),
        },
    );
    world.schedule(
        ms(120_000),
        WorldCommand::Partition(vec![
            [n(1), n(2)].into_iter().collect(),
            [n(3), n(4), n(5)].into_iter().collect(),
        ]),
    );
    world.schedule(ms(140_000), WorldCommand::Heal);
    world.schedule(
        ms(150_000),
        WorldCommand::Slow {
            node: n(5),
            delay: Duration::ZERO,
        },
    );
}

const UNTIL: SimTime = SimTime::from_micros(200_000);

fn inline_trace(seed: u64, latency: Latency) -> Vec<String> {
    let mut world = World::with_trace(config(seed, latency), TraceMode::Keep);
    schedule(&mut world);
    world.run_until(UNTIL);
    world.take_records().iter().map(|r| r.to_string()).collect()
}

/// What a hosted run did: its trace, and how it was called.
struct Hosted {
    trace: Vec<String>,
    rounds: u64,
    steps: u64,
    /// Steps a plan called past the certain ones.
    guessed: u64,
    /// Calls that told a host to undo steps.
    rewinds: u64,
}

/// Counts the rounds of calls in a row that processed no event: a world planning the same steps forever
/// (a host that cannot undo what the world takes back, an answer the world cannot use) fails a test
/// with where it stuck instead of hanging it.
struct Stall {
    idle: u32,
    events: u64,
}

impl Stall {
    const LIMIT: u32 = 1_000;

    fn new() -> Stall {
        Stall { idle: 0, events: 0 }
    }

    /// After a round of calls (or a drive), with the world's event count then.
    fn check(&mut self, events: u64) -> Result<(), String> {
        if events == self.events {
            self.idle += 1;
        } else {
            (self.idle, self.events) = (0, events);
        }
        if self.idle > Self::LIMIT {
            return Err(format!(
                "{} rounds of calls without an event, at event {events}",
                Self::LIMIT
            ));
        }
        Ok(())
    }
}

/// Drives a hosted world with one host per node, answering each batch of calls in an order and with
/// event budgets drawn from `seed` (neither may change anything); plans speculate `speculation` minimum
/// delays ahead.
fn hosted_trace(seed: u64, latency: Latency, speculation: u32) -> Hosted {
    let mut world = World::hosted(config(seed, latency), TraceMode::Keep);
    world.set_speculation(speculation);
    schedule(&mut world);
    let mut hosts = hosts();
    let mut pick = NodeRng::for_world(seed ^ 0x5eed);
    let (mut rounds, mut steps, mut guessed, mut rewinds) = (0, 0, 0, 0);
    let mut stall = Stall::new();
    loop {
        stall
            .check(world.events())
            .unwrap_or_else(|e| panic!("{e}"));
        let budget = 1 + pick.below(200);
        match world.drive(Some(UNTIL), budget) {
            Drive::Done if world.next_event_time().is_none_or(|t| t > UNTIL) => break,
            Drive::Done => {}
            Drive::Need(calls) => {
                rounds += 1;
                for call in &calls {
                    steps += call.steps.len() as u64;
                    guessed += (call.steps.len() - call.sure) as u64;
                    rewinds += u64::from(call.rewind.is_some());
                }
                answer_all(&mut world, &mut hosts, calls, &mut pick);
            }
        }
    }
    Hosted {
        trace: world.take_records().iter().map(|r| r.to_string()).collect(),
        rounds,
        steps,
        guessed,
        rewinds,
    }
}

const LATENCIES: [(&str, Latency); 4] = [
    ("fixed 1 ms", Latency::Fixed(Duration::from_millis(1))),
    ("fixed 500 us", Latency::Fixed(Duration::from_micros(500))),
    (
        "uniform 1-5 ms",
        Latency::Uniform {
            min: Duration::from_millis(1),
            max: Duration::from_millis(5),
        },
    ),
    ("fixed 0", Latency::Fixed(Duration::ZERO)),
];

/// Runs every latency for seeds 1..=25 hosted with this speculation, and checks each trace
/// record by record against the inline world's.
fn compare_with_inline(speculation: u32, test: &str) -> Hosted {
    let mut all = Hosted {
        trace: Vec::new(),
        rounds: 0,
        steps: 0,
        guessed: 0,
        rewinds: 0,
    };
    for (name, latency) in LATENCIES {
        for seed in 1..=25 {
            let reproduce = format!("cargo test -p quorate-sim --test hosted {test}");
            let inline = inline_trace(seed, latency);
            let hosted = std::panic::catch_unwind(|| hosted_trace(seed, latency, speculation))
                .unwrap_or_else(|_| {
                    panic!("seed {seed}, latency {name}: the hosted world panicked (reproduce: {reproduce})")
                });
            all.rounds += hosted.rounds;
            all.steps += hosted.steps;
            all.guessed += hosted.guessed;
            all.rewinds += hosted.rewinds;
            let hosted = hosted.trace;
            if let Some(at) =
                (0..inline.len().max(hosted.len())).find(|&i| inline.get(i) != hosted.get(i))
            {
                panic!(
                    "seed {seed}, latency {name}: the hosted trace departs from the inline one at record \
                     {at}:\n  inline: {:?}\n  hosted: {:?}\n(reproduce: {reproduce})",
                    inline.get(at),
                    hosted.get(at)
                );
            }
            assert!(
                inline.len() > 1_000,
                "seed {seed}, latency {name}: too quiet a run"
            );
        }
    }
    all
}

#[test]
fn batched_hosted_calls_give_the_inline_trace() {
    let all = compare_with_inline(0, "batched_hosted_calls_give_the_inline_trace");
    // The batching is exercised: calls carry several steps on average.
    assert!(
        all.steps > all.rounds * 2,
        "{} steps in {} rounds",
        all.steps,
        all.rounds
    );
    assert_eq!(all.guessed + all.rewinds, 0, "no speculation was asked for");
}

#[test]
fn speculative_calls_give_the_inline_trace() {
    for span in [3, 10] {
        let all = compare_with_inline(span, "speculative_calls_give_the_inline_trace");
        // Both sides are exercised: steps are guessed, and some guesses are undone.
        assert!(
            all.guessed > all.steps / 10 && all.rewinds > 100,
            "span {span} delays: {} of {} steps guessed, {} rewinds",
            all.guessed,
            all.steps,
            all.rewinds
        );
        println!(
            "span {span} delays: {} rounds, {} steps, {} guessed, {} rewinds",
            all.rounds, all.steps, all.guessed, all.rewinds
        );
    }
}

/// Makes one round of calls, answered in an order drawn from `pick`.
fn answer_all(
    world: &mut World<Churn>,
    hosts: &mut BTreeMap<NodeId, NodeHost<Churn>>,
    mut calls: Vec<quorate_sim::Call<Churn>>,
    pick: &mut NodeRng,
) {
    pick.shuffle(&mut calls);
    for call in calls {
        let host = hosts.get_mut(&call.node).expect("a host per node");
        for (key, answer) in host.run(call).expect("a call the host can run") {
            world.answer(key, host.id, answer);
        }
    }
}

fn hosts() -> BTreeMap<NodeId, NodeHost<Churn>> {
    node_ids(5)
        .into_iter()
        .map(|id| (id, NodeHost::new(id)))
        .collect()
}

/// A command from outside the world, as a person gives it between frames.
fn outside_command(pick: &mut NodeRng) -> WorldCommand<Word> {
    let node = NodeId(1 + pick.below(5) as u32);
    match pick.below(6) {
        0 => WorldCommand::Pause(node),
        1 => WorldCommand::Resume(node),
        2 => WorldCommand::Client {
            node,
            cmd: Word(pick.below(1_000)),
        },
        3 => WorldCommand::Slow {
            node,
            delay: Duration::from_micros(500 * pick.below(3)),
        },
        4 => WorldCommand::Kill(node),
        _ => WorldCommand::Restart(node),
    }
}

/// A command applied from outside, at the world's event count and time then.
type Applied = (u64, SimTime, WorldCommand<Word>);

/// A hosted run whose commands come from outside, between drives with random budgets, as a session's
/// live commands do: each where a drive ended, once the answers still waiting are used up. Returns its
/// trace and the commands with their moments.
fn live_commands(
    seed: u64,
    latency: Latency,
    speculation: u32,
) -> Result<(Vec<String>, Vec<Applied>), String> {
    let mut world = World::hosted(config(seed, latency), TraceMode::Keep);
    world.set_speculation(speculation);
    let mut hosts = hosts();
    let mut pick = NodeRng::for_world(seed ^ 0xc0de);
    let mut applied = Vec::new();
    let mut stall = Stall::new();
    loop {
        stall.check(world.events())?;
        match world.drive(Some(UNTIL), 1 + pick.below(60)) {
            Drive::Need(calls) => answer_all(&mut world, &mut hosts, calls, &mut pick),
            Drive::Done if world.next_event_time().is_none_or(|t| t > UNTIL) => break,
            Drive::Done => {}
        }
        if !pick.chance(0.05) {
            continue;
        }
        // A drive ends here: it drives on with no budget until no answer waits.
        while !world.is_caught_up() {
            stall.check(world.events())?;
            if let Drive::Need(calls) = world.drive(Some(UNTIL), 0) {
                answer_all(&mut world, &mut hosts, calls, &mut pick);
            }
        }
        let command = outside_command(&mut pick);
        if world.apply(command.clone()).is_ok() {
            applied.push((world.events(), world.now(), command));
        }
    }
    let trace = world.take_records().iter().map(|r| r.to_string()).collect();
    Ok((trace, applied))
}

/// The same commands at their moments, inline.
fn replayed_inline(seed: u64, latency: Latency, applied: &[Applied]) -> Vec<String> {
    let mut world = World::with_trace(config(seed, latency), TraceMode::Keep);
    for (events, at, command) in applied {
        world.catch_up(*events, *at);
        world
            .apply(command.clone())
            .expect("a command that took in the hosted run");
    }
    world.run_until(UNTIL);
    world.take_records().iter().map(|r| r.to_string()).collect()
}

/// The same commands at their moments, hosted: each reached with `drive_exact`, as a session replays a
/// branch's log, which must land on the recorded event count with every host caught up. Also how many
/// rounds of calls reaching the commands took.
fn replayed_hosted(
    seed: u64,
    latency: Latency,
    speculation: u32,
    applied: &[Applied],
) -> Result<(Vec<String>, u64), String> {
    let mut world = World::hosted(config(seed, latency), TraceMode::Keep);
    world.set_speculation(speculation);
    let mut hosts = hosts();
    let mut pick = NodeRng::for_world(seed ^ 0xface);
    let mut rounds = 0;
    let mut stall = Stall::new();
    for (i, (events, at, command)) in applied.iter().enumerate() {
        while world.events() < *events || !world.is_caught_up() {
            stall
                .check(world.events())
                .map_err(|e| format!("command {i}: {e}"))?;
            let budget = (events.saturating_sub(world.events())).min(1 + pick.below(60));
            match world.drive_exact(Some(UNTIL), budget) {
                Drive::Need(calls) => {
                    rounds += 1;
                    answer_all(&mut world, &mut hosts, calls, &mut pick)
                }
                Drive::Done if world.events() < *events && world.next_event_time().is_none() => {
                    return Err(format!("command {i}: the world ran out of events"))
                }
                Drive::Done => {}
            }
        }
        if world.events() != *events {
            return Err(format!(
                "command {i} ({command:?}) was recorded after event {events}, reached at {}",
                world.events()
            ));
        }
        world.catch_up(*events, *at);
        world
            .apply(command.clone())
            .map_err(|e| format!("command {i} ({command:?}): {e}"))?;
    }
    loop {
        stall
            .check(world.events())
            .map_err(|e| format!("after the last command: {e}"))?;
        match world.drive(Some(UNTIL), 1 + pick.below(200)) {
            Drive::Need(calls) => answer_all(&mut world, &mut hosts, calls, &mut pick),
            Drive::Done if world.next_event_time().is_none_or(|t| t > UNTIL) => break,
            Drive::Done => {}
        }
    }
    Ok((
        world.take_records().iter().map(|r| r.to_string()).collect(),
        rounds,
    ))
}

fn first_difference(a: &[String], b: &[String]) -> Option<usize> {
    (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i))
}

#[test]
fn commands_from_outside_find_every_host_where_the_world_is() {
    let mut commands = 0;
    // Events before the last command of each run, and the rounds of calls the replay took to reach it.
    let (mut toward, mut rounds) = (0, 0);
    for speculation in [0, 3] {
        for (name, latency) in LATENCIES {
            for seed in 1..=10 {
                let reproduce = format!(
                    "seed {seed}, latency {name}, speculation {speculation} (reproduce: cargo test -p \
                     quorate-sim --test hosted commands_from_outside)"
                );
                let (live, applied) = live_commands(seed, latency, speculation)
                    .unwrap_or_else(|e| panic!("{reproduce}: live commands: {e}"));
                commands += applied.len();
                let inline = replayed_inline(seed, latency, &applied);
                if let Some(at) = first_difference(&inline, &live) {
                    panic!(
                        "{reproduce}: live commands: the hosted trace departs from the inline replay at \
                         record {at}:\n  inline: {:?}\n  hosted: {:?}",
                        inline.get(at),
                        live.get(at)
                    );
                }
                let (replayed, took) = replayed_hosted(seed, latency, speculation, &applied)
                    .unwrap_or_else(|e| panic!("{reproduce}: replayed hosted: {e}"));
                toward += applied.last().map_or(0, |(events, _, _)| *events);
                rounds += took;
                if let Some(at) = first_difference(&inline, &replayed) {
                    panic!(
                        "{reproduce}: the hosted replay departs from the inline one at record {at}:\n  \
                         inline: {:?}\n  hosted: {:?}",
                        inline.get(at),
                        replayed.get(at)
                    );
                }
            }
        }
    }
    assert!(commands > 500, "only {commands} commands took");
    // Calls toward a command carry several events (3.6 a round when this was written, 1.2 when
    // `drive_exact` called for one event at a time).
    let per_round = toward as f64 / rounds as f64;
    assert!(
        per_round > 2.5,
        "reaching the commands took {rounds} rounds for {toward} events ({per_round:.2} a round)"
    );
}
