//! The whole-system views of the Consul and etcd worlds (catalog, sessions, leases, locks) and the
//! comparison of the two under one fault, as plain tables the UI draws without knowing either system.
//!
//! Each node presents its own part ([`SystemView`] on its `NodeView`): a server its replicated store,
//! an agent or client its programs. The orchestrator merges them with [`SystemView::merge`]: store
//! tables and facts from one server (the leader when there is one), node tables from every node.

use serde::{Deserialize, Serialize};

/// What the system looks like: headline facts and tables.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SystemView {
    /// Whose store the facts and store tables come from ("n1, the leader").
    pub source: String,
    /// Headline facts: lock holder, lock index, lock-delay left...
    pub facts: Vec<Fact>,
    pub tables: Vec<TableView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
    pub tone: Tone,
}

/// How a cell or fact is coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tone {
    #[default]
    Plain,
    /// Healthy, held, passing.
    Good,
    /// Waiting, counting down.
    Warn,
    /// Critical, expired, invalidated.
    Bad,
    /// Not there any more, or nothing to say.
    Muted,
}

impl Tone {
    /// The name used as a CSS class suffix.
    pub fn name(self) -> &'static str {
        match self {
            Tone::Plain => "plain",
            Tone::Good => "good",
            Tone::Warn => "warn",
            Tone::Bad => "bad",
            Tone::Muted => "muted",
        }
    }
}

