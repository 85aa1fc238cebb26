//! Scenario hook: `engine gossip`, `param <key> <value>` and `client <node> <words>`.

use quorate_core::{Duration, NodeId, ScriptError, Scripted};

use crate::api::Command;
use crate::config::{Bootstrap, Config, Lifeguard, Preset, Rumor, Stop};
use crate::node::Gossip;

const HELP: &str = "\
param preset lan|wan|local            memberlist's defaults (first, before other params; default lan)
param bootstrap full|seed|manual      full: everyone knows everyone; seed: join through `seed` (default)
param seed nX                         the seed node for bootstrap seed (default: the first node)
param probe_interval 1s               ProbeInterval (> probe_timeout)
param probe_timeout 500ms             ProbeTimeout (< probe_interval)
param indirect_checks 3               IndirectChecks
param suspicion_mult 4                SuspicionMult (>= 1)
param suspicion_max_timeout_mult 6    SuspicionMaxTimeoutMult (>= 1)
param retransmit_mult 4               RetransmitMult (>= 1)
param gossip_interval 200ms           GossipInterval (0ms disables periodic gossip)
param gossip_nodes 3                  GossipNodes
param gossip_to_the_dead_time 30s     GossipToTheDeadTime
param push_pull_interval 30s          PushPullInterval (0ms disables)
param awareness_max_multiplier 8      AwarenessMaxMultiplier (>= 1)
param udp_buffer_size 1400            packet byte budget (>= 64)
param leave_timeout 5s                how long a leave is gossiped before going silent
param join_timeout 10s                how long a join waits for its seed
param lifeguard on|off                all three Lifeguard parts
param local_health on|off             Lifeguard LHA-Probe (awareness + nacks)
param dynamic_suspicion on|off        Lifeguard LHA-Suspicion
param buddy on|off                    Lifeguard buddy system
param event_buffer 512                Serf EventBuffer (>= 1)
param rumor serf|monger               how user events spread
param monger feedback|blind           rumor mongering: does the receiver say it knew the rumor
param monger_stop coin|counter        rumor mongering: lose interest by coin (1/k) or counter (k)
param monger_k 2                      rumor mongering parameter k (>= 1)
client nX join nY                     join the cluster through nY
client nX leave                       leave gracefully
client nX event <name> [payload]      broadcast a Serf user event";

fn on_off(i: usize, v: &str) -> Result<bool, ScriptError> {
    match v {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        _ => Err(ScriptError::new(
            i,
            format!("expected on or off, got `{v}`"),
        )),
    }
}

fn duration(i: usize, v: &str) -> Result<Duration, ScriptError> {
    Duration::parse(v).ok_or_else(|| {
        ScriptError::new(
            i,
            format!("expected a duration like 500ms or 1s, got `{v}`"),
        )
    })
}

fn number(i: usize, v: &str) -> Result<u32, ScriptError> {
    v.parse()
        .map_err(|_| ScriptError::new(i, format!("expected a whole number, got `{v}`")))
}

fn node(i: usize, v: &str) -> Result<NodeId, ScriptError> {
    NodeId::parse(v)
        .ok_or_else(|| ScriptError::new(i, format!("expected a node like n1, got `{v}`")))
}

impl Scripted for Gossip {
    const NAME: &'static str = "gossip";

