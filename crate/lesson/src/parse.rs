//! Parsing a lesson: narration lines are read here, every other line is the scenario format, parsed by
//! crate/sim with the line numbers of the lesson file.

use quorate_core::{Duration, NodeId};
use quorate_sim::scenario::{Action, ExpectKind, Scenario, Spanned};
use quorate_sim::WorldCommand;

use crate::lex::{words, Word};
use crate::{Lesson, LessonError, Look, Step, ELEMENTS};

/// The words that are the lesson's own; every other line goes to the scenario parser.
const NARRATION: &[&str] = &["title", "step", "say", "look", "try"];

/// A step as it is being read: its narration and the range of lines it covers.
struct Draft {
    title: String,
    line: usize,
    end: Duration,
    say: Vec<String>,
    look: Vec<Look>,
    /// Lesson lines (1-based) from the `step` line up to the next `step` or `try` line.
    lines: std::ops::Range<usize>,
}

pub fn parse(text: &str) -> Result<Lesson, LessonError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut title: Option<String> = None;
    let mut intro = Vec::new();
    let mut drafts: Vec<Draft> = Vec::new();
    let mut try_it = Vec::new();
    let mut first_try: Option<usize> = None;
    // The scenario text: narration lines blanked so the scenario parser reports the lesson's own line numbers.
    let mut scenario_text = String::new();
    // Where narration words appear, to check them against the scenario once it is parsed.
    let mut looks: Vec<(usize, usize, String)> = Vec::new();

    for (index, line) in lines.iter().enumerate() {
        let line_no = index + 1;
        let ws = words(line, line_no)?;
        let head = ws.first();
        let is_narration = head.is_some_and(|w| !w.quoted && NARRATION.contains(&w.text));
        if !is_narration {
            if let Some(head) = head {
                check_scenario_line(line_no, head, first_try, drafts.is_empty())?;
            }
            scenario_text.push_str(line);
            scenario_text.push('\n');
            continue;
        }
        scenario_text.push('\n');
        let head = &ws[0];
        let rest = &ws[1..];
        if let Some(try_line) = first_try {
            if head.text != "try" {
                return Err(LessonError::at(
                    line_no,
                    head.column,
                    format!("`try` (line {try_line}) closes the lesson: only more `try` lines may follow it"),
                ));
            }
        }
        match head.text {
            "title" => {
                let text = one_quoted(line_no, head, rest, "title \"<the lesson's title>\"")?;
                if title.is_some() {
                    return Err(LessonError::at(
                        line_no,
                        head.column,
                        "`title` is given twice",
                    ));
                }
                if !drafts.is_empty() {
                    return Err(LessonError::at(
                        line_no,
                        head.column,
                        "`title` belongs before the first `step`",
                    ));
                }
                title = Some(text);
            }
            "step" => {
                let usage = "step \"<title>\" until <time>";
                let (Some(name), Some(until), Some(time), None) =
                    (rest.first(), rest.get(1), rest.get(2), rest.get(3))
                else {
                    return Err(usage_error(line_no, head, rest, usage));
                };
                if !name.quoted {
                    return Err(LessonError::at(
                        line_no,
                        name.column,
                        "put the step's title in double quotes",
                    ));
                }
                if until.text != "until" || until.quoted {
                    return Err(LessonError::at(
                        line_no,
                        until.column,
                        format!("usage: {usage} (a step says when it ends)"),
                    ));
                }
                let end = Duration::parse(time.text).ok_or_else(|| {
                    LessonError::at(
                        line_no,
                        time.column,
                        format!("a time like 150ms, 1.5s or 2m, got `{}`", time.text),
                    )
                })?;
                if let Some(prev) = drafts.last_mut() {
                    if end <= prev.end {
                        return Err(LessonError::at(
                            line_no,
                            time.column,
                            format!(
                                "this step must end after the previous one (line {}, until {})",
                                prev.line, prev.end
                            ),
                        ));
                    }
                    prev.lines.end = line_no;
                } else if end == Duration::ZERO {
                    return Err(LessonError::at(
                        line_no,
                        time.column,
                        "the first step must end after 0s",
                    ));
                }
                drafts.push(Draft {
                    title: name.text.to_string(),
                    line: line_no,
                    end,
                    say: Vec::new(),
                    look: Vec::new(),
                    lines: line_no..usize::MAX,
                });
            }
            "say" => {
                let text = one_quoted(line_no, head, rest, "say \"<narration>\"")?;
                match drafts.last_mut() {
                    Some(d) => d.say.push(text),
                    None => intro.push(text),
                }
            }
            "look" => {
                let Some(step) = drafts.last_mut() else {
                    return Err(LessonError::at(
                        line_no,
                        head.column,
                        "`look` belongs inside a step (after a `step` line)",
                    ));
                };
                if rest.is_empty() {
                    return Err(usage_error(
                        line_no,
                        head,
                        rest,
                        "look <node | element | node:element>...",
                    ));
                }
                for w in rest {
                    let target = look_target(line_no, w)?;
                    if let Some(node) = target.node() {
                        looks.push((line_no, w.column, node.to_string()));
                    }
                    step.look.push(target);
                }
            }
            "try" => {
                let text = one_quoted(line_no, head, rest, "try \"<what the reader can try>\"")?;
                if drafts.is_empty() {
                    return Err(LessonError::at(
                        line_no,
                        head.column,
                        "`try` closes the lesson: it comes after the last step",
                    ));
                }
                if first_try.is_none() {
                    first_try = Some(line_no);
                    if let Some(last) = drafts.last_mut() {
                        last.lines.end = line_no;
                    }
                }
                try_it.push(text);
            }
            _ => unreachable!("NARRATION lists every word matched here"),
        }
    }

    let last_line = lines.len().max(1);
    let title = title
        .ok_or_else(|| LessonError::at(1, 1, "missing `title \"...\"` line naming the lesson"))?;
    let Some(last) = drafts.last_mut() else {
        return Err(LessonError::at(
            last_line,
            1,
            "a lesson needs at least one `step \"<title>\" until <time>` line",
        ));
    };
    if last.lines.end == usize::MAX {
        last.lines.end = lines.len() + 1;
    }
    if try_it.is_empty() {
        return Err(LessonError::at(
            last_line,
            1,
            "a lesson ends with a `try \"...\"` line: what the reader can try next",
        ));
    }
    let end = last.end;
    scenario_text.push_str(&format!("run {end}\n"));
    let scenario = Scenario::parse(&scenario_text).map_err(LessonError::from)?;
    if scenario.seed.is_none() {
        return Err(LessonError::at(
            1,
            1,
            "missing `seed <number>` line: a lesson tells one story, which needs one seed",
        ));
    }
    check_looks(&scenario, &looks)?;

    let mut steps = Vec::with_capacity(drafts.len());
    let mut start = Duration::ZERO;
    for (i, d) in drafts.into_iter().enumerate() {
        let in_step = |line: usize| d.lines.contains(&line);
        for action in scenario.actions.iter().filter(|a| in_step(a.line)) {
            check_action_time(action, i, start, d.end)?;
        }
        let mut expectations = Vec::new();
        for e in scenario.expectations.iter().filter(|e| in_step(e.line)) {
            expectations.push(step_window(e, start, d.end)?);
        }
        if expectations.is_empty() {
            return Err(LessonError::at(
                d.line,
                1,
                format!(
                    "step \"{}\" has no `expect` line: every step checks what it narrates",
                    d.title
                ),
            ));
        }
        let text = (d.lines.start + 1..d.lines.end.min(lines.len() + 1))
            .filter_map(|n| lines.get(n - 1))
            .filter(|l| is_scenario_line(l))
            .map(|l| l.trim())
            .collect::<Vec<_>>()
            .join("\n");
        steps.push(Step {
            title: d.title,
            line: d.line,
            say: d.say,
            look: d.look,
            text,
            start,
            end: d.end,
            expectations,
        });
        start = d.end;
    }
    let setup = lines
        .iter()
        .take(steps.first().map_or(0, |s| s.line - 1))
        .filter(|l| is_scenario_line(l))
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Lesson {
        title,
        intro,
        setup,
        steps,
        try_it,
        scenario,
    })
}

