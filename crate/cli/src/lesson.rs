//! `quorate lesson FILE... [--seed N] [--trace] [--json]`: play lessons headless, step by step.
//!
//! Each step prints its title, narration and what to look at, then whether each of its expectations held
//! by the step's end. Exit 1 when any step of any lesson failed, 2 on a file that cannot be read or parsed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use quorate_core::Scripted;
use quorate_lesson::{Lesson, LessonRun, StepReport};

use crate::engines::{with_engine, NAMES};

#[derive(Args)]
pub struct LessonArgs {
    /// Lesson files (docs/lessons.md), or directories of them (every `*.lesson` inside, by name).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// World seed instead of the lesson's own (the story may then not hold: that is the point of trying).
    #[arg(long)]
    seed: Option<u64>,
    /// Print the trace lines of each step under it.
    #[arg(long)]
    trace: bool,
    /// Print one JSON line per lesson (title, seed, steps with failures) instead of the narration.
    #[arg(long)]
    json: bool,
    /// Print only failures and a one-line verdict per lesson.
    #[arg(long, short)]
    quiet: bool,
}

/// The lesson files named by `paths`: files as given, directories expanded to their `*.lesson` files.
pub fn lesson_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries =
                std::fs::read_dir(p).map_err(|e| format!("cannot list {}: {e}", p.display()))?;
            let mut found: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|f| f.extension().is_some_and(|x| x == "lesson"))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(format!("{}: no *.lesson files in it", p.display()));
            }
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

pub fn lesson(args: LessonArgs) -> Result<ExitCode, String> {
    let mut failed = 0;
    let files = lesson_files(&args.files)?;
    for path in &files {
        let reports = play(path, &args)?;
        let bad: usize = reports.iter().map(|r| r.failures.len()).sum();
        if bad > 0 {
            failed += 1;
        }
    }
    if files.len() > 1 && !args.json {
        println!(
            "{} lessons, {} held, {failed} failed",
            files.len(),
            files.len() - failed
        );
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Reads, parses and plays one lesson file, printing as `args` asks.
fn play(path: &Path, args: &LessonArgs) -> Result<Vec<StepReport>, String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let lesson = Lesson::parse(&text).map_err(|e| format!("{name}: {e}"))?;
    let engine = lesson.engine().to_string();
    let reports = with_engine!(engine.as_str(), E => play_with::<E>(&lesson, &name, args)?, _ => {
        return Err(format!(
            "{name}: line {}, column {}: unknown engine `{engine}` (known: {})",
            lesson.scenario.engine.line, lesson.scenario.engine.column, NAMES.join(", ")
        ))
    });
    Ok(reports)
}

fn play_with<E: Scripted>(
    lesson: &Lesson,
    name: &str,
    args: &LessonArgs,
) -> Result<Vec<StepReport>, String> {
    let seed = args.seed.unwrap_or(lesson.seed());
    let mut run = LessonRun::<E>::new(lesson, Some(seed)).map_err(|e| format!("{name}: {e}"))?;
    let narrate = !args.json && !args.quiet;
    if narrate {
        println!("== {} ({name}, seed {seed})", lesson.title);
        for p in &lesson.intro {
            println!("{}", wrap(p, "   "));
        }
    }
    let mut reports = Vec::new();
    loop {
        let index = run.next_step();
        let Some(step) = lesson.steps.get(index) else {
            break;
        };
        if narrate {
            println!(
                "\n-- step {}/{}: {} ({}..{})",
                index + 1,
                lesson.steps.len(),
                step.title,
                step.start,
                step.end
            );
            for p in &step.say {
                println!("{}", wrap(p, "   "));
            }
            if !step.look.is_empty() {
                let look: Vec<String> = step.look.iter().map(ToString::to_string).collect();
                println!("   look: {}", look.join(" "));
            }
        }
        let trace = args.trace && narrate;
        let Some(report) = run.run_step(|_, record| {
            if trace {
                println!("   | {record}");
            }
        }) else {
            break;
        };
        if !args.json {
            for f in &report.failures {
                println!(
                    "   FAILED {name}: step {} \"{}\": {}",
                    index + 1,
                    step.title,
                    f.message
                );
            }
            if narrate && report.failures.is_empty() {
                println!("   ok: {} expectation(s) held", step.expectations.len());
            }
        }
        reports.push(report);
    }
    let failures: usize = reports.iter().map(|r| r.failures.len()).sum();
    if args.json {
        let value = serde_json::json!({
            "lesson": name,
            "title": lesson.title,
            "engine": lesson.engine(),
            "seed": seed,
            "digest": run.world().digest().to_string(),
            "steps": reports,
        });
        println!("{value}");
    } else if narrate {
        println!();
        for t in &lesson.try_it {
            println!("{}", wrap(&format!("Try it: {t}"), "   "));
        }
        println!(
            "{}: {} steps, {}",
            name,
            reports.len(),
            if failures == 0 {
                "the story held".to_string()
            } else {
                format!("{failures} expectation(s) failed")
            }
        );
    } else {
        println!(
            "{} {name} ({} steps, seed {seed}){}",
            if failures == 0 { "ok    " } else { "FAILED" },
            reports.len(),
            if failures == 0 {
                String::new()
            } else {
                format!(": {failures} expectation(s) failed")
            }
        );
    }
    Ok(reports)
}

/// Wraps `text` at about 100 columns, each line after `indent`.
fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > 100 {
            out += indent;
            out += &line;
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line += word;
    }
    out += indent;
    out += &line;
    out
}
