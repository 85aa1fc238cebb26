//! The scenario words of `engine consul` and `engine etcd`.

use quorate_core::{Duration, NodeId, ScriptError, Scripted};
use quorate_gossip::{Bootstrap, Gossip};
use quorate_kv::consul::Behavior;
use quorate_kv::KvNode;

use crate::consul::{self, ConsulConfig, ConsulNode};
use crate::etcd::{self, EtcdConfig, EtcdNode};

const CONSUL_HELP: &str = "\
param servers 3                    the first N nodes are servers (Raft + gossip), the rest agents
param lock_delay 15s               sessions' lock-delay
param behavior release|delete      what invalidating a session does to its keys
param lock_retry 5s                api DefaultLockRetryTime: wait when the key is free but in lock-delay
param block_wait 10s               longest wait of a blocking query
param rpc_timeout 2s               an agent's call timeout (beyond a blocking wait)
param hold 10s / think 1s          default hold and think time of lock programs
param reconcile_interval 60s       the leader's periodic full reconcile
param gossip.<key> <value>         any gossip parameter (bootstrap defaults to full)
param raft.<key> <value>           any kv/raft parameter of the servers
client nA lock <key> [hold=<d>] [think=<d>]   loop: session, acquire, hold, release
client nA service <name>           register a service instance on this agent
client nA discover <name>          blocking health query loop (passing instances only)
client nA config <key>             blocking query loop on a key; records every version
client nA set <key> <value>        Consul kv put
client nX leave                    gossip: leave gracefully
client nS kv <kv words>            a server's own kv command (campaign, transfer, requests)
";

const ETCD_HELP: &str = "\
param members 3                    the first N nodes are etcd members, the rest client machines
param lease_ttl 10s                TTL of the leases the programs grant
param rpc_timeout 2s / ping_interval 1s   client call timeout and member liveness ping
param hold 10s / think 1s          default hold and think time of lock programs
param raft.<key> <value>           any kv/raft parameter of the members
client nC lock <prefix/> [hold=<d>] [think=<d>]   loop: concurrency.Mutex lock, hold, unlock
client nC service <name>           a key services/<name>/<node> under a kept-alive lease
client nC discover <name>          range over services/<name>/ then watch
client nC config <key>             get then watch a key; records every version
client nC put <key> <value>        one put
client nM kv <kv words>            a member's own kv command (campaign, transfer, requests)
";

fn word<'a>(words: &[&'a str], i: usize, what: &str) -> Result<&'a str, ScriptError> {
    words
        .get(i)
        .copied()
        .ok_or_else(|| ScriptError::new(i, format!("{what} is missing here")))
}

fn duration(i: usize, v: &str) -> Result<Duration, ScriptError> {
    Duration::parse(v).ok_or_else(|| {
        ScriptError::new(
            i,
            format!("expected a duration like 500ms or 1s, got `{v}`"),
        )
    })
}

fn count(i: usize, v: &str, nodes: usize) -> Result<usize, ScriptError> {
    match v.parse::<usize>() {
        Ok(n) if n >= 1 && n <= nodes => Ok(n),
        _ => Err(ScriptError::new(
            i,
            format!("expected a count between 1 and {nodes}, got `{v}`"),
        )),
    }
}

/// `hold=<d>` / `think=<d>` options after a lock's key.
fn lock_options(
    words: &[&str],
    from: usize,
    mut hold: Duration,
    mut think: Duration,
) -> Result<(Duration, Duration), ScriptError> {
    for (i, w) in words.iter().enumerate().skip(from) {
        match w.split_once('=') {
            Some(("hold", v)) => hold = duration(i, v)?,
            Some(("think", v)) => think = duration(i, v)?,
            _ => {
                return Err(ScriptError::new(
                    i,
                    format!("`{w}` is not hold=<d> or think=<d>"),
                ))
            }
        }
    }
    Ok((hold, think))
}

fn end(words: &[&str], n: usize) -> Result<(), ScriptError> {
    if words.len() > n {
        Err(ScriptError::new(n, "unexpected word"))
    } else {
        Ok(())
    }
}

