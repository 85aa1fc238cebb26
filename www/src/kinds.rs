//! The colour of each message kind: the one table the ring's canvas and the space-time diagram (its
//! arrows and its legend) draw from, so that a kind reads the same in both views.

/// A message kind's colour on the page's theme (`light`: see `light_theme`), the kind as the engines
/// print it (`MsgApp`, `ping-req`). A request and its answer share a hue, the answer a lighter shade
/// where the two cross often (appends, votes); heartbeats are grey, as they are most of the traffic
/// while nothing happens. A kind not named here is tan. Each hue has a shade per theme: the dark
/// theme's reads on its dark panel, the light theme's is darker, at 3:1 or more against white.
pub fn colour(kind: &str, light: bool) -> &'static str {
    let (dark, on_light) = match kind {
        "MsgApp" | "MsgSnap" | "ping" => ("#58a6ff", "#0969da"),
        "MsgAppResp" => ("#79c0ff", "#218bff"),
        "MsgHeartbeat" | "MsgHeartbeatResp" | "beat" => ("#8b98a5", "#6e7781"),
        "MsgVote" | "MsgPreVote" => ("#f0883e", "#bc4c00"),
        "MsgVoteResp" | "MsgPreVoteResp" => ("#ffa657", "#d1600f"),
        "MsgTimeoutNow" | "ping-req" => ("#a371f7", "#8250df"),
        "ack" | "pong" => ("#3fb950", "#1a7f37"),
        "nack" => ("#f85149", "#cf222e"),
        "gossip" | "push-pull" | "push-pull-reply" => ("#39c5cf", "#1b7c83"),
        "MsgProp" | "MsgReadIndex" | "call" | "watch" | "cancel" => ("#db61a2", "#bf3989"),
        "MsgReadIndexResp" | "reply" | "events" => ("#f778ba", "#d0509a"),
        _ => ("#b08f6a", "#8a6a3e"),
    };
    if light {
        on_light
    } else {
        dark
    }
}

/// Whether a kind is drawn hollow: Raft's PreVote and its answer, in the colours of the vote they
/// come before, so that the two rounds of an election differ on the ring (an open dot) and in the
/// space-time diagram (a thin arrow) without another hue in a crowded palette.
pub fn hollow(kind: &str) -> bool {
    matches!(kind, "MsgPreVote" | "MsgPreVoteResp")
}

/// A message held on a cut link, whatever its kind, on the page's theme.
pub fn held(light: bool) -> &'static str {
    if light {
        "#9a6700"
    } else {
        "#d29922"
    }
}

/// Whether the page shows its light theme: the root's `data-theme`, else the system's preference
/// (as style.css decides). The player reads it as it draws; the playground passes its own theme
/// switch down to the views, so that a switch draws them again even while the run is paused.
pub fn light_theme() -> bool {
    let chosen = gloo::utils::document()
        .document_element()
        .and_then(|root| root.get_attribute("data-theme"));
    match chosen.as_deref() {
        Some("light") => true,
        Some("dark") => false,
        _ => crate::help::media_matches("(prefers-color-scheme: light)"),
    }
}

#[cfg(test)]
mod tests {
    use super::{colour, held, hollow};

    /// One kind of each colour (every arm of `colour`), and one it does not name.
    const KINDS: [&str; 12] = [
        "MsgApp",
        "MsgAppResp",
        "MsgHeartbeat",
        "MsgVote",
        "MsgVoteResp",
        "MsgTimeoutNow",
        "ack",
        "nack",
        "gossip",
        "MsgProp",
        "MsgReadIndexResp",
        "no such kind",
    ];

    /// WCAG's contrast ratio of two `#rrggbb` colours.
    fn contrast(a: &str, b: &str) -> f64 {
        let luminance = |hex: &str| {
            let channel = |i: usize| {
                let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")) / 255.0;
                if c <= 0.039_28 {
                    c / 12.92
                } else {
                    ((c + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
        };
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn heartbeats_are_grey_and_apart_from_appends_and_votes() {
        for light in [false, true] {
            assert_eq!(
                colour("MsgHeartbeatResp", light),
                colour("MsgHeartbeat", light)
            );
            let mut seen: Vec<&str> = KINDS.iter().map(|k| colour(k, light)).collect();
            seen.push(held(light));
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), KINDS.len() + 1, "light {light}: {seen:?}");
        }
        assert_eq!(colour("MsgHeartbeat", false), "#8b98a5");
        assert_eq!(colour("no such kind", true), "#8a6a3e");
    }

    #[test]
    fn every_colour_stands_out_from_its_themes_panel() {
        // style.css's --panel of each theme: graphics need 3:1 (WCAG 1.4.11).
        for (light, panel) in [(false, "#171e26"), (true, "#ffffff")] {
            for kind in KINDS.iter().copied() {
                let c = colour(kind, light);
                let ratio = contrast(c, panel);
                assert!(ratio >= 3.0, "{kind} {c} on {panel}: {ratio:.2}");
            }
            let ratio = contrast(held(light), panel);
            assert!(ratio >= 3.0, "held on {panel}: {ratio:.2}");
        }
    }

    #[test]
    fn a_pre_vote_is_its_vote_drawn_hollow() {
        for (pre, vote) in [("MsgPreVote", "MsgVote"), ("MsgPreVoteResp", "MsgVoteResp")] {
            assert!(hollow(pre) && !hollow(vote), "{pre} hollow, {vote} not");
            for light in [false, true] {
                assert_eq!(
                    colour(pre, light),
                    colour(vote, light),
                    "{pre} in {vote}'s colour"
                );
            }
        }
        for kind in KINDS {
            assert!(!hollow(kind), "{kind} is drawn filled");
        }
    }
}