/// Where a table's rows come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// The replicated store, as one server has applied it.
    Store,
    /// Every node's own rows (an agent's programs), concatenated in node order.
    Node,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableView {
    /// Also the table's identity when merging ("catalog", "sessions").
    pub title: String,
    pub scope: Scope,
    pub columns: Vec<String>,
    pub rows: Vec<RowView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowView {
    pub cells: Vec<String>,
    pub tone: Tone,
}

impl Fact {
    pub fn new(label: &str, value: impl Into<String>, tone: Tone) -> Fact {
        Fact {
            label: label.to_string(),
            value: value.into(),
            tone,
        }
    }
}

impl TableView {
    pub fn new(title: &str, scope: Scope, columns: &[&str]) -> TableView {
        TableView {
            title: title.to_string(),
            scope,
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, tone: Tone, cells: Vec<String>) {
        self.rows.push(RowView { cells, tone });
    }
}

impl SystemView {
    /// One view of the system from the nodes' parts `(node id, part, preferred)`, in node order:
    /// facts and store tables of the first part marked `preferred` (the leader), else of the first
    /// part with any store table; node tables gathered from every part, their first cell set to the
    /// node's name (`n4`). Table order: the store's, then node tables by first appearance.
    pub fn merge<'a>(
        parts: impl IntoIterator<Item = (u32, &'a SystemView, bool)>,
    ) -> Option<SystemView> {
        let parts: Vec<(u32, &SystemView, bool)> = parts.into_iter().collect();
        if parts.is_empty() {
            return None;
        }
        let has_store = |v: &SystemView| v.tables.iter().any(|t| t.scope == Scope::Store);
        let store = parts
            .iter()
            .find(|(_, _, preferred)| *preferred)
            .or_else(|| parts.iter().find(|(_, v, _)| has_store(v)))
            .map(|(_, v, _)| *v);
        let mut merged = SystemView {
            source: store.map(|s| s.source.clone()).unwrap_or_default(),
            facts: store.map(|s| s.facts.clone()).unwrap_or_default(),
            tables: store
                .map(|s| {
                    s.tables
                        .iter()
                        .filter(|t| t.scope == Scope::Store)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default(),
        };
        for (id, part, _) in &parts {
            for table in part.tables.iter().filter(|t| t.scope == Scope::Node) {
                let mut table = table.clone();
                for row in &mut table.rows {
                    if let Some(first) = row.cells.first_mut() {
                        *first = format!("n{id}");
                    }
                }
                match merged.tables.iter_mut().find(|t| {
                    t.scope == Scope::Node && t.title == table.title && t.columns == table.columns
                }) {
                    Some(t) => t.rows.extend(table.rows),
                    None => merged.tables.push(table),
                }
            }
        }
        Some(merged)
    }
}

/// The faults the comparison panel runs on both systems.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareFault {
    KillHolder,
    KillInstance,
    PartitionMinority,
}

impl CompareFault {
    pub const ALL: [CompareFault; 3] = [
        CompareFault::KillHolder,
        CompareFault::KillInstance,
        CompareFault::PartitionMinority,
    ];

    pub fn title(self) -> &'static str {
        match self {
            CompareFault::KillHolder => "kill the lock holder",
            CompareFault::KillInstance => "kill a service instance",
            CompareFault::PartitionMinority => "partition a minority",
        }
    }
}

/// One fault on both systems, measured on the same seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparisonView {
    pub fault: CompareFault,
    pub seed: u64,
    /// How the two worlds were set up, in words.
    pub setup: String,
    pub systems: Vec<SystemTimeline>,
}

/// One system's timeline after the fault.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SystemTimeline {
    /// "Consul", "etcd".
    pub system: String,
    /// The phases in order, each from its start to its end (ms after the fault).
    pub phases: Vec<PhaseView>,
    /// The moment the fault was over for the system's users (next holder, answer without the
    /// instance), ms after the fault.
    pub done_ms: Option<f64>,
    /// How long the system still named the dead (or cut-off) holder or instance, ms, from
    /// `stale_from_ms` (the fault; for a partition, the next holder's acquisition).
    pub stale_ms: Option<f64>,
    pub stale_from_ms: f64,
    /// What the stale window means for this fault, in words.
    pub stale_label: String,
    /// Claims that did not hold in this run.
    pub violations: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseView {
    /// "detection", "suspicion", "commit", "lock-delay", "lease expiry", "next holder"...
    pub name: String,
    /// What it is, in a sentence.
    pub note: String,
    pub start_ms: f64,
    /// `None`: the phase never ended within the run.
    pub end_ms: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(source: &str, store: &[&str], node: &[(&str, &str)]) -> SystemView {
        let mut tables = Vec::new();
        for t in store {
            let mut table = TableView::new(t, Scope::Store, &["a"]);
            table.row(Tone::Plain, vec![source.to_string()]);
            tables.push(table);
        }
        for (t, cell) in node {
            let mut table = TableView::new(t, Scope::Node, &["a"]);
            table.row(Tone::Plain, vec![cell.to_string()]);
            tables.push(table);
        }
        SystemView {
            source: source.to_string(),
            facts: vec![Fact::new("from", source, Tone::Plain)],
            tables,
        }
    }

    #[test]
    fn merge_takes_the_store_of_the_preferred_part_and_every_node_row() {
        let a = part("n1", &["catalog"], &[]);
        let b = part("n2", &["catalog"], &[]);
        let c = part("n4", &[], &[("programs", "n4 lock")]);
        let d = part("n5", &[], &[("programs", "n5 lock")]);
        let merged = SystemView::merge([
            (1, &a, false),
            (2, &b, true),
            (4, &c, false),
            (5, &d, false),
        ])
        .unwrap();
        assert_eq!(merged.source, "n2");
        assert_eq!(merged.tables.len(), 2);
        assert_eq!(merged.tables[0].rows[0].cells, vec!["n2"]);
        let programs: Vec<&str> = merged.tables[1]
            .rows
            .iter()
            .map(|r| r.cells[0].as_str())
            .collect();
        assert_eq!(programs, ["n4", "n5"], "node rows are named by the merge");
    }

    #[test]
    fn merge_without_a_leader_uses_the_first_store_and_of_nothing_gives_none() {
        let c = part("n4", &[], &[("programs", "x")]);
        let a = part("n1", &["catalog"], &[]);
        let merged = SystemView::merge([(4, &c, false), (1, &a, false)]).unwrap();
        assert_eq!(merged.source, "n1");
        assert_eq!(SystemView::merge(std::iter::empty()), None);
    }
}
