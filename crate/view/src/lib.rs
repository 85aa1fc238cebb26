//! What crosses the boundary between the UI thread and the orchestrator worker (DESIGN.md rule 3).
//!
//! The UI sends [`UiCommand`]s and renders the [`Frame`]s it gets back; it never holds engine state.
//! Everything here is plain serde data and names no engine type, so the UI crate can depend on this crate
//! alone.

pub mod codec;
pub mod detail;
pub mod host;
pub mod lab;
pub mod lesson;
pub mod link;
pub mod params;
mod share;
pub mod spread;
pub mod system;
pub mod verdicts;

use serde::{Deserialize, Serialize};

pub use detail::{AutomatonView, FollowerView, LogMarks, TransitionView};
pub use lesson::{LessonStepView, LessonView};
pub use share::{
    decode as decode_log, encode as encode_log, shareable, SharedCommand, MAX_SHARED_COMMANDS,
};
pub use system::{CompareFault, ComparisonView, SystemView};
pub use verdicts::VerdictsView;

/// From the UI to the orchestrator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum UiCommand {
    /// Start a new run, replacing the current one.
    Start(RunSetup),
    /// Advance simulated time by `wall_ms` of wall time times the current speed, then send a frame.
    /// The UI sends one per animation frame while playing and waits for the frame before the next.
    Advance {
        wall_ms: f64,
    },
    /// Process exactly one event, then send a frame.
    Step,
    /// Simulated seconds per wall second (at most 1000); infinity runs as fast as possible.
    SetSpeed(f64),
    Kill(u32),
    Restart(u32),
    /// Two-way partition between the groups of node ids.
    Partition(Vec<Vec<u32>>),
    /// Remove every partition.
    Heal,
    /// One-way cut of a single link: messages from `from` to `to` are dropped, the other way delivers.
    /// (Both ways is `Partition` of the two nodes.)
    Cut {
        from: u32,
        to: u32,
    },
    /// Let messages from `from` to `to` through again; every other cut stays.
    Mend {
        from: u32,
        to: u32,
    },
    /// Loss and latency of the links from `from` to `to` (`None`: every node on that side). Both
    /// `None` sets every link and drops the per-link settings.
    SetLink {
        from: Option<u32>,
        to: Option<u32>,
        link: LinkSetting,
    },
    /// A slow node: each message or request it receives waits for the earlier ones plus `delay_ms`
    /// (a backlogged receive queue; its timers fire on time). Zero makes it normal again.
    Slow {
        node: u32,
        delay_ms: u32,
    },
    /// A client command for a node, in the words a scenario file uses after `client <node>`
    /// (e.g. `propose x=1` for Raft); the engine parses it and a bad one comes back as the frame's error.
    Client {
        node: u32,
        words: String,
    },
    /// Ask for a frame without advancing.
    Refresh,
    /// Run this fault on a Consul world and on an etcd world with the run's seed (headless, beside
    /// the run, which does not change) and put both timelines in the next frame's `comparison`.
    Compare(CompareFault),
    /// Where the node workers' script is (`worker.js`, absolute): sent once, before the first `Start`.
    Hello {
        worker_script: String,
    },
    /// Move the run's nodes into their own workers or into the orchestrator, keeping their state.
    SetHosting(Hosting),
    /// Run until the next event of this kind (or a minute of simulated time), then pause there.
    RunUntil(Milestone),
    /// Show the run as it was at this simulated time on the current branch (time travel); playing on
    /// from there replays the branch, a command there forks a new branch.
    Seek {
        time_us: u64,
    },
    /// Go to the head of another branch.
    Branch(usize),
    /// Pause a node: it takes no input until resumed (messages wait for it).
    Pause(u32),
    Resume(u32),
    /// Make a node's worker panic, as a bug in its engine would: the node is reported crashed.
    CrashWorker(u32),
    /// Put the run, as JSON, into the next frame's `export`.
    ExportTrace,
    /// The node whose full view a frame of a large cluster carries (see `spread::RING_MAX`).
    Select(u32),
    /// Start the run a JSON export describes and check that it reproduces the export's digest.
    ImportTrace(String),
    /// Play a lesson (the text of a `.lesson` file) on a new run, replacing the current one; a lesson
    /// that does not parse is reported in the frame's error and the current run goes on.
    LoadLesson {
        text: String,
        hosting: Hosting,
    },
    /// Go to a page of the playing lesson (see `LessonView::page`): the run as it is at that step's end,
    /// the same state however the reader got there.
    LessonStep(usize),
}

