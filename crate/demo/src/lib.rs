//! The heartbeat engine: the smallest engine that exercises everything the world offers.
//!
//! Every `interval` each node increments its beat counter, makes it durable, and sends `beat <n>` to every
//! peer. A node remembers the last beat heard from each peer (volatile) and reports a gap when beats went
//! missing: after a partition, a loss, or the peer's restart. Its own counter survives a crash; what it
//! heard does not.

pub mod workload;

use std::collections::BTreeMap;
use std::fmt;

use quorate_core::{
    Duration, Engine, EngineError, Input, NodeId, NodeRng, Outbox, ScriptError, Scripted, SimTime,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Every node of the cluster, this one included.
    pub peers: Vec<NodeId>,
    /// Time between two beats. Must be non-zero.
    pub interval: Duration,
}

impl Config {
    pub fn new(peers: Vec<NodeId>) -> Config {
        Config {
            peers,
            interval: Duration::from_millis(100),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Heartbeat {
    id: NodeId,
    peers: Vec<NodeId>,
    interval: Duration,
    /// Beats sent so far. Durable: restored from the persisted count after a crash.
    beats: u64,
    /// Last beat number heard per peer. Volatile.
    heard: BTreeMap<NodeId, u64>,
    /// Token of the live tick timer; a tick carrying another epoch is stale.
    epoch: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Msg {
    Beat { n: u64 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Timer {
    Tick { epoch: u64 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Beat now, out of turn, and restart the interval.
    BeatNow,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// Beats from `from` went missing: the last heard was `last`, this one is `now`.
    Gap { from: NodeId, last: u64, now: u64 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Persist {
    Beats(u64),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub beats: u64,
    pub heard: BTreeMap<NodeId, u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum Error {
    #[error("message from {0}, which is not a peer")]
    NotAPeer(NodeId),
}

impl EngineError for Error {}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Beat { n } => write!(f, "beat {n}"),
        }
    }
}
impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timer::Tick { epoch } => write!(f, "tick epoch={epoch}"),
        }
    }
}
impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::BeatNow => f.write_str("beat-now"),
        }
    }
}
impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Gap { from, last, now } => write!(f, "gap from={from} last={last} now={now}"),
        }
    }
}
impl fmt::Display for Persist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Persist::Beats(n) => write!(f, "beats={n}"),
        }
    }
}

impl Heartbeat {
    fn beat(&mut self, out: &mut Outbox<Self>) {
        self.beats += 1;
        self.epoch += 1;
        // Durable before the beat leaves: a restarted node never reuses a number it already sent.
        out.persist(Persist::Beats(self.beats));
        for &peer in &self.peers {
            if peer != self.id {
                out.send(peer, Msg::Beat { n: self.beats });
            }
        }
        out.set_timer(self.interval, Timer::Tick { epoch: self.epoch });
    }
}

impl Engine for Heartbeat {
    type Msg = Msg;
    type Timer = Timer;
    type Command = Command;
    type Event = Event;
    type Persist = Persist;
    type Durable = u64;
    type Config = Config;
    type Status = Status;
    type Error = Error;

    fn boot(id: NodeId, config: &Config, durable: Option<&u64>, _rng: NodeRng) -> Self {
        Heartbeat {
            id,
            peers: config.peers.clone(),
            interval: config.interval,
            beats: durable.copied().unwrap_or(0),
            heard: BTreeMap::new(),
            epoch: 0,
        }
    }

    fn step(
        &mut self,
        _now: SimTime,
        input: Input<Self>,
        out: &mut Outbox<Self>,
    ) -> Result<(), Error> {
        match input {
            Input::Start | Input::Command(Command::BeatNow) => self.beat(out),
            Input::Timer(Timer::Tick { epoch }) => {
                if epoch == self.epoch {
                    self.beat(out);
                }
            }
            Input::Message {
                from,
                msg: Msg::Beat { n },
            } => {
                if !self.peers.contains(&from) {
                    return Err(Error::NotAPeer(from));
                }
                let last = self.heard.get(&from).copied().unwrap_or(0);
                if n > last + 1 && last > 0 {
                    out.emit(Event::Gap { from, last, now: n });
                }
                self.heard.insert(from, last.max(n));
            }
        }
        Ok(())
    }

