//! A lesson as the page draws it: title, narration per step, what each step points at, and where the
//! reader is. The orchestrator parses the lesson (crate/lesson) and sends this with every frame.

use serde::{Deserialize, Serialize};

use crate::EngineKind;

/// A lesson being played.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonView {
    pub title: String,
    /// Paragraphs before the first step.
    pub intro: Vec<String>,
    pub steps: Vec<LessonStepView>,
    /// What the reader can try on their own at the end.
    pub try_it: Vec<String>,
    /// Where the reader is: 0 is the introduction (the run at time zero), `k` in `1..=steps.len()` is
    /// the end of step `k`, and `steps.len() + 1` is "try it yourself" (the end of the last step, the
    /// controls handed to the reader).
    /// Invariant: `page <= steps.len() + 1`.
    pub page: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonStepView {
    pub title: String,
    pub say: Vec<String>,
    /// What the page highlights: a node (`n3`), a part of the page (`log`), a part on a node (`n1:log`).
    pub look: Vec<String>,
    /// When the step ends, simulated µs.
    pub end_us: u64,
}

impl LessonView {
    /// The "try it yourself" page, the last one.
    pub fn last_page(&self) -> usize {
        self.steps.len() + 1
    }

    pub fn trying(&self) -> bool {
        self.page == self.last_page()
    }

    /// The step shown on the current page, if the page is a step.
    pub fn step(&self) -> Option<&LessonStepView> {
        self.page.checked_sub(1).and_then(|i| self.steps.get(i))
    }

    /// The nodes the current step points at (`n3` and `n3:log` both name node 3).
    pub fn looked_nodes(&self) -> Vec<u32> {
        let mut nodes: Vec<u32> = self
            .step()
            .map(|s| {
                s.look
                    .iter()
                    .filter_map(|l| {
                        let node = l.split(':').next()?;
                        node.strip_prefix('n')?.parse().ok()
                    })
                    .collect()
            })
            .unwrap_or_default();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }

    /// Whether the current step points at a part of the page (`log`, `n1:log`...).
    pub fn looks_at(&self, part: &str) -> bool {
        self.step().is_some_and(|s| {
            s.look
                .iter()
                .any(|l| l == part || l.rsplit(':').next() == Some(part))
        })
    }
}

/// The name a lesson goes by in a URL (`election` for `01-election.lesson`): the file name without
/// its number and extension.
pub fn lesson_name(file: &str) -> &str {
    let stem = file.strip_suffix(".lesson").unwrap_or(file);
    match stem.split_once('-') {
        Some((number, rest)) if number.chars().all(|c| c.is_ascii_digit()) => rest,
        _ => stem,
    }
}

/// Checks a lesson name taken from a URL or a message: lower-case letters, digits and dashes, at
/// most 64 of them. The page only ever uses a name to pick a file from `lessons/index.txt`.
pub fn check_lesson_name(name: &str) -> Result<&str, String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(name)
    } else {
        Err(format!(
            "a lesson name may hold only lower-case letters, digits and dashes; `{}` was refused",
            name.chars()
                .take(40)
                .filter(|c| !c.is_control())
                .collect::<String>()
        ))
    }
}

/// Every lesson the site serves, in `lessons/index.txt`'s order: its file and the engine it runs.
/// The player reads a lesson's file and its orchestrator build from here, without waiting for the
/// index; a test (crate/worker's `session::tests::lessons`) holds it to the index and the lessons'
/// own `engine` lines, so it cannot go stale.
pub const LESSONS: &[(&str, EngineKind)] = &[
    ("01-election.lesson", EngineKind::Raft),
    ("02-split-vote.lesson", EngineKind::Raft),
    ("03-log-replication.lesson", EngineKind::Raft),
    ("04-leader-crash.lesson", EngineKind::Raft),
    ("05-stale-leader.lesson", EngineKind::Raft),
    ("06-log-repair.lesson", EngineKind::Raft),
    ("07-disruptive-rejoin.lesson", EngineKind::Raft),
    ("08-prevote.lesson", EngineKind::Raft),
    ("09-checkquorum.lesson", EngineKind::Raft),
    ("10-stale-read.lesson", EngineKind::Kv),
    ("11-read-index.lesson", EngineKind::Kv),
    ("12-snapshot.lesson", EngineKind::Raft),
    ("13-membership.lesson", EngineKind::Raft),
    ("14-transfer.lesson", EngineKind::Raft),
    ("15-swim-detection.lesson", EngineKind::Gossip),
    ("16-suspicion-refutation.lesson", EngineKind::Gossip),
    ("17-slow-node-no-lifeguard.lesson", EngineKind::Gossip),
    ("18-lifeguard.lesson", EngineKind::Gossip),
    ("19-rumor-spread.lesson", EngineKind::Gossip),
    ("20-consul-lock.lesson", EngineKind::Consul),
    ("21-etcd-lock.lesson", EngineKind::Etcd),
];

