//! Lessons in the session (session/lesson.rs): pages land on the same state however the reader gets
//! there, the reader's commands fork, and a bad lesson is an error, not a crash.

use super::*;

const ELECTION: &str = include_str!("../../../../../static/lessons/01-election.lesson");
const SWIM: &str = include_str!("../../../../../static/lessons/15-swim-detection.lesson");

fn lesson_page(s: &mut Harness, page: usize) -> (String, u64, u64) {
    let f = s.send(UiCommand::LessonStep(page));
    assert!(f.error.is_none(), "page {page}: {:?}", f.error);
    assert_eq!(f.lesson.as_ref().map(|l| l.page), Some(page));
    (f.digest, f.events, f.time_us)
}

/// The digest `quorate lesson` reaches at the end of each step, natively.
fn native_step_digests<E: quorate_core::Scripted>(text: &str) -> Vec<String> {
    let lesson = quorate_lesson::Lesson::parse(text).unwrap();
    let mut run = quorate_lesson::LessonRun::<E>::new(&lesson, None).unwrap();
    let mut digests = Vec::new();
    while run.run_step(|_, _| {}).is_some() {
        digests.push(run.world().digest().to_string());
    }
    digests
}

#[test]
fn lesson_pages_land_on_the_same_state_however_the_reader_gets_there() {
    let native = native_step_digests::<quorate_raft::Raft>(ELECTION);
    for hosting in [Hosting::Inline, Hosting::PerNode] {
        let mut s = session(EngineKind::Demo, 3);
        let f = s.send(UiCommand::LoadLesson {
            text: ELECTION.to_string(),
            hosting,
        });
        let lesson = f.lesson.clone().expect("a lesson view");
        assert_eq!(f.engine, EngineKind::Raft);
        assert_eq!(
            (lesson.page, f.time_us),
            (0, 0),
            "it opens on the introduction"
        );
        assert_eq!(lesson.steps.len(), native.len());
        let last = lesson.last_page();
        // Forward one page at a time, each step's end as the CLI reaches it.
        let forward: Vec<_> = (1..=lesson.steps.len())
            .map(|p| lesson_page(&mut s, p))
            .collect();
        for (p, (digest, _, time)) in forward.iter().enumerate() {
            assert_eq!(digest, &native[p], "{hosting:?}: step {}", p + 1);
            assert_eq!(*time, lesson.steps[p].end_us);
        }
        // Back, then jumps in any order.
        for p in (1..lesson.steps.len()).rev() {
            assert_eq!(
                lesson_page(&mut s, p),
                forward[p - 1],
                "{hosting:?}: back to {p}"
            );
        }
        assert_eq!(lesson_page(&mut s, 3), forward[2]);
        assert_eq!(lesson_page(&mut s, 1), forward[0]);
        // Try it yourself: the last step's end, then the run goes on live.
        assert_eq!(lesson_page(&mut s, last), *forward.last().unwrap());
        let later = s.play(20);
        assert!(later.time_us > forward.last().unwrap().2);
    }
}

#[test]
fn the_readers_commands_fork_and_leave_the_lesson_as_written() {
    let mut s = session(EngineKind::Demo, 3);
    s.send(UiCommand::LoadLesson {
        text: ELECTION.to_string(),
        hosting: Hosting::Inline,
    });
    let step2 = lesson_page(&mut s, 2);
    let f = s.send(UiCommand::Kill(1));
    assert!(f.error.is_none(), "{:?}", f.error);
    assert_eq!(
        f.timeline.branch, 1,
        "a command on the lesson's branch forks"
    );
    s.play(10);
    let f = s.send(UiCommand::LessonStep(3));
    assert_eq!(f.timeline.branch, 0);
    assert_eq!(lesson_page(&mut s, 2), step2);
    assert_eq!(f.node(1).map(|n| n.status), Some(NodeStatus::Up));
}