/// One direction of a link as the page sets it: whole percent and milliseconds, so a link carries
/// it exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkSetting {
    /// Chance in percent (0–100) that a message is lost.
    pub loss_pct: u32,
    /// One-way latency, drawn uniformly from `[min_ms, max_ms]`.
    pub min_ms: u32,
    pub max_ms: u32,
}

/// Where a run's engines execute (DESIGN.md, "Hosting in the browser").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Hosting {
    /// A worker per node up to [`MAX_WORKER_NODES`] nodes, inline above.
    #[default]
    Auto,
    /// Every node's engine in its own dedicated worker.
    PerNode,
    /// Every engine inside the orchestrator worker.
    Inline,
}

/// Largest cluster `Hosting::Auto` gives a worker per node.
pub const MAX_WORKER_NODES: u32 = 16;

impl Hosting {
    /// Whether a run of `nodes` nodes gets a worker per node.
    pub fn per_node(self, nodes: u32) -> bool {
        match self {
            Hosting::Auto => nodes <= MAX_WORKER_NODES,
            Hosting::PerNode => true,
            Hosting::Inline => false,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Hosting::Auto => "auto",
            Hosting::PerNode => "workers",
            Hosting::Inline => "inline",
        }
    }
    pub fn parse(name: &str) -> Option<Hosting> {
        [Hosting::Auto, Hosting::PerNode, Hosting::Inline]
            .into_iter()
            .find(|h| h.name() == name)
    }
}

/// What "run until" stops at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Milestone {
    /// A node becomes leader.
    Leader,
    /// A commit index advances.
    Commit,
    /// The membership changes (Raft configuration; gossip member state).
    Membership,
}

impl Milestone {
    pub fn title(self) -> &'static str {
        match self {
            Milestone::Leader => "next leader",
            Milestone::Commit => "next commit",
            Milestone::Membership => "next membership change",
        }
    }
}

/// Everything that fixes a run: with the command log, it reproduces the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSetup {
    pub engine: EngineKind,
    pub seed: u64,
    pub nodes: u32,
    /// Commands to replay, each at the moment it was first applied (from a shared link).
    #[serde(default)]
    pub replay: Vec<SharedCommand>,
    /// The moment a link was shared: run to this many events and this simulated time (µs) after the
    /// replay, then wait.
    #[serde(default)]
    pub until: Option<(u64, u64)>,
    #[serde(default)]
    pub hosting: Hosting,
    /// Protocol parameters as `param` lines of a scenario would give them (`params::check`ed; the
    /// engine's defaults for the rest).
    #[serde(default)]
    pub params: Vec<(String, String)>,
}

/// The protocol a run simulates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum EngineKind {
    #[default]
    Raft,
    Gossip,
    /// The heartbeat engine that exercises the simulator.
    Demo,
    /// Consul: Raft servers with the catalog, agents that gossip and run lock, service and config programs.
    Consul,
    /// etcd: Raft members serving the KV store, client machines running the same programs on leases.
    Etcd,
    /// Raft carrying the etcd-style KV store: the Raft view with a client panel.
    Kv,
}

impl EngineKind {
    pub const ALL: [EngineKind; 6] = [
        EngineKind::Raft,
        EngineKind::Kv,
        EngineKind::Gossip,
        EngineKind::Consul,
        EngineKind::Etcd,
        EngineKind::Demo,
    ];

    /// The page's orchestrator build that hosts this engine (a script next to the page). Each build
    /// has only some engines, so a page downloads those of its run (crate/worker's `session::route`).
    pub fn script(self) -> &'static str {
        match self {
            EngineKind::Raft => "worker.js",
            EngineKind::Gossip => "gossip.js",
            EngineKind::Consul | EngineKind::Etcd | EngineKind::Kv | EngineKind::Demo => {
                "systems.js"
            }
        }
    }

    /// The name used in URLs and scenario files.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Raft => "raft",
            EngineKind::Gossip => "gossip",
            EngineKind::Demo => "demo",
            EngineKind::Consul => "consul",
            EngineKind::Etcd => "etcd",
            EngineKind::Kv => "kv",
        }
    }

    pub fn parse(name: &str) -> Option<EngineKind> {
        EngineKind::ALL.into_iter().find(|e| e.name() == name)
    }

    /// What the UI calls it.
    pub fn title(self) -> &'static str {
        match self {
            EngineKind::Raft => "Raft",
            EngineKind::Gossip => "Gossip (SWIM + Lifeguard)",
            EngineKind::Demo => "Heartbeat demo",
            EngineKind::Consul => "Consul (servers + agents)",
            EngineKind::Etcd => "etcd (members + clients)",
            EngineKind::Kv => "Raft + KV store",
        }
    }

    /// An example client command, shown as the placeholder of the command box.
    pub fn client_example(self) -> &'static str {
        match self {
            EngineKind::Raft => "propose x=1",
            EngineKind::Gossip => "event deploy v2",
            EngineKind::Demo => "beat-now",
            EngineKind::Consul => "set app/config v2",
            EngineKind::Etcd => "put app/config v2",
            EngineKind::Kv => "put x 1",
        }
    }

    /// Default and largest cluster sizes the page offers.
    pub fn default_nodes(self) -> u32 {
        match self {
            EngineKind::Raft => 5,
            EngineKind::Gossip => 8,
            EngineKind::Demo => 3,
            EngineKind::Consul => 7,
            EngineKind::Etcd => 6,
            EngineKind::Kv => 5,
        }
    }
}