/// The file and engine of the lesson a URL or a message names (`election`), if the site has it.
pub fn known_lesson(name: &str) -> Option<(&'static str, EngineKind)> {
    LESSONS
        .iter()
        .copied()
        .find(|(file, _)| lesson_name(file) == name)
}

/// Largest page number a link may name; the lesson itself bounds it further.
pub const MAX_LINK_PAGE: usize = 999;

/// A link to a lesson, or to one of its pages: `#lesson=<name>` or `#lesson=<name>&step=<k>`, where
/// `k` is a page as in `LessonView::page` (0 the introduction, `1..=n` the end of step `k`, `n + 1`
/// "try it yourself").
#[derive(Clone, Debug, PartialEq)]
pub struct LessonLink {
    pub name: String,
    pub step: Option<usize>,
}

/// Reads `lesson` and `step` from a URL fragment: `Ok(None)` when it names no lesson, an error naming
/// the bad value otherwise. Whether the lesson has that step is known only once it is loaded (see
/// `check_link_step`).
pub fn parse_lesson_link(fragment: &str) -> Result<Option<LessonLink>, String> {
    let mut name = None;
    let mut step = None;
    for pair in fragment
        .trim_start_matches('#')
        .split('&')
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=').unwrap_or((pair, "")) {
            ("lesson", value) => name = Some(check_lesson_name(value)?.to_string()),
            ("step", value) => {
                step = Some(
                    value
                        .parse::<usize>()
                        .ok()
                        .filter(|k| *k <= MAX_LINK_PAGE)
                        .ok_or_else(|| {
                            format!(
                                "step in the URL must be a whole number from 0 to {MAX_LINK_PAGE}, got `{}`",
                                quote(value)
                            )
                        })?,
                )
            }
            _ => {}
        }
    }
    match (name, step) {
        (Some(name), step) => Ok(Some(LessonLink { name, step })),
        (None, Some(_)) => Err("step in the URL needs a lesson (`#lesson=<name>&step=<k>`)".into()),
        (None, None) => Ok(None),
    }
}

/// Checks a linked page against the loaded lesson.
pub fn check_link_step(name: &str, step: usize, lesson: &LessonView) -> Result<usize, String> {
    let last = lesson.last_page();
    if step <= last {
        Ok(step)
    } else {
        Err(format!(
            "step in the URL: lesson `{name}` has steps 1 to {} (0 is its introduction, {last} \"try it yourself\"), not {step}",
            lesson.steps.len()
        ))
    }
}

/// The link to a page of a lesson.
pub fn lesson_link(name: &str, page: usize) -> String {
    if page == 0 {
        format!("#lesson={name}")
    } else {
        format!("#lesson={name}&step={page}")
    }
}

/// At most 40 printable characters of a refused value.
fn quote(value: &str) -> String {
    value.chars().take(40).filter(|c| !c.is_control()).collect()
}

/// A lesson's title and introduction, read straight from its text: what the player shows while the
/// lesson's run starts in the orchestrator, which parses the whole lesson (crate/lesson). Reads only
/// `title "…"` and `say "…"` lines before the first `step`; `None` when the text has no title there
/// (the orchestrator then reports what is wrong with it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LessonIntro {
    pub title: String,
    pub intro: Vec<String>,
}

