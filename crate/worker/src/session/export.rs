//! A run as JSON: export (setup, command log, digest and the trace, replayed to check it) and import.

use super::*;

/// Trace lines an export carries at most.
const MAX_EXPORT_LINES: usize = 200_000;
/// The export format's name and version.
const EXPORT_FORMAT: &str = "quorate-trace";
const EXPORT_VERSION: u64 = 1;

impl<E: Present> Run<E> {
    pub(super) fn export(&self) -> Result<String, String> {
        let here = Target::Moment(self.world.events(), self.world.now().as_micros());
        let (mut world, _, _) = self.rebuild(here, TraceMode::Keep);
        if world.digest() != self.world.digest() {
            return Err(format!(
                "the replay's digest {} differs from the run's {}",
                world.digest(),
                self.world.digest()
            ));
        }
        let records = world.take_records();
        let truncated = records.len() > MAX_EXPORT_LINES;
        let mut trace = Vec::with_capacity(records.len().min(MAX_EXPORT_LINES) + 1);
        trace.push(world.header());
        trace.extend(records.iter().take(MAX_EXPORT_LINES).map(|r| r.to_string()));
        let shared = &self.current().shared[..self.next_command];
        let doc = serde_json::json!({
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "engine": self.setup.engine.name(),
            "seed": self.setup.seed.to_string(),
            "nodes": self.setup.nodes,
            "params": quorate_view::params::encode(&self.setup.params),
            "log": encode_log(shared),
            "events": self.world.events(),
            "time_us": self.world.now().as_micros(),
            "digest": self.world.digest().to_string(),
            "truncated": truncated,
            "trace": trace,
        });
        serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())
    }
}

/// Reads an export: the run to start and the digest it must reproduce.
pub(super) fn import(json: &str) -> Result<(RunSetup, String), String> {
    let doc: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("not JSON ({e})"))?;
    let field = |name: &str| {
        doc.get(name)
            .ok_or_else(|| format!("the field \"{name}\" is missing"))
    };
    let text = |name: &str| {
        field(name)?
            .as_str()
            .ok_or_else(|| format!("the field \"{name}\" must be a string"))
    };
    let number = |name: &str| {
        field(name)?
            .as_u64()
            .ok_or_else(|| format!("the field \"{name}\" must be a whole number"))
    };
    if text("format")? != EXPORT_FORMAT {
        return Err(format!("the field \"format\" must be \"{EXPORT_FORMAT}\""));
    }
    let version = number("version")?;
    if version != EXPORT_VERSION {
        return Err(format!(
            "version {version} is not supported (this page reads version {EXPORT_VERSION})"
        ));
    }
    let engine_name = text("engine")?;
    let engine = EngineKind::parse(engine_name)
        .ok_or_else(|| format!("unknown engine \"{engine_name}\""))?;
    let seed: u64 = text("seed")?
        .parse()
        .map_err(|_| "the field \"seed\" must be a whole number in a string".to_string())?;
    let nodes = number("nodes")?;
    if !(1..=u64::from(MAX_NODES)).contains(&nodes) {
        return Err(format!("\"nodes\" must be 1 to {MAX_NODES}, got {nodes}"));
    }
    let replay = decode_log(text("log")?)?;
    // Exports made before runs had parameters carry none.
    let params = match doc.get("params") {
        None => Vec::new(),
        Some(_) => quorate_view::params::decode(engine, text("params")?)?,
    };
    let events = number("events")?;
    let time_us = number("time_us")?;
    let digest = text("digest")?.to_string();
    Ok((
        RunSetup {
            engine,
            seed,
            nodes: nodes as u32,
            replay,
            until: Some((events, time_us)),
            hosting: quorate_view::Hosting::Inline,
            params,
        },
        digest,
    ))
}