/// From the orchestrator to the UI: one picture of the world.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    pub engine: EngineKind,
    pub seed: u64,
    /// Simulated time, microseconds.
    pub time_us: u64,
    pub events: u64,
    /// Trace digest so far (16 hex digits).
    pub digest: String,
    pub speed: f64,
    pub nodes: Vec<NodeView>,
    /// Consul and etcd: the whole system (catalog, sessions, leases, locks), merged from the nodes' parts.
    #[serde(default)]
    pub system: Option<SystemView>,
    /// The answer to `Compare`: one fault on both systems.
    #[serde(default)]
    pub comparison: Option<ComparisonView>,
    pub messages: Vec<MessageView>,
    /// On a `restart` frame after a seek: the messages that arrived within `DELIVERED_SPAN_US` before
    /// its moment (the newest `MAX_DELIVERED`), so the space-time diagram shows the moment's recent past.
    #[serde(default)]
    pub delivered: Vec<MessageView>,
    /// Trace lines since the previous frame (the newest at most `MAX_LOG_LINES`); after a `restart`,
    /// the last lines up to this frame's moment.
    pub log: Vec<String>,
    /// The page's history (log lines, the space-time diagram's arrows) belongs to another run or
    /// another moment: set on a run's first frame and on the frame after a jump in time.
    #[serde(default)]
    pub restart: bool,
    /// Trace lines left out of `log` because there were more than `MAX_LOG_LINES`.
    pub log_skipped: u64,
    /// A command the world refused, in words.
    pub error: Option<String>,
    /// The commands that changed this run so far, encoded for a link (see `encode_log`).
    pub shared_log: String,
    /// Where the engines run, and the node workers.
    pub hosting: HostingView,
    /// Branches and the cursor, for scrubbing.
    pub timeline: Timeline,
    /// The answer to `ExportTrace`: the run as JSON.
    pub export: Option<String>,
    /// What `RunUntil` stopped at, in words.
    pub reached: Option<String>,
    /// The lesson being played, if any.
    #[serde(default)]
    pub lesson: Option<LessonView>,
    /// For clusters larger than `spread::RING_MAX`: one cell per node (`spread::cell`); `nodes` then
    /// holds only the selected node and `messages` is empty.
    #[serde(default)]
    pub grid: Vec<u8>,
    /// How far the last failure or rumor has spread, beside the theory (engines that follow one).
    #[serde(default)]
    pub spread: Option<spread::SpreadView>,
    /// Faults on the network (cuts, link settings, slow nodes) of a ring-sized cluster.
    #[serde(default)]
    pub network: NetworkView,
    /// The run's protocol parameters (the engine's defaults for the rest).
    #[serde(default)]
    pub params: Vec<(String, String)>,
    /// Raft's safety invariants and the client history's linearizability, checked as the run goes,
    /// with the client requests (engines that are checked).
    #[serde(default)]
    pub verdicts: Option<VerdictsView>,
}

/// What the network does differently from its defaults, for drawing on the ring.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkView {
    /// Directed links whose messages are dropped (partitions and cuts): (from, to).
    pub cut: Vec<(u32, u32)>,
    /// Every link's setting unless overridden.
    pub default_link: Option<LinkView>,
    /// Links set apart from the default: (from, to, setting).
    pub links: Vec<(u32, u32, LinkView)>,
    /// Slow nodes and their delay per received message (ms).
    pub slow: Vec<(u32, f64)>,
}

