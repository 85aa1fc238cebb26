//! One sentence per protocol term, shown wherever the term is a label: on hover (the element's title)
//! and on keyboard focus (the same sentence drawn under the term by CSS, `.gloss:focus-visible`).
//!
//! The sentences follow the Raft paper and thesis, SWIM, Lifeguard and memberlist's documentation.

use yew::prelude::*;

/// (term, definition). Lookups ignore case; a label like "n2 match/next" finds its last words.
pub const TERMS: &[(&str, &str)] = &[
    // Raft
    ("term", "A numbered election period: each term has at most one leader, and a node that sees a higher term adopts it."),
    ("vote", "A node grants at most one vote per term, to a candidate whose log is at least as up to date as its own."),
    ("voted for", "The candidate this node voted for in its current term (kept on disk, so it never votes twice)."),
    ("leader", "The one node of a term that accepts client requests and replicates its log to the others."),
    ("follower", "A passive node: it answers the leader and candidates, and starts an election if it hears nothing."),
    ("candidate", "A node that raised its term and asks the others for votes; a majority makes it leader."),
    ("pre-candidate", "A node polling whether it could win an election before raising its term (PreVote)."),
    ("role", "Follower, pre-candidate, candidate or leader: where the node is in Raft's role automaton."),
    ("log", "The ordered list of commands a node holds, each entry stamped with the term it was created in."),
    ("last index", "The index of the last entry in the node's log."),
    ("commit", "The highest log index stored on a majority: those entries can never be lost or changed."),
    ("commit index", "The highest log index stored on a majority: those entries can never be lost or changed."),
    ("committed", "Stored on a majority of the voters, so no future leader can lack it."),
    ("applied", "The highest committed entry this node has fed to its state machine."),
    ("snapshot", "The state machine at some index, saved so the log before it can be thrown away (compacted)."),
    ("compacted", "Entries folded into a snapshot and removed from the log."),
    ("match", "The highest index the leader knows this follower's log agrees with its own."),
    ("next", "The index of the next entry the leader will send this follower."),
    ("match/next", "Match: the highest index known to agree with the leader; next: the next index the leader will send."),
    ("progress", "How the leader replicates to a follower: probe (one message at a time), replicate (streaming) or snapshot."),
    ("probe", "The leader does not yet know where the follower's log matches, so it sends one append at a time."),
    ("replicate", "The logs match up to the match index, so the leader streams appends without waiting."),
    ("election timeout", "How long a follower waits without hearing from a leader before it starts an election (randomized)."),
    ("heartbeat", "An empty append the leader sends regularly so followers know it is alive."),
    ("prevote", "Before raising its term, a node asks whether it could win, so a node rejoining from a partition does not depose a healthy leader."),
    ("checkquorum", "A leader that has not heard from a majority within an election timeout steps down."),
    ("readindex", "A linearizable read: the leader notes its commit index, confirms it is still leader with a heartbeat round, then answers."),
    ("lease read", "A read the leader answers from its own state while its CheckQuorum lease holds, without a heartbeat round."),
    ("timeoutnow", "A leader handing over leadership tells the chosen follower to start an election at once."),
    // Gossip
    ("incarnation", "A member's own counter: it raises it to refute a suspicion, and newer incarnations override older news."),
    ("alive", "The member answers probes, as far as this node knows."),
    ("suspect", "A probe of the member failed; unless it refutes in time, it will be declared dead."),
    ("suspecting", "This node suspects at least one member and runs a suspicion timer for it."),
    ("dead", "The suspicion timed out without a refutation: the member is considered failed."),
    ("member state", "How this node sees a member: alive, suspect, dead or left, each change carried by a gossiped message."),
    ("left", "The member announced that it leaves the cluster on purpose."),
    ("confirmation", "Another member independently suspects the same node, which shortens the suspicion timeout (Lifeguard)."),
    ("local health", "Lifeguard's awareness score: a node that misses acks or nacks doubts itself and probes more slowly."),
    ("awareness", "Lifeguard's local health score: a node that misses acks or nacks doubts itself and probes more slowly."),
    ("probe period", "How often this node probes one member; it grows with the local health score."),
    ("ping", "A direct probe: the target must answer with an ack within the probe timeout."),
    ("ping-req", "An indirect probe: a member asks others to ping a target it could not reach itself."),
    ("ack", "The answer to a ping: the target is alive."),
    ("nack", "An indirect prober's answer that it got no ack either, so the asker knows its own network is fine (Lifeguard)."),
    ("fanout", "How many members a node gossips to each round."),
    ("rumor", "A piece of news (a user event) spread by gossip from member to member until everyone has it."),
    ("rumors", "User events this node has received, spread by gossip from member to member."),
    ("suspicion", "The time a suspect has to refute before it is declared dead; it shrinks with each confirmation."),
];

/// The one-sentence definition of `label`, if it names a protocol term (or ends with one).
pub fn define(label: &str) -> Option<&'static str> {
    let key = label.trim().to_lowercase();
    let find = |k: &str| TERMS.iter().find(|(t, _)| *t == k).map(|(_, d)| *d);
    find(&key).or_else(|| {
        // "n2 match/next", "suspicion of n3": try the words after the first, then the first word.
        let mut words = key.split_whitespace();
        let first = words.next()?;
        let rest: Vec<&str> = words.collect();
        (!rest.is_empty())
            .then(|| find(&rest.join(" ")))
            .flatten()
            .or_else(|| find(first))
    })
}

/// `text` as a label: with its definition on hover and keyboard focus when it names a term, else plain.
pub fn term(text: &str) -> Html {
    match define(text) {
        Some(def) => html! {
            <span class="gloss" tabindex="0" title={def} data-tip={def}>{ text.to_string() }</span>
        },
        None => html! { <>{ text.to_string() }</> },
    }
}

/// A label `shown` whose definition is that of `key` (when the words differ from the term).
pub fn term_as(shown: &str, key: &str) -> Html {
    match define(key) {
        Some(def) => html! {
            <span class="gloss" tabindex="0" title={def} data-tip={def}>{ shown.to_string() }</span>
        },
        None => html! { <>{ shown.to_string() }</> },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_find_their_term() {
        assert!(define("Term").is_some());
        assert!(define("n2 match/next").unwrap().starts_with("Match"));
        assert!(define("suspicion of n3").is_some());
        assert!(define("pre-candidate").is_some());
        assert_eq!(define("seed"), None);
    }

    #[test]
    fn every_definition_is_one_sentence() {
        for (term, def) in TERMS {
            assert_eq!(
                term.to_lowercase(),
                *term,
                "terms are looked up in lower case"
            );
            assert!(def.ends_with('.'), "{term}");
            assert_eq!(def.matches(". ").count(), 0, "{term}: one sentence");
        }
    }
}