/// Splits `prefix.<key>` params off, remembering their line indexes.
fn split(params: &[(String, String)], prefix: &str) -> (Vec<(String, String)>, Vec<usize>) {
    let mut out = Vec::new();
    let mut idx = Vec::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if let Some(rest) = k.strip_prefix(prefix) {
            out.push((rest.to_string(), v.clone()));
            idx.push(i);
        }
    }
    (out, idx)
}

fn kv_config(
    nodes: &[NodeId],
    params: &[(String, String)],
) -> Result<quorate_kv::KvConfig, ScriptError> {
    let (raft, idx) = split(params, "raft.");
    <KvNode as Scripted>::configure(nodes, &raft).map_err(|mut e| {
        e.word = idx.get(e.word).copied().unwrap_or(0);
        e
    })
}

impl Scripted for ConsulNode {
    const NAME: &'static str = "consul";

    fn configure(
        nodes: &[NodeId],
        params: &[(String, String)],
    ) -> Result<ConsulConfig, ScriptError> {
        let mut servers = 3.min(nodes.len());
        for (i, (k, v)) in params.iter().enumerate() {
            if k == "servers" {
                servers = count(i, v, nodes.len())?;
            }
        }
        let mut cfg = ConsulConfig::new(nodes, servers);
        cfg.kv = kv_config(&cfg.servers, params)?;
        let (gp, gidx) = split(params, "gossip.");
        let mut gossip = <Gossip as Scripted>::configure(nodes, &gp).map_err(|mut e| {
            e.word = gidx.get(e.word).copied().unwrap_or(0);
            e
        })?;
        if !gp.iter().any(|(k, _)| k == "bootstrap") {
            gossip.bootstrap = Bootstrap::Full;
        }
        cfg.gossip = gossip;
        for (i, (k, v)) in params.iter().enumerate() {
            match k.as_str() {
                "servers" => {}
                "lock_delay" => cfg.lock_delay = duration(i, v)?,
                "lock_retry" => cfg.lock_retry = duration(i, v)?,
                "block_wait" => cfg.block_wait = duration(i, v)?,
                "rpc_timeout" => cfg.rpc_timeout = duration(i, v)?,
                "hold" => cfg.hold = duration(i, v)?,
                "think" => cfg.think = duration(i, v)?,
                "reconcile_interval" => cfg.reconcile_interval = duration(i, v)?,
                "behavior" => {
                    cfg.behavior = match v.as_str() {
                        "release" => Behavior::Release,
                        "delete" => Behavior::Delete,
                        _ => {
                            return Err(ScriptError::new(
                                i,
                                format!("expected release or delete, got `{v}`"),
                            ))
                        }
                    }
                }
                k if k.starts_with("gossip.") || k.starts_with("raft.") => {}
                other => {
                    return Err(ScriptError::new(
                        i,
                        format!("unknown consul param `{other}` (see quorate engines)"),
                    ))
                }
            }
        }
        if cfg.rpc_timeout == Duration::ZERO || cfg.reconcile_interval == Duration::ZERO {
            return Err(ScriptError::new(
                0,
                "rpc_timeout and reconcile_interval must be positive",
            ));
        }
        Ok(cfg)
    }

