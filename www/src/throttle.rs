//! Panels that change every frame but need not be read at 60 Hz (the clock, event count and digest,
//! the timeline, the event log) are drawn from a frame kept for `EVERY` frames while a run plays, and
//! from every frame when it is paused. The ring animates every frame.
//!
//! The clock at the top of the page and the ring below it changing in the same frame made the browser
//! repaint and composite nearly the whole window (the damage is one rectangle around both) in every
//! frame; the event log's text was laid out and painted again in every frame although nobody reads
//! sixty lines sixty times a second.

use yew::prelude::*;

/// While playing, the slow panels are drawn again every `EVERY`-th frame (15 times a second at 60).
pub const EVERY: u64 = 4;

/// What changes when the slow panels are to be drawn again: every `EVERY`-th frame while playing,
/// every frame while paused (a step, a seek or a pause shows at once).
pub fn beat(frames: u64, playing: bool) -> (bool, u64) {
    beat_at(frames, playing, 0)
}

/// The same, `phase` frames early: the event log beats halfway between the clock's beats, so the
/// two are not laid out and painted in the same frame.
pub fn beat_at(frames: u64, playing: bool, phase: u64) -> (bool, u64) {
    if playing {
        (true, (frames + phase) / EVERY)
    } else {
        (false, frames)
    }
}

/// `value` as it was at the last beat.
#[hook]
pub fn use_slow<T: Clone + 'static>(value: &T, frames: u64, playing: bool) -> std::rc::Rc<T> {
    let value = value.clone();
    use_memo(beat(frames, playing), move |_| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playing_beats_every_few_frames_paused_every_frame() {
        let beats = |playing| {
            (1..=12)
                .map(|f| beat(f, playing))
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        };
        assert_eq!(
            beats(true),
            4,
            "frames 1..=12 make four beats while playing"
        );
        assert_eq!(beats(false), 12);
        assert_ne!(
            beat(8, true),
            beat(8, false),
            "pausing draws the last frame"
        );
        let changes = |phase| {
            (1..=12)
                .filter(|&f| beat_at(f, true, phase) != beat_at(f - 1, true, phase))
                .collect::<Vec<_>>()
        };
        assert_eq!(changes(0), [4, 8, 12]);
        assert_eq!(changes(2), [2, 6, 10], "half a beat apart");
    }
}
