//! `quorate link '<page link>'`: replays a link made by the page's Link button, natively, and prints the
//! moment it lands on with its trace digest (the page shows the same digest).

use std::process::ExitCode;

use quorate_view::link::parse_fragment;
use quorate_view::{Hosting, RunSetup};
use quorate_worker::{Out, Session};

#[derive(clap::Args, Debug)]
pub struct LinkArgs {
    /// The page's address, or only its fragment (`#v=1&engine=raft&seed=...&log=...&at=...`).
    pub link: String,
    /// Print a JSON object instead of a line.
    #[arg(long)]
    pub json: bool,
}

pub fn link(args: LinkArgs) -> Result<ExitCode, String> {
    let fragment = args
        .link
        .split_once('#')
        .map_or(args.link.as_str(), |(_, f)| f);
    let wanted = parse_fragment(fragment)?;
    let seed = wanted
        .seed
        .ok_or("the link has no seed (seed=...): it names no run")?;
    let until = wanted
        .until
        .ok_or("the link has no moment (at=<events>.<µs>): make it with the page's Link button")?;
    let (_, out) = Session::new(RunSetup {
        engine: wanted.engine,
        seed,
        nodes: wanted.nodes,
        replay: wanted.replay,
        until: Some(until),
        hosting: Hosting::Inline,
        params: wanted.params,
    });
    let frame = out
        .into_iter()
        .find_map(|o| match o {
            Out::Frame(f) => Some(f),
            _ => None,
        })
        .ok_or("the replay produced no frame")?;
    if let Some(error) = &frame.error {
        return Err(format!("the link does not replay: {error}"));
    }
    if args.json {
        let doc = serde_json::json!({
            "engine": frame.engine.name(),
            "seed": frame.seed.to_string(),
            "nodes": frame.nodes.len(),
            "events": frame.events,
            "time_us": frame.time_us,
            "digest": frame.digest,
        });
        println!("{doc}");
    } else {
        println!(
            "engine {} seed {} nodes {} events {} time_us {} digest {}",
            frame.engine.name(),
            frame.seed,
            frame.nodes.len(),
            frame.events,
            frame.time_us,
            frame.digest
        );
    }
    Ok(ExitCode::SUCCESS)
}