    fn status(&self) -> Status {
        Status {
            beats: self.beats,
            heard: self.heard.clone(),
        }
    }

    fn apply_persist(durable: &mut u64, write: &Persist) {
        let Persist::Beats(n) = write;
        *durable = *n;
    }
}

impl Scripted for Heartbeat {
    const NAME: &'static str = "demo";

    fn configure(nodes: &[NodeId], params: &[(String, String)]) -> Result<Config, ScriptError> {
        let mut config = Config::new(nodes.to_vec());
        for (i, (key, value)) in params.iter().enumerate() {
            match key.as_str() {
                "interval" => {
                    config.interval = Duration::parse(value)
                        .filter(|d| *d > Duration::ZERO)
                        .ok_or_else(|| ScriptError::new(i, format!("interval must be a positive duration like 100ms, got `{value}`")))?;
                }
                _ => {
                    return Err(ScriptError::new(
                        i,
                        format!("unknown param `{key}` for engine demo (known: interval)"),
                    ))
                }
            }
        }
        Ok(config)
    }

    fn parse_command(words: &[&str]) -> Result<Command, ScriptError> {
        match words {
            ["beat-now"] => Ok(Command::BeatNow),
            [] => Err(ScriptError::new(
                0,
                "missing command (demo knows: beat-now)",
            )),
            [other, ..] if *other != "beat-now" => Err(ScriptError::new(
                0,
                format!("unknown command `{other}` (demo knows: beat-now)"),
            )),
            _ => Err(ScriptError::new(1, "beat-now takes no arguments")),
        }
    }

    fn script_help() -> &'static str {
        "param interval <duration>   time between beats (default 100ms)\nclient <node> beat-now        beat at once"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: u32, durable: Option<u64>) -> Heartbeat {
        let config = Config::new(vec![NodeId(1), NodeId(2), NodeId(3)]);
        Heartbeat::boot(
            NodeId(id),
            &config,
            durable.as_ref(),
            NodeRng::for_node(1, NodeId(id), 0),
        )
    }

    #[test]
    fn a_beat_is_durable_before_it_is_sent() {
        let mut n = node(1, None);
        let mut out = Outbox::new();
        n.step(SimTime::ZERO, Input::Start, &mut out).unwrap();
        let text: Vec<String> = out.effects().iter().map(|e| format!("{e:?}")).collect();
        assert!(text[0].starts_with("Persist(Beats(1))"), "{text:?}");
        assert_eq!(text.len(), 4, "persist, two sends, one timer: {text:?}");
    }

    #[test]
    fn a_restarted_node_continues_its_count_and_forgets_what_it_heard() {
        let mut n = node(1, Some(41));
        let mut out = Outbox::new();
        n.step(SimTime::ZERO, Input::Start, &mut out).unwrap();
        assert_eq!(n.status().beats, 42);
        assert!(n.status().heard.is_empty());
    }

    #[test]
    fn stale_ticks_are_ignored() {
        let mut n = node(1, None);
        let mut out = Outbox::new();
        n.step(SimTime::ZERO, Input::Start, &mut out).unwrap();
        n.step(SimTime::ZERO, Input::Command(Command::BeatNow), &mut out)
            .unwrap();
        out.drain().for_each(drop);
        n.step(
            SimTime::from_millis(100),
            Input::Timer(Timer::Tick { epoch: 1 }),
            &mut out,
        )
        .unwrap();
        assert!(out.is_empty());
        assert_eq!(n.status().beats, 2);
    }

    #[test]
    fn gaps_are_reported_and_strangers_rejected() {
        let mut n = node(1, None);
        let mut out = Outbox::new();
        n.step(
            SimTime::ZERO,
            Input::Message {
                from: NodeId(2),
                msg: Msg::Beat { n: 1 },
            },
            &mut out,
        )
        .unwrap();
        n.step(
            SimTime::ZERO,
            Input::Message {
                from: NodeId(2),
                msg: Msg::Beat { n: 4 },
            },
            &mut out,
        )
        .unwrap();
        assert_eq!(out.effects().len(), 1);
        let err = n.step(
            SimTime::ZERO,
            Input::Message {
                from: NodeId(9),
                msg: Msg::Beat { n: 1 },
            },
            &mut out,
        );
        assert_eq!(err, Err(Error::NotAPeer(NodeId(9))));
    }
}
