//! The Quorate playground UI: a Yew app that renders frames from the orchestrator worker.
//!
//! It depends on crate/view and the Yew stack only (DESIGN.md rule 3): it never holds engine state.

pub mod app;
pub mod automaton;
pub mod cards;
pub mod chart;
pub mod details;
pub mod embed;
pub mod eventlog;
pub mod faults;
pub mod glossary;
pub mod grid;
pub mod help;
pub mod hosting;
pub mod kinds;
pub mod lab;
pub mod lab_chart;
pub mod lab_figures;
pub mod lab_pool;
pub mod lamport;
pub mod lesson;
pub mod link;
pub mod loggrid;
pub mod pacing;
pub mod plot;
pub mod ring;
pub mod ring_layer;
pub mod stages;
pub mod systems;
pub mod throttle;
pub mod timeline;
pub mod url;
pub mod verdicts;
