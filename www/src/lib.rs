//! The Quorate playground: a Yew app that renders frames from the orchestrator worker.

mod app;
mod link;
mod ring;
mod url;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