impl LessonIntro {
    pub fn read(text: &str) -> Option<LessonIntro> {
        let mut title = None;
        let mut intro = Vec::new();
        for line in text.lines() {
            let line = line.trim_start();
            let (head, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            match head {
                "step" | "try" => break,
                "title" => title = Some(quoted(rest)?),
                "say" => intro.push(quoted(rest)?),
                _ => {}
            }
        }
        Some(LessonIntro {
            title: title?,
            intro,
        })
    }
}

/// The text between the quotes of `"…"` (the lesson format has no escapes inside quotes).
fn quoted(rest: &str) -> Option<String> {
    let inner = rest.trim().strip_prefix('"')?;
    Some(inner[..inner.find('"')?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_intro_is_read_up_to_the_first_step() {
        let text = "# a comment\ntitle \"Elections\"\nengine raft\nsay \"One.\"\nsay \"Two # not a comment.\"\n\nstep \"s\" until 1s\nsay \"Not the intro.\"\n";
        let intro = LessonIntro::read(text).expect("an intro");
        assert_eq!(intro.title, "Elections");
        assert_eq!(intro.intro, ["One.", "Two # not a comment."]);
        assert_eq!(LessonIntro::read("engine raft\nsay \"x\"\n"), None);
        assert_eq!(LessonIntro::read("title \"open\n"), None);
    }

    #[test]
    fn names_come_from_files() {
        assert_eq!(lesson_name("01-election.lesson"), "election");
        assert_eq!(
            lesson_name("17-slow-node-no-lifeguard.lesson"),
            "slow-node-no-lifeguard"
        );
        assert_eq!(lesson_name("intro.lesson"), "intro");
    }

    #[test]
    fn script_like_names_are_refused() {
        assert!(check_lesson_name("election").is_ok());
        assert!(check_lesson_name("<script>alert(1)</script>").is_err());
        assert!(check_lesson_name("../secret").is_err());
        assert!(check_lesson_name("").is_err());
    }

    #[test]
    fn looks_name_nodes_and_parts() {
        let view = LessonView {
            steps: vec![LessonStepView {
                look: vec!["n3".into(), "n1:log".into(), "timer".into()],
                ..LessonStepView::default()
            }],
            page: 1,
            ..LessonView::default()
        };
        assert_eq!(view.looked_nodes(), vec![1, 3]);
        assert!(view.looks_at("log"));
        assert!(view.looks_at("timer"));
        assert!(!view.looks_at("members"));
    }

    #[test]
    fn lesson_links_name_a_page_and_bad_ones_say_what_is_wrong() {
        assert_eq!(parse_lesson_link("#engine=raft&seed=3"), Ok(None));
        assert_eq!(
            parse_lesson_link("#lesson=leader-crash"),
            Ok(Some(LessonLink {
                name: "leader-crash".into(),
                step: None
            }))
        );
        assert_eq!(
            parse_lesson_link("#lesson=leader-crash&step=3"),
            Ok(Some(LessonLink {
                name: "leader-crash".into(),
                step: Some(3)
            }))
        );
        let link = lesson_link("election", 2);
        assert_eq!(parse_lesson_link(&link).unwrap().unwrap().step, Some(2));
        assert_eq!(lesson_link("election", 0), "#lesson=election");
        for (bad, says) in [
            ("#lesson=election&step=two", "step in the URL"),
            ("#lesson=election&step=-1", "step in the URL"),
            (
                "#lesson=election&step=99999999999999999999999",
                "step in the URL",
            ),
            ("#lesson=election&step=<script>", "step in the URL"),
            ("#step=2", "needs a lesson"),
            ("#lesson=<img>&step=1", "lesson name may hold"),
        ] {
            let message = parse_lesson_link(bad).unwrap_err();
            assert!(message.contains(says), "{bad}: {message}");
        }
        let lesson = LessonView {
            steps: vec![LessonStepView::default(); 4],
            ..LessonView::default()
        };
        assert_eq!(check_link_step("x", 5, &lesson), Ok(5));
        let message = check_link_step("x", 6, &lesson).unwrap_err();
        assert!(
            message.contains("steps 1 to 4") && message.contains("not 6"),
            "{message}"
        );
    }
}