/// A link's loss and latency as the network has them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkView {
    pub loss_pct: f64,
    pub min_ms: f64,
    pub max_ms: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HostingView {
    /// Whether each node has its own worker (else every engine runs in the orchestrator).
    pub per_node: bool,
    /// Node workers by node, in node order; empty when inline.
    pub workers: Vec<WorkerView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkerView {
    pub node: u32,
    pub state: WorkerState,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum WorkerState {
    /// Spawned, loading its code.
    Starting,
    Running,
    /// Terminated because its node went down.
    Terminated,
    /// Panicked or stopped answering; its node was taken down.
    Crashed(String),
}

impl WorkerView {
    pub fn running(&self) -> bool {
        matches!(self.state, WorkerState::Starting | WorkerState::Running)
    }
}

/// The run's branches and where the view is on the current one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub branch: usize,
    pub branches: Vec<BranchView>,
    /// Whether the view is at the head of its branch (else it shows the past).
    pub at_head: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BranchView {
    /// The branch this one forked from, and the moment (events, µs) it forked.
    pub parent: Option<(usize, u64, u64)>,
    /// The furthest moment the branch has run to.
    pub head_events: u64,
    pub head_us: u64,
    /// Commands applied on the branch (inherited ones included).
    pub commands: usize,
}

/// Trace lines a frame carries at most, so a fast run cannot flood the UI.
pub const MAX_LOG_LINES: usize = 200;

/// How far back a restart frame's `delivered` messages go: the longest span the space-time diagram shows.
pub const DELIVERED_SPAN_US: u64 = 5_000_000;

/// A restart frame's `delivered` messages at most: as many arrows as the space-time diagram keeps.
pub const MAX_DELIVERED: usize = 600;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeStatus {
    Up,
    Paused,
    Down,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeView {
    pub id: u32,
    pub status: NodeStatus,
    /// The node's role in its protocol ("leader", "follower", "candidate"...), if it has one.
    pub role: Option<String>,
    /// One short line under the node (e.g. "term 3").
    pub summary: String,
    /// A countdown to draw as a shrinking arc (the election timer, a suspicion timeout).
    pub timer: Option<TimerView>,
    /// The tail of the node's replicated log, oldest first (Raft), empty for engines without one.
    #[serde(default)]
    pub log: Vec<LogCell>,
    /// Where the log's snapshot, commit and applied boundaries are (Raft).
    #[serde(default)]
    pub log_marks: Option<LogMarks>,
    /// On a leader: each follower's match and next index and progress state.
    #[serde(default)]
    pub followers: Vec<FollowerView>,
    /// The node's own role automaton (Raft), or its view of each peer's member state (gossip).
    #[serde(default)]
    pub automata: Vec<AutomatonView>,
    /// Label/value pairs for the detail panel.
    pub details: Vec<(String, String)>,
    /// This node's part of the system view (a server's store, an agent's programs); the orchestrator
    /// merges the parts into `Frame::system` and clears this field.
    #[serde(default)]
    pub system: Option<SystemView>,
}

impl NodeView {
    /// A node that is up and shows nothing yet: no role, summary, timer, log, details or system part.
    /// Views fill in what they know with struct update syntax (`NodeView { role, ..NodeView::blank(id) }`).
    pub fn blank(id: u32) -> NodeView {
        NodeView {
            id,
            status: NodeStatus::Up,
            role: None,
            summary: String::new(),
            timer: None,
            log: Vec::new(),
            log_marks: None,
            followers: Vec::new(),
            automata: Vec::new(),
            details: Vec::new(),
            system: None,
        }
    }
}

/// One log entry as drawn: a cell coloured by term, solid once committed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogCell {
    pub index: u64,
    pub term: u64,
    pub committed: bool,
    /// What the entry carries, in words ("noop", "x=1", "conf +n6").
    pub label: String,
}

/// Log cells a node view carries at most (the newest).
pub const MAX_LOG_CELLS: usize = 100;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimerView {
    /// What runs out ("election timeout").
    pub label: String,
    /// Fraction of the longest possible span still left, 0..=1.
    pub remaining: f32,
    /// Simulated milliseconds left.
    pub remaining_ms: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageView {
    pub from: u32,
    pub to: u32,
    /// 0 at the sender, 1 at the receiver; `None` while held.
    pub progress: Option<f32>,
    /// The message type, for colour ("MsgApp", "ping"...): the first word of `label`.
    pub kind: String,
    pub label: String,
    /// Simulated µs it was sent, and will arrive (`None` while held): the space-time diagram's arrows.
    #[serde(default)]
    pub sent_us: u64,
    #[serde(default)]
    pub arrives_us: Option<u64>,
}

impl Frame {
    pub fn node(&self, id: u32) -> Option<&NodeView> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// How many nodes the run has (a large cluster's frame carries one node view, but a cell each).
    pub fn size(&self) -> u32 {
        if self.grid.is_empty() {
            self.nodes.len() as u32
        } else {
            self.grid.len() as u32
        }
    }
}