    fn parse_command(words: &[&str]) -> Result<consul::Command, ScriptError> {
        use consul::program::Spec;
        // Hold and think without options take the world's defaults: a zero here means "default".
        let verb = word(
            words,
            0,
            "a command (lock, service, discover, config, set, leave, kv)",
        )?;
        let arg = |i| word(words, i, "a name").map(str::to_string);
        Ok(match verb {
            "lock" => {
                let key = arg(1)?;
                let (hold, think) = lock_options(words, 2, Duration::ZERO, Duration::ZERO)?;
                consul::Command::Run(Spec::Lock { key, hold, think })
            }
            "service" => {
                end(words, 2)?;
                consul::Command::Run(Spec::Service { name: arg(1)? })
            }
            "discover" => {
                end(words, 2)?;
                consul::Command::Run(Spec::Discover { service: arg(1)? })
            }
            "config" => {
                end(words, 2)?;
                consul::Command::Run(Spec::Config { key: arg(1)? })
            }
            "set" => {
                let key = arg(1)?;
                let value = word(words, 2, "a value")?.to_string();
                end(words, 3)?;
                consul::Command::Run(Spec::Set { key, value })
            }
            "leave" => {
                end(words, 1)?;
                consul::Command::Gossip(quorate_gossip::Command::Leave)
            }
            "kv" => consul::Command::Kv(KvNode::parse_command(&words[1..]).map_err(|mut e| {
                e.word += 1;
                e
            })?),
            other => {
                return Err(ScriptError::new(0, format!("unknown consul command `{other}` (lock, service, discover, config, set, leave, kv)")))
            }
        })
    }

    fn script_help() -> &'static str {
        CONSUL_HELP
    }
}

impl Scripted for EtcdNode {
    const NAME: &'static str = "etcd";

    fn configure(nodes: &[NodeId], params: &[(String, String)]) -> Result<EtcdConfig, ScriptError> {
        let mut members = 3.min(nodes.len());
        for (i, (k, v)) in params.iter().enumerate() {
            if k == "members" {
                members = count(i, v, nodes.len())?;
            }
        }
        let mut cfg = EtcdConfig::new(nodes, members);
        cfg.kv = kv_config(&cfg.members, params)?;
        for (i, (k, v)) in params.iter().enumerate() {
            match k.as_str() {
                "members" => {}
                "lease_ttl" => cfg.lease_ttl = duration(i, v)?,
                "rpc_timeout" => cfg.rpc_timeout = duration(i, v)?,
                "ping_interval" => cfg.ping_interval = duration(i, v)?,
                "hold" => cfg.hold = duration(i, v)?,
                "think" => cfg.think = duration(i, v)?,
                k if k.starts_with("raft.") => {}
                other => {
                    return Err(ScriptError::new(
                        i,
                        format!("unknown etcd param `{other}` (see quorate engines)"),
                    ))
                }
            }
        }
        if cfg.lease_ttl.as_micros() < 3_000
            || cfg.rpc_timeout == Duration::ZERO
            || cfg.ping_interval == Duration::ZERO
        {
            return Err(ScriptError::new(
                0,
                "lease_ttl must be at least 3ms; rpc_timeout and ping_interval positive",
            ));
        }
        Ok(cfg)
    }

    fn parse_command(words: &[&str]) -> Result<etcd::Command, ScriptError> {
        use etcd::program::Spec;
        let verb = word(
            words,
            0,
            "a command (lock, service, discover, config, put, kv)",
        )?;
        let arg = |i| word(words, i, "a name").map(str::to_string);
        Ok(match verb {
            "lock" => {
                let prefix = arg(1)?;
                let (hold, think) = lock_options(words, 2, Duration::ZERO, Duration::ZERO)?;
                etcd::Command::Run(Spec::Lock {
                    prefix,
                    hold,
                    think,
                })
            }
            "service" => {
                end(words, 2)?;
                etcd::Command::Run(Spec::Service { name: arg(1)? })
            }
            "discover" => {
                end(words, 2)?;
                etcd::Command::Run(Spec::Discover { service: arg(1)? })
            }
            "config" => {
                end(words, 2)?;
                etcd::Command::Run(Spec::Config { key: arg(1)? })
            }
            "put" => {
                let key = arg(1)?;
                let value = word(words, 2, "a value")?.to_string();
                end(words, 3)?;
                etcd::Command::Run(Spec::Put { key, value })
            }
            "kv" => etcd::Command::Kv(KvNode::parse_command(&words[1..]).map_err(|mut e| {
                e.word += 1;
                e
            })?),
            other => {
                return Err(ScriptError::new(
                    0,
                    format!(
                        "unknown etcd command `{other}` (lock, service, discover, config, put, kv)"
                    ),
                ))
            }
        })
    }

    fn script_help() -> &'static str {
        ETCD_HELP
    }
}