/// A non-empty line that is not narration (comments do not count).
fn is_scenario_line(line: &str) -> bool {
    match words(line, 0) {
        Ok(ws) => ws
            .first()
            .is_some_and(|w| w.quoted || !NARRATION.contains(&w.text)),
        Err(_) => false,
    }
}

/// Scenario lines a lesson handles differently from a plain scenario.
fn check_scenario_line(
    line: usize,
    head: &Word,
    first_try: Option<usize>,
    before_steps: bool,
) -> Result<(), LessonError> {
    if let Some(try_line) = first_try {
        return Err(LessonError::at(
            line,
            head.column,
            format!(
                "`try` (line {try_line}) closes the lesson: only more `try` lines may follow it"
            ),
        ));
    }
    match head.text {
        "run" => Err(LessonError::at(
            line,
            head.column,
            "a lesson has no `run` line: it runs until its last step ends",
        )),
        "at" | "expect" if before_steps => Err(LessonError::at(
            line,
            head.column,
            format!(
                "`{}` lines belong inside a step; before the first `step` only setup lines \
                 (engine, nodes, seed, link, param) and the `title` and `say` narration",
                head.text
            ),
        )),
        "engine" | "nodes" | "seed" | "link" | "param" if !before_steps => Err(LessonError::at(
            line,
            head.column,
            format!(
                "`{}` is a setup line: put it before the first `step`",
                head.text
            ),
        )),
        _ => Ok(()),
    }
}

