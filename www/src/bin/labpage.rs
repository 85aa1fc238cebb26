//! The lab page's app (`lab.html`): the measurement lab, without the playground. It runs its own
//! pool of lab workers (`lab.js`), not the orchestrator.

fn main() {
    yew::Renderer::<quorate_www::lab::LabPage>::new().render();
}