    fn configure(nodes: &[NodeId], params: &[(String, String)]) -> Result<Config, ScriptError> {
        let mut c = Config::lan(nodes.to_vec());
        let (mut feedback, mut stop, mut k, mut monger) = (true, Stop::Coin, 2u32, false);
        for (i, (key, v)) in params.iter().enumerate() {
            let v = v.as_str();
            match key.as_str() {
                "preset" => {
                    let p = match v {
                        "lan" => Preset::Lan,
                        "wan" => Preset::Wan,
                        "local" => Preset::Local,
                        _ => {
                            return Err(ScriptError::new(
                                i,
                                format!("unknown preset `{v}` (lan, wan, local)"),
                            ))
                        }
                    };
                    let keep = (c.bootstrap, c.lifeguard);
                    c = Config::preset(p, nodes.to_vec());
                    (c.bootstrap, c.lifeguard) = keep;
                }
                "bootstrap" => {
                    c.bootstrap = match v {
                        "full" => Bootstrap::Full,
                        "seed" => Bootstrap::Seed(nodes.first().copied().unwrap_or(NodeId(1))),
                        "manual" => Bootstrap::Manual,
                        _ => {
                            return Err(ScriptError::new(
                                i,
                                format!("unknown bootstrap `{v}` (full, seed, manual)"),
                            ))
                        }
                    }
                }
                "seed" => c.bootstrap = Bootstrap::Seed(node(i, v)?),
                "probe_interval" => c.probe_interval = duration(i, v)?,
                "probe_timeout" => c.probe_timeout = duration(i, v)?,
                "indirect_checks" => c.indirect_checks = number(i, v)?,
                "suspicion_mult" => c.suspicion_mult = number(i, v)?,
                "suspicion_max_timeout_mult" => c.suspicion_max_timeout_mult = number(i, v)?,
                "retransmit_mult" => c.retransmit_mult = number(i, v)?,
                "gossip_interval" => c.gossip_interval = duration(i, v)?,
                "gossip_nodes" => c.gossip_nodes = number(i, v)?,
                "gossip_to_the_dead_time" => c.gossip_to_the_dead_time = duration(i, v)?,
                "push_pull_interval" => c.push_pull_interval = duration(i, v)?,
                "awareness_max_multiplier" => c.awareness_max_multiplier = number(i, v)?,
                "udp_buffer_size" => c.udp_buffer_size = number(i, v)?,
                "leave_timeout" => c.leave_timeout = duration(i, v)?,
                "join_timeout" => c.join_timeout = duration(i, v)?,
                "lifeguard" => {
                    c.lifeguard = if on_off(i, v)? {
                        Lifeguard::ON
                    } else {
                        Lifeguard::OFF
                    }
                }
                "local_health" => c.lifeguard.local_health = on_off(i, v)?,
                "dynamic_suspicion" => c.lifeguard.dynamic_suspicion = on_off(i, v)?,
                "buddy" => c.lifeguard.buddy = on_off(i, v)?,
                "event_buffer" => c.event_buffer = number(i, v)?,
                "rumor" => {
                    monger = match v {
                        "serf" => false,
                        "monger" => true,
                        _ => {
                            return Err(ScriptError::new(
                                i,
                                format!("unknown rumor mode `{v}` (serf, monger)"),
                            ))
                        }
                    }
                }
                "monger" => {
                    feedback = match v {
                        "feedback" => true,
                        "blind" => false,
                        _ => {
                            return Err(ScriptError::new(
                                i,
                                format!("expected feedback or blind, got `{v}`"),
                            ))
                        }
                    }
                }
                "monger_stop" => {
                    stop = match v {
                        "coin" => Stop::Coin,
                        "counter" => Stop::Counter,
                        _ => {
                            return Err(ScriptError::new(
                                i,
                                format!("expected coin or counter, got `{v}`"),
                            ))
                        }
                    }
                }
                "monger_k" => k = number(i, v)?,
                _ => return Err(ScriptError::new(i, format!("unknown gossip param `{key}`"))),
            }
        }
        c.rumor = if monger {
            Rumor::Monger { feedback, stop, k }
        } else {
            Rumor::Serf
        };
        c.validate()
            .map_err(|e| ScriptError::new(params.len().saturating_sub(1), e.to_string()))?;
        Ok(c)
    }

    fn parse_command(words: &[&str]) -> Result<Command, ScriptError> {
        match words {
            ["join", seed] => Ok(Command::Join(node(1, seed)?)),
            ["join"] => Err(ScriptError::new(
                0,
                "join needs a seed node, e.g. `join n1`",
            )),
            ["leave"] => Ok(Command::Leave),
            ["event", name, rest @ ..] => Ok(Command::Event {
                name: name.to_string(),
                payload: rest.join(" "),
            }),
            ["event"] => Err(ScriptError::new(
                0,
                "event needs a name, e.g. `event deploy v2`",
            )),
            [other, ..] => Err(ScriptError::new(
                0,
                format!("unknown gossip command `{other}` (join, leave, event)"),
            )),
            [] => Err(ScriptError::new(0, "empty command")),
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
    fn params_and_commands_parse() {
        let nodes = [NodeId(1), NodeId(2)];
        let p = |k: &str, v: &str| (k.to_string(), v.to_string());
        let c = Gossip::configure(
            &nodes,
            &[
                p("preset", "wan"),
                p("lifeguard", "off"),
                p("rumor", "monger"),
            ],
        )
        .unwrap();
        assert_eq!(c.probe_interval, Duration::from_secs(5));
        assert_eq!(c.lifeguard, Lifeguard::OFF);
        assert_eq!(
            c.rumor,
            Rumor::Monger {
                feedback: true,
                stop: Stop::Coin,
                k: 2
            }
        );
        let err = Gossip::configure(&nodes, &[p("preset", "lan"), p("bogus", "1")]).unwrap_err();
        assert_eq!(err.word, 1);
        assert_eq!(
            Gossip::parse_command(&["join", "n3"]).unwrap(),
            Command::Join(NodeId(3))
        );
        assert_eq!(
            Gossip::parse_command(&["event", "deploy", "v2", "now"]).unwrap(),
            Command::Event {
                name: "deploy".into(),
                payload: "v2 now".into()
            }
        );
        assert_eq!(Gossip::parse_command(&["join", "x"]).unwrap_err().word, 1);
    }
}