#[test]
fn gossip_lessons_play_with_their_engine() {
    let native = native_step_digests::<quorate_gossip::Gossip>(SWIM);
    let mut s = session(EngineKind::Raft, 5);
    let f = s.send(UiCommand::LoadLesson {
        text: SWIM.to_string(),
        hosting: Hosting::Inline,
    });
    assert_eq!(f.engine, EngineKind::Gossip);
    assert_eq!(lesson_page(&mut s, 2).0, native[1]);
}

#[test]
fn a_bad_lesson_is_reported_and_the_run_goes_on() {
    let mut s = session(EngineKind::Demo, 3);
    let before = s.play(5);
    for (text, wanted) in [
        ("title \"x\"\nengine raft\nnodes 3\n", "line"),
        ("<script>alert(1)</script>", "line 1"),
        (
            "title \"x\"\nengine nope\nnodes 3\nseed 1\nstep \"a\" until 1s\nexpect up n1\ntry \"t\"\n",
            "nope",
        ),
        ("", "line"),
    ] {
        let f = s.send(UiCommand::LoadLesson {
            text: text.to_string(),
            hosting: Hosting::Inline,
        });
        let error = f.error.unwrap_or_default();
        assert!(error.contains(wanted), "{text:?}: {error}");
        assert_eq!(f.engine, EngineKind::Demo, "the run goes on");
        assert!(f.lesson.is_none());
        assert!(f.events >= before.events);
    }
    let f = s.send(UiCommand::LessonStep(1));
    assert_eq!(f.error.as_deref(), Some("no lesson is playing"));
    s.send(UiCommand::LoadLesson {
        text: ELECTION.to_string(),
        hosting: Hosting::Inline,
    });
    let f = s.send(UiCommand::LessonStep(99));
    assert!(f.error.unwrap_or_default().contains("not 99"));
    assert_eq!(f.lesson.map(|l| l.page), Some(0));
}

/// The player shows a lesson's title and introduction, read by `LessonIntro::read`, while the
/// lesson's run starts: for every lesson it reads what the lesson's parser reads.
#[test]
fn the_players_early_intro_is_the_lessons_own() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../static/lessons");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "lesson") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lesson = quorate_lesson::Lesson::parse(&text).unwrap();
        let early = quorate_view::lesson::LessonIntro::read(&text);
        assert_eq!(
            early.map(|i| (i.title, i.intro)),
            Some((lesson.title, lesson.intro)),
            "{}",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 20, "{seen} lessons in {dir}");
}

/// The page's table of lessons (`quorate_view::lesson::LESSONS`: file and engine, which picks the
/// player's orchestrator build before the lesson's text is here) is the index, in its order, with
/// each lesson's own engine.
#[test]
fn the_pages_lesson_table_is_the_index_and_the_lessons_engines() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../static/lessons");
    let index = std::fs::read_to_string(format!("{dir}/index.txt")).unwrap();
    let mut files = Vec::new();
    for file in index.lines().map(str::trim) {
        if file.is_empty() || file.starts_with('#') {
            continue;
        }
        let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        let lesson = quorate_lesson::Lesson::parse(&text).unwrap();
        let engine = EngineKind::parse(lesson.engine())
            .unwrap_or_else(|| panic!("{file}: engine `{}`", lesson.engine()));
        files.push((file.to_string(), engine));
    }
    let table: Vec<_> = quorate_view::lesson::LESSONS
        .iter()
        .map(|(file, engine)| (file.to_string(), *engine))
        .collect();
    assert_eq!(table, files);
    assert!(
        files.len() >= 20,
        "{} lessons in {dir}/index.txt",
        files.len()
    );
    for (file, engine) in &files {
        let name = quorate_view::lesson::lesson_name(file);
        assert_eq!(
            quorate_view::lesson::known_lesson(name),
            Some((file.as_str(), *engine))
        );
    }
    assert_eq!(quorate_view::lesson::known_lesson("no-such-lesson"), None);
}
