//! A node worker: one node's engine, stepped only when the orchestrator calls.
//!
//! Pure (bytes in, bytes out) so that the protocol is tested natively; `lib.rs` wires it to a
//! dedicated worker's messages. The worker holds the engine's whole volatile state: terminating it is
//! what kills the node.

use quorate_core::{Engine, NodeId, SimTime};
use quorate_sim::{Call, NodeHost};
use quorate_view::codec::{decode, encode};
use quorate_view::host::{FromNode, ToNode};
use quorate_view::spread::Focus;
use quorate_view::EngineKind;

use crate::present::Present;

/// One engine's host with the config its views need.
struct Hosted<E: Present> {
    host: NodeHost<E>,
    config: Option<E::Config>,
}

trait AnyHost {
    fn call(&mut self, bytes: &[u8]) -> FromNode;
    fn view(&self, now: SimTime, focus: Option<&Focus>) -> FromNode;
    fn save(&self) -> FromNode;
    fn load(&mut self, bytes: &[u8]) -> FromNode;
}

impl<E: Present> AnyHost for Hosted<E> {
    fn call(&mut self, bytes: &[u8]) -> FromNode {
        let call: Call<E> = match decode(bytes, "an engine call") {
            Ok(call) => call,
            Err(e) => return FromNode::Error(e.to_string()),
        };
        if let Some(boot) = &call.boot {
            self.config = Some(boot.config.clone());
        }
        match self.host.run(call) {
            Ok(answers) => FromNode::Answer(encode(&answers)),
            Err(e) => FromNode::Error(e),
        }
    }

    fn view(&self, now: SimTime, focus: Option<&Focus>) -> FromNode {
        match (&self.host.engine, &self.config) {
            (Some(engine), Some(config)) => {
                let mut view = E::present(&engine.status(), config, now);
                view.id = self.host.id.0;
                FromNode::View(Box::new(view), E::flags(engine, focus))
            }
            _ => FromNode::Error(format!("{} has no engine to show yet", self.host.id)),
        }
    }

    fn save(&self) -> FromNode {
        FromNode::State(encode(&(&self.host, &self.config)))
    }

    fn load(&mut self, bytes: &[u8]) -> FromNode {
        match decode::<(NodeHost<E>, Option<E::Config>)>(bytes, "an engine state") {
            Ok((host, _)) if host.id != self.host.id => FromNode::Error(format!(
                "the state of {} was sent to {}",
                host.id, self.host.id
            )),
            Ok((host, config)) => {
                self.host = host;
                self.config = config;
                FromNode::Loaded
            }
            Err(e) => FromNode::Error(e.to_string()),
        }
    }
}

/// What a node worker runs.
#[derive(Default)]
pub struct NodeProcess {
    host: Option<Box<dyn AnyHost>>,
}

impl NodeProcess {
    pub fn new() -> NodeProcess {
        NodeProcess::default()
    }

    /// Handles one message from the orchestrator; `None` when there is nothing to answer.
    pub fn handle(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        let reply = match decode::<ToNode>(bytes, "a message for a node worker") {
            Err(e) => FromNode::Error(e.to_string()),
            Ok(ToNode::Init { engine, node }) => {
                match host_of(engine, NodeId(node)) {
                    Ok(host) => self.host = Some(host),
                    Err(error) => return Some(encode(&FromNode::Error(error))),
                }
                return None;
            }
            Ok(ToNode::Panic) => panic!("node worker told to panic (crash test)"),
            Ok(message) => match self.host.as_mut() {
                None => FromNode::Error("a node worker got a message before Init".to_string()),
                Some(host) => match message {
                    ToNode::Call(call) => host.call(&call),
                    ToNode::View { now_us, focus } => {
                        host.view(SimTime::from_micros(now_us), focus.as_ref())
                    }
                    ToNode::Save => host.save(),
                    ToNode::Load(state) => host.load(&state),
                    ToNode::Init { .. } | ToNode::Panic => unreachable!("handled above"),
                },
            },
        };
        Some(encode(&reply))
    }
}

/// A host for node `id` of `engine`, if this build has that engine (see `session::route`).
fn host_of(engine: EngineKind, id: NodeId) -> Result<Box<dyn AnyHost>, String> {
    Ok(match engine {
        #[cfg(feature = "demo")]
        EngineKind::Demo => host::<quorate_demo::Heartbeat>(id),
        #[cfg(feature = "raft")]
        EngineKind::Raft => host::<quorate_raft::Raft>(id),
        #[cfg(feature = "gossip")]
        EngineKind::Gossip => host::<quorate_gossip::Gossip>(id),
        #[cfg(feature = "systems")]
        EngineKind::Consul => host::<quorate_systems::ConsulNode>(id),
        #[cfg(feature = "systems")]
        EngineKind::Etcd => host::<quorate_systems::EtcdNode>(id),
        #[cfg(feature = "systems")]
        EngineKind::Kv => host::<quorate_kv::KvNode>(id),
        #[allow(unreachable_patterns)]
        engine => return Err(crate::session::route::not_hosted(engine)),
    })
}

fn host<E: Present>(id: NodeId) -> Box<dyn AnyHost> {
    Box::new(Hosted::<E> {
        host: NodeHost::new(id),
        config: None,
    })
}

/// Encodes the engine state a node worker is to load.
pub(crate) fn state_bytes<E: Engine>(id: NodeId, engine: E, config: &E::Config) -> Vec<u8> {
    let host = NodeHost::with_engine(id, Some(engine));
    encode(&(&host, Some(config)))
}

/// Decodes the saved state node `id`'s worker handed back.
pub(crate) fn engine_from_state<E: Engine>(id: NodeId, bytes: &[u8]) -> Result<E, String> {
    let (host, _): (NodeHost<E>, Option<E::Config>) =
        decode(bytes, "an engine state").map_err(|e| e.to_string())?;
    if host.id != id {
        return Err(format!("it handed back the engine of {}", host.id));
    }
    host.engine
        .ok_or_else(|| format!("{} handed back no engine", host.id))
}