fn one_quoted(line: usize, head: &Word, rest: &[Word], usage: &str) -> Result<String, LessonError> {
    match rest {
        [w] if w.quoted => Ok(w.text.to_string()),
        [w] => Err(LessonError::at(
            line,
            w.column,
            format!("put the text in double quotes: {usage}"),
        )),
        _ => Err(usage_error(line, head, rest, usage)),
    }
}

fn usage_error(line: usize, head: &Word, rest: &[Word], usage: &str) -> LessonError {
    let column = rest.last().map_or(head.column, |w| w.column);
    LessonError::at(line, column, format!("usage: {usage}"))
}

fn look_target(line: usize, w: &Word) -> Result<Look, LessonError> {
    let element = |name: &str, column: usize| {
        if ELEMENTS.contains(&name) {
            Ok(name.to_string())
        } else {
            Err(LessonError::at(
                line,
                column,
                format!(
                    "`{name}` is neither a node (n1, n2, ...) nor a part of the page ({})",
                    ELEMENTS.join(", ")
                ),
            ))
        }
    };
    if w.quoted {
        return Err(LessonError::at(
            line,
            w.column,
            "`look` names nodes and parts of the page without quotes",
        ));
    }
    if let Some((node, part)) = w.text.split_once(':') {
        let id = NodeId::parse(node).ok_or_else(|| {
            LessonError::at(
                line,
                w.column,
                format!("before `:` comes a node like n1, got `{node}`"),
            )
        })?;
        let column = w.column + node.chars().count() + 1;
        return Ok(Look::NodeElement(id, element(part, column)?));
    }
    match NodeId::parse(w.text) {
        Some(id) => Ok(Look::Node(id)),
        None => Ok(Look::Element(element(w.text, w.column)?)),
    }
}

/// Every node a `look` names exists (from the start or added by the scenario).
fn check_looks(scenario: &Scenario, looks: &[(usize, usize, String)]) -> Result<(), LessonError> {
    for (line, column, node) in looks {
        let Some(id) = NodeId::parse(node) else {
            continue;
        };
        let exists = (1..=scenario.nodes).contains(&id.0)
            || scenario
                .actions
                .iter()
                .any(|a| matches!(a.value.kind, WorldCommand::AddNode(n) if n == id));
        if !exists {
            return Err(LessonError::at(
                *line,
                *column,
                format!(
                    "there is no node {id}: this lesson has n1..n{}",
                    scenario.nodes
                ),
            ));
        }
    }
    Ok(())
}

/// A step's actions happen during the step: after it starts (the first step: from 0) and by its end.
fn check_action_time(
    action: &Spanned<Action>,
    step: usize,
    start: Duration,
    end: Duration,
) -> Result<(), LessonError> {
    let at = action.value.at;
    let after_start = if step == 0 { at >= start } else { at > start };
    if after_start && at <= end {
        return Ok(());
    }
    let why = if !after_start {
        format!(
            "the step starts at {start} (the previous step runs everything up to and at that time)"
        )
    } else {
        format!("the step ends at {end}")
    };
    Err(LessonError::at(
        action.line,
        1,
        format!("`at {at}` falls outside its step: {why}"),
    ))
}

/// An expectation inside a step: its window defaults to the step and may not reach outside it.
fn step_window(
    e: &Spanned<quorate_sim::scenario::Expectation>,
    start: Duration,
    end: Duration,
) -> Result<Spanned<quorate_sim::scenario::Expectation>, LessonError> {
    let mut e = e.clone();
    let x = &mut e.value;
    if matches!(x.kind, ExpectKind::Event | ExpectKind::Trace) {
        if let Some(by) = x.by {
            if by > end {
                return Err(LessonError::at(
                    e.line,
                    e.column,
                    format!("`by {by}` is after this step ends ({end}): the step must show what it narrates"),
                ));
            }
        }
        if let Some(after) = x.after {
            if after < start {
                return Err(LessonError::at(
                    e.line,
                    e.column,
                    format!("`after {after}` is before this step starts ({start})"),
                ));
            }
        }
        x.after = Some(x.after.unwrap_or(start));
        x.by = Some(x.by.unwrap_or(end));
    }
    Ok(e)
}
