//! Following a spread: the fact a command starts following (a failure, a rumor), the grid cells, and the
//! measured fraction of live nodes that know it, beside the theory's curve.

use super::*;

/// A spread being followed: since when, and the points so far.
#[derive(Clone, Debug)]
pub(super) struct Spread {
    pub(super) focus: Focus,
    pub(super) start: SimTime,
    pub(super) title: String,
    pub(super) measured: Vec<(f32, f32)>,
    pub(super) theory: Vec<(f32, f32)>,
    pub(super) label: String,
}

impl<E: Present> Run<E> {
    /// The fact a command starts following, with the chart's title.
    pub(super) fn focus_of(&self, command: &UiCommand) -> Option<(Focus, String)> {
        match command {
            UiCommand::Kill(n) if E::FOLLOWS_FAILURES => {
                Some((Focus::Failure { node: *n }, format!("n{n} seen dead")))
            }
            UiCommand::Client { node, words } => {
                let words: Vec<&str> = words.split_whitespace().collect();
                let cmd = E::parse_command(&words).ok()?;
                if !E::is_rumor(&cmd) {
                    return None;
                }
                let id = NodeId(*node);
                let known = match self.world.engine(id) {
                    Some(engine) => E::rumors(engine),
                    None => self
                        .views
                        .get(&id)?
                        .details
                        .iter()
                        .find(|(k, _)| k == "rumors")?
                        .1
                        .parse()
                        .ok()?,
                };
                Some((
                    Focus::Rumor { count: known + 1 },
                    format!("“{}” received", words[1..].join(" ")),
                ))
            }
            _ => None,
        }
    }

    pub(super) fn follow(&mut self, focus: Focus, title: String) {
        let (label, theory) =
            E::theory(self.world.engine_config(), self.setup.nodes, &focus).unwrap_or_default();
        self.spread = Some(Spread {
            focus,
            start: self.world.now(),
            title,
            measured: Vec::new(),
            theory,
            label,
        });
    }

    /// Each node's grid cell, and the spread chart's new point.
    pub(super) fn cells(&mut self) -> Vec<u8> {
        let focus = self.spread.as_ref().map(|s| s.focus);
        let cells: Vec<u8> = self
            .world
            .node_ids()
            .map(|id| {
                let status = match self.world.node_state(id) {
                    Some(NodeState::Up) | None => cell::UP,
                    Some(NodeState::Paused) => cell::PAUSED,
                    Some(NodeState::Down) => return cell::DOWN,
                };
                let flags = match self.world.engine(id) {
                    Some(engine) => E::flags(engine, focus.as_ref()),
                    None => self.flags.get(&id).copied().unwrap_or(0),
                };
                status | flags
            })
            .collect();
        if let Some(spread) = &mut self.spread {
            let skip = match spread.focus {
                Focus::Failure { node } => Some(node as usize - 1),
                Focus::Rumor { .. } => None,
            };
            let live = cells
                .iter()
                .enumerate()
                .filter(|(i, c)| Some(*i) != skip && *c & cell::STATUS != cell::DOWN);
            let (mut all, mut marked) = (0u32, 0u32);
            for (_, c) in live {
                all += 1;
                marked += u32::from(c & cell::MARKED != 0);
            }
            let t = self.world.now().since(spread.start).as_secs_f64() as f32;
            let y = if all == 0 {
                0.0
            } else {
                marked as f32 / all as f32
            };
            if spread.measured.last().is_none_or(|p| t > p.0) {
                spread.measured.push((t, y));
                if spread.measured.len() > MAX_SPREAD_POINTS {
                    // Keep the first point and every other one after it.
                    let kept: Vec<_> = spread
                        .measured
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| i % 2 == 0)
                        .map(|(_, p)| *p)
                        .collect();
                    spread.measured = kept;
                }
            }
        }
        cells
    }
}
