//! The colour of each message kind: the one table the ring's canvas and the space-time diagram (its
//! arrows and its legend) draw from, so that a kind reads the same in both views.

/// A message kind's colour, the kind as the engines print it (`MsgApp`, `ping-req`). A request and
/// its answer share a hue, the answer a lighter shade where the two cross often (appends, votes);
/// heartbeats are grey, as they are most of the traffic while nothing happens. A kind not named
/// here is tan.
pub fn colour(kind: &str) -> &'static str {
    match kind {
        "MsgApp" | "MsgSnap" | "ping" => "#58a6ff",
        "MsgAppResp" => "#79c0ff",
        "MsgHeartbeat" | "MsgHeartbeatResp" | "beat" => "#8b98a5",
        "MsgVote" | "MsgPreVote" => "#f0883e",
        "MsgVoteResp" | "MsgPreVoteResp" => "#ffa657",
        "MsgTimeoutNow" | "ping-req" => "#a371f7",
        "ack" | "pong" => "#3fb950",
        "nack" => "#f85149",
        "gossip" | "push-pull" | "push-pull-reply" => "#39c5cf",
        "MsgProp" | "MsgReadIndex" | "call" | "watch" | "cancel" => "#db61a2",
        "MsgReadIndexResp" | "reply" | "events" => "#f778ba",
        _ => "#b08f6a",
    }
}

#[cfg(test)]
mod tests {
    use super::colour;

    #[test]
    fn heartbeats_are_grey_and_apart_from_appends_and_votes() {
        assert_eq!(colour("MsgHeartbeat"), "#8b98a5");
        assert_eq!(colour("MsgHeartbeatResp"), colour("MsgHeartbeat"));
        let raft = [
            "MsgApp",
            "MsgAppResp",
            "MsgHeartbeat",
            "MsgVote",
            "MsgVoteResp",
        ];
        let mut seen: Vec<&str> = raft.iter().map(|k| colour(k)).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), raft.len(), "{seen:?}");
        assert_eq!(colour("no such kind"), "#b08f6a");
    }
}
